"""Votes through the Vote and Unvote documents: exact counts under concurrency, auth, closing, limits."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from typing import Any

import httpx
import pytest
from factories import in_days, make_setlist, make_setlist_song, make_show, make_token, make_user, make_users_with_tokens
from graphql_client import GraphQLClient, document
from starlette.applications import Starlette
from tortoise import connections

from app.api.ids import encode_id
from app.catalog.models import ShowStatus
from app.platform import quotas
from app.setlists.events import VoteCountsChanged, channel_for
from app.setlists.models import SetlistSong, UserVote


async def _vote(http: httpx.AsyncClient, name: str, token: str | None, setlist_song_id: int) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        "/graphql",
        json={"query": document(name), "variables": {"setlistSongId": encode_id("SetlistSong", setlist_song_id)}},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


async def _song_on_open_setlist(**show: Any) -> SetlistSong:
    return await make_setlist_song(await make_setlist(await make_show(**show)))


async def _invariant_violations() -> list[dict[str, Any]]:
    """Setlist songs whose count differs from their vote rows (one SQL query over every song)."""
    return await connections.get("default").execute_query_dict(
        """
        SELECT ss.id, ss.votes, count(uv.id) AS rows
        FROM setlist_songs ss LEFT JOIN user_votes uv ON uv.setlist_song_id = ss.id
        GROUP BY ss.id HAVING ss.votes <> count(uv.id)
        """
    )


async def test_vote_counts_the_vote_and_marks_it_as_the_viewers(gql: GraphQLClient) -> None:
    entry = await _song_on_open_setlist()
    gql.token = await make_token(await make_user())

    data = await gql.data("Vote", setlistSongId=encode_id("SetlistSong", entry.id))

    assert data["vote"] == {"id": encode_id("SetlistSong", entry.id), "votes": 1, "viewerHasVoted": True}


async def test_unvote_takes_the_vote_back(gql: GraphQLClient) -> None:
    entry = await _song_on_open_setlist()
    gql.token = await make_token(await make_user())
    await gql.data("Vote", setlistSongId=encode_id("SetlistSong", entry.id))

    data = await gql.data("Unvote", setlistSongId=encode_id("SetlistSong", entry.id))

    assert data["unvote"]["votes"] == 0
    assert data["unvote"]["viewerHasVoted"] is False
    assert await UserVote.all().count() == 0


async def test_200_users_voting_at_once_on_one_song_give_exactly_200(gql: GraphQLClient) -> None:
    entry = await _song_on_open_setlist()
    voters = await make_users_with_tokens(200)

    bodies = await asyncio.gather(*(_vote(gql.http, "Vote", token, entry.id) for _, token in voters))

    assert [body for body in bodies if "errors" in body] == []
    assert sorted(body["data"]["vote"]["votes"] for body in bodies) == list(range(1, 201))
    await entry.refresh_from_db()
    assert entry.votes == 200
    assert await UserVote.filter(setlist_song_id=entry.id).count() == 200


async def test_one_user_voting_twice_at_once_counts_once_with_one_clean_error(gql: GraphQLClient) -> None:
    entry = await _song_on_open_setlist()
    token = await make_token(await make_user())

    first, second = await asyncio.gather(*(_vote(gql.http, "Vote", token, entry.id) for _ in range(2)))

    outcomes = sorted([_codes(first), _codes(second)])
    assert outcomes == [[], ["BAD_USER_INPUT"]]
    refused = first if "errors" in first else second
    assert refused["errors"][0]["message"] == "already voted"
    await entry.refresh_from_db()
    assert entry.votes == 1


async def test_racing_votes_and_unvotes_keep_every_count_equal_to_its_vote_rows(gql: GraphQLClient) -> None:
    setlist = await make_setlist(await make_show())
    entries = [await make_setlist_song(setlist, position=i) for i in range(1, 4)]
    voters = await make_users_with_tokens(15)
    rng = random.Random(5)
    # Every voter fires a burst of votes and unvotes at random songs, all at once.
    requests = [
        _vote(gql.http, rng.choice(["Vote", "Unvote"]), token, rng.choice(entries).id)
        for _, token in voters
        for _ in range(8)
    ]

    bodies = await asyncio.gather(*requests)

    assert {code for body in bodies for code in _codes(body)} <= {"BAD_USER_INPUT"}
    assert await _invariant_violations() == []
    assert sum(entry.votes for entry in await SetlistSong.filter(setlist=setlist)) == await UserVote.all().count()


async def test_anonymous_and_forged_token_votes_are_refused_and_write_nothing(gql: GraphQLClient) -> None:
    entry = await _song_on_open_setlist()
    revoked = await make_token(await make_user(), revoked=True)
    expired = await make_token(await make_user(), expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))

    bodies = [
        await _vote(gql.http, "Vote", token, entry.id)
        for token in (None, "forged" * 7 + "x", revoked, expired)  # forged: well-formed, never issued
    ]

    assert [_codes(body) for body in bodies] == [["UNAUTHENTICATED"]] * 4
    assert [body["data"] for body in bodies] == [None] * 4
    await entry.refresh_from_db()
    assert entry.votes == 0
    assert await UserVote.all().count() == 0


@pytest.mark.parametrize(
    "show",
    [
        pytest.param({"starts_at": dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}, id="started"),
        pytest.param({"status": ShowStatus.CANCELLED}, id="cancelled"),
        pytest.param({"starts_at": None, "local_date": in_days(-1)}, id="time-tba-and-yesterday"),
    ],
)
async def test_voting_is_closed_once_the_show_starts_or_is_cancelled(gql: GraphQLClient, show: dict[str, Any]) -> None:
    entry = await _song_on_open_setlist(**show)
    user = await make_user()
    await UserVote.create(user=user, setlist_song=entry)
    await SetlistSong.filter(id=entry.id).update(votes=1)
    gql.token = await make_token(user)

    vote = await gql.run("Vote", setlistSongId=encode_id("SetlistSong", entry.id))
    unvote = await gql.run("Unvote", setlistSongId=encode_id("SetlistSong", entry.id))

    assert _codes(vote) == _codes(unvote) == ["FORBIDDEN"]
    assert vote["errors"][0]["message"].startswith("Voting is closed")
    await entry.refresh_from_db()
    assert entry.votes == 1


async def test_voting_stays_open_on_the_day_of_a_show_whose_time_is_tba(gql: GraphQLClient) -> None:
    entry = await _song_on_open_setlist(starts_at=None, local_date=in_days(0))
    gql.token = await make_token(await make_user())

    data = await gql.data("Vote", setlistSongId=encode_id("SetlistSong", entry.id))

    assert data["vote"]["votes"] == 1


async def test_unvote_without_a_vote_is_bad_user_input(gql: GraphQLClient) -> None:
    entry = await _song_on_open_setlist()
    gql.token = await make_token(await make_user())

    body = await gql.run("Unvote", setlistSongId=encode_id("SetlistSong", entry.id))

    assert _codes(body) == ["BAD_USER_INPUT"]


async def test_vote_on_a_missing_song_is_not_found_and_a_wrong_id_is_bad_input(gql: GraphQLClient) -> None:
    gql.token = await make_token(await make_user())

    missing = await gql.run("Vote", setlistSongId=encode_id("SetlistSong", 999_999))
    wrong_type = await gql.run("Vote", setlistSongId=encode_id("Show", 1))

    assert _codes(missing) == ["NOT_FOUND"]
    assert _codes(wrong_type) == ["BAD_USER_INPUT"]


async def test_votes_past_the_per_user_rate_limit_are_refused(gql: GraphQLClient) -> None:
    setlist = await make_setlist(await make_show())
    entry = await make_setlist_song(setlist)
    gql.token = await make_token(await make_user())
    for _ in range(quotas.VOTES_PER_USER.count // 2):  # vote and unvote share the limit
        await gql.data("Vote", setlistSongId=encode_id("SetlistSong", entry.id))
        await gql.data("Unvote", setlistSongId=encode_id("SetlistSong", entry.id))

    body = await gql.run("Vote", setlistSongId=encode_id("SetlistSong", entry.id))

    assert _codes(body) == ["RATE_LIMITED"]
    assert 0 < body["errors"][0]["extensions"]["retryAfter"] <= 60


async def test_a_vote_is_published_on_the_setlists_channel_after_it_commits(gql: GraphQLClient, app: Starlette) -> None:
    entry = await _song_on_open_setlist()
    gql.token = await make_token(await make_user())

    broker = app.state.resources.broker
    before = await broker.sequence(channel_for(entry.setlist_id))

    async with broker.subscribe(channel_for(entry.setlist_id)) as subscription:
        await gql.data("Vote", setlistSongId=encode_id("SetlistSong", entry.id))
        message = await asyncio.wait_for(subscription.get(), timeout=5)

    assert isinstance(message, bytes)
    change = VoteCountsChanged.decode(message)
    assert change.kind == "vote"
    assert change.setlist_id == entry.setlist_id
    assert change.sequence == before + 1
    assert [(song.setlist_song_id, song.votes) for song in change.songs] == [(entry.id, 1)]
