"""Which songs an artist's catalog keeps, and which Spotify calls a refresh makes (app.catalog.ranking, refresh).

The Spotify side is an in-memory stand-in for the client (no HTTP): these tests pin the rules; the
sync tests run the same code against the emulator over a socket.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from app.catalog.ranking import MAX_RELEASES_OPENED, opening_order
from app.catalog.refresh import ReadRelease, artist_catalog
from app.clients.errors import EndpointRemoved
from app.clients.spotify import Page, SpotifyAlbum, SpotifyArtist, SpotifyTrack

ARTIST = "0OdUWJ0sBjDrqHygGUXeCF"
Release = tuple[SpotifyAlbum, list[SpotifyTrack]]
OTHER = "0000000000000000000000"


def track(track_id: str, name: str, number: int, *, artist: str = ARTIST) -> SpotifyTrack:
    return SpotifyTrack.model_validate(
        {
            "id": track_id,
            "name": name,
            "duration_ms": 200_000 + number,
            "track_number": number,
            "disc_number": 1,
            "artists": [{"id": artist, "name": "The Midnight Owls"}],
        }
    )


def release(release_id: str, name: str, kind: str, released: str, tracks: int) -> SpotifyAlbum:
    precision = {4: "year", 7: "month", 10: "day"}[len(released)]
    return SpotifyAlbum.model_validate(
        {
            "id": release_id,
            "name": name,
            "album_type": kind,
            "release_date": released,
            "release_date_precision": precision,
            "total_tracks": tracks,
        }
    )


class FakeSpotify:
    """One artist's releases, in development or extended mode, recording every call it answers."""

    def __init__(self, *, dev: bool, releases: list[Release] | None = None) -> None:
        self.dev = dev
        self.dev_mode = False  # learnt, as the real client learns it
        self.releases = releases if releases is not None else default_releases()
        self.top = [(track("t-feathers", "Feathers", 3), 80), (track("t-dawn", "Dawn", 1), 60)]
        self.popularity = {"t-dawn": 60, "t-feathers": 80, "t-owl": 70, "t-moon": 40, "t-wings": 10, "t-dusk": 30}
        self.popularity["t-new"] = 50
        self.calls: list[str] = []

    @property
    def page_limit(self) -> int:
        return 10 if self.dev_mode else 50

    async def search_artists(self, q: str, limit: int = 10, offset: int = 0) -> list[SpotifyArtist]:
        self.calls.append("search")
        return []

    async def top_tracks(self, artist_id: str) -> list[SpotifyTrack]:
        self.calls.append("top-tracks")
        if self.dev:
            self.dev_mode = True
            raise EndpointRemoved("spotify", "HTTP 403: Forbidden")
        albums = {"t-feathers": "ALB1", "t-dawn": "ALB0"}
        by_id = {album.id: album for album, _ in self.releases}
        return [t.model_copy(update={"popularity": p, "album": by_id[albums[t.id]]}) for t, p in self.top]

    async def artist_albums(
        self, artist_id: str, include_groups: Iterable[str] = ("album", "single"), limit: int = 10, offset: int = 0
    ) -> Page[SpotifyAlbum]:
        groups = list(include_groups)
        self.calls.append(f"albums:{','.join(groups)}:{offset}")
        found = [album for album, _ in self.releases if album.album_type in groups]
        found.sort(key=lambda album: album.release_date or "", reverse=True)
        found.sort(key=lambda album: groups.index(album.album_type or "album"))
        limit = min(limit, self.page_limit)
        page = found[offset : offset + limit]
        return Page[SpotifyAlbum](
            items=page,
            total=len(found),
            limit=limit,
            offset=offset,
            next="https://api.spotify.test/next" if offset + limit < len(found) else None,
        )

    async def album_tracks(self, album_id: str) -> Page[SpotifyTrack]:
        self.calls.append(f"tracks:{album_id}")
        items = next(tracks for album, tracks in self.releases if album.id == album_id)
        return Page[SpotifyTrack](items=items, total=len(items), limit=50, offset=0)

    async def get_tracks(self, ids: Sequence[str]) -> list[SpotifyTrack]:
        self.calls.append("several-tracks")
        if self.dev:
            self.dev_mode = True
            raise EndpointRemoved("spotify", "HTTP 403: Forbidden")
        return [track(i, i, 1).model_copy(update={"popularity": self.popularity.get(i, 0)}) for i in ids]


