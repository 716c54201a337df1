"""Where the suite runs: the repository root and the optional PostgreSQL backend."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import make_url

REPO_ROOT = Path(__file__).resolve().parents[2]
# The first-party plugins: tests that need exactly these select them by name, so that the suite
# passes with any other plugin installed beside them (make_plugin_manager(only=FIRST_PARTY)).
FIRST_PARTY = ("cqc", "hmicfrs", "hmip", "ofsted")


def _worker_url(url: str | None, worker: str | None) -> str | None:
    """Under pytest-xdist (``pytest -n 2``) each worker process gets a database of its own,
    ``<database>_<worker>`` (``jtai_test_gw0``) on the same server, created by tests/conftest.py
    when the worker starts and dropped when it ends."""
    if url is None or worker is None:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(hide_password=False)


# The URL as given, and the database this process uses on that server.
SERVER_POSTGRES_URL = os.environ.get("JTAI_TEST_POSTGRES_URL")
POSTGRES_URL = _worker_url(SERVER_POSTGRES_URL, os.environ.get("PYTEST_XDIST_WORKER"))
