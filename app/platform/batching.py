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
    """Tells a queued caller that it sends the batch it heads (`GroupCommit._handed`).

    One constant, not an object holding the batch: a future whose result held its own batch would be
    a reference cycle per batch, left for the garbage collector.
    """


_LEAD = _Lead()


class GroupCommit(Generic[T, R]):
    """`await submit(item)` → the item's result from `send(items)`, which answers a list of items in order."""

    def __init__(self, send: Callable[[list[T]], Awaitable[list[R]]]) -> None:
        self._send = send
        self._busy = False
        self._queue: list[tuple[T, asyncio.Future[object]]] = []
        self._spare: asyncio.Future[R] | None = None  # a batch whose designated sender was cancelled
        # The batch handed to the caller whose future got _LEAD, until it takes it (one at a time:
        # no batch goes out while its sender has not woken up).
        self._handed: list[tuple[T, asyncio.Future[object]]] = []
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
            if future.done() and not future.cancelled() and future.result() is _LEAD:
                # Cancelled once made the sender: the batch still goes, from a task of its own.
                rest = [entry for entry in self._take_handed() if entry[1] is not future]
                self._spare = asyncio.ensure_future(self._lead(rest, None))
            raise
        if outcome is _LEAD:
            return await self._lead(self._take_handed(), future)
        return outcome  # type: ignore[return-value]

    def _take_handed(self) -> list[tuple[T, asyncio.Future[object]]]:
        batch, self._handed = self._handed, []
        return batch

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
        self._handed = waiting
        waiting[0][1].set_result(_LEAD)
