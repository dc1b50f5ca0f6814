"""Subscribes that join a live feed directly (app.api.ws.handler): same outcome as Strawberry's path, without it.

The app runs in this process with its in-process broker; each socket speaks graphql-transport-ws
to it as ASGI messages (no network), so the test can count what the resolver did.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

import pytest
import strawberry
from factories import make_setlist, make_setlist_song, make_show
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from ws_testing import Socket

from app.api.context import Info
from app.api.http import GraphQLView
from app.api.ids import decode_id, encode_id
from app.api.live import Subscription, VoteCountsEvent
from app.api.schema import Query, TheSetSchema
from app.api.ws.feeds import Feeds
from app.api.ws.handler import handover
from app.platform.observability import OperationLabels
from app.resources import open_resources
from app.setlists.events import SongVotes, VoteCountsChanged, publish_change
from app.setlists.models import Setlist
from app.settings import Settings

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
async def sockets(app: Starlette) -> AsyncIterator[Callable[[], Any]]:
    opened: list[Socket] = []

    async def open_socket() -> Socket:
        socket = Socket(app)
        await socket.open()
        opened.append(socket)
        return socket

    yield open_socket
    for socket in opened:
        if socket.task is not None and not socket.task.done():
            await socket.close()


@pytest.fixture
def resolver_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The setlist ids the voteCounts resolver checked (it asks whether the setlist exists, first thing)."""
    runs: list[int] = []
    exists = Setlist.exists

    def counted(*args: Any, **kwargs: Any) -> Any:
        runs.append(kwargs["id"])
        return exists(*args, **kwargs)

    monkeypatch.setattr(Setlist, "exists", counted)
    return runs


async def a_setlist() -> tuple[int, list[int]]:
    setlist = await make_setlist(await make_show())
    songs = [await make_setlist_song(setlist, position=n) for n in (1, 2)]
    return setlist.id, [song.id for song in songs]


def counts(message: dict[str, Any]) -> dict[str, Any]:
    assert message["type"] == "next", message
    result: dict[str, Any] = message["payload"]["data"]["voteCounts"]
    return result


async def test_an_identical_subscribe_joins_the_live_feed_without_running_the_resolver_again(
    app: Starlette, sockets: Callable[[], Any], resolver_runs: list[int]
) -> None:
    setlist_id, songs = await a_setlist()
    first, second = await sockets(), await sockets()

    first_snapshot = counts(await first.subscribe(setlist_id))
    second_snapshot = counts(await second.subscribe(setlist_id))

    assert resolver_runs == [setlist_id]  # the second subscribe never reached the resolver
    assert second_snapshot == first_snapshot
    assert second_snapshot["kind"] == "SNAPSHOT"
    change = VoteCountsChanged(
        setlist_id=setlist_id, kind="vote", songs=[SongVotes(setlist_song_id=songs[1], votes=1, version=1)]
    )
    await publish_change(app.state.resources.broker, change)
    for socket in (first, second):
        delta = counts(await socket.receive())
        assert (delta["kind"], delta["sequence"]) == ("VOTE", first_snapshot["sequence"] + 1)
        assert delta["songs"] == [{"setlistSongId": encode_id("SetlistSong", songs[1]), "votes": 1}]


async def test_a_subscribe_of_another_document_or_setlist_goes_through_strawberry(
    sockets: Callable[[], Any], resolver_runs: list[int]
) -> None:
    setlist_id, _ = await a_setlist()
    other_id, _ = await a_setlist()
    watching = await sockets()
    counts(await watching.subscribe(setlist_id))

    # Another setlist, another selection of the same setlist, and one that does not exist.
    counts(await (await sockets()).subscribe(other_id))
    fewer_fields = "subscription V($setlistId: ID!) { voteCounts(setlistId: $setlistId) { sequence } }"
    assert counts(await (await sockets()).subscribe(setlist_id, fewer_fields)).keys() == {"sequence"}
    missing = await (await sockets()).subscribe(other_id + 1000)

    assert resolver_runs == [setlist_id, other_id, setlist_id, other_id + 1000]
    # As Strawberry answers an error raised by a subscription's resolver: a `next` carrying it.
    assert missing["type"] == "next"
    assert missing["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_once_its_feed_has_stopped_a_subscribe_goes_through_strawberry_again(
    sockets: Callable[[], Any], resolver_runs: list[int]
) -> None:
    setlist_id, _ = await a_setlist()
    first = await sockets()
    counts(await first.subscribe(setlist_id))
    await first.close()  # the feed's last subscriber: the feed stops

    counts(await (await sockets()).subscribe(setlist_id))

    assert resolver_runs == [setlist_id, setlist_id]


