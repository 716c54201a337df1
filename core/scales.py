"""Answer scales that several inspectorates' forms share, so that evidence compares across them."""

from __future__ import annotations

from core.contributions import Choice

# How consistently a practice was seen, for questions asking "to what extent".
EXTENT: tuple[Choice, ...] = (
    Choice("CONSISTENTLY", "Consistently"),
    Choice("MOSTLY", "Mostly"),
    Choice("INCONSISTENTLY", "Inconsistently"),
    Choice("RARELY", "Rarely or never"),
    Choice("NOT_SEEN", "Not seen in the evidence"),
)
