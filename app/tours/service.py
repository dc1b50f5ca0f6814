"""Tour history: which songs count, storing an artist's history, predictability and the seed of a new setlist.

The rules are in the README, "Seeding from the tour". In short: tape songs and unknown names ("", "?")
never count; a medley ("A / B") counts as its parts; titles compare folded, with a version suffix
stripped only at the end.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tortoise.backends.base.client import BaseDBAsyncClient

from app.catalog.ingest import Tally
from app.catalog.matching import normalize_artist_name
from app.catalog.models import Artist, Song
from app.clients.setlistfm import Setlist
from app.platform.clock import utcnow
from app.settings import Settings
from app.tours.models import TourSetlist, TourSong

# A show counts for predictability and the seed only with at least this many scored songs: radio
# sessions, one-song partial entries and stubs say nothing about the next concert.
MIN_SHOW_SONGS = 10
# The seed needs this many full shows of the current tour (or of the last SEED_WINDOW_DAYS without tour names).
MIN_SEED_SHOWS = 5
SEED_WINDOW_DAYS = 183
# Recency weight of a play: halves every this many shows back, so the tour's latest changes win ties.
RECENCY_HALF_LIFE_SHOWS = 10.0
_UNKNOWN_NAMES = {"", "?"}
_MEDLEY = " / "
_VERSION_WORDS = r"remaster(?:ed)?|live|version|edit|mix|remix|mono|stereo|demo|acoustic|single"
# One version suffix at the very end of a title: " - Remastered 2011", " (Live ...)", " (feat. X)".
_SUFFIX = re.compile(
    rf"(?:\s+-\s+[^-()]*\b(?:{_VERSION_WORDS})\b[^-()]*"
    rf"|\s*[(\[][^()\[\]]*\b(?:{_VERSION_WORDS})\b[^()\[\]]*[)\]]"
    r"|\s*[(\[](?:feat\.?|ft\.?|featuring|with)\s[^()\[\]]*[)\]])\s*$",
    re.IGNORECASE,
)


# --- songs ---------------------------------------------------------------------------------------


def title_key(title: str) -> str:
    """The comparison key of a title: version suffixes stripped from its end only, then normalised."""
    stripped = title.strip()
    while (cut := _SUFFIX.sub("", stripped)) != stripped and cut:
        stripped = cut
    return normalize_artist_name(stripped)


@dataclass(frozen=True, slots=True)
class PlayedSong:
    """One entry of a stored setlist; `key` is "" when the song is not scored."""

    name: str
    key: str
    tape: bool
    cover: bool
    medley_part: int | None


def played_songs(setlist: Setlist) -> list[PlayedSong]:
    """A setlist's songs in order, medleys split into their parts, each with its key ("" if unscored)."""
    songs: list[PlayedSong] = []
    for one_set in setlist.sets:
        for song in one_set.songs:
            name = song.name.strip()
            parts = [part.strip() for part in name.split(_MEDLEY)] if _MEDLEY in name else [name]
            for index, part in enumerate(parts, start=1):
                scored = not song.tape and part not in _UNKNOWN_NAMES
                songs.append(
                    PlayedSong(
                        name=part,
                        key=title_key(part) if scored else "",
                        tape=song.tape,
                        cover=song.cover is not None,
                        medley_part=index if len(parts) > 1 else None,
                    )
                )
    return songs


