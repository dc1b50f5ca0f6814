"""Setlist.score, Setlist.viewerScore and Show.leaderboard on a hand-checked example."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_played_setlist, make_setlist, make_show, make_song, make_token, make_user
from graphql_client import GraphQLClient

from app.accounts.models import User
from app.api.ids import encode_id
from app.catalog.models import Show
from app.played.models import PlayedSong
from app.played.scores import points_for, spearman
from app.setlists.models import SetlistSong, UserVote


async def played_show() -> tuple[Show, list[User]]:
    """Songs A-F with votes 4, 3, 2, 1, 0, 1 from four fans; played: C, A, X (not in the catalog), D, a tape, "?".

    Community top 4 by votes: A, B, C, D; hits A, C, D: precision = recall = F1 = 3/4.
    Hits by votes A, C, D; as played C, A, D: d^2 = 1 + 1 + 0, rho = 1 - 6 * 2 / (3 * 8) = 0.5.
    Points with 4 voters: A (4 picks) 10, C (2 picks) 20, D (1 pick) 40.
    Fans: u1 A B C D -> 3 hits, 70; u2 A B F -> 1, 10; u3 A B C -> 2, 30; u4 A -> 1, 10.
    """
    starts = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    show = await make_show(starts_at=starts, local_date=starts.date())
    artist = await show.headliner
    songs = [
        await make_song(artist=artist, name=name) for name in ("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Fox")
    ]
    setlist = await make_setlist(show, songs)
    entries = {e.song_id: e for e in await SetlistSong.filter(setlist=setlist)}
    a, b, c, d, _, f = (entries[song.id] for song in songs)
    fans = [await make_user(display_name=f"fan {i}") for i in range(1, 5)]
    for fan, picks in zip(fans, ([a, b, c, d], [a, b, f], [a, b, c], [a]), strict=True):
        for slot, entry in enumerate(picks, start=1):
            await UserVote.create(user=fan, setlist_song=entry, setlist=setlist, slot=slot)
    for entry, votes in ((a, 4), (b, 3), (c, 2), (d, 1), (f, 1)):
        await SetlistSong.filter(id=entry.id).update(votes=votes)
    charlie_live = await make_song(artist=artist, name="Charlie (Live)", rank=None)
    played = await make_played_setlist(show, [charlie_live, songs[0], "Xray", songs[3]])
    await PlayedSong.create(played_setlist=played, set_index=1, position=5, name="Outro", tape=True, scored=False)
    await PlayedSong.create(played_setlist=played, set_index=1, position=6, name="?", scored=False)
    return show, fans


def test_the_rules_by_hand() -> None:
    assert spearman(["a", "c", "d"], ["c", "a", "d"]) == 0.5
    assert spearman(["a", "b"], ["a", "b"]) == 1.0
    assert spearman(["a"], ["a"]) is None
    assert (points_for(4, 4), points_for(2, 4), points_for(1, 4), points_for(1, 1000), points_for(0, 4)) == (
        10,
        20,
        40,
        100,
        0,
    )


async def test_the_community_and_a_fans_score_on_the_hand_checked_example(gql: GraphQLClient) -> None:
    show, fans = await played_show()
    gql.token = await make_token(fans[0])

    setlist = (await gql.data("PastShowPage", id=encode_id("Show", show.id)))["show"]["setlist"]

    assert setlist["score"] == {
        "predicted": 4,
        "played": 4,
        "hits": 3,
        "precision": 0.75,
        "recall": 0.75,
        "f1": 0.75,
        "rankCorrelation": 0.5,
    }
    assert setlist["viewerScore"] == {"hits": 3, "votesCast": 4, "points": 70}


async def test_the_leaderboard_ranks_fans_by_points_and_pages(gql: GraphQLClient) -> None:
    show, _ = await played_show()

    first = (await gql.data("Leaderboard", id=encode_id("Show", show.id), first=2))["show"]["leaderboard"]
    rest = (
        await gql.data("Leaderboard", id=encode_id("Show", show.id), first=2, after=first["pageInfo"]["endCursor"])
    )["show"]["leaderboard"]

    rows = [edge["node"] for edge in first["edges"] + rest["edges"]]
    assert [(r["displayName"], r["points"], r["hits"], r["votesCast"]) for r in rows] == [
        ("fan 1", 70, 3, 4),
        ("fan 3", 30, 2, 3),
        ("fan 2", 10, 1, 3),
        ("fan 4", 10, 1, 1),
    ]
    assert first["pageInfo"]["hasNextPage"] is True
    assert rest["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize("cursor", ["nope", "WzEsMiwzXQ", "WyJhIiwxXQ"])
async def test_a_bad_leaderboard_cursor_is_bad_user_input(gql: GraphQLClient, cursor: str) -> None:
    show, _ = await played_show()

    body = await gql.run("Leaderboard", id=encode_id("Show", show.id), after=cursor)

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_before_the_import_there_is_no_score_and_no_leaderboard(gql: GraphQLClient) -> None:
    show = await make_show()
    await make_setlist(show, [await make_song(artist=await show.headliner)])
    gql.token = await make_token(await make_user())

    data = (await gql.data("PastShowPage", id=encode_id("Show", show.id)))["show"]
    board = (await gql.data("Leaderboard", id=encode_id("Show", show.id)))["show"]["leaderboard"]

    assert (data["setlist"]["score"], data["setlist"]["viewerScore"]) == (None, None)
    assert board["edges"] == []
