"""core.collector pauses the cyclic garbage collector around reading and storing a list, and
always gives it back: after an error, when pauses overlap in threads, and never turning on a
collector that was off."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from core.collector import collector_paused
from core.lists import read_list
from core.lists.validate import _read_list
from core.plugins import make_plugin_manager
from core.registry import build_registry
from core.synthetic.lists import EXAMPLE_NOTIFICATION, list_csv, synthetic_list


@pytest.fixture
def collector_on() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.enable()
    yield
    if not was_enabled:
        gc.disable()


@pytest.mark.usefixtures("collector_on")
def test_the_collector_is_off_inside_and_on_after() -> None:
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_an_error_inside_still_resumes_the_collector() -> None:
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()


@pytest.mark.usefixtures("collector_on")
def test_overlapping_pauses_in_threads_resume_only_when_the_last_ends() -> None:
    first_in = threading.Event()
    first_may_leave = threading.Event()
    seen_while_first_paused: list[bool] = []

    def first() -> None:
        with collector_paused():
            first_in.set()
            first_may_leave.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    assert first_in.wait(5)
    with collector_paused():
        first_may_leave.set()
        thread.join(5)
        seen_while_first_paused.append(gc.isenabled())  # the first pause has ended; this has not
    assert seen_while_first_paused == [False]
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_on")
def test_reading_a_large_list_defers_its_collections() -> None:
    registry = build_registry(make_plugin_manager())
    spec = registry.list_spec("da-2016", "children-in-need")
    assert spec is not None
    data = list_csv(spec, synthetic_list(registry, spec.code, 5_000, seed=7))
    code_sets = {c.code: c for c in registry.code_sets}
    starts: list[int] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            starts.append(info["generation"])

    gc.collect()
    gc.callbacks.append(count)
    try:
        unpaused = _read_list(data, "cin.csv", spec, code_sets, EXAMPLE_NOTIFICATION)
        collections_unpaused = len(starts)
        starts.clear()
        result = read_list(data, "cin.csv", spec, code_sets, as_of=EXAMPLE_NOTIFICATION)
    finally:
        gc.callbacks.remove(count)
    # Unpaused, the work sets the collector off again and again; paused, only the one collection
    # deferred to when it resumes is left, of the youngest generation.
    assert collections_unpaused >= 10
    assert starts in ([], [0])
    assert result.accepted and len(result.rows) == len(unpaused.rows) == 5_000
