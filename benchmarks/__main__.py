"""Run every benchmark and print each figure as a ratio to its same-run baseline."""

from __future__ import annotations

import argparse
import platform

from benchmarks import small_query
from benchmarks.harness import print_results

BENCHMARKS = {"small_query": small_query.run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke-sized runs")
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], help="default: all")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.node()}")
    results = []
    for name in args.names or BENCHMARKS:
        results.extend(BENCHMARKS[name](args.quick))
    print_results(results)


if __name__ == "__main__":
    main()
