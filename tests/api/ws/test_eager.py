"""start_eagerly: a coroutine runs at once in the caller; only its rest, if it must wait, goes to a task."""

from __future__ import annotations

import asyncio

import pytest

from app.api.ws.eager import start_eagerly


async def test_a_coroutine_that_never_waits_is_done_on_return() -> None:
    done: list[str] = []

    async def send() -> None:
        done.append("sent")

    assert start_eagerly(send()) is None
    assert done == ["sent"]


async def test_an_error_before_the_first_wait_is_raised_to_the_caller() -> None:
    async def send() -> None:
        raise ConnectionResetError("gone")

    with pytest.raises(ConnectionResetError):
        start_eagerly(send())


async def test_a_coroutine_that_waits_is_finished_by_awaiting_its_rest() -> None:
    writable = asyncio.Event()
    steps: list[str] = []

    async def send() -> str:
        steps.append("started")
        await writable.wait()
        steps.append("finished")
        return "result"

    rest = start_eagerly(send())
    assert rest is not None
    assert steps == ["started"]  # ran up to its wait in the caller, not in a task
    finisher = asyncio.ensure_future(_await(rest))
    await asyncio.sleep(0.01)
    assert steps == ["started"]  # still waiting: the rest resumed early would have finished
    writable.set()
    assert await asyncio.wait_for(finisher, 1) == "result"
    assert steps == ["started", "finished"]


async def test_cancelling_the_task_that_finishes_the_rest_cancels_the_coroutine() -> None:
    cancelled = asyncio.Event()

    async def send() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    rest = start_eagerly(send())
    assert rest is not None
    finisher = asyncio.ensure_future(_await(rest))
    await asyncio.sleep(0)
    finisher.cancel()
    with pytest.raises(asyncio.CancelledError):
        await finisher
    assert cancelled.is_set()


async def _await(awaitable: object) -> object:
    return await awaitable  # type: ignore[misc]
