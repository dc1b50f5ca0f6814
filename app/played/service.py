"""Played setlists: which setlist.fm setlist a show is, storing it with its songs, and reading it back.

Writes here run one show at a time in one transaction, after the HTTP calls (app.played.tasks makes them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from tortoise import connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from app.catalog.matching import is_same_artist_name
from app.catalog.models import Show, Song, Venue
from app.clients import setlistfm as sfm
from app.clients.spotify import SpotifyTrack
from app.platform import rawsql
from app.platform.clock import utcnow
from app.played import scores
from app.played.matching import CatalogIndex, is_scored, medley_parts, title_key
from app.played.models import PlayedSetlist, PlayedSong
from app.setlists.models import Setlist, SetlistSong, UserVote

# While setlist.fm has nothing (or an empty stub), look again after these waits, then every 72 h.
BACKOFF = (dt.timedelta(hours=2), dt.timedelta(hours=12), dt.timedelta(hours=24), dt.timedelta(hours=72))
# A found setlist is checked for edits (a new versionId) this often while its show is in the window.
RECHECK_AFTER = dt.timedelta(hours=24)

Outcome = Literal["imported", "reimported", "unchanged", "not_found"]


def next_search(attempts: int, now: dt.datetime) -> dt.datetime:
    """When to search again after `attempts` (>= 1) searches found nothing."""
    return now + BACKOFF[min(attempts, len(BACKOFF)) - 1]


def choose_setlist(candidates: Iterable[sfm.Setlist], mbid: str, venue: Venue) -> sfm.Setlist | None:
    """The artist's setlist of the show's day at the show's venue (or, failing that, in its city).

    Two entries of one day (a radio session and the show, two shows in two cities) are told apart by the
    venue's name, then the city; when neither tells them apart, none is taken rather than the wrong one.
    """
    mine = [s for s in candidates if s.artist.mbid == mbid]
    if len(mine) <= 1:
        return mine[0] if mine else None
    at_venue = [s for s in mine if s.venue and s.venue.name and is_same_artist_name(s.venue.name, venue.name)]
    if len(at_venue) == 1:
        return at_venue[0]
    in_city = [
        s for s in at_venue or mine if s.venue and s.venue.city and is_same_artist_name(s.venue.city, venue.city)
    ]
    return in_city[0] if len(in_city) == 1 else None


def flatten(setlist: sfm.Setlist, index: CatalogIndex) -> list[PlayedSong]:
    """The setlist's songs in order as (unsaved) rows: one per medley part, matched to the catalog."""
    rows: list[PlayedSong] = []
    position = 0
    for set_index, one_set in enumerate(setlist.sets):
        for song in one_set.songs:
            position += 1
            parts = medley_parts(song.name)
            for part_number, name in enumerate(parts, start=1):
                matched = index.match(name) if not song.tape else None
                rows.append(
                    PlayedSong(
                        set_index=set_index,
                        set_name=one_set.name[:255] if one_set.name else None,
                        encore=one_set.encore,
                        position=position,
                        medley_part=part_number if len(parts) > 1 else None,
                        name=name[:512],
                        tape=song.tape,
                        cover_artist=song.cover.name[:255] if song.cover else None,
                        guest_artist=song.guest.name[:255] if song.guest else None,
                        info=song.info[:1024] if song.info else None,
                        scored=is_scored(name, tape=song.tape),
                        song_id=matched.id if matched else None,
                    )
                )
    return rows


@dataclass(frozen=True)
class Stored:
    outcome: Outcome
    played: PlayedSetlist


async def record_miss(show_id: int, found: sfm.Setlist | None, now: dt.datetime) -> Stored:
    """Nothing (or only an empty stub) on setlist.fm yet: count the attempt and set the next search."""
    async with in_transaction() as conn:
        played = await _locked(show_id, conn)
        played.attempts += 1
        played.next_poll_at = next_search(played.attempts, now)
        if found is not None and played.imported_at is None:  # a stub: follow it by id from now on
            played.setlistfm_id, played.url = found.id, found.url
        await played.save(using_db=conn)
    return Stored("not_found", played)


