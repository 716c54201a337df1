"""The context every resolver receives: the request's state (``base.context``) plus the batch
loaders and the catalogue of evidence types this schema was built with."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import strawberry

from core import models as m
from core.graphql.base.context import RequestContext
from core.graphql.base.context import root_field as root_field  # re-exported for the resolvers
from core.graphql.loaders import Loaders


class EvidenceTypes(Protocol):
    """What resolvers use of ``core.graphql.evidence.EvidenceCatalog``. A protocol, because the
    catalogue builds node types whose resolvers take this context."""

    @property
    def output_types(self) -> list[type]: ...

    def to_node(self, row: m.EvidenceRecord) -> Any: ...

    def answered_codes(self, node: Any) -> set[str]: ...


@dataclass
class Context(RequestContext):
    evidence_types: EvidenceTypes = field(kw_only=True)

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self)


Info = strawberry.Info[Context, Any]
