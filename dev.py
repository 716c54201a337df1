#!/usr/bin/env python3
"""Set-up and run in one step, needing nothing but Python 3.11+ (stdlib only).

    python3 dev.py serve   # venv, install, migrate SQLite, load the demo, serve GraphiQL
    python3 dev.py test    # venv, test extras, ruff, mypy, lint-imports, the whole pytest suite
                           # with its coverage floor ([tool.coverage] in pyproject.toml)

Extra arguments go to `jtai serve` or to pytest; `test` with arguments (a file, -k ...) runs those
tests in one process without coverage, since a part of the suite cannot reach the whole suite's
floor. The whole suite runs in one pytest-xdist worker per CPU (JTAI_TEST_WORKERS=1: in one
process). The virtual environment lives in .venv and is reinstalled only when pyproject.toml
changes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def run(*command: str | Path) -> None:
    print("+", " ".join(str(c) for c in command), flush=True)
    started = time.monotonic()
    subprocess.run([str(c) for c in command], cwd=ROOT, check=True)
    print(f"  ({time.monotonic() - started:.0f} s)", flush=True)  # where a slow run's time went


def ensure_environment(extra: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run by whatever python3 a machine has
        sys.exit(f"Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not (BIN / "python").exists():
        print(f"Creating {VENV}", flush=True)
        venv.create(VENV, with_pip=True)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extra.encode()).hexdigest()
    stamp = VENV / f".installed-{extra}"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(BIN / "python", "-m", "pip", "install", "--quiet", "-e", f".[{extra}]")
    stamp.write_text(wanted)


CHROMIUM = Path("/usr/bin/chromium")  # Debian's; the browser tests (tests/helpers/browser.py)


def ensure_chromium() -> None:
    """Install Debian's Chromium for the browser test when it is missing and this is root on a
    machine with apt-get. Without it the browser test skips on a developer's machine and fails
    in CI (where CI is set): this only prints why it could not install it.
    """
    if CHROMIUM.exists():
        return
    apt_get = shutil.which("apt-get")
    if apt_get is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        print(f"{CHROMIUM} is missing (install Debian's `chromium` package for the browser test).")
        return
    install = [apt_get, "install", "-y", "--no-install-recommends", "chromium"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"+ {' '.join(install)}", flush=True)
    if subprocess.run(install, env=env, check=False).returncode != 0:
        # A fresh machine's package lists may be empty or stale: refresh them once and retry.
        print(f"+ {apt_get} update -q", flush=True)
        subprocess.run([apt_get, "update", "-q"], env=env, check=False)
        subprocess.run(install, env=env, check=False)
    if not CHROMIUM.exists():
        print(f"Could not install chromium: {CHROMIUM} is still missing.", flush=True)


def serve(args: list[str]) -> None:
    ensure_environment("postgres")
    # An editable install leaves the project's modules as source; where PYTHONDONTWRITEBYTECODE is
    # set, every start would compile them again (0.1-0.4 s). Up-to-date files are skipped.
    run(BIN / "python", "-m", "compileall", "-q", "core", "plugins")
    run(BIN / "jtai", "serve", "--demo", *args)


def test(args: list[str]) -> None:
    ensure_environment("test")
    ensure_chromium()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")  # core, plugins, tests and benchmarks: [tool.mypy] in pyproject.toml
    run(BIN / "lint-imports")  # the layers contract in pyproject.toml's [tool.importlinter]
    # The suite starts dozens of Python subprocesses (`jtai serve`, `jtai db upgrade`, ...):
    # compiled once here, they do not each compile the project's modules again (see serve()).
    run(BIN / "python", "-m", "compileall", "-q", "core", "plugins", "benchmarks", "tests/helpers")
    if args:
        run(BIN / "python", "-m", "pytest", *args)
        return
    coverage = ["--cov", "--cov-report=term"]  # floor: [tool.coverage.report]
    if sys.version_info >= (3, 12):
        # sys.monitoring costs less than the C tracer (about 1.5x the suite's time on 3.11).
        os.environ.setdefault("COVERAGE_CORE", "sysmon")
    run(BIN / "python", "-m", "pytest", *coverage, *workers())


def workers() -> list[str]:
    """pytest-xdist's options for the whole suite: one worker process per CPU this process may
    use, or JTAI_TEST_WORKERS of them (0 or 1: none, the suite runs in this process). Each worker
    has its own SQLite files and its own PostgreSQL database (tests/helpers/environment.py);
    idle workers take tests queued for busy ones (worksteal), so one slow test does not hold
    up the end of the run."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    count = int(os.environ.get("JTAI_TEST_WORKERS") or cpus or 1)
    return ["-n", str(count), "--dist", "worksteal"] if count > 1 else []


def main() -> None:
    commands = {"serve": serve, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    try:
        commands[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
