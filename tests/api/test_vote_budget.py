"""VOTES_PER_SHOW: a fan holds at most that many votes per show, also when voting concurrently."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from factories import make_setlist, make_setlist_song, make_show, make_token, make_user
from graphql_client import GraphQLClient, document
from starlette.applications import Starlette

from app.api.ids import encode_id
from app.emulators.server import running_server
from app.setlists.models import SetlistSong, UserVote


async def _setlist_with(songs: int) -> tuple[int, list[SetlistSong]]:
    setlist = await make_setlist(await make_show())
    entries = [await make_setlist_song(setlist, position=i) for i in range(1, songs + 1)]
    return setlist.id, entries


def _song_id(entry: SetlistSong) -> str:
    return encode_id("SetlistSong", entry.id)


async def _votes_left(gql: GraphQLClient, entry: SetlistSong) -> Any:
    show = (await (await entry.setlist).show).id
    data = await gql.data("ShowPageWithSetlist", id=encode_id("Show", show))
    return data["show"]["setlist"]["viewerVotesLeft"]


async def test_a_vote_past_the_budget_is_refused_and_an_unvote_gives_it_back(gql: GraphQLClient) -> None:
    _, entries = await _setlist_with(12)
    gql.token = await make_token(await make_user())
    assert await _votes_left(gql, entries[0]) == 10

    for entry in entries[:10]:
        await gql.data("Vote", setlistSongId=_song_id(entry))
    assert await _votes_left(gql, entries[0]) == 0
    refused = await gql.run("Vote", setlistSongId=_song_id(entries[10]))

    (error,) = refused["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "VOTE_BUDGET_SPENT", "votesPerShow": 10}
    assert (await SetlistSong.get(id=entries[10].id)).votes == 0
    again = await gql.run("Vote", setlistSongId=_song_id(entries[0]))
    assert again["errors"][0]["message"] == "already voted"  # not the budget: that song has the vote

    await gql.data("Unvote", setlistSongId=_song_id(entries[3]))
    assert await _votes_left(gql, entries[0]) == 1
    data = await gql.data("Vote", setlistSongId=_song_id(entries[10]))
    assert data["vote"]["votes"] == 1
    assert await _votes_left(gql, entries[0]) == 0


async def test_the_budget_is_per_show(gql: GraphQLClient) -> None:
    _, first = await _setlist_with(10)
    _, second = await _setlist_with(1)
    gql.token = await make_token(await make_user())
    for entry in first:
        await gql.data("Vote", setlistSongId=_song_id(entry))

    data = await gql.data("Vote", setlistSongId=_song_id(second[0]))

    assert data["vote"]["votes"] == 1


async def test_anonymous_viewers_have_no_votes_left_to_show(gql: GraphQLClient) -> None:
    _, entries = await _setlist_with(1)

    assert await _votes_left(gql, entries[0]) is None


async def test_concurrent_votes_of_one_fan_never_exceed_the_budget(app: Starlette, db: None) -> None:
    setlist_id, entries = await _setlist_with(16)
    token = await make_token(await make_user())
    # Real sockets: each request is served concurrently, on its own database connection of the pool.
    async with running_server(app) as url, httpx.AsyncClient(base_url=url) as http:

        async def vote(entry: SetlistSong) -> dict[str, Any]:
            response = await http.post(
                "/graphql",
                json={"query": document("Vote"), "variables": {"setlistSongId": _song_id(entry)}},
                headers={"authorization": f"Bearer {token}"},
            )
            body: dict[str, Any] = response.json()
            return body

        results = await asyncio.gather(*(vote(entry) for entry in entries))

    accepted = [r for r in results if not r.get("errors")]
    refused = [r["errors"][0]["extensions"] for r in results if r.get("errors")]
    assert len(accepted) == 10  # a lost slot race retries, so the budget is used in full
    assert all(extensions.get("reason") == "VOTE_BUDGET_SPENT" for extensions in refused)
    assert len(refused) == 6
    assert await UserVote.filter(setlist_id=setlist_id).count() == 10
    assert sum(e.votes for e in await SetlistSong.filter(setlist_id=setlist_id)) == 10
