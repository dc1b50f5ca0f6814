"""Setlists: made on a show's first visit from the headliner's top songs; fans' suggestions; votes.

Votes are the hot path: one transaction in raw SQL (docs/decisions/0003-raw-sql-on-hot-paths.md).
The vote row goes in first (its unique key refuses a second vote; the same statement checks that
voting is open), then `votes = votes + 1 … RETURNING` comes last, so the song's row lock lasts from
that UPDATE to the COMMIT only. On PostgreSQL both are one statement (a data-modifying WITH): one
round trip. Changes are published after the commit.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from app.catalog import service as catalog
from app.catalog.models import Artist, Show, ShowArtist, ShowStatus, Song
from app.catalog.refresh import refresh_artist_songs, songs_are_fresh
from app.clients.errors import UpstreamError, UpstreamNotFound
from app.clients.spotify import SpotifyClient, SpotifyTrack
from app.errors import AppError, BadUserInput, Forbidden, NotFound, VoteBudgetSpent
from app.lookups import service as lookups
from app.platform import quotas, rawsql
from app.platform.clock import utcnow
from app.platform.observability import VOTES_BY_KIND
from app.platform.rawsql import Row
from app.platform.redis_calls import Rider
from app.resources import Resources
from app.setlists.events import ChangeKind, SongVotes, VoteCountsChanged, publish_change
from app.setlists.models import SeedSource, Setlist, SetlistSong, UserVote
from app.settings import Settings
from app.tours import service as tours

logger = logging.getLogger(__name__)

# A new setlist opens with the headliner's ten best-ranked songs: about half a concert.
OPENING_SONGS = 10
# Per fan and setlist: enough to add the deep cuts one hopes for, too few to flood the list.
SUGGESTIONS_PER_USER = 5
# Bounds a setlist (and so every setlist query and snapshot) whatever the number of fans.
MAX_SETLIST_SONGS = 100
_SPOTIFY_ID = re.compile(r"[0-9A-Za-z]{22}")  # Spotify ids are 22 base-62 characters

# The vote statements. Parameters: $1 now, $2 user, $3 setlist song, $4 today (UTC), $5 votes per show.
# Voting is open until the show starts (with the time to be announced: through its day) unless cancelled.
_OPEN = "sh.status <> 'cancelled' AND (sh.starts_at > $1 OR (sh.starts_at IS NULL AND sh.local_date >= $4))"
# The fan's lowest free vote slot of the setlist (1..$5), or NULL when all are taken: the budget. Two
# concurrent votes of one fan may pick the same slot; the unique (user, setlist, slot) key refuses one.
_FREE_SLOT = """(SELECT min(c.slot) FROM (
  SELECT 1 AS slot UNION ALL SELECT slot + 1 FROM user_votes WHERE user_id = $2 AND setlist_id = ss.setlist_id
) c WHERE c.slot <= $5 AND NOT EXISTS (
  SELECT 1 FROM user_votes t WHERE t.user_id = $2 AND t.setlist_id = ss.setlist_id AND t.slot = c.slot
))"""
# The vote row goes in (its unique keys refuse a second vote and a taken slot) or comes out. Nothing
# changes when the song does not exist, voting is closed, the budget is spent, or there is no such
# change to make: the caller finds out which.
ADD_VOTE_ROW_SQL = f"""
INSERT INTO user_votes (created_at, updated_at, user_id, setlist_song_id, setlist_id, slot)
SELECT $1, $1, $2, v.id, v.setlist_id, v.slot FROM (
  SELECT ss.id, ss.setlist_id, {_FREE_SLOT} AS slot FROM setlist_songs ss
  JOIN setlists sl ON sl.id = ss.setlist_id JOIN shows sh ON sh.id = sl.show_id
  WHERE ss.id = $3 AND {_OPEN}
) v WHERE v.slot IS NOT NULL
ON CONFLICT DO NOTHING
RETURNING setlist_song_id
"""
REMOVE_VOTE_ROW_SQL = f"""
DELETE FROM user_votes WHERE user_id = $2 AND setlist_song_id = $3 AND EXISTS (
  SELECT 1 FROM setlist_songs ss
  JOIN setlists sl ON sl.id = ss.setlist_id JOIN shows sh ON sh.id = sl.show_id
  WHERE ss.id = $3 AND {_OPEN}
)
RETURNING setlist_song_id
"""
# Then the count, last: the song's row lock lasts from this UPDATE to the COMMIT only.
COUNT_SQL = (
    "UPDATE setlist_songs SET votes = votes {op} 1, version = version + 1, updated_at = $1 WHERE id = {id} RETURNING *"
)


def _in_one_statement(change: str, op: str) -> str:
    # One statement is one transaction and one round trip: the two changes as a data-modifying WITH.
    return f"WITH changed AS ({change}) " + COUNT_SQL.format(op=op, id="(SELECT setlist_song_id FROM changed)")


# PostgreSQL: the vote transaction in one statement (the benchmark's baseline runs these too).
VOTE_SQL = _in_one_statement(ADD_VOTE_ROW_SQL, "+")
UNVOTE_SQL = _in_one_statement(REMOVE_VOTE_ROW_SQL, "-")
# SQLite (the embedded demo) has no data-modifying WITH: the same two statements in a transaction.
_TWO_STATEMENTS = {
    "vote": (ADD_VOTE_ROW_SQL, COUNT_SQL.format(op="+", id="$3")),
    "unvote": (REMOVE_VOTE_ROW_SQL, COUNT_SQL.format(op="-", id="$3")),
}


def closed_reason(show: Show, now: dt.datetime) -> str | None:
    """Why voting and suggesting are closed for `show`, or None while they are open."""
    if show.status == ShowStatus.CANCELLED:
        return "the show was cancelled"
    # With the time to be announced, the show's (UTC) day stays open to the end.
    started = show.starts_at <= now if show.starts_at is not None else show.local_date < now.date()
    return "the show has started" if started else None


# --- creating setlists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SongSource:
    """Where a new setlist's songs come from, and how an empty one gets filled later."""

    spotify: SpotifyClient
    settings: Settings
    schedule_fill: Callable[[int], Awaitable[None]]
    # After songs were written (a first visit's refresh): cached shared reads built before are stale.
    catalog_changed: Callable[[], Awaitable[None]] | None = None

    @property
    def spotify_configured(self) -> bool:
        return bool(self.settings.spotify_client_id)


