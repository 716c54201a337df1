"""Document requests over GraphQL: issuing, the tracker, uploads of documents and lists."""

from __future__ import annotations

import strawberry


@strawberry.type
class RequestMutations:
    """Mutations of the request workflow; the schema's Mutation type inherits them."""
