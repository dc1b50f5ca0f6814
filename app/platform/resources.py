"""Long-lived resources of an API process, opened by the lifespan: Redis, the HTTP pool, the broker; API clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from redis.asyncio import Redis

from app.api.ws.feeds import Feeds
from app.clients.factory import build_spotify_client, build_ticketmaster_client
from app.clients.spotify import SpotifyClient
from app.clients.ticketmaster import TicketmasterClient
from app.platform.broker import Broker, InProcessBroker, RedisBroker
from app.settings import Settings


@dataclass
class Resources:
    settings: Settings
    redis: Redis | None
    http: httpx.AsyncClient
    broker: Broker
    # The process's live-count feeds and subscribers (app.api.ws.feeds).
    feeds: Feeds = field(default_factory=Feeds)

    def spotify(self) -> SpotifyClient:
        """A Spotify client sharing this process' HTTP pool and the Redis-shared limiter and breaker."""
        return build_spotify_client(self.settings, self.redis, self.http)

    def ticketmaster(self) -> TicketmasterClient:
        """A Ticketmaster client sharing this process' HTTP pool and the Redis-shared limiter and breaker."""
        return build_ticketmaster_client(self.settings, self.redis, self.http)


def create_broker(settings: Settings, redis: Redis | None) -> Broker:
    """Redis pub/sub when REDIS_URL is set, else the in-process broker."""
    if redis is not None:
        return RedisBroker(redis)
    return InProcessBroker()


@asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[Resources]:
    """Open everything a process needs, and close it all on the way out."""
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    broker = create_broker(settings, redis)
    async with httpx.AsyncClient() as http:
        await broker.start()
        try:
            yield Resources(settings=settings, redis=redis, http=http, broker=broker, feeds=Feeds())
        finally:
            await broker.stop()
            if redis is not None:
                await redis.aclose()
