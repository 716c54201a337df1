"""``paced`` (core/limits.py) takes a message that is already there without a deadline, and
puts one on a receive that waits: the message when it comes, ``BodyTooSlow`` when it does not
(the waiting receive cancelled), and the receive's own errors unchanged."""

from __future__ import annotations

import asyncio

import pytest
from starlette.types import Message, Receive

from core.limits import BodyTooSlow, paced

BODY: Message = {"type": "http.request", "body": b"{}", "more_body": False}


class NeverArrives:
    """A receive whose message never comes, which notes whether it was cancelled."""

    def __init__(self) -> None:
        self.cancelled = False

    async def __call__(self) -> Message:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        raise AssertionError("unreachable")


def test_a_message_already_there_is_taken_without_a_deadline() -> None:
    async def ready() -> Message:
        return BODY

    async def run() -> tuple[Message, int]:
        loop = asyncio.get_running_loop()
        message = await paced(ready, 10, 1_000)()
        return message, len(loop._scheduled)  # type: ignore[attr-defined]

    message, timers = asyncio.run(run())
    assert message == BODY
    assert timers == 0


def test_a_message_that_comes_later_is_taken_under_the_deadline() -> None:
    async def run() -> Message:
        arrived = asyncio.Event()

        async def later() -> Message:
            await arrived.wait()
            await asyncio.sleep(0)  # a second wait, after the first resumed
            return BODY

        asyncio.get_running_loop().call_soon(arrived.set)
        return await paced(later, 10, 1_000)()

    assert asyncio.run(run()) == BODY


def test_a_message_that_does_not_come_is_too_slow_and_its_receive_cancelled() -> None:
    never = NeverArrives()

    async def run() -> None:
        await paced(never, 0, 1_000)()  # no allowance at all, but the first step

    async def run_with_a_short_allowance() -> None:
        await paced(never, 1, 1_000_000_000)()

    with pytest.raises(BodyTooSlow):
        asyncio.run(run())
    assert not never.cancelled  # refused before it was asked for a message
    with pytest.raises(BodyTooSlow):
        asyncio.run(run_with_a_short_allowance())
    assert never.cancelled


def test_an_error_of_the_receive_is_its_own() -> None:
    async def failing() -> Message:
        await asyncio.sleep(0)
        raise ConnectionResetError("gone")

    async def failing_at_once() -> Message:
        raise ConnectionResetError("gone at once")

    async def receive(receive: Receive) -> Message:
        return await paced(receive, 10, 1_000)()

    with pytest.raises(ConnectionResetError, match="gone"):
        asyncio.run(receive(failing))
    with pytest.raises(ConnectionResetError, match="gone at once"):
        asyncio.run(receive(failing_at_once))


def test_an_outside_cancellation_reaches_the_waiting_receive() -> None:
    waiting = NeverArrives()

    async def receive() -> Message:
        return await paced(waiting, 10, 1_000)()

    async def run() -> None:
        task = asyncio.create_task(receive())
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert waiting.cancelled
