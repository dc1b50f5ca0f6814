"""Refresh one artist's songs from Spotify: shared by the songs sync job, setlist creation and look-ups.

The Spotify calls (matching the artist by exact name when its id is unknown, then its catalog)
happen before the transaction, so no transaction is ever held open across the network.

A refresh is incremental: the releases whose tracks an earlier refresh read are remembered
(`ArtistRelease`), so an artist whose releases did not change costs its release list alone, and a new
release costs one more call. The songs kept are the ones a refresh with nothing remembered would keep.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from app.catalog.ingest import Tally, lock_catalog_writes, replace_artist_songs
from app.catalog.matching import ArtistSearch, find_spotify_artist
from app.catalog.models import Artist, ArtistRelease, SpotifyMatch
from app.catalog.ranking import MAX_RELEASES_OPENED, CatalogBuilder, CatalogTrack, opening_order
from app.clients.errors import EndpointRemoved
from app.clients.spotify import Page, SpotifyAlbum, SpotifyTrack
from app.platform.clock import utcnow

# Release-list pages read per listing, so one artist costs a bounded number of calls.
_MAX_RELEASE_PAGES = 3
_GROUPS = ("album", "single")


class SpotifyCatalogApi(ArtistSearch, Protocol):
    """The part of the Spotify client a songs refresh uses."""

    dev_mode: bool

    async def top_tracks(self, artist_id: str) -> list[SpotifyTrack]: ...

    async def artist_albums(
        self, artist_id: str, include_groups: Iterable[str] = _GROUPS, limit: int = 10, offset: int = 0
    ) -> Page[SpotifyAlbum]: ...

    async def album_tracks(self, album_id: str) -> Page[SpotifyTrack]: ...

    async def get_tracks(self, ids: Sequence[str]) -> list[SpotifyTrack]: ...


@dataclass(frozen=True)
class ReadRelease:
    """The artist's tracks on one release, as Spotify's album-tracks listed them."""

    total_tracks: int | None
    tracks: list[SpotifyTrack]


@dataclass
class ArtistCatalog:
    """A refresh's outcome: the ranked songs, the releases listed, those read now and those reused."""

    tracks: list[CatalogTrack]
    listed: set[str] = field(default_factory=set)
    read: dict[str, ReadRelease] = field(default_factory=dict)
    reused: int = 0


async def artist_catalog(
    spotify: SpotifyCatalogApi,
    artist_id: str,
    *,
    max_songs: int,
    remembered: Mapping[str, ReadRelease] | None = None,
) -> ArtistCatalog:
    """The artist's songs, best first (see app.catalog.ranking), reading only releases not in `remembered`."""
    remembered = remembered or {}
    builder = CatalogBuilder(artist_id)
    if not spotify.dev_mode:
        try:
            for track in await spotify.top_tracks(artist_id):
                builder.add(track, track.album, "top_tracks")
        except EndpointRemoved:
            pass  # development mode: ranking falls back to release recency
    listed = await list_releases(spotify, artist_id, want=max_songs)
    catalog = ArtistCatalog(tracks=[], listed={release.id for release in listed})
    used = 0
    for release in opening_order(listed):
        if len(builder) >= max_songs or used >= MAX_RELEASES_OPENED:
            break
        if builder.passes_over(release):
            continue
        known = remembered.get(release.id)
        if known is None or (release.total_tracks is not None and known.total_tracks != release.total_tracks):
            page = await spotify.album_tracks(release.id)
            own = [track for track in page.items if any(artist.id == artist_id for artist in track.artists)]
            known = catalog.read[release.id] = ReadRelease(release.total_tracks, own)
        else:
            catalog.reused += 1
        used += 1
        for track in known.tracks:
            builder.add(track, release, "album")
    if not spotify.dev_mode and (missing := builder.ids_missing_popularity()):
        # Development mode after all: one call per track is not worth it.
        with contextlib.suppress(EndpointRemoved):
            builder.set_popularity(await spotify.get_tracks(missing))
    catalog.tracks = builder.ranked(max_songs)
    return catalog


