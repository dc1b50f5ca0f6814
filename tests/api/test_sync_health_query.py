"""The syncHealth query and the sync-health metrics, read from the sync journal."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import httpx
from graphql_client import GraphQLClient

from app.catalog.models import SyncEvent, SyncLevel
from app.catalog.schedules import HISTORY_JOB, PLAYED_JOB, SCHEDULES, SONGS_JOB, TOURS_JOB


async def ended(job: str, outcome: str, hours_ago: float) -> None:
    """A run of `job` that ended with `outcome` that long ago, as the journal records one."""
    run = uuid.uuid4()
    at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours_ago)
    await SyncEvent.create(run_id=run, job=job, message="started")
    level = SyncLevel.INFO if outcome == "finished" else SyncLevel.WARNING
    row = await SyncEvent.create(run_id=run, job=job, level=level, message=outcome, details={"outcome": outcome})
    await SyncEvent.filter(run_id=run).update(created_at=at)
    assert row.id


async def health(gql: GraphQLClient) -> dict[str, dict[str, object]]:
    data = await gql.data("SyncHealth")
    return {job["job"]: job for job in data["syncHealth"]}


def metric(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    match = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{{{wanted}}} not in /metrics"
    return float(match.group(1))


async def test_a_stale_job_and_a_job_that_never_ran(gql: GraphQLClient, http: httpx.AsyncClient) -> None:
    await ended(TOURS_JOB, "finished", hours_ago=60)  # the tours run daily: 60 h is over twice that
    await ended(TOURS_JOB, "finished", hours_ago=84)

    jobs = await health(gql)
    scrape = (await http.get("/metrics")).text

    assert jobs[TOURS_JOB]["status"] == "STALE"
    assert jobs[TOURS_JOB]["scheduleSeconds"] == 24 * 3600
    last = dt.datetime.fromisoformat(str(jobs[TOURS_JOB]["lastSuccessAt"]))
    assert dt.timedelta(hours=59) < dt.datetime.now(dt.UTC) - last < dt.timedelta(hours=61)
    assert jobs[TOURS_JOB]["lastFailureAt"] is None
    assert jobs[SONGS_JOB] == {
        "job": SONGS_JOB,
        "status": "NEVER_RUN",
        "lastSuccessAt": None,
        "lastFailureAt": None,
        "scheduleSeconds": 3600,
    }
    assert 59 * 3600 < metric(scrape, "theset_sync_last_success_age_seconds", job=TOURS_JOB) < 61 * 3600
    assert metric(scrape, "theset_sync_last_success_age_seconds", job=SONGS_JOB) == float("inf")
    assert metric(scrape, "theset_sync_status", job=TOURS_JOB, status="stale") == 1
    assert metric(scrape, "theset_sync_status", job=TOURS_JOB, status="healthy") == 0
    assert metric(scrape, "theset_sync_status", job=SONGS_JOB, status="never_run") == 1


async def test_a_failing_job_and_a_healthy_one(gql: GraphQLClient, http: httpx.AsyncClient) -> None:
    await ended(SONGS_JOB, "finished", hours_ago=0.6)  # recent enough, but outnumbered by failures
    await ended(SONGS_JOB, "failed", hours_ago=0.4)
    await ended(SONGS_JOB, "deferred", hours_ago=0.2)
    await ended(TOURS_JOB, "failed", hours_ago=30)
    await ended(TOURS_JOB, "finished", hours_ago=5)

    jobs = await health(gql)
    scrape = (await http.get("/metrics")).text

    assert jobs[SONGS_JOB]["status"] == "FAILING"
    assert jobs[SONGS_JOB]["lastFailureAt"] is not None
    assert jobs[TOURS_JOB]["status"] == "HEALTHY"
    assert str(jobs[TOURS_JOB]["lastFailureAt"]) < str(jobs[TOURS_JOB]["lastSuccessAt"])
    assert metric(scrape, "theset_sync_status", job=SONGS_JOB, status="failing") == 1
    assert metric(scrape, "theset_sync_status", job=TOURS_JOB, status="healthy") == 1
    assert 4.9 * 3600 < metric(scrape, "theset_sync_last_success_age_seconds", job=TOURS_JOB) < 5.1 * 3600


async def test_a_run_still_going_changes_nothing(gql: GraphQLClient) -> None:
    await SyncEvent.create(run_id=uuid.uuid4(), job=SONGS_JOB, message="started")

    assert (await health(gql))[SONGS_JOB]["status"] == "NEVER_RUN"


async def test_every_scheduled_job_is_listed_the_played_and_history_jobs_too(
    gql: GraphQLClient, http: httpx.AsyncClient
) -> None:
    await ended(PLAYED_JOB, "finished", hours_ago=3)  # hourly at :15: 3 h is over twice that
    await ended(HISTORY_JOB, "finished", hours_ago=26)  # daily, so not stale, but outnumbered by failures
    await ended(HISTORY_JOB, "deferred", hours_ago=25)  # the day's setlist.fm budget ran out
    await ended(HISTORY_JOB, "failed", hours_ago=1)

    data = await gql.data("SyncHealth")
    jobs = {job["job"]: job for job in data["syncHealth"]}
    scrape = (await http.get("/metrics")).text

    assert [job["job"] for job in data["syncHealth"]] == [TOURS_JOB, SONGS_JOB, PLAYED_JOB, HISTORY_JOB]
    assert list(SCHEDULES) == [TOURS_JOB, SONGS_JOB, PLAYED_JOB, HISTORY_JOB]
    assert jobs[PLAYED_JOB]["status"] == "STALE"
    assert jobs[PLAYED_JOB]["scheduleSeconds"] == 3600
    assert jobs[HISTORY_JOB]["status"] == "FAILING"
    assert jobs[HISTORY_JOB]["scheduleSeconds"] == 24 * 3600
    assert jobs[TOURS_JOB]["status"] == jobs[SONGS_JOB]["status"] == "NEVER_RUN"
    assert metric(scrape, "theset_sync_status", job=PLAYED_JOB, status="stale") == 1
    assert metric(scrape, "theset_sync_status", job=HISTORY_JOB, status="failing") == 1


async def test_the_played_and_history_jobs_never_run_until_the_journal_says_so(gql: GraphQLClient) -> None:
    jobs = await health(gql)

    for job in (PLAYED_JOB, HISTORY_JOB):
        assert jobs[job]["status"] == "NEVER_RUN"
        assert jobs[job]["lastSuccessAt"] is None
