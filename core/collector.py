"""Pausing the cyclic garbage collector around bulk work that makes no garbage cycles: reading and
storing a list, and building the app at start-up (``core.serving``).

Reading a 10,000-row list allocates some 200,000 container objects (cells, rows, values) and frees
nearly all of them by reference counting: none of them form cycles. With the collector on, those
allocations set off dozens of collections, and every few of them a full one over the whole heap,
for nothing: measured, a third of the time ``read_list`` takes (``python -m benchmarks ingest``).
The pause covers one bounded piece of work, never a request's wait for I/O; collection resumes
when the last concurrent pause ends (uploads are read in worker threads, so pauses overlap).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0
_resume = False  # whether the collector was on when the first pause began


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off (reference counting still frees memory)."""
    global _pauses, _resume
    with _lock:
        if _pauses == 0:
            _resume = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _resume:
                gc.enable()
