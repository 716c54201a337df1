"""How a server process builds its app: with the cyclic garbage collector off, then frozen.

Start-up creates ~125,000 objects that live as long as the process (modules, the strawberry and
SQLAlchemy classes, the schema) and almost no garbage (under 1,000 objects). With the collector
on, it would scan that growing heap some 275 times for nothing, about a tenth of the start-up
time. ``gc.freeze()`` then moves them to the permanent generation, so the full collections that
happen while serving (a page of 1,000 findings, a 10,000-row list) do not walk them again: the
large read's median fell ~10% and its p95 by a third when measured with and without.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from core.collector import collector_paused

if TYPE_CHECKING:
    from starlette.applications import Starlette


@contextmanager
def start_up_heap() -> Iterator[None]:
    """Build what lives as long as the process inside this block."""
    with collector_paused():
        try:
            yield
        finally:
            gc.freeze()  # before the collector resumes, so it never walks what start-up built


def create_serving_app() -> Starlette:
    """uvicorn's factory for worker processes: the app from the environment's settings."""
    with start_up_heap():
        from core.app import create_app

        return create_app()