class SetlistRef(NamedTuple):
    """All a page needs of the setlist row itself: its keys and where its opening songs came from."""

    id: int
    show_id: int
    seeded_from: str  # a SeedSource value


_SETLISTS_SQL = "SELECT id, show_id, seeded_from FROM setlists WHERE show_id = ANY($1)"


async def get_or_create_setlists(show_ids: Sequence[int], source: SongSource) -> dict[int, SetlistRef]:
    """Each show's setlist, created on its first visit (race-safe: one per show, whoever creates it)."""
    found = {
        row["show_id"]: SetlistRef(row["id"], row["show_id"], row["seeded_from"])
        for row in await rawsql.rows(_SETLISTS_SQL, [list(show_ids)])
    }
    missing = [show_id for show_id in dict.fromkeys(show_ids) if show_id not in found]
    # A show page may wait for Spotify; a list of new shows may not: it would spend minutes of the
    # shared Spotify budget on one request. Those setlists start from the cache and are filled later.
    fetch = len(missing) == 1
    for show_id in missing:
        setlist = await _create_setlist(show_id, source, fetch=fetch)
        found[show_id] = SetlistRef(setlist.id, setlist.show_id, setlist.seeded_from.value)
    return found


async def _create_setlist(show_id: int, source: SongSource, *, fetch: bool) -> Setlist:
    show = await Show.filter(id=show_id).select_related("headliner").first()
    if show is None:
        raise NotFound("No such show")
    artist = show.headliner
    max_age = source.settings.songs_max_age_hours
    if fetch and source.spotify_configured and not songs_are_fresh(artist, max_age):
        await _try_refresh(artist, source)
        if source.catalog_changed is not None:
            await source.catalog_changed()
    songs, seeded_from = await _seed(artist.id, source.settings)
    try:
        async with in_transaction() as conn:
            setlist = await Setlist.create(show_id=show_id, seeded_from=seeded_from, using_db=conn)
            await SetlistSong.bulk_create(_entries(setlist.id, songs, first_position=1), using_db=conn)
    except IntegrityError:
        # A concurrent first visit created it (setlists.show_id is unique): theirs is the setlist.
        return await Setlist.get(show_id=show_id)
    if not songs and source.spotify_configured and not songs_are_fresh(artist, max_age):
        await source.schedule_fill(setlist.id)
    return setlist


