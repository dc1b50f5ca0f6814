"""Group commit for round trips: calls that arrive while one is in flight go out together as the next one.

A lone call goes out at once, in its caller's task (no added latency, no task). Calls arriving
while it is in flight queue up; when it returns, the first of them sends the whole queue as one
batch. Under load, N concurrent votes cost about N / batch round trips to Redis instead of N.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Lead:
    """Tells a queued caller that it sends the batch it heads."""

    __slots__ = ("batch",)

    def __init__(self, batch: list[tuple[object, asyncio.Future[object]]]) -> None:
        self.batch = batch


class GroupCommit(Generic[T, R]):
    """`await submit(item)` → the item's result from `send(items)`, which answers a list of items in order."""

    def __init__(self, send: Callable[[list[T]], Awaitable[list[R]]]) -> None:
        self._send = send
        self._busy = False
        self._queue: list[tuple[T, asyncio.Future[object]]] = []
        self._spare: asyncio.Future[R] | None = None  # a batch whose designated sender was cancelled
        self.batches = 0  # round trips made, for tests and metrics

    async def submit(self, item: T) -> R:
        if not self._busy:
            self._busy = True
            future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
            return await self._lead([(item, future)], future)
        future = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        try:
            outcome = await future
        except asyncio.CancelledError:
            lead = future.result() if future.done() and not future.cancelled() else None
            if isinstance(lead, _Lead):
                # Cancelled once made the sender: the batch still goes, from a task of its own.
                rest = [entry for entry in lead.batch if entry[1] is not future]
                self._spare = asyncio.ensure_future(self._lead(rest, None))  # type: ignore[arg-type]
            raise
        if isinstance(outcome, _Lead):
            return await self._lead(outcome.batch, future)  # type: ignore[arg-type]
        return outcome  # type: ignore[return-value]

    async def _lead(self, batch: list[tuple[T, asyncio.Future[object]]], own: asyncio.Future[object] | None) -> R:
        """Send `batch` (which holds this caller's `own` entry), answer the others, hand the queue on."""
        try:
            self.batches += 1
            results = await self._send([item for item, _ in batch])
        except BaseException as error:
            # The sender's cancellation (its caller's timeout) is a failed round trip to the others.
            failure = (
                TimeoutError("the batch's sender was cancelled") if isinstance(error, asyncio.CancelledError) else error
            )
            for _, future in batch:
                if future is not own and not future.done():
                    future.set_exception(failure)
            if own is None:
                return None  # type: ignore[return-value]  # a detached batch: its callers have the error
            raise
        else:
            mine: object = None
            for (_, future), result in zip(batch, results, strict=True):
                if future is own:
                    mine = result
                elif not future.done():
                    future.set_result(result)
            return mine  # type: ignore[return-value]
        finally:
            self._hand_on()

    def _hand_on(self) -> None:
        waiting = [entry for entry in self._queue if not entry[1].done()]  # cancelled callers dropped
        self._queue = []
        if not waiting:
            self._busy = False
            return
        waiting[0][1].set_result(_Lead(waiting))  # type: ignore[arg-type]
