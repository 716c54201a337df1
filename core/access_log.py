"""uvicorn's access log, with every query string withheld.

uvicorn writes each request's full path, query string included; a token sent as a query parameter
(refused here, but clients try) would be written to disk in the log. The line keeps the path and
marks that a query string was there: ``"GET /exports/findings.csv?[withheld] HTTP/1.1" 401``.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

WITHHELD = "[withheld]"


class WithholdQueryStrings(logging.Filter):
    """Rewrites uvicorn's access records: (client, method, path?query, http version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, mark, _ = args[2].partition("?")
            if mark:
                record.args = (args[0], args[1], f"{path}?{WITHHELD}", *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, plus the filter on its access logger."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["withhold_query_strings"] = {
        "()": f"{__name__}.WithholdQueryStrings"
    }
    config["loggers"]["uvicorn.access"]["filters"] = ["withhold_query_strings"]
    return config