def default_releases() -> list[Release]:
    dawn, moon_live, dusk = (
        track("t-dawn", "Dawn", 1),
        track("t-moon-live", "Moonlight (Live)", 2),
        track("t-dusk", "Dusk", 3),
    )
    night_flight = [
        track("t-owl", "Owl Song", 1),
        track("t-moon", "Moonlight", 2),
        track("t-feathers", "Feathers", 3),
        track("t-wings", "Wings", 4),
    ]
    new_thing = [
        track("t-new", "New Thing", 1),
        track("t-new-edit", "New Thing - Radio Edit", 2),
        track("t-split", "Someone Else's Song", 3, artist=OTHER),
    ]
    return [
        (release("ALB0", "First Light", "album", "2019", 3), [dawn, moon_live, dusk]),
        (release("ALB1", "Night Flight", "album", "2024-05-10", 4), night_flight),
        (release("SGL1", "Owl Song", "single", "2024-03-01", 1), [track("t-owl-single", "Owl Song", 1)]),
        (release("SGL2", "New Thing", "single", "2025-01-15", 3), new_thing),
    ]


async def test_dev_mode_ranks_newest_releases_first_without_duplicates() -> None:
    spotify = FakeSpotify(dev=True)

    catalog = await artist_catalog(spotify, ARTIST, max_songs=50)

    # "New Thing - Radio Edit" and "Moonlight (Live)" are songs already taken; the split single's
    # other act is out; the lead single "Owl Song" is passed over without opening it.
    assert [t.name for t in catalog.tracks] == [
        "New Thing",
        "Owl Song",
        "Moonlight",
        "Feathers",
        "Wings",
        "Dawn",
        "Dusk",
    ]
    assert [t.rank for t in catalog.tracks] == list(range(1, 8))
    assert {t.source for t in catalog.tracks} == {"album"}
    assert {t.popularity for t in catalog.tracks} == {None}
    first = catalog.tracks[0]
    assert (first.album_id, first.album_name, first.release_date) == ("SGL2", "New Thing", date(2025, 1, 15))
    assert catalog.tracks[-1].release_date == date(2019, 1, 1)
    assert catalog.tracks[-1].release_date_precision == "year"
    assert spotify.calls == [
        "top-tracks",
        "albums:album,single:0",  # one listing holds them all
        "tracks:SGL2",
        "tracks:ALB1",
        "tracks:ALB0",
    ]


async def test_a_full_catalog_stops_opening_releases() -> None:
    spotify = FakeSpotify(dev=True)
    spotify.dev_mode = True

    catalog = await artist_catalog(spotify, ARTIST, max_songs=5)

    assert [t.name for t in catalog.tracks] == ["New Thing", "Owl Song", "Moonlight", "Feathers", "Wings"]
    assert spotify.calls == ["albums:album,single:0", "tracks:SGL2", "tracks:ALB1"]  # no top-tracks: known removed


async def test_extended_mode_ranks_top_tracks_then_popularity() -> None:
    spotify = FakeSpotify(dev=False)

    catalog = await artist_catalog(spotify, ARTIST, max_songs=50)

    tracks = catalog.tracks
    assert [t.name for t in tracks] == ["Feathers", "Dawn", "Owl Song", "New Thing", "Moonlight", "Dusk", "Wings"]
    assert [t.source for t in tracks[:3]] == ["top_tracks", "top_tracks", "album"]
    assert [t.popularity for t in tracks] == [80, 60, 70, 50, 40, 30, 10]
    assert tracks[0].album_name == "Night Flight"
    assert spotify.calls.count("several-tracks") == 1  # popularity hydrated in one batch


