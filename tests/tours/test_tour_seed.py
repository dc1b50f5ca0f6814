"""Predictability and the tour seed over GraphQL, on a history imported from the setlist.fm emulator."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from factories import make_artist, make_show
from graphql_client import GraphQLClient
from starlette.applications import Starlette

from app.api.ids import encode_id
from app.catalog.models import Artist, Show, Song
from app.clients.factory import build_setlistfm_client
from app.emulators.setlistfm_world import SetlistFmWorld
from app.platform.clock import utcnow
from app.setlists.models import SeedSource, Setlist
from app.settings import Settings
from app.tours.models import TourSetlist, TourSong
from app.tours.service import MIN_SHOW_SONGS, title_key
from app.tours.tasks import sync_tour_history

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
async def imported(catalog: None, tour_settings: Settings) -> None:
    async with build_setlistfm_client(tour_settings, None) as client:
        await sync_tour_history(client, tour_settings)


async def headliner_of_style(history: SetlistFmWorld, style: str) -> tuple[Artist, Show]:
    """An artist of that style with an upcoming headline show, a known predictability and a catalog."""
    for artist in await Artist.filter(musicbrainz_id__isnull=False, predictability__isnull=False).order_by("id"):
        if history.artists[str(artist.musicbrainz_id)].style != style:
            continue
        show = await Show.filter(headliner_id=artist.id, local_date__gte=utcnow().date()).first()
        if show is not None and await Song.filter(artist_id=artist.id, rank__isnull=False).count() >= 10:
            return artist, show
    raise AssertionError(f"the world has no {style} headliner with an upcoming show")


async def show_page(gql: GraphQLClient, show: Show) -> dict[str, object]:
    data = await gql.data("ShowPageWithSetlist", id=encode_id("Show", show.id))
    show_data: dict[str, object] = data["show"]
    return show_data


@pytest.mark.usefixtures("imported")
async def test_a_fixed_set_artist_is_predictable_and_a_rotating_one_is_not(
    gql: GraphQLClient, history: SetlistFmWorld
) -> None:
    fixed, _ = await headliner_of_style(history, "fixed")
    rotating, _ = await headliner_of_style(history, "rotating")

    fixed_page = await gql.data("ArtistPage", id=encode_id("Artist", fixed.id))
    rotating_page = await gql.data("ArtistPage", id=encode_id("Artist", rotating.id))

    assert fixed_page["artist"]["predictability"] >= 0.6
    assert rotating_page["artist"]["predictability"] <= 0.4


async def test_predictability_is_null_until_the_history_is_known(gql: GraphQLClient) -> None:
    artist = await Artist.first()
    assert artist is not None

    page = await gql.data("ArtistPage", id=encode_id("Artist", artist.id))

    assert page["artist"]["predictability"] is None


@pytest.mark.usefixtures("imported")
async def test_a_fixed_set_headliners_setlist_starts_with_its_tours_most_played_songs(
    gql: GraphQLClient, history: SetlistFmWorld, tour_settings: Settings
) -> None:
    artist, show = await headliner_of_style(history, "fixed")

    page = await show_page(gql, show)

    setlist = page["setlist"]
    assert isinstance(setlist, dict)
    assert setlist["seededFrom"] == "TOUR_HISTORY"
    names = [entry["song"]["name"] for entry in sorted(setlist["songs"], key=lambda entry: entry["position"])]
    assert 5 <= len(names) <= tour_settings.seed_max_songs
    # Hand-check against what was stored: the current tour's full shows and how often each song was played.
    rows = await TourSetlist.filter(artist_id=artist.id, scored_songs__gte=MIN_SHOW_SONGS).order_by("-event_date")
    tour = [row for row in rows if row.tour_name == rows[0].tour_name]
    plays: Counter[str] = Counter()
    for row in tour:
        plays.update(
            set(await TourSong.filter(setlist_id=row.id).exclude(title_key="").values_list("title_key", flat=True))
        )
    assert len(tour) >= 5
    # The seed's songs are the tour's staples: each played at most nights, the first one nearly every night.
    assert plays[title_key(names[0])] >= 0.8 * len(tour)
    assert all(plays[title_key(name)] >= 0.5 * len(tour) for name in names)
    assert [entry["position"] for entry in setlist["songs"]] == sorted(entry["position"] for entry in setlist["songs"])


@pytest.mark.usefixtures("imported")
async def test_a_rotating_headliners_setlist_starts_with_spotifys_top_tracks(
    gql: GraphQLClient, history: SetlistFmWorld
) -> None:
    artist, show = await headliner_of_style(history, "rotating")

    page = await show_page(gql, show)

    setlist = page["setlist"]
    assert isinstance(setlist, dict)
    assert setlist["seededFrom"] == "SPOTIFY_TOP_TRACKS"
    top = await Song.filter(artist_id=artist.id, rank__isnull=False).order_by("rank").limit(10)
    assert [entry["song"]["name"] for entry in setlist["songs"]] == [song.name for song in top]


@pytest.mark.usefixtures("imported")
async def test_too_little_tour_history_falls_back_to_spotify(gql: GraphQLClient, history: SetlistFmWorld) -> None:
    artist, show = await headliner_of_style(history, "fixed")
    keep = await TourSetlist.filter(artist_id=artist.id, scored_songs__gte=MIN_SHOW_SONGS).order_by("-event_date")
    await TourSetlist.filter(artist_id=artist.id).exclude(id__in=[row.id for row in keep[:4]]).delete()

    page = await show_page(gql, show)

    assert isinstance(page["setlist"], dict)
    assert page["setlist"]["seededFrom"] == "SPOTIFY_TOP_TRACKS"


@pytest.mark.usefixtures("imported")
async def test_the_predictability_threshold_is_a_setting(
    gql: GraphQLClient, history: SetlistFmWorld, app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, show = await headliner_of_style(history, "fixed")
    resources = app.state.resources
    monkeypatch.setattr(resources, "settings", resources.settings.model_copy(update={"seed_min_predictability": 0.99}))

    page = await show_page(gql, show)

    assert isinstance(page["setlist"], dict)
    assert page["setlist"]["seededFrom"] == "SPOTIFY_TOP_TRACKS"


async def test_no_history_and_no_songs_is_an_empty_setlist(gql: GraphQLClient) -> None:
    show = await make_show(headliner=await make_artist(songs_synced_at=dt.datetime.now(dt.UTC)))

    page = await show_page(gql, show)

    assert (page["setlist"]["seededFrom"], page["setlist"]["songs"]) == ("EMPTY", [])  # type: ignore[index]
    assert (await Setlist.get(show_id=show.id)).seeded_from == SeedSource.EMPTY