async def _try_refresh(artist: Artist, source: SongSource) -> None:
    try:
        await refresh_artist_songs(source.spotify, artist, max_songs=source.settings.sync_songs_per_artist)
    except UpstreamError as error:
        # The visitor gets a setlist from whatever is cached (maybe empty, filled later), not an error.
        logger.warning("Setlist for artist %s from the cache: Spotify failed: %s", artist.id, error)
    except IntegrityError:
        logger.info("Songs of artist %s were written concurrently; using those", artist.id)


async def _seed(artist_id: int, settings: Settings) -> tuple[list[Song], SeedSource]:
    """The tour's most played songs when the history predicts the show, else Spotify's top songs."""
    from_tour = await tours.seed_songs(artist_id, settings)
    if from_tour:
        return from_tour, SeedSource.TOUR_HISTORY
    songs = await _opening_songs(artist_id)
    return songs, SeedSource.SPOTIFY_TOP_TRACKS if songs else SeedSource.EMPTY


async def _opening_songs(artist_id: int) -> list[Song]:
    return await Song.filter(artist_id=artist_id, rank__isnull=False).order_by("rank", "id").limit(OPENING_SONGS)


def _entries(setlist_id: int, songs: Iterable[Song], *, first_position: int) -> list[SetlistSong]:
    return [
        SetlistSong(setlist_id=setlist_id, song_id=song.id, votes=0, suggested=False, position=position)
        for position, song in enumerate(songs, start=first_position)
    ]


async def fill_setlist(setlist_id: int, client: SpotifyClient, settings: Settings) -> int:
    """Give a setlist created without songs its opening songs; the number added (0: nothing to do).

    Safe to run twice. Raises NotFound when the setlist is gone, and the client's UpstreamError
    when Spotify still fails (the job defers itself).
    """
    setlist = await Setlist.filter(id=setlist_id).select_related("show__headliner").first()
    if setlist is None:
        raise NotFound(f"Setlist {setlist_id} no longer exists")
    if await SetlistSong.filter(setlist_id=setlist_id, suggested=False).exists():
        return 0
    artist = setlist.show.headliner
    if not songs_are_fresh(artist, settings.songs_max_age_hours):
        await refresh_artist_songs(client, artist, max_songs=settings.sync_songs_per_artist)
    songs = await _opening_songs(artist.id)
    async with in_transaction() as conn:
        await _lock_setlist(setlist_id, conn)
        rows = await SetlistSong.filter(setlist_id=setlist_id).using_db(conn).values_list("song_id", "position")
        present = {song_id for song_id, _ in rows}
        top = max((position for _, position in rows), default=0)
        entries = _entries(setlist_id, [song for song in songs if song.id not in present], first_position=top + 1)
        await SetlistSong.bulk_create(entries, using_db=conn)
        if entries:
            await Setlist.filter(id=setlist_id).using_db(conn).update(seeded_from=SeedSource.SPOTIFY_TOP_TRACKS)
    return len(entries)


async def _lock_setlist(setlist_id: int, conn: BaseDBAsyncClient) -> None:
    """Serialise writers of one setlist's song list (suggestions, fills); votes never take this lock."""
    await Setlist.filter(id=setlist_id).select_for_update(no_key=True).using_db(conn).values_list("id")


# --- votes ---------------------------------------------------------------------------------------


class CountedSong(NamedTuple):
    """A setlist song's row as a vote left it (plain values: no model object on the hot path)."""

    id: int
    setlist_id: int
    song_id: int
    votes: int
    version: int
    suggested: bool
    position: int


async def vote(
    resources: Resources, *, user_id: int, setlist_song_id: int, at: dt.datetime | None = None
) -> CountedSong:
    """Add the user's vote; BAD_USER_INPUT "already voted", FORBIDDEN when closed or past the budget
    (reason VOTE_BUDGET_SPENT), NOT_FOUND, RATE_LIMITED.

    `at`: when the vote is cast, now by default (the demo records fans' votes from before its past shows).
    """
    return await _count_vote(resources, user_id, setlist_song_id, "vote", at)


