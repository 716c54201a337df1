"""Global IDs as the graph gives them (core.ids is the one definition)."""

from __future__ import annotations

import base64

from core.ids import global_id as gid

__all__ = ["gid", "gid_number", "gid_text"]


def gid_text(type_name: str, text: str) -> str:
    """A global ID carrying any text after the type, for ids no row can have ('²', '01')."""
    return base64.b64encode(f"{type_name}:{text}".encode()).decode()


def gid_number(global_id: str) -> str:
    """The row id a global ID carries, as text."""
    return base64.b64decode(global_id).decode().partition(":")[2]
