"""How close the predictions came: the community's top songs and each fan's votes against what was played.

Songs are compared by title key (app.played.matching.title_key) of the catalog song, or of the played name
for a song the catalog lacks, so two catalog entries of one song ("X" and "X - Remastered") count as one.
Only scored songs count (performed and named: no tapes, no "" or "?"), each once however often played.

The points rule (README): a hit is worth 10 * voters / picks, rounded down and capped at 100, where
`voters` is how many fans voted on the show's setlist and `picks` how many of them voted for the song.
A hit everyone had is worth 10, a hit a tenth of the fans had is worth 100; a miss is worth nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_POINTS = 100
POINTS_FOR_A_HIT_EVERYONE_HAD = 10


@dataclass(frozen=True)
class Candidate:
    """A setlist song as the scores see it."""

    setlist_song_id: int
    key: str
    votes: int
    position: int


@dataclass(frozen=True)
class CommunityScore:
    predicted: int  # the community's top N (N = played scored songs; fewer when fewer songs have votes)
    played: int
    hits: int
    precision: float
    recall: float
    f1: float
    rank_correlation: float | None  # Spearman's rho over the hits; None below 2 hits


@dataclass(frozen=True)
class FanScore:
    hits: int
    votes_cast: int
    points: int


def played_keys(keys: Iterable[str]) -> list[str]:
    """The played scored songs' keys in the order first played, each once."""
    return list(dict.fromkeys(keys))


def community_score(candidates: Sequence[Candidate], played: Sequence[str]) -> CommunityScore | None:
    """The top N songs by votes (ties: setlist order) against the N played songs; None when nothing scored."""
    if not played:
        return None
    ranked = sorted((c for c in candidates if c.votes > 0), key=lambda c: (-c.votes, c.position, c.setlist_song_id))
    top = list(dict.fromkeys(c.key for c in ranked))[: len(played)]
    played_rank = {key: rank for rank, key in enumerate(played)}
    hits = [key for key in top if key in played_rank]
    precision = len(hits) / len(top) if top else 0.0
    recall = len(hits) / len(played)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return CommunityScore(
        predicted=len(top),
        played=len(played),
        hits=len(hits),
        precision=precision,
        recall=recall,
        f1=f1,
        rank_correlation=spearman(hits, sorted(hits, key=played_rank.__getitem__)),
    )


def spearman(predicted_order: Sequence[str], played_order: Sequence[str]) -> float | None:
    """Spearman's rho of two orders of the same items (no ties): 1 - 6 * sum(d^2) / (n (n^2 - 1))."""
    n = len(predicted_order)
    if n < 2:
        return None
    played_rank = {key: rank for rank, key in enumerate(played_order)}
    d2 = sum((rank - played_rank[key]) ** 2 for rank, key in enumerate(predicted_order))
    return 1 - 6 * d2 / (n * (n * n - 1))


def points_for(picks: int, voters: int) -> int:
    """The points of a hit that `picks` of the show's `voters` fans voted for."""
    if picks <= 0 or voters <= 0:
        return 0
    return min(MAX_POINTS, POINTS_FOR_A_HIT_EVERYONE_HAD * voters // picks)


def fan_score(voted: Iterable[Candidate], played: Sequence[str], voters: int) -> FanScore:
    """A fan's hits (votes for played songs), votes cast and points."""
    played_set = set(played)
    votes = list(voted)
    hits = [c for c in votes if c.key in played_set]
    return FanScore(hits=len(hits), votes_cast=len(votes), points=sum(points_for(c.votes, voters) for c in hits))