async def store_setlist(show_id: int, found: sfm.Setlist, index: CatalogIndex, now: dt.datetime) -> Stored:
    """Store the show's setlist and songs, replacing an older version; unchanged when the version is the same."""
    async with in_transaction() as conn:
        played = await _locked(show_id, conn)
        played.next_poll_at = now + RECHECK_AFTER
        if played.imported_at is not None and played.version_id == found.version_id:
            await played.save(using_db=conn, update_fields=["next_poll_at", "updated_at"])
            return Stored("unchanged", played)
        outcome: Outcome = "reimported" if played.imported_at is not None else "imported"
        played.setlistfm_id, played.version_id, played.url = found.id, found.version_id, found.url
        played.imported_at, played.attempts = now, 0
        await played.save(using_db=conn)
        await PlayedSong.filter(played_setlist_id=played.id).using_db(conn).delete()
        rows = flatten(found, index)
        for row in rows:
            row.played_setlist_id = played.id
        await PlayedSong.bulk_create(rows, using_db=conn)
    return Stored(outcome, played)


async def _locked(show_id: int, conn: BaseDBAsyncClient) -> PlayedSetlist:
    """The show's row, locked until the transaction ends (created first if need be: race-safe)."""
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query(
            "INSERT INTO played_setlists (created_at, updated_at, show_id, attempts) VALUES (now(), now(), $1, 0)"
            " ON CONFLICT (show_id) DO NOTHING",
            [show_id],
        )
        return await PlayedSetlist.filter(show_id=show_id).select_for_update().using_db(conn).get()
    played = await PlayedSetlist.filter(show_id=show_id).using_db(conn).first()
    return played or await PlayedSetlist.create(show_id=show_id, using_db=conn)


async def add_catalog_song(artist_id: int, track: SpotifyTrack) -> bool:
    """Store a Spotify track of the artist as an unranked catalog song; False when it is already stored."""
    if await Song.exists(spotify_id=track.id):
        return False
    album = track.album
    try:
        await Song.create(
            spotify_id=track.id,
            artist_id=artist_id,
            name=track.name[:512],
            album_name=album.name[:512] if album else None,
            album_id=album.id if album else None,
            release_date=album.release_date[:10] if album and album.release_date else None,
            duration_ms=track.duration_ms,
            popularity=track.popularity,
            preview_url=track.preview_url,
            rank=None,  # outside the artist's ranked catalog: found because it was played
            cached_at=utcnow(),
        )
    except IntegrityError:  # stored concurrently (the songs sync, a suggestion)
        return False
    return True


async def catalog_index(artist_id: int) -> CatalogIndex:
    return CatalogIndex.of(await Song.filter(artist_id=artist_id))


# --- batched reads behind the API's DataLoaders ----------------------------------------------------


async def played_setlists_by_show_ids(ids: Sequence[int]) -> dict[int, PlayedSetlist]:
    """Each show's imported setlist (shows without one are missing)."""
    rows = await PlayedSetlist.filter(show_id__in=list(ids), imported_at__isnull=False)
    return {row.show_id: row for row in rows}


async def played_songs_by_setlist_ids(ids: Sequence[int]) -> dict[int, list[PlayedSong]]:
    """Each played setlist's songs in the order they were played."""
    songs: dict[int, list[PlayedSong]] = {}
    for row in await PlayedSong.filter(played_setlist_id__in=list(ids)).order_by("position", "medley_part", "id"):
        songs.setdefault(row.played_setlist_id, []).append(row)
    return songs


async def shows_with_venues(ids: Sequence[int]) -> list[Show]:
    return await Show.filter(id__in=list(ids)).select_related("headliner", "venue")


# --- scores ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreInputs:
    """What the scores of one played show's setlist are computed from."""

    setlist_id: int
    candidates: dict[int, scores.Candidate]  # by setlist song id
    played: list[str]  # the played scored songs' keys, in order
    voters: int

    def community(self) -> scores.CommunityScore | None:
        return scores.community_score(list(self.candidates.values()), self.played)

    def fan(self, setlist_song_ids: Iterable[int]) -> scores.FanScore:
        voted = [self.candidates[i] for i in setlist_song_ids if i in self.candidates]
        return scores.fan_score(voted, self.played, self.voters)

    def points_by_song(self) -> dict[int, int]:
        """Each hit's points, by setlist song id (misses are worth nothing)."""
        played = set(self.played)
        return {
            c.setlist_song_id: scores.points_for(c.votes, self.voters)
            for c in self.candidates.values()
            if c.key in played
        }


