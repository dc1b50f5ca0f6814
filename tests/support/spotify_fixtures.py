"""Fixtures of the Spotify emulator over a real socket, and the API configured to use it (setlists, look-ups)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from catalog_testing import on_spotify_emulator
from graphql_client import GraphQLClient
from setlists_testing import Spotify
from starlette.applications import Starlette

from app.emulators.server import running_server
from app.emulators.spotify import create_spotify_app
from app.emulators.world import World
from app.main import create_app
from app.resources import Resources
from app.settings import Settings


@pytest.fixture
async def spotify(world: World) -> AsyncIterator[Spotify]:
    # Any client id: each test uses its own, so shared limiter and breaker state stay apart.
    app = create_spotify_app(world, mode="dev", requests_per_30s=10_000)
    async with running_server(app) as url:
        yield Spotify(url=url, state=app.state.emulator, world=world)


@pytest.fixture
def spotify_settings(settings: Settings, spotify: Spotify) -> Settings:
    return on_spotify_emulator(settings, spotify.url)


@pytest.fixture
async def spotify_app(spotify_settings: Settings, orm: None) -> AsyncIterator[Starlette]:
    """The application using the emulator (the ORM is the run's; the lifespan opens the rest)."""
    application = create_app(spotify_settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
def resources(spotify_app: Starlette) -> Resources:
    resources: Resources = spotify_app.state.resources
    return resources


@pytest.fixture
async def spotify_gql(spotify_app: Starlette, db: None) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client of the emulator-backed app, on an empty database."""
    transport = httpx.ASGITransport(app=spotify_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield GraphQLClient(http)
