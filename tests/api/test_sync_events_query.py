"""The syncEvents query: the journal, newest first, filtered by job, without tracebacks."""

from __future__ import annotations

import uuid

from graphql_client import GraphQLClient

from app.catalog.models import SyncEvent, SyncLevel


async def test_sync_events_are_listed_newest_first_and_filtered_by_job(gql: GraphQLClient) -> None:
    run = uuid.uuid4()
    await SyncEvent.create(run_id=run, job="sync_popular_tours", message="started")
    await SyncEvent.create(run_id=run, job="sync_artist_songs", message="started")
    await SyncEvent.create(
        run_id=run,
        job="sync_popular_tours",
        level=SyncLevel.ERROR,
        entity="events page 3",
        message="UpstreamBadResponse: bad page",
        details={"traceback": "Traceback (most recent call last): ...", "page": 3},
    )

    data = await gql.data("SyncEvents", job="sync_popular_tours")

    nodes = [edge["node"] for edge in data["syncEvents"]["edges"]]
    assert [node["message"] for node in nodes] == ["UpstreamBadResponse: bad page", "started"]
    assert nodes[0]["level"] == "ERROR"
    assert nodes[0]["details"] == {"page": 3}  # the traceback stays in the database
