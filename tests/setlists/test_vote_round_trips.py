"""A vote's Redis work: a fan's first vote in a window pays its rate-limit charge in its publish's round trip."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from factories import in_days, make_setlist, make_setlist_song, make_show, make_user
from redis.asyncio import Redis
from redis_server import RedisServer

from app.errors import Forbidden
from app.platform import quotas
from app.platform.quotas import RedisCounter
from app.resources import Resources, open_resources
from app.setlists import service
from app.setlists.events import channel_for
from app.settings import Settings


@pytest.fixture
async def resources(redis_server: RedisServer, postgres_url: str, db: None) -> AsyncIterator[Resources]:
    settings = Settings(environment="test", database_url=postgres_url, redis_url=redis_server.url)
    async with open_resources(settings) as opened:
        yield opened


async def _count(redis: Redis, user_id: int) -> int:
    key = f"theset:limit:{quotas.VOTES_PER_USER.name}:{quotas.subject_key(str(user_id))}"
    return int(await redis.get(key) or 0)


async def test_a_fans_first_vote_makes_one_round_trip_and_the_next_only_their_publishes(
    resources: Resources,
) -> None:
    assert isinstance(resources.counter, RedisCounter)
    assert resources.redis is not None
    setlist = await make_setlist(await make_show())
    first, second = await make_setlist_song(setlist), await make_setlist_song(setlist, position=2)
    fan = await make_user()
    calls = resources.counter.calls

    before = calls.round_trips
    await service.vote(resources, user_id=fan.id, setlist_song_id=first.id)
    after_first = calls.round_trips
    await service.vote(resources, user_id=fan.id, setlist_song_id=second.id)

    assert after_first - before == 1  # the publish, carrying the reservation of the fan's lease
    assert calls.round_trips - after_first == 1  # the publish alone: the vote spent the lease
    assert await _count(resources.redis, fan.id) == quotas.VOTES_PER_USER.lease
    assert await resources.broker.sequence(channel_for(setlist.id)) == 2


async def test_a_refused_first_vote_still_counts_against_the_limit(resources: Resources) -> None:
    assert resources.redis is not None
    started = await make_setlist_song(await make_setlist(await make_show(local_date=in_days(-5))))
    fan = await make_user()

    with pytest.raises(Forbidden):
        await service.vote(resources, user_id=fan.id, setlist_song_id=started.id)

    assert await _count(resources.redis, fan.id) == quotas.VOTES_PER_USER.lease
    assert await resources.broker.sequence(channel_for(started.setlist_id)) == 0  # nothing published
