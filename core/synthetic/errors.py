"""The one error of the generator."""

from __future__ import annotations


class GenerateError(ValueError):
    """The generator cannot run as asked; the message says what to change."""
