"""Long-lived resources of a process (API, worker, CLI, demo), opened once and owned by one object.

Every process holds exactly one of each: Redis, the HTTP pool, the broker, one client per vendor (so a
Spotify token and a learned development mode serve every call), the request-limit counters, the
look-up cache and the in-process background work. Nothing of this lives in module globals.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from redis.asyncio import Redis

from app.clients.factory import build_spotify_client, build_ticketmaster_client
from app.clients.spotify import SpotifyClient
from app.clients.ticketmaster import TicketmasterClient
from app.platform.background import BackgroundTasks
from app.platform.broker import Broker, InProcessBroker, RedisBroker
from app.platform.cache import Cache, LocalStore, create_cache
from app.platform.quotas import Counter, create_counter
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
    counter: Counter  # request limits (app.platform.quotas)
    cache: Cache  # look-up answers (app.lookups)
    background: BackgroundTasks
    tokens: RevocableCache[Any]  # bearer tokens' users by token hash (app.accounts.service.user_for_token)
    versions: Versions  # the catalog's version and setlists' sequence numbers
    responses: LocalStore[Any]  # shared read answers (app.api.response_cache)


# Where sign-outs are broadcast, so that every process drops the token from its cache.
REVOKED_TOKENS_CHANNEL = "auth:revoked"


def create_broker(redis: Redis | None) -> Broker:
    """Redis pub/sub when REDIS_URL is set, else the in-process broker."""
    return RedisBroker(redis) if redis is not None else InProcessBroker()


@asynccontextmanager
async def open_resources(settings: Settings, *, redis: Redis | None = None) -> AsyncIterator[Resources]:
    """Open everything a process needs, and close it all on the way out.

    `redis`: a client the caller owns (arq's, with the worker's retries) instead of one from REDIS_URL.
    """
    owned = redis is None
    if redis is None and settings.redis_url:
        redis = Redis.from_url(settings.redis_url)
    broker = create_broker(redis)
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
                counter=create_counter(redis),
                cache=create_cache(redis),
                background=background,
                tokens=tokens,
                versions=Versions(redis, broker),
                responses=LocalStore(settings.response_cache_entries, settings.response_cache_seconds),
            )
        finally:
            await background.close()
            await tokens.stop()
            await broker.stop()
            if owned and redis is not None:
                await redis.aclose()
