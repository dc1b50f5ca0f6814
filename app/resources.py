"""Long-lived resources of a process (API, worker, CLI, demo), opened once and owned by one object.

Every process holds exactly one of each: Redis, the HTTP pool, the broker, one client per vendor (so a
Spotify token and a learned development mode serve every call), the request-limit counters, the
look-up cache and the in-process background work. Nothing of this lives in module globals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
from redis.asyncio import Redis

from app.api.ws.feeds import Feeds
from app.clients.factory import build_setlistfm_client, build_spotify_client, build_ticketmaster_client
from app.clients.setlistfm import SetlistFmClient
from app.clients.spotify import SpotifyClient
from app.clients.ticketmaster import TicketmasterClient
from app.platform.background import BackgroundTasks
from app.platform.broker import Broker, InProcessBroker, RedisBroker
from app.platform.cache import Cache, LocalStore, create_cache
from app.platform.quotas import Counter, create_counter
from app.platform.redis_calls import RedisCalls
from app.platform.redis_client import RedisGuard, create_redis
from app.platform.revocable import RevocableCache
from app.platform.versions import Versions
from app.settings import Settings


@dataclass
class Resources:
    settings: Settings
    redis: Redis | None
    http: httpx.AsyncClient
    broker: Broker
    spotify: SpotifyClient
    ticketmaster: TicketmasterClient
    setlistfm: SetlistFmClient
    counter: Counter  # request limits (app.platform.quotas)
    cache: Cache  # look-up answers (app.lookups)
    background: BackgroundTasks
    redis_guard: RedisGuard  # the deadline and cooldown of request-path Redis calls (app.platform.redis_client)
    tokens: RevocableCache[Any]  # bearer tokens' users by token hash (app.accounts.service.user_for_token)
    versions: Versions  # the catalog's version and setlists' sequence numbers (app.api.response_cache)
    responses: LocalStore[Any]  # shared read answers (app.api.response_cache)
    # The process's live-count feeds and their subscribers (app.api.ws.feeds).
    feeds: Feeds = field(default_factory=Feeds)


# Where sign-outs are broadcast, so that every process drops the token from its cache.
REVOKED_TOKENS_CHANNEL = "auth:revoked"


def create_broker(redis: Redis | None, guard: RedisGuard | None = None, calls: RedisCalls | None = None) -> Broker:
    """Redis pub/sub when REDIS_URL is set, else the in-process broker."""
    return RedisBroker(redis, guard=guard, calls=calls) if redis is not None else InProcessBroker()


@asynccontextmanager
async def open_resources(settings: Settings, *, redis: Redis | None = None) -> AsyncIterator[Resources]:
    """Open everything a process needs, and close it all on the way out.

    `redis`: a client the caller owns (arq's, with the worker's retries) instead of one from REDIS_URL.
    """
    owned = redis is None
    if redis is None and settings.redis_url:
        redis = create_redis(settings)
    guard = RedisGuard.from_settings(settings)
    # One batch of script calls for the limits and the broker: a vote's reservation rides with its publish.
    calls = RedisCalls(redis) if redis is not None else None
    broker = create_broker(redis, guard, calls)
    background = BackgroundTasks()
    tokens: RevocableCache[Any] = RevocableCache(broker, REVOKED_TOKENS_CHANNEL, settings.token_cache_seconds)
    async with httpx.AsyncClient() as http:
        await broker.start()
        await tokens.start()
        try:
            yield Resources(
                settings=settings,
                redis=redis,
                http=http,
                broker=broker,
                spotify=build_spotify_client(settings, redis, http),
                ticketmaster=build_ticketmaster_client(settings, redis, http),
                setlistfm=build_setlistfm_client(settings, redis, http),
                counter=create_counter(redis, guard, calls),
                cache=create_cache(redis, guard),
                background=background,
                redis_guard=guard,
                tokens=tokens,
                versions=Versions(redis, broker, guard),
                responses=LocalStore(settings.response_cache_entries, settings.response_cache_seconds),
            )
        finally:
            await background.close()
            await tokens.stop()
            await broker.stop()
            if owned and redis is not None:
                await redis.aclose()
