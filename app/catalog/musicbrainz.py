"""An artist's MusicBrainz id (setlist.fm's artist key), kept once, on `artists.musicbrainz_id`.

The tours sync stores it from Ticketmaster's links; for an artist without one, the played-setlists and
tour-history jobs both ask `musicbrainz_id` here, which searches setlist.fm by name at most every
`ARTIST_SEARCH_EVERY` and records what it found on the artist, so neither job searches for an artist
the other already found (or already failed to find).
"""

from __future__ import annotations

import datetime as dt

from tortoise.transactions import in_transaction

from app.catalog.ingest import Tally, link_musicbrainz, lock_catalog_writes
from app.catalog.matching import is_same_artist_name
from app.catalog.models import Artist, MusicBrainzMatch
from app.clients.setlistfm import SetlistArtist, SetlistFmClient

# An artist setlist.fm did not know by name is searched again after this long.
ARTIST_SEARCH_EVERY = dt.timedelta(days=30)


def pick_artist(name: str, candidates: list[SetlistArtist]) -> SetlistArtist | None:
    """The one candidate whose name is `name` (as `is_same_artist_name` says), else None.

    Two or more same-name candidates are namesakes we cannot tell apart from a name alone; a lone one
    with a `disambiguation` is one of MusicBrainz's known namesakes ("US indie rock band"): neither is
    taken, as the wrong artist's setlists would be worse than none.
    """
    same = [artist for artist in candidates if is_same_artist_name(artist.name, name)]
    if len(same) != 1 or same[0].disambiguation:
        return None
    return same[0]


async def find_artist(client: SetlistFmClient, name: str) -> SetlistArtist | None:
    """setlist.fm's artist of exactly this name (one call: the first page, most relevant first)."""
    page = await client.search_artists(name)
    return pick_artist(name, page.artists)


async def musicbrainz_id(client: SetlistFmClient, artist: Artist, now: dt.datetime, tally: Tally) -> str | None:
    """The artist's MBID: the stored one, else an exact-name search when one is due (recorded on the artist).

    A search counts `artist_matched` or `artist_unmatched` in `tally`; None when there is no MBID.
    """
    if artist.musicbrainz_id is not None:
        return artist.musicbrainz_id
    searched = artist.musicbrainz_searched_at
    if searched is not None and searched > now - ARTIST_SEARCH_EVERY:
        return None
    found = await find_artist(client, artist.name)
    async with in_transaction() as conn:
        await lock_catalog_writes(conn)
        await Artist.filter(id=artist.id).using_db(conn).update(musicbrainz_searched_at=now)
        artist.musicbrainz_searched_at = now
        linked = found is not None and await link_musicbrainz(
            artist, found.mbid, MusicBrainzMatch.SETLISTFM_SEARCH, conn
        )
    tally.add("artist", "matched" if linked else "unmatched")
    return artist.musicbrainz_id if linked else None
