"""GraphQL types of what was played at a show (setlist.fm's data: `sourceUrl` must be shown with it)."""

from __future__ import annotations

import datetime as dt
from itertools import groupby

import strawberry

from app.api.catalog import Song
from app.api.context import Info
from app.api.cost import list_size
from app.played import models, scores
from app.played import service as played
from app.setlists.events import PlayedScore

# Bounds the query cost counts on and the resolver keeps: a show has a few sets (main, named sets,
# encores), each of rarely more than 40 songs.
MAX_PLAYED_SETS = 6
MAX_PLAYED_SONGS = 40


@strawberry.type(description="One played song; each part of a medley is a song of its own, sharing its position.")
class PlayedSong:
    position: int = strawberry.field(description="1-based over the whole show.")
    medley_part: int | None = strawberry.field(description='1, 2, ... within a medley ("A / B"); null otherwise.')
    name: str = strawberry.field(description='As entered on setlist.fm; "" or "?" for a song nobody identified.')
    tape: bool = strawberry.field(description="Played from tape (an intro, an outro), not performed.")
    cover_artist: str | None = strawberry.field(description="The original artist when the song is a cover.")
    guest_artist: str | None = strawberry.field(description="Who played along.")
    info: str | None = strawberry.field(description='The free-text note setlist.fm has on the song, e.g. "Live debut".')
    scored: bool = strawberry.field(description="Counted by the scores: performed (not a tape) and named.")
    _song_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: models.PlayedSong) -> PlayedSong:
        return cls(
            position=row.position,
            medley_part=row.medley_part,
            name=row.name,
            tape=row.tape,
            cover_artist=row.cover_artist,
            guest_artist=row.guest_artist,
            info=row.info,
            scored=row.scored,
            _song_id=row.song_id,
        )

    @strawberry.field(description="The artist's catalog song it was matched to; null when none (a name-only row).")
    async def song(self, info: Info) -> Song | None:
        if self._song_id is None:
            return None
        row = await info.context.loaders.song.load(self._song_id)
        return Song.from_row(row) if row is not None else None


@strawberry.type(description='A set of the show: the main set, a named set ("B Stage") or an encore.')
class PlayedSet:
    index: int = strawberry.field(description="0 for the first set, in the order they were played.")
    name: str | None = strawberry.field(
        description='The set\'s name on setlist.fm ("B Stage"); null for an unnamed set.'
    )
    encore: int | None = strawberry.field(description="1 for the first encore, 2 for the second; null otherwise.")
    songs: list[PlayedSong] = strawberry.field(
        description="The set's songs in the order they were played.",
        directives=[list_size(assumed_size=MAX_PLAYED_SONGS)],
    )


@strawberry.type(
    description="What was played, from setlist.fm. Its terms require every client showing it to link to `sourceUrl`."
)
class PlayedSetlist:
    source_url: str = strawberry.field(description="The setlist.fm page of this setlist: show it as the source.")
    imported_at: dt.datetime = strawberry.field(description="When this version was imported (re-imported on edits).")
    _pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: models.PlayedSetlist) -> PlayedSetlist:
        assert row.imported_at is not None, "only imported setlists are shown"
        return cls(source_url=row.url or "", imported_at=row.imported_at, _pk=row.id)

    @strawberry.field(
        description="The sets in the order they were played, each with its songs in order.",
        directives=[list_size(assumed_size=MAX_PLAYED_SETS)],
    )
    async def sets(self, info: Info) -> list[PlayedSet]:
        rows = await info.context.loaders.played_songs.load(self._pk)
        sets = []
        for index, group in groupby(rows, key=lambda row: row.set_index):
            songs = list(group)
            first = songs[0]
            sets.append(
                PlayedSet(
                    index=index,
                    name=first.set_name,
                    encore=first.encore,
                    songs=[PlayedSong.from_model(row) for row in songs[:MAX_PLAYED_SONGS]],
                )
            )
        return sets[:MAX_PLAYED_SETS]


@strawberry.type(description="The community's prediction against what was played: its top N songs by votes, N played.")
class CommunityScore:
    predicted: int = strawberry.field(description="N, or fewer when fewer songs have votes.")
    played: int = strawberry.field(description="The played songs that count (performed and named), each once.")
    hits: int = strawberry.field(description="Predicted songs that were played.")
    precision: float = strawberry.field(description="Hits / predicted, 0 to 1.")
    recall: float = strawberry.field(description="Hits / played, 0 to 1.")
    f1: float = strawberry.field(description="The harmonic mean of precision and recall, 0 to 1.")
    rank_correlation: float | None = strawberry.field(
        description="Spearman's rho of the hits' order by votes against the order played; null below 2 hits."
    )

    @classmethod
    def from_score(cls, score: scores.CommunityScore | PlayedScore) -> CommunityScore:
        return cls(
            predicted=score.predicted,
            played=score.played,
            hits=score.hits,
            precision=round(score.precision, 4),
            recall=round(score.recall, 4),
            f1=round(score.f1, 4),
            rank_correlation=round(score.rank_correlation, 4) if score.rank_correlation is not None else None,
        )


@strawberry.type(description="A fan's votes against what was played; points: see the README's points rule.")
class FanScore:
    hits: int = strawberry.field(description="Songs the fan voted for that were played.")
    votes_cast: int = strawberry.field(description="The fan's votes on this setlist.")
    points: int = strawberry.field(description="Per hit: 10 x voters / fans who picked it, at most 100.")


@strawberry.type(description="One fan on a show's leaderboard (display names only, never emails).")
class LeaderboardEntry:
    display_name: str = strawberry.field(description="The fan's display name.")
    points: int = strawberry.field(description="The fan's points (see the README's points rule).")
    hits: int = strawberry.field(description="Songs the fan voted for that were played.")
    votes_cast: int = strawberry.field(description="The fan's votes on this show's setlist.")
    _user_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: played.LeaderboardRow) -> LeaderboardEntry:
        return cls(
            display_name=row.display_name,
            points=row.points,
            hits=row.hits,
            votes_cast=row.votes_cast,
            _user_id=row.user_id,
        )