async def unvote(resources: Resources, *, user_id: int, setlist_song_id: int) -> CountedSong:
    """Take the user's vote back; BAD_USER_INPUT when there is none, FORBIDDEN when closed, NOT_FOUND."""
    return await _count_vote(resources, user_id, setlist_song_id, "unvote")


async def _count_vote(
    resources: Resources, user_id: int, setlist_song_id: int, kind: ChangeKind, at: dt.datetime | None = None
) -> CountedSong:
    # A vote that needs a new lease of the fan's limit reserves it in its publish's round trip.
    async with quotas.charged(resources.counter, quotas.VOTES_PER_USER, str(user_id)) as charge:
        now = at or utcnow()
        budget = resources.settings.votes_per_show
        values: list[Any] = [now, user_id, setlist_song_id, now.date(), *([budget] if kind == "vote" else [])]
        # A vote that lost its slot to the same fan's concurrent vote tries the next free one: each retry
        # means another vote took a slot, so there are at most `budget` of them.
        for _ in range(budget + 1):
            row = await _change_vote(kind, values)
            if row is not None:
                break
            refusal = await _vote_refused(setlist_song_id, user_id, now, kind, budget)
            if refusal is not None:
                raise refusal
        else:
            raise VoteBudgetSpent(budget)
        entry = CountedSong(
            row["id"],
            row["setlist_id"],
            row["song_id"],
            row["votes"],
            row["version"],
            bool(row["suggested"]),
            row["position"],
        )
        VOTES_BY_KIND[kind].inc()  # committed
        change = VoteCountsChanged(setlist_id=entry.setlist_id, kind=kind, songs=[_votes(entry)])
        await _publish(resources, change, charge.riders)
    return entry


async def _change_vote(kind: ChangeKind, values: list[Any]) -> Row | None:
    """The setlist song's row after the change, or None when nothing changed."""
    conn = connections.get("default")
    if conn.capabilities.dialect == "postgres":
        rows = await rawsql.rows(VOTE_SQL if kind == "vote" else UNVOTE_SQL, values)
        return rows[0] if rows else None
    change, count = _TWO_STATEMENTS[kind]
    async with in_transaction() as tx:  # SQLite: one writer at a time, so no two votes pick one slot
        if not await rawsql.fetch(tx, change, values):
            return None
        (row,) = await rawsql.fetch(tx, count, values[:3])  # SQLite wants no parameter past the last used
    return row


async def _vote_refused(
    setlist_song_id: int, user_id: int, now: dt.datetime, kind: ChangeKind, budget: int
) -> AppError | None:
    """Why a vote statement changed nothing (the cold path: more reads); None: a lost slot race, retry."""
    entry = await SetlistSong.filter(id=setlist_song_id).select_related("setlist__show").first()
    if entry is None:
        return NotFound("No such setlist song")
    reason = closed_reason(entry.setlist.show, now)
    if reason is not None:
        return Forbidden(f"Voting is closed: {reason}")
    if kind == "unvote":
        return BadUserInput("You have not voted for this song")
    if await UserVote.exists(user_id=user_id, setlist_song_id=setlist_song_id):
        return BadUserInput("already voted")
    if await UserVote.filter(user_id=user_id, setlist_id=entry.setlist_id).count() >= budget:
        return VoteBudgetSpent(budget)
    return None


def _votes(entry: SetlistSong | CountedSong) -> SongVotes:
    return SongVotes(setlist_song_id=entry.id, votes=entry.votes, version=entry.version)


async def _publish(resources: Resources, change: VoteCountsChanged, along: Sequence[Rider] = ()) -> None:
    try:
        await publish_change(resources.broker, change, along)
    except Exception:  # the change is committed: live viewers get a fresh snapshot when the broker is back
        logger.warning("Could not publish a change of setlist %s", change.setlist_id, exc_info=True)


# --- suggestions ---------------------------------------------------------------------------------


