"""The pub/sub contract: channel names, and changes as publish_change puts them on the wire."""

from __future__ import annotations

import asyncio

import pydantic
import pytest

from app.platform.broker import InProcessBroker
from app.setlists.events import SongVotes, VoteCountsChanged, channel_for, publish_change


def test_a_message_that_is_not_a_change_does_not_decode() -> None:
    with pytest.raises(pydantic.ValidationError):
        VoteCountsChanged.decode(b'{"setlist_id": 7, "kind": "shout", "songs": []}')


async def test_publish_change_sends_numbered_changes_on_the_setlists_channel() -> None:
    broker = InProcessBroker()
    change = VoteCountsChanged(setlist_id=7, kind="vote", songs=[SongVotes(setlist_song_id=3, votes=1, version=1)])

    async with broker.subscribe(channel_for(7)) as subscription, broker.subscribe(channel_for(8)) as other:
        numbers = [await publish_change(broker, change) for _ in range(2)]
        received = [await subscription.get() for _ in range(2)]

        with pytest.raises(TimeoutError):
            await asyncio.wait_for(other.get(), timeout=0.05)
    assert numbers == [1, 2]
    decoded = [VoteCountsChanged.decode(m) for m in received if isinstance(m, bytes)]
    assert all(d.published_at is not None for d in decoded)
    assert [d.model_copy(update={"published_at": None}) for d in decoded] == [
        change.model_copy(update={"sequence": 1}),
        change.model_copy(update={"sequence": 2}),
    ]
