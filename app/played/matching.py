"""Matching setlist.fm's names to the catalog: an artist to its MBID, a played song to a catalog song.

Strict, as the Spotify matching (app.catalog.matching): only differences of spelling that never tell two
artists or two songs apart are ignored, so a namesake's setlists or a similarly named song never count.
"""

from __future__ import annotations

from app.catalog.matching import is_same_artist_name
from app.clients.setlistfm import SetlistArtist, SetlistFmClient


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