async def list_releases(spotify: SpotifyCatalogApi, artist_id: str, *, want: int) -> list[SpotifyAlbum]:
    """The artist's albums and singles, enough of them to hold `want` songs, newest of each kind included.

    One listing of both kinds serves most artists in one call (Spotify lists albums, then singles,
    each newest first). When albums alone fill it, the newest singles get a listing of their own.
    """
    releases: dict[str, SpotifyAlbum] = {}
    singles_reached = complete = False
    listed_tracks = offset = 0
    for _ in range(_MAX_RELEASE_PAGES):
        page = await spotify.artist_albums(artist_id, _GROUPS, limit=spotify.page_limit, offset=offset)
        for release in page.items:
            releases.setdefault(release.id, release)
            listed_tracks += release.total_tracks or 1
            singles_reached = singles_reached or (release.album_group or release.album_type) != "album"
        offset += len(page.items)
        if page.next is None or not page.items:
            complete = True
            break
        if listed_tracks >= want:
            break
    if complete or singles_reached:
        return list(releases.values())
    offset = listed_tracks = 0
    for _ in range(_MAX_RELEASE_PAGES):
        page = await spotify.artist_albums(artist_id, ("single",), limit=spotify.page_limit, offset=offset)
        for release in page.items:
            releases.setdefault(release.id, release)
            listed_tracks += release.total_tracks or 1
        offset += len(page.items)
        if page.next is None or not page.items or listed_tracks >= want:
            break
    return list(releases.values())


def songs_are_fresh(artist: Artist, max_age_hours: int, now: dt.datetime | None = None) -> bool:
    """True when the artist's catalog was synced within `max_age_hours` (SONGS_MAX_AGE_HOURS)."""
    synced = artist.songs_synced_at
    return synced is not None and synced >= (now or utcnow()) - dt.timedelta(hours=max_age_hours)


async def refresh_artist_songs(spotify: SpotifyCatalogApi, artist: Artist, *, max_songs: int) -> Tally:
    """Match the artist on Spotify if needed, then replace its ranked songs; stamps songs_synced_at.

    Raises the client's UpstreamError when Spotify fails; nothing is written then. An artist with no
    exact-name match gets no songs (rather than another artist's) and is retried when stale again.
    `artist` is updated in place.
    """
    tally = Tally()
    now = utcnow()
    spotify_id, match = artist.spotify_id, artist.spotify_match
    if spotify_id is None:
        found = await find_spotify_artist(spotify, artist.name)
        taken = found is not None and await Artist.filter(spotify_id=found.id).exclude(id=artist.id).exists()
        if found is None or taken:
            async with in_transaction() as conn:
                await (
                    Artist.filter(id=artist.id)
                    .using_db(conn)
                    .update(spotify_match=SpotifyMatch.NONE, songs_synced_at=now)
                )
            artist.spotify_match, artist.songs_synced_at = SpotifyMatch.NONE, now
            tally.add("artist", "unmatched")
            return tally
        spotify_id, match = found.id, SpotifyMatch.SEARCH
    remembered = await remembered_releases(artist) if artist.spotify_id == spotify_id else {}
    catalog = await artist_catalog(spotify, spotify_id, max_songs=max_songs, remembered=remembered)
    async with in_transaction() as conn:
        await lock_catalog_writes(conn)  # first: other catalog writers may hold this artist's row
        if artist.spotify_id is None:
            artist.spotify_id, artist.spotify_match = spotify_id, match
            await artist.save(using_db=conn, update_fields=["spotify_id", "spotify_match", "updated_at"])
            tally.add("artist", "matched")
        tally.merge(await replace_artist_songs(artist, catalog.tracks, conn=conn, now=now))
        await _remember(artist, catalog, conn)
    tally.add("artist", "synced")
    tally.add("release", "read", len(catalog.read))
    tally.add("release", "reused", catalog.reused)
    return tally


async def remembered_releases(artist: Artist) -> dict[str, ReadRelease]:
    """The releases earlier refreshes of this artist read, by Spotify album id."""
    rows = await ArtistRelease.filter(artist_id=artist.id)
    return {
        row.spotify_id: ReadRelease(row.total_tracks, [SpotifyTrack.model_validate(track) for track in row.tracks])
        for row in rows
    }


async def _remember(artist: Artist, catalog: ArtistCatalog, conn: BaseDBAsyncClient) -> None:
    """Keep the releases read now; forget those the artist's release list no longer holds."""
    releases = ArtistRelease.filter(artist_id=artist.id).using_db(conn)
    await releases.exclude(spotify_id__in=list(catalog.listed)).delete()
    if catalog.read:
        await releases.filter(spotify_id__in=list(catalog.read)).delete()
        await ArtistRelease.bulk_create(
            [
                ArtistRelease(
                    artist_id=artist.id,
                    spotify_id=album_id,
                    total_tracks=read.total_tracks if read.total_tracks is not None else len(read.tracks),
                    tracks=[track.model_dump(mode="json") for track in read.tracks],
                )
                for album_id, read in catalog.read.items()
            ],
            using_db=conn,
        )
