"""Run every benchmark and print each figure as a ratio to its same-run baseline."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import time

from benchmarks import (
    balance,
    dashboard,
    floor,
    ingest,
    large_read,
    scale,
    small_query,
    startup,
    subscriptions,
    throughput,
)
from benchmarks.harness import print_results

BENCHMARKS = {
    "large_read": large_read.run,
    "dashboard": dashboard.run,
    "small_query": small_query.run,
    "ingest": ingest.run,
    "startup": startup.run,
    "scale": scale.run,
    "throughput": throughput.run,
    "floor": floor.run,
    "balance": balance.run,
    "subscriptions": subscriptions.run,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke-sized runs")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="also run scale, large_read and dashboard on PostgreSQL, and throughput and "
        "subscriptions (which need it), each in a schema of its own, dropped after",
    )
    parser.add_argument(
        "--baseline-commit",
        metavar="REV",
        help="throughput also serves the dashboard from this commit's files (git archive, the "
        "same virtualenv and data) and prints old against new: default 639139d, 'none' skips it",
    )
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="default: all")
    args = parser.parse_args()
    if args.baseline_commit:
        os.environ["JTAI_BENCH_BASELINE_COMMIT"] = args.baseline_commit
    if args.postgres:
        os.environ["JTAI_BENCH_POSTGRES_URL"] = args.postgres
    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, SQLite {sqlite3.sqlite_version}"
    )
    results = []
    started = time.perf_counter()
    for name in args.names or BENCHMARKS:
        results.extend(BENCHMARKS[name](args.quick))
    print_results(results)
    print(f"{len(results)} figures in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
