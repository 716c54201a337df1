"""How big an uploaded list may be: checked before a file's cells are materialised.

No file, however it was made, may crash, stall or bloat the server, so every size that costs memory
or time while a list is read is bounded here. The defaults fit the largest real Annex A list with
room to spare (a big authority's three-month contacts list is some tens of thousands of rows by 25
columns) and stop what is not a list: core/settings.py reads each from its JTAI_* variable, and a
refusal names the limit and that variable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ListLimits:
    """The limits one read of a list works within; the defaults are the settings' defaults."""

    max_rows: int = 200_000
    max_columns: int = 200
    # Rows x columns of the grid as read (blank cells included): what holds memory, ~8 bytes a
    # blank cell and ~60 a written one. 200,000 rows of 25 columns.
    max_cells: int = 5_000_000
    max_cell_chars: int = 10_000
    # What an XLSX (a zip archive) may decompress to, in all, and the ratio any part larger than a
    # mebibyte may have: real sheets compress 5-20 times, a zip bomb a thousand.
    xlsx_max_uncompressed_bytes: int = 250_000_000
    xlsx_max_compression_ratio: int = 100
    xlsx_max_shared_strings: int = 1_000_000
    xlsx_max_parts: int = 1_000


DEFAULT_LIMITS = ListLimits()

# The environment variable that sets each limit, named in the messages of refused files.
SETTING_NAMES = {
    "max_rows": "JTAI_LIST_MAX_ROWS",
    "max_columns": "JTAI_LIST_MAX_COLUMNS",
    "max_cells": "JTAI_LIST_MAX_CELLS",
    "max_cell_chars": "JTAI_LIST_MAX_CELL_CHARS",
    "xlsx_max_uncompressed_bytes": "JTAI_XLSX_MAX_UNCOMPRESSED_BYTES",
    "xlsx_max_compression_ratio": "JTAI_XLSX_MAX_COMPRESSION_RATIO",
    "xlsx_max_shared_strings": "JTAI_XLSX_MAX_SHARED_STRINGS",
    "xlsx_max_parts": "JTAI_XLSX_MAX_PARTS",
}