def jaccard(a: set[str], b: set[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def predictability_of(shows: Sequence[set[str]]) -> float | None:
    """Mean Jaccard similarity of consecutive full shows (any order, as long as it is by date); None below 2."""
    full = [show for show in shows if len(show) >= MIN_SHOW_SONGS]
    if len(full) < 2:
        return None
    return round(statistics.fmean(jaccard(a, b) for a, b in itertools.pairwise(full)), 4)


# --- storing an artist's history ----------------------------------------------------------------


async def store_history(
    artist_id: int, setlists: Iterable[Setlist], conn: BaseDBAsyncClient, *, now: dt.datetime
) -> Tally:
    """Upsert the fetched setlists (songs rewritten when `versionId` changed); set the predictability.

    Runs in the caller's transaction.
    """
    tally = Tally()
    fetched = {setlist.id: setlist for setlist in setlists if setlist.artist.mbid}
    stored = {
        row.setlistfm_id: row
        for row in await TourSetlist.filter(setlistfm_id__in=list(fetched)).using_db(conn).select_for_update()
    }
    catalog = await _catalog_keys(artist_id, conn)
    for setlist_id, setlist in fetched.items():
        row = stored.get(setlist_id)
        if row is not None and row.version_id == setlist.version_id and row.artist_id == artist_id:
            tally.add("setlist", "unchanged")
            continue
        songs = played_songs(setlist)
        values = {
            "artist_id": artist_id,
            "version_id": setlist.version_id[:16],
            "event_date": setlist.event_date,
            "tour_name": setlist.tour[:255] if setlist.tour else None,
            "scored_songs": sum(1 for song in songs if song.key),
        }
        if row is None:
            row = await TourSetlist.create(setlistfm_id=setlist_id, using_db=conn, **values)
            tally.add("setlist", "created")
        else:
            await TourSetlist.filter(id=row.id).using_db(conn).update(**values, updated_at=now)
            await TourSong.filter(setlist_id=row.id).using_db(conn).delete()
            tally.add("setlist", "updated")
        await TourSong.bulk_create(
            [
                TourSong(
                    setlist_id=row.id,
                    position=position,
                    name=song.name[:512],
                    title_key=song.key[:512],
                    tape=song.tape,
                    cover=song.cover,
                    medley_part=song.medley_part,
                    song_id=catalog.get(song.key) if song.key else None,
                )
                for position, song in enumerate(songs, start=1)
            ],
            using_db=conn,
        )
    if fetched:
        # The history is the latest pages: older setlists that fell off them go.
        oldest = min(setlist.event_date for setlist in fetched.values())
        await TourSetlist.filter(artist_id=artist_id, event_date__lt=oldest).using_db(conn).delete()
    shows = await _shows(artist_id, conn)
    await (
        Artist.filter(id=artist_id)
        .using_db(conn)
        .update(
            tour_history_synced_at=now,
            predictability=predictability_of([show.keys for show in shows]),
            updated_at=now,
        )
    )
    return tally


async def _catalog_keys(artist_id: int, conn: BaseDBAsyncClient | None = None) -> dict[str, int]:
    """The artist's catalog songs by title key; the best-ranked song of a key wins."""
    query = Song.filter(artist_id=artist_id)
    rows = await (query.using_db(conn) if conn is not None else query).values_list("id", "name", "rank")
    # Worst first (unranked, then rank 50 down to 1), so the best-ranked song of a key is written last.
    rows.sort(key=lambda row: (row[2] is not None, -(row[2] or 0), -row[0]))
    return {title_key(name): song_id for song_id, name, _ in rows}


@dataclass(frozen=True, slots=True)
class PastShow:
    event_date: dt.date
    tour_name: str | None
    keys: set[str]
    ordered: list[str]  # scored keys in setlist order, each once


async def _shows(artist_id: int, conn: BaseDBAsyncClient | None = None) -> list[PastShow]:
    """The artist's stored shows, newest first, with their scored songs (stubs included, as empty)."""
    setlists = TourSetlist.filter(artist_id=artist_id).order_by("-event_date", "-id")
    rows = await (setlists.using_db(conn) if conn is not None else setlists).values_list(
        "id", "event_date", "tour_name"
    )
    songs = TourSong.filter(setlist_id__in=[row[0] for row in rows]).exclude(title_key="").order_by("position")
    keys: dict[int, list[str]] = {}
    for setlist_id, key in await (songs.using_db(conn) if conn is not None else songs).values_list(
        "setlist_id", "title_key"
    ):
        keys.setdefault(setlist_id, []).append(key)
    return [
        PastShow(event_date, tour_name, set(keys.get(setlist_id, [])), list(dict.fromkeys(keys.get(setlist_id, []))))
        for setlist_id, event_date, tour_name in rows
    ]


# --- the seed -----------------------------------------------------------------------------------


async def seed_songs(artist_id: int, settings: Settings, *, today: dt.date | None = None) -> list[Song] | None:
    """The songs a new setlist of `artist_id` starts with from its tour history, or None when the history
    does not predict the show (too few full shows, or the artist rotates its songs)."""
    artist = await Artist.get_or_none(id=artist_id).only("id", "predictability")
    if artist is None or artist.predictability is None or artist.predictability < settings.seed_min_predictability:
        return None
    shows = current_tour(await _shows(artist_id), today or utcnow().date())
    if len(shows) < MIN_SEED_SHOWS:
        return None
    ranked = most_played(shows)
    length = min(int(statistics.median(len(show.keys) for show in shows)), settings.seed_max_songs)
    catalog = await _catalog_keys(artist_id)
    wanted = [catalog[key] for key in ranked[:length] if key in catalog]  # a song not in the catalog is skipped
    by_id = {song.id: song for song in await Song.filter(id__in=wanted)}
    return [by_id[song_id] for song_id in dict.fromkeys(wanted) if song_id in by_id] or None


def current_tour(shows: Sequence[PastShow], today: dt.date) -> list[PastShow]:
    """The full shows of the latest tour (by the newest full show's tour name), else of the last 6 months."""
    full = [show for show in shows if len(show.keys) >= MIN_SHOW_SONGS]
    if not full:
        return []
    latest = full[0].tour_name
    if latest is not None:
        return [show for show in full if show.tour_name == latest]
    since = today - dt.timedelta(days=SEED_WINDOW_DAYS)
    return [show for show in full if show.event_date >= since]


def most_played(shows: Sequence[PastShow]) -> list[str]:
    """Title keys by recency-weighted play count (newest show weighs 1), ties by mean position."""
    weight: dict[str, float] = {}
    positions: dict[str, list[float]] = {}
    for age, show in enumerate(shows):
        w = 0.5 ** (age / RECENCY_HALF_LIFE_SHOWS)
        for index, key in enumerate(show.ordered):
            weight[key] = weight.get(key, 0.0) + w
            positions.setdefault(key, []).append(index / max(1, len(show.ordered)))
    return sorted(weight, key=lambda key: (-round(weight[key], 9), statistics.fmean(positions[key]), key))