async def suggest_song(resources: Resources, *, user_id: int, setlist_id: int, spotify_track_id: str) -> SetlistSong:
    """Add a Spotify track by an act on the bill to the setlist (an existing entry is returned as is)."""
    if not _SPOTIFY_ID.fullmatch(spotify_track_id):
        raise BadUserInput("Invalid Spotify track id")
    await quotas.check(resources.counter, quotas.SUGGESTIONS_PER_USER, str(user_id))
    setlist = await Setlist.filter(id=setlist_id).select_related("show").first()
    if setlist is None:
        raise NotFound("No such setlist")
    reason = closed_reason(setlist.show, utcnow())
    if reason is not None:
        raise Forbidden(f"Suggestions are closed: {reason}")
    song = await Song.get_or_none(spotify_id=spotify_track_id)
    if song is not None:
        existing = await SetlistSong.get_or_none(setlist_id=setlist_id, song_id=song.id)
        if existing is not None:
            return existing
    lineup = [row.artist for row in await ShowArtist.filter(show_id=setlist.show_id).select_related("artist")]
    if song is None or song.artist_id not in {artist.id for artist in lineup}:
        # New to the catalog, or cached under an act not on this bill (it may feature one who is).
        song = await _song_by_an_act(resources, spotify_track_id, lineup, song)
    entry, created = await _add_suggestion(setlist_id, song.id, user_id)
    if created:
        await _publish(resources, VoteCountsChanged(setlist_id=setlist_id, kind="suggestion", songs=[_votes(entry)]))
    return entry


async def _song_by_an_act(resources: Resources, track_id: str, lineup: list[Artist], cached: Song | None) -> Song:
    try:
        track = await resources.spotify.get_track(track_id)
    except UpstreamNotFound:
        raise BadUserInput("No Spotify track has this id") from None
    except UpstreamError as error:
        raise lookups.as_app_error(error) from None
    on_bill = {artist.spotify_id: artist for artist in lineup if artist.spotify_id}
    act = next((on_bill[ref.id] for ref in track.artists if ref.id in on_bill), None)
    if act is None:
        raise BadUserInput("This track is not by an artist on the show's bill")
    if cached is not None:
        return cached
    try:
        song = await Song.create(artist_id=act.id, **_song_values(track))
    except IntegrityError:  # stored concurrently (another suggestion, or the songs sync)
        return await Song.get(spotify_id=track.id)
    await resources.versions.bump_catalog()  # the act's page lists its songs
    return song


def _song_values(track: SpotifyTrack) -> dict[str, Any]:
    album = track.album
    return {
        "spotify_id": track.id,
        "name": track.name[:512],
        "album_name": album.name[:512] if album else None,
        "album_id": album.id if album else None,
        "release_date": album.release_date[:10] if album and album.release_date else None,
        "duration_ms": track.duration_ms,
        "popularity": track.popularity,
        "preview_url": track.preview_url,
        "rank": None,  # outside the artist's ranked catalog
        "cached_at": utcnow(),
    }


async def _add_suggestion(setlist_id: int, song_id: int, user_id: int) -> tuple[SetlistSong, bool]:
    async with in_transaction() as conn:
        # Under the setlist's lock the limits and the next position are read and used race-free.
        await _lock_setlist(setlist_id, conn)
        entries = await SetlistSong.filter(setlist_id=setlist_id).using_db(conn)
        existing = next((entry for entry in entries if entry.song_id == song_id), None)
        if existing is not None:
            return existing, False
        if sum(entry.suggested_by_id == user_id for entry in entries) >= SUGGESTIONS_PER_USER:
            raise Forbidden(f"You have made the {SUGGESTIONS_PER_USER} suggestions a fan may make to a setlist")
        if len(entries) >= MAX_SETLIST_SONGS:
            raise Forbidden(f"This setlist is full ({MAX_SETLIST_SONGS} songs)")
        entry = await SetlistSong.create(
            setlist_id=setlist_id,
            song_id=song_id,
            votes=0,
            suggested=True,
            suggested_by_id=user_id,
            position=max((e.position for e in entries), default=0) + 1,
            using_db=conn,
        )
    return entry, True


# --- batched reads behind the API's DataLoaders (plain rows in raw SQL) ------------------------------

# A show with what its page shows of its headliner (columns prefixed `a_`), its venue (`v_`) and the
# id of its setlist (null before the first visit), in one statement.
_SHOWS_SQL = f"""
SELECT {catalog.SHOW_COLUMNS.format(p="s.")}, {catalog.prefixed(catalog.ARTIST_COLUMNS, "a", "a_")},
  {catalog.prefixed(catalog.VENUE_COLUMNS, "v", "v_")}, sl.id AS setlist_id, sl.seeded_from AS setlist_seeded_from
FROM shows s JOIN artists a ON a.id = s.headliner_id JOIN venues v ON v.id = s.venue_id
LEFT JOIN setlists sl ON sl.show_id = s.id
WHERE s.id = ANY($1)
"""


