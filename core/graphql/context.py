"""The context every resolver receives: the request's state (``base.context``) plus the batch
loaders and the catalogue of evidence types this schema was built with."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import strawberry

from core.graphql.base.context import RequestContext
from core.graphql.base.context import root_field as root_field  # re-exported for the resolvers

if TYPE_CHECKING:
    from core.graphql.evidence import EvidenceCatalog
    from core.graphql.loaders import Loaders


@dataclass
class Context(RequestContext):
    evidence_types: EvidenceCatalog = field(kw_only=True)

    @cached_property
    def loaders(self) -> Loaders:
        from core.graphql.loaders import Loaders

        return Loaders(self)


Info = strawberry.Info[Context, Any]
