"""A real browser for tests: Debian's Chromium (/usr/bin/chromium, which `python3 dev.py test`
installs when it can) driven by Playwright's Python package; Playwright's own browser download is
never used. Without Chromium a test skips on a developer's machine and fails in CI (CI set),
naming what is missing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# As root and on a closed network: no sandbox, no background calls home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_browser() -> None:
    missing = []
    if not CHROMIUM.exists():
        missing.append(
            f"{CHROMIUM} (Debian's `chromium` package; `python3 dev.py test` installs it)"
        )
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the `playwright` Python package (the test extra)")
    if not missing:
        return
    reason = "the browser test needs " + " and ".join(missing)
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)