async def show_rows_by_ids(ids: list[int]) -> dict[int, Row]:
    """Shows with their headliner, venue and setlist id (see _SHOWS_SQL)."""
    return catalog.by_id(await rawsql.rows(_SHOWS_SQL, [ids]))


# A setlist's songs with their catalog song's columns (prefixed `song_`), most votes first.
_SETLIST_SONGS_SQL = """
SELECT ss.id, ss.setlist_id, ss.song_id, ss.votes, ss.suggested, ss.position{voted},
  s.spotify_id AS song_spotify_id, s.name AS song_name, s.album_name AS song_album_name,
  s.release_date AS song_release_date, s.duration_ms AS song_duration_ms, s.preview_url AS song_preview_url
FROM setlist_songs ss JOIN songs s ON s.id = ss.song_id{join}
WHERE ss.setlist_id = ANY($1) ORDER BY ss.setlist_id, ss.votes DESC, ss.position, ss.id
"""
_ANONYMOUS_SONGS_SQL = _SETLIST_SONGS_SQL.format(voted="", join="")
# The viewer's votes in the same statement: `voted` says whether this user voted for the song.
_VIEWER_SONGS_SQL = _SETLIST_SONGS_SQL.format(
    voted=", uv.id IS NOT NULL AS voted",
    join=" LEFT JOIN user_votes uv ON uv.setlist_song_id = ss.id AND uv.user_id = $2",
)
_VOTES_SQL = "SELECT setlist_song_id FROM user_votes WHERE user_id = $1 AND setlist_song_id = ANY($2)"


async def song_rows_by_setlist_ids(ids: list[int], viewer: int | None = None) -> dict[int, list[Row]]:
    """Each setlist's songs, most votes first, then in setlist order; with `viewer`, a `voted` column."""
    if viewer is None:
        found = await rawsql.rows(_ANONYMOUS_SONGS_SQL, [ids])
    else:
        found = await rawsql.rows(_VIEWER_SONGS_SQL, [ids, viewer])
    songs: dict[int, list[Row]] = {}
    for row in found:
        songs.setdefault(row["setlist_id"], []).append(row)
    return songs


async def votes_among(user_id: int, setlist_song_ids: list[int]) -> set[int]:
    """Which of these setlist songs the user voted for (one statement)."""
    return {row["setlist_song_id"] for row in await rawsql.rows(_VOTES_SQL, [user_id, setlist_song_ids])}


async def setlists_by_ids(ids: Iterable[int]) -> dict[int, Setlist]:
    return {setlist.id: setlist for setlist in await Setlist.filter(id__in=list(ids))}


async def setlist_songs_by_ids(ids: Iterable[int]) -> dict[int, SetlistSong]:
    return {entry.id: entry for entry in await SetlistSong.filter(id__in=list(ids))}


_VIEWER_VOTES_SQL = "SELECT setlist_song_id, setlist_id FROM user_votes WHERE user_id = $1 AND setlist_id = ANY($2)"


async def voted_songs(keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], list[int]]:
    """The setlist song ids each (user id, setlist id) voted for; one statement per user (a request has one)."""
    wanted: dict[int, list[int]] = {}
    for user_id, setlist_id in keys:
        wanted.setdefault(user_id, []).append(setlist_id)
    found: dict[tuple[int, int], list[int]] = {}
    for user_id, setlist_ids in wanted.items():
        for row in await rawsql.rows(_VIEWER_VOTES_SQL, [user_id, setlist_ids]):
            found.setdefault((user_id, row["setlist_id"]), []).append(row["setlist_song_id"])
    return found


async def votes_of_users(keys: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which (user id, setlist song id) pairs are votes; one statement per user (a request has one)."""
    wanted: dict[int, list[int]] = {}
    for user_id, setlist_song_id in keys:
        wanted.setdefault(user_id, []).append(setlist_song_id)
    found: set[tuple[int, int]] = set()
    for user_id, setlist_song_ids in wanted.items():
        found.update((user_id, song_id) for song_id in await votes_among(user_id, setlist_song_ids))
    return found
