"""GroupCommit: calls made while one is in flight go out together, each caller gets its own answer."""

from __future__ import annotations

import asyncio

import pytest

from app.platform.batching import GroupCommit


async def test_a_lone_call_goes_at_once_and_calls_arriving_meanwhile_share_the_next_round_trip() -> None:
    sent: list[list[int]] = []
    release = asyncio.Event()

    async def send(items: list[int]) -> list[int]:
        sent.append(items)
        if len(sent) == 1:
            await release.wait()  # the first round trip is in flight while the others arrive
        return [item * 10 for item in items]

    commit: GroupCommit[int, int] = GroupCommit(send)
    first = asyncio.ensure_future(commit.submit(1))
    await asyncio.sleep(0)
    others = [asyncio.ensure_future(commit.submit(n)) for n in (2, 3, 4)]
    await asyncio.sleep(0)
    release.set()

    assert await first == 10
    assert await asyncio.gather(*others) == [20, 30, 40]
    assert sent == [[1], [2, 3, 4]]
    assert commit.batches == 2


async def test_a_failed_round_trip_fails_every_call_in_it_and_the_next_calls_still_go() -> None:
    release = asyncio.Event()
    calls = 0

    async def send(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            await release.wait()
            raise ConnectionError("down")
        return items

    commit: GroupCommit[int, int] = GroupCommit(send)
    first = asyncio.ensure_future(commit.submit(1))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(commit.submit(2))
    await asyncio.sleep(0)
    release.set()

    with pytest.raises(ConnectionError):
        await first
    assert await second == 2  # the queued call went in the next round trip
    assert await commit.submit(3) == 3


async def test_a_queued_call_cancelled_before_its_turn_does_not_strand_the_others() -> None:
    release = asyncio.Event()

    async def send(items: list[int]) -> list[int]:
        if items == [1]:
            await release.wait()
        return items

    commit: GroupCommit[int, int] = GroupCommit(send)
    first = asyncio.ensure_future(commit.submit(1))
    await asyncio.sleep(0)
    leader, follower = asyncio.ensure_future(commit.submit(2)), asyncio.ensure_future(commit.submit(3))
    await asyncio.sleep(0)
    leader.cancel()  # the first in the queue: it would have sent the next batch
    release.set()

    assert await first == 1
    assert await follower == 3
    assert leader.cancelled()
