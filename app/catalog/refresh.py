"""Refresh one artist's songs from Spotify: shared by the songs sync job and setlist creation.

The Spotify calls (matching the artist by exact name when its id is unknown, then its catalog)
happen before the transaction, so no transaction is ever held open across the network.
"""

from __future__ import annotations

import datetime as dt

from tortoise.transactions import in_transaction

from app.catalog.ingest import Tally, lock_catalog_writes, replace_artist_songs
from app.catalog.models import Artist, SpotifyMatch
from app.clients.spotify import SpotifyClient
from app.platform.clock import utcnow


def songs_are_fresh(artist: Artist, max_age_hours: int, now: dt.datetime | None = None) -> bool:
    """True when the artist's catalog was synced within `max_age_hours` (SONGS_MAX_AGE_HOURS)."""
    synced = artist.songs_synced_at
    return synced is not None and synced >= (now or utcnow()) - dt.timedelta(hours=max_age_hours)


async def refresh_artist_songs(client: SpotifyClient, artist: Artist, *, max_songs: int) -> Tally:
    """Match the artist on Spotify if needed, then replace its ranked songs; stamps songs_synced_at.

    Raises the client's UpstreamError when Spotify fails; nothing is written then. An artist with no
    exact-name match gets no songs (rather than another artist's) and is retried when stale again.
    `artist` is updated in place.
    """
    tally = Tally()
    now = utcnow()
    spotify_id, match = artist.spotify_id, artist.spotify_match
    if spotify_id is None:
        found = await client.find_artist_by_exact_name(artist.name)
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
    tracks = await client.artist_catalog(spotify_id, max_songs=max_songs)
    async with in_transaction() as conn:
        await lock_catalog_writes(conn)  # first: other catalog writers may hold this artist's row
        if artist.spotify_id is None:
            artist.spotify_id, artist.spotify_match = spotify_id, match
            await artist.save(using_db=conn, update_fields=["spotify_id", "spotify_match", "updated_at"])
            tally.add("artist", "matched")
        tally.merge(await replace_artist_songs(artist, tracks, conn=conn, now=now))
    tally.add("artist", "synced")
    return tally
