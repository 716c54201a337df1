"""Choosing children over GraphQL: the 20, the tracked 5-7, sampling; meetings, people, consent."""

from __future__ import annotations

import strawberry


@strawberry.type
class SelectionMutations:
    """Mutations of choosing children and arranging the fieldwork; Mutation inherits them."""