async def test_subscribes_that_join_directly_are_counted_as_operations(
    sockets: Callable[[], Any], resolver_runs: list[int]
) -> None:
    setlist_id, _ = await a_setlist()
    labels = {"operation": "VoteCounts", "type": "subscription", "outcome": "ok"}
    before = REGISTRY.get_sample_value("theset_graphql_operations_total", labels) or 0.0

    for _ in range(3):
        counts(await (await sockets()).subscribe(setlist_id))

    assert len(resolver_runs) == 1
    assert REGISTRY.get_sample_value("theset_graphql_operations_total", labels) == before + 3


# --- sharing is declared on the field: an unmarked subscription field is never shared -------------


def two_fields_schema(unmarked_runs: list[str]) -> strawberry.Schema:
    """voteCounts (marked Shareable), and a field with the same resolver logic but no marker."""

    @strawberry.type
    class TwoFields(Subscription):
        @strawberry.subscription
        async def unmarked_counts(self, info: Info, setlist_id: strawberry.ID) -> AsyncGenerator[VoteCountsEvent, None]:
            unmarked_runs.append(setlist_id)
            pk = decode_id(setlist_id, "Setlist")
            shared = handover(info)
            if shared is not None:  # what voteCounts does: never reached without the marker
                await shared.join(pk, VoteCountsEvent.from_event)
                return
            resources = info.context.resources
            async for event in resources.feeds.follow(resources.broker, pk):
                yield VoteCountsEvent.from_event(event)

    return TheSetSchema(query=Query, subscription=TwoFields, operation_labels=OperationLabels())


@pytest.fixture
def unmarked_runs() -> list[str]:
    return []


@pytest.fixture
async def two_fields_app(settings: Settings, orm: None, unmarked_runs: list[str]) -> AsyncIterator[Starlette]:
    """The API's websocket transport over a schema with a second, unmarked subscription field."""
    view = GraphQLView(
        two_fields_schema(unmarked_runs), settings=settings, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,)
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_resources(settings) as resources:
            app.state.resources = resources
            yield

    application = Starlette(routes=[WebSocketRoute("/graphql", view)], lifespan=lifespan)
    async with application.router.lifespan_context(application):
        yield application


async def test_a_subscription_field_without_the_shareable_marker_is_never_shared(
    two_fields_app: Starlette, resolver_runs: list[int], unmarked_runs: list[str]
) -> None:
    setlist_id, songs = await a_setlist()
    unmarked = "subscription U($setlistId: ID!) { unmarkedCounts(setlistId: $setlistId) { sequence kind } }"
    sockets = [Socket(two_fields_app) for _ in range(4)]
    for socket in sockets:
        await socket.open()

    marked_snapshots = [counts(await socket.subscribe(setlist_id)) for socket in sockets[:2]]
    unmarked_snapshots = [
        message["payload"]["data"]["unmarkedCounts"]
        for message in [await s.subscribe(setlist_id, unmarked) for s in sockets[2:]]
    ]

    feeds: Feeds = two_fields_app.state.resources.feeds
    assert resolver_runs == [setlist_id]  # voteCounts: the second subscribe joined the feed
    assert len(feeds) == 1  # the marked field's feed, and none for the unmarked one
    assert len(unmarked_runs) == 2  # the unmarked field's resolver ran for every subscriber
    assert [snapshot["kind"] for snapshot in marked_snapshots + unmarked_snapshots] == ["SNAPSHOT"] * 4
    change = VoteCountsChanged(
        setlist_id=setlist_id, kind="vote", songs=[SongVotes(setlist_song_id=songs[0], votes=1, version=1)]
    )
    await publish_change(two_fields_app.state.resources.broker, change)
    for socket in sockets[2:]:  # served alone, each still gets the change
        message = await socket.receive()
        assert message["payload"]["data"]["unmarkedCounts"] == {"sequence": 1, "kind": "VOTE"}
    for socket in sockets:
        await socket.close()
