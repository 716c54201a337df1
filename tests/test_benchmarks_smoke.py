"""The benchmark suite still runs (issue 7: "CI may run a small smoke size"): every benchmark but
throughput and subscriptions (which need PostgreSQL and two server processes; subscriptions runs
below when the suite has PostgreSQL) at its ``--quick`` size on SQLite, in
a subprocess, as ``python -m benchmarks`` is run. Each benchmark checks what it times (the first
response in full, the import accepted, the statement counts); this test checks that they all ran
and printed a finite ratio. It asserts no time: the figures are for BENCHMARKS.md, not for CI."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SMOKED = (
    "small_query",
    "ingest",
    "startup",
    "large_read",
    "dashboard",
    "scale",
    "floor",
    "balance",
)
RATIO = re.compile(r"\s(?P<ratio>\d+\.\d+)x$")  # a figure's line ends with its ratio


@pytest.mark.long
def test_every_benchmark_but_throughput_runs_at_its_quick_size() -> None:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("JTAI_BENCH_POSTGRES_URL", "JTAI_TEST_POSTGRES_URL")
    }
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", *SMOKED],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures: dict[str, float] = {}
    for line in done.stdout.splitlines():
        if (ratio := RATIO.search(line)) is not None and not line.startswith(" "):
            figures[line[: ratio.start()]] = float(ratio["ratio"])
    expected = (
        "small query, limits shared",
        "ingest CSV 10,000 rows",
        "ingest XLSX 10,000 rows",
        "start-up to /healthz 200",
        "large read sqlite: 1,000 findings",
        "large read sqlite over HTTP",
        "dashboard sqlite: 150 inspections",
        "scale sqlite: dashboard 150/1",
        "scale sqlite: 1,000 findings 150/1",
        "floor sqlite: viewer CPU/request",
        "balance: 2 workers, 4 keep-alive",
    )
    for name in expected:
        assert any(line.startswith(f"{name} ") for line in figures), (name, done.stdout)
    assert all(math.isfinite(ratio) and ratio > 0 for ratio in figures.values()), figures
    assert f"{len(figures)} figures in" in done.stdout, done.stdout


def test_the_subscriptions_benchmark_runs_at_its_quick_size_on_postgres() -> None:
    """Issue 18's benchmark needs PostgreSQL and two server processes: run when the suite has it."""
    url = os.environ.get("JTAI_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("set JTAI_TEST_POSTGRES_URL to run the subscriptions benchmark")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--postgres", url, "subscriptions"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    line = next(
        (line for line in done.stdout.splitlines() if line.startswith("subscriptions pg: ")), None
    )
    assert line is not None, done.stdout
    ratio = RATIO.search(line)
    assert ratio is not None and math.isfinite(float(ratio["ratio"])), line
    assert "KiB per idle subscription" in done.stdout