async def score_inputs_by_setlist_ids(ids: Sequence[int]) -> dict[int, ScoreInputs]:
    """The score inputs of each setlist whose show has an imported played setlist (others are missing)."""
    setlists = {row.id: row.show_id for row in await Setlist.filter(id__in=list(ids)).only("id", "show_id")}
    played_rows = await PlayedSetlist.filter(show_id__in=list(setlists.values()), imported_at__isnull=False)
    played_by_show = {row.show_id: row.id for row in played_rows}
    played_songs: dict[int, list[str]] = {}
    rows = (
        await PlayedSong.filter(played_setlist_id__in=list(played_by_show.values()), scored=True)
        .select_related("song")
        .order_by("position", "medley_part", "id")
    )
    for row in rows:
        name = row.song.name if row.song is not None else row.name
        played_songs.setdefault(row.played_setlist_id, []).append(title_key(name))
    wanted = [setlist_id for setlist_id, show_id in setlists.items() if show_id in played_by_show]
    candidates: dict[int, dict[int, scores.Candidate]] = {}
    for entry in await SetlistSong.filter(setlist_id__in=wanted).select_related("song"):
        candidates.setdefault(entry.setlist_id, {})[entry.id] = scores.Candidate(
            entry.id, title_key(entry.song.name), entry.votes, entry.position
        )
    voters: dict[int, int] = {}
    counted = (
        await UserVote.filter(setlist_id__in=wanted)
        .annotate(n=Count("user_id", distinct=True))
        .group_by("setlist_id")
        .values("setlist_id", "n")
    )
    for count in counted:
        voters[count["setlist_id"]] = count["n"]
    return {
        setlist_id: ScoreInputs(
            setlist_id=setlist_id,
            candidates=candidates.get(setlist_id, {}),
            played=scores.played_keys(played_songs.get(played_by_show[setlists[setlist_id]], [])),
            voters=voters.get(setlist_id, 0),
        )
        for setlist_id in wanted
    }


@dataclass(frozen=True)
class LeaderboardRow:
    user_id: int
    display_name: str
    points: int
    hits: int
    votes_cast: int


async def leaderboard(inputs: ScoreInputs, *, first: int, after: tuple[int, int] | None) -> list[LeaderboardRow]:
    """The setlist's voters by points (most first, then the earliest account), `first` + 1 rows after `after`.

    One aggregate over the setlist's votes: each vote is worth its song's points (0 for a miss).
    """
    points = inputs.points_by_song()
    # Literal integers only (ids and points we computed), so the CASE is safe to build as text.
    worth = " ".join(f"WHEN {song_id} THEN {value}" for song_id, value in points.items())
    points_sql = f"CASE uv.setlist_song_id {worth} ELSE 0 END" if worth else "0"
    hits_sql = f"CASE WHEN uv.setlist_song_id IN ({', '.join(map(str, points))}) THEN 1 ELSE 0 END" if points else "0"
    values: list[object] = [inputs.setlist_id, first + 1]
    page = ""
    if after is not None:
        page = "WHERE r.points < $3 OR (r.points = $3 AND r.user_id > $4)"
        values += [after[0], after[1]]
    sql = f"""
    SELECT * FROM (
      SELECT uv.user_id, u.display_name, count(*) AS votes_cast, sum({hits_sql}) AS hits, sum({points_sql}) AS points
      FROM user_votes uv JOIN users u ON u.id = uv.user_id
      WHERE uv.setlist_id = $1 GROUP BY uv.user_id, u.display_name
    ) r {page}
    ORDER BY r.points DESC, r.user_id LIMIT $2
    """
    rows = await rawsql.fetch(connections.get("default"), sql, values)
    return [
        LeaderboardRow(
            user_id=row["user_id"],
            display_name=row["display_name"],
            points=int(row["points"]),
            hits=int(row["hits"]),
            votes_cast=int(row["votes_cast"]),
        )
        for row in rows
    ]


async def setlist_id_of_show(show_id: int) -> int | None:
    row = await Setlist.filter(show_id=show_id).only("id").first()
    return row.id if row is not None else None
