"""An artist's MBID without Ticketmaster's link: setlist.fm's artist search, exact names only."""

from __future__ import annotations

import uuid

from pydantic import SecretStr

from app.catalog.musicbrainz import find_artist, pick_artist
from app.clients.factory import build_setlistfm_client
from app.clients.setlistfm import SetlistArtist
from app.emulators.server import running_server
from app.emulators.setlistfm import create_setlistfm_app
from app.emulators.setlistfm_world import build_setlistfm_world
from app.emulators.world import World, normalize_name
from app.settings import Settings


def artist(name: str, disambiguation: str | None = None) -> SetlistArtist:
    return SetlistArtist(mbid=str(uuid.uuid4()), name=name, disambiguation=disambiguation)


def test_only_an_exact_name_is_taken_never_a_near_one() -> None:
    owls = artist("The Midnight Owls")

    assert pick_artist("the midnight owls", [artist("The Midnight Owlz"), owls]) == owls
    assert pick_artist("The Midnight Owls", [artist("The Midnight Owlz"), artist("Midnight Owls")]) is None
    assert pick_artist("Guns N' Roses", [artist("Guns N Roses")]) is not None


def test_namesakes_are_not_guessed_between() -> None:
    # Two same-name artists, or a lone one MusicBrainz marks as one of several namesakes.
    assert pick_artist("Nova", [artist("Nova", "US indie rock band"), artist("Nova", "UK electronic duo")]) is None
    assert pick_artist("Nova", [artist("Nova"), artist("NOVA")]) is None
    assert pick_artist("Nova", [artist("Nova", "Swedish pop group")]) is None


async def test_the_search_finds_a_unique_name_over_http_and_refuses_namesakes(world: World) -> None:
    history = build_setlistfm_world(world)
    settings = Settings(
        setlistfm_api_key=SecretStr(f"sfm-{uuid.uuid4().hex}"),
        setlistfm_requests_per_second=1000,
        setlistfm_base_url="",
    )
    app = create_setlistfm_app(world, history=history, rate_per_second=None)
    names: dict[str, list[str]] = {}
    for one in history.artists.values():
        names.setdefault(normalize_name(one.name), []).append(one.mbid)
    unique = next(a for a in history.performers() if len(names[normalize_name(a.name)]) == 1)
    shared = next((a for a in history.artists.values() if len(names[normalize_name(a.name)]) > 1), None)
    async with running_server(app) as url:
        settings = settings.model_copy(update={"setlistfm_base_url": f"{url}/rest"})
        async with build_setlistfm_client(settings, None) as client:
            found = await find_artist(client, unique.name)
            assert found is not None
            assert found.mbid == unique.mbid
            assert await find_artist(client, "No Such Band Anywhere") is None
            if shared is not None:
                assert await find_artist(client, shared.name) is None