async def test_remembered_releases_are_not_read_again() -> None:
    spotify = FakeSpotify(dev=True)
    first = await artist_catalog(spotify, ARTIST, max_songs=50)
    spotify.calls.clear()

    again = await artist_catalog(spotify, ARTIST, max_songs=50, remembered=first.read)

    assert again.tracks == first.tracks
    assert spotify.calls == ["albums:album,single:0"]  # dev mode known, every release remembered
    assert (again.read, again.reused) == ({}, 3)


async def test_a_new_release_costs_one_call_and_gives_what_a_full_refresh_gives() -> None:
    spotify = FakeSpotify(dev=True)
    first = await artist_catalog(spotify, ARTIST, max_songs=6)
    afterglow = [track("t-glow", "Afterglow", 1), track("t-owl-again", "Owl Song (Live)", 2)]
    spotify.releases.append((release("ALB2", "Afterglow", "album", "2025-06-01", 2), afterglow))
    spotify.calls.clear()

    incremental = await artist_catalog(spotify, ARTIST, max_songs=6, remembered=first.read)
    full = await artist_catalog(FakeSpotify(dev=True, releases=spotify.releases), ARTIST, max_songs=6)

    assert incremental.tracks == full.tracks
    # The new album is the newest: the single released before it now comes after the older albums.
    names = ["Afterglow", "Owl Song (Live)", "Moonlight", "Feathers", "Wings", "Dawn"]
    assert [t.name for t in incremental.tracks] == names
    assert spotify.calls == ["albums:album,single:0", "tracks:ALB2"]


async def test_a_release_whose_track_count_changed_is_read_again() -> None:
    spotify = FakeSpotify(dev=True)
    spotify.dev_mode = True
    stale = {"ALB1": ReadRelease(3, [track("t-owl", "Owl Song", 1)])}

    catalog = await artist_catalog(spotify, ARTIST, max_songs=50, remembered=stale)

    assert "tracks:ALB1" in spotify.calls
    assert "Wings" in [t.name for t in catalog.tracks]
    assert set(catalog.read) == {"SGL2", "ALB1", "ALB0"}


async def test_at_most_a_few_releases_are_opened() -> None:
    releases = [
        (
            release(f"ALB{n}", f"Album {n}", "album", f"{2010 + n}-01-01", 2),
            [track(f"t{n}a", f"Song {n}a", 1), track(f"t{n}b", f"Song {n}b", 2)],
        )
        for n in range(8)
    ]
    spotify = FakeSpotify(dev=True, releases=releases)
    spotify.dev_mode = True

    catalog = await artist_catalog(spotify, ARTIST, max_songs=50)

    opened = [call for call in spotify.calls if call.startswith("tracks:")]
    assert opened == [f"tracks:ALB{n}" for n in range(7, 7 - MAX_RELEASES_OPENED, -1)]
    assert len(catalog.tracks) == 2 * MAX_RELEASES_OPENED


async def test_albums_filling_the_listing_leave_the_singles_a_listing_of_their_own() -> None:
    releases: list[Release] = [
        (release(f"ALB{n}", f"Album {n}", "album", f"{2010 + n}-01-01", 8), []) for n in range(12)
    ]
    releases.append((release("SGL0", "Brand New", "single", "2025-02-01", 1), [track("t-brand-new", "Brand New", 1)]))
    spotify = FakeSpotify(dev=True, releases=releases)
    spotify.dev_mode = True

    catalog = await artist_catalog(spotify, ARTIST, max_songs=50)

    assert spotify.calls[:2] == ["albums:album,single:0", "albums:single:0"]
    assert spotify.calls[2] == "tracks:SGL0"  # the single since the newest album comes first
    assert catalog.tracks[0].name == "Brand New"


def test_opening_order_puts_a_new_era_first_then_albums_then_older_singles() -> None:
    listed: list[Any] = [
        release("S-old", "Old Single", "single", "2018-01-01", 1),
        release("A-2020", "Album 2020", "album", "2020-01-01", 10),
        release("S-new", "New Single", "single", "2024-01-01", 1),
        release("A-2022", "Album 2022", "album", "2022-01-01", 10),
        release("S-mid", "Mid Single", "single", "2021-01-01", 2),
    ]

    assert [r.id for r in opening_order(listed)] == ["S-new", "A-2022", "A-2020", "S-mid", "S-old"]
