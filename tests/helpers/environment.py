"""Where the suite runs: the repository root and the optional PostgreSQL backend."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("JTAI_TEST_POSTGRES_URL")
# The first-party plugins: tests that need exactly these select them by name, so that the suite
# passes with any other plugin installed beside them (make_plugin_manager(only=FIRST_PARTY)).
FIRST_PARTY = ("cqc", "hmicfrs", "hmip", "ofsted")
