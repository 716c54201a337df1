"""Where the suite runs: the repository root and the optional PostgreSQL backend."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("JTAI_TEST_POSTGRES_URL")
