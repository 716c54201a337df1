"""Timing helpers: medians and p95 over repeated runs, and the table the runner prints."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Timing:
    median_ms: float
    p95_ms: float
    runs: int


def measure(run: Callable[[], object], runs: int, warmup: int = 5) -> Timing:
    for _ in range(warmup):
        run()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return Timing(
        median_ms=statistics.median(samples),
        p95_ms=samples[min(len(samples) - 1, int(len(samples) * 0.95))],
        runs=runs,
    )


@dataclass(frozen=True)
class Result:
    name: str
    subject: Timing
    baseline: Timing
    baseline_name: str
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.subject.median_ms / self.baseline.median_ms


def print_results(results: list[Result]) -> None:
    print(f"{'benchmark':34} {'median ms':>10} {'p95 ms':>9} {'baseline':>34} {'ratio':>7}")
    for r in results:
        baseline = f"{r.baseline_name} {r.baseline.median_ms:.3f}"
        print(
            f"{r.name:34} {r.subject.median_ms:10.3f} {r.subject.p95_ms:9.3f} "
            f"{baseline:>34} {r.ratio:6.2f}x"
        )
        if r.note:
            print(f"  {r.note}")
