"""CPU per request, in one process, with no network: TheSet's ASGI app and the stock peer side by side.

Not a benchmark of record (bench_http is): a quick harness to compare the CPU cost of one request
kind between the two apps and to profile it. Requests go straight into the ASGI apps (no sockets,
no HTTP parsing), `CONCURRENCY` at a time as wrk's connections would send them; PostgreSQL and
Redis are real. Figures are CPU microseconds of this process per request (the database's and
Redis's own CPU is not counted).

Run: `.venv/bin/python -m tests.benchmarks.inprocess [figure ...] [--profile FIGURE] [--requests N]`
(figures: typename, show-cold, show-anon, show-warm, vote, revalidate; default all).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import secrets
import time
import uuid
from collections.abc import Callable

import asyncpg
from starlette.applications import Starlette

from app.api.ids import encode_id
from app.main import create_app
from app.platform.db import close_db, migrate
from app.settings import Settings
from tests.benchmarks.bench_http import SHOW_PAGE, VOTE
from tests.benchmarks.peers import stock
from tests.benchmarks.seeding import seed_shows, seed_users
from tests.support.asgi_calls import Call, call, get, post
from tests.support.databases import create_database, drop_database

CONCURRENCY = 8
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def run(app: Starlette, requests: Callable[[int], Call], count: int, expected: int = 200) -> float:
    """CPU µs of this process per request, `count` requests CONCURRENCY at a time."""
    started = time.process_time()
    for start in range(0, count, CONCURRENCY):
        results = await asyncio.gather(*(call(app, requests(n)) for n in range(start, start + CONCURRENCY)))
        for status, _, body in results:
            if status != expected or b'"errors"' in body:
                raise RuntimeError(f"answered {status}: {body[:300]!r}")
    return (time.process_time() - started) / count * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("figures", nargs="*")
    parser.add_argument("--profile")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    name = f"theset_inprocess_{uuid.uuid4().hex[:8]}"
    url = await create_database(name)
    try:
        await migrate(url)
        db = await asyncpg.connect(url)
        seeded = await seed_shows(db, shows=2 * args.requests + 600, acts=4, songs=25)
        _, tokens = await seed_users(db, users=3 * args.requests + 1500, with_tokens=3 * args.requests + 1500)
        await db.execute("ANALYZE")
        await db.close()
        settings = Settings(
            environment="production", secret_key=secrets.token_urlsafe(32), database_url=url, redis_url=REDIS_URL
        )
        os.environ["DATABASE_URL"] = url
        theset, peer = create_app(settings), stock.create_app()
        readers = [token for _, token in tokens[:1000]]
        voters = iter([token for _, token in tokens[1000:]])
        main_show = encode_id("Show", seeded.shows[0])
        cold = iter(seeded.shows[1:])
        etag: list[bytes] = []

        def vote_call(n: int) -> Call:
            return post(VOTE, {"setlistSongId": encode_id("SetlistSong", seeded.entries[n % 25])}, next(voters))

        figures: dict[str, tuple[Callable[[int], Call], int]] = {
            "typename": (lambda n: post("{ __typename }"), 200),
            "hello": (lambda n: post("{ hello }"), 200),
            "show-cold": (lambda n: post(SHOW_PAGE, {"id": encode_id("Show", next(cold))}, readers[n % 1000]), 200),
            "show-anon": (lambda n: post(SHOW_PAGE, {"id": main_show}), 200),
            "show-warm": (lambda n: post(SHOW_PAGE, {"id": main_show}, readers[n % 1000]), 200),
            "vote": (vote_call, 200),
            "revalidate": (lambda n: get(SHOW_PAGE, {"id": main_show}, [(b"if-none-match", etag[0])]), 304),
        }
        peers = {"typename": "hello", "show-cold": "show-cold", "show-anon": "show-anon", "show-warm": "show-anon"}
        peers |= {"vote": "vote", "revalidate": "hello"}
        wanted = args.figures or list(peers)
        async with theset.router.lifespan_context(theset), peer.router.lifespan_context(peer):
            _, headers, _ = await call(theset, get(SHOW_PAGE, {"id": main_show}, []))
            etag.append(headers.get(b"etag", b"none"))
            for figure in wanted:
                if figure == "revalidate":  # votes since the probe moved the ETag on
                    _, headers, _ = await call(theset, get(SHOW_PAGE, {"id": main_show}, []))
                    etag[0] = headers.get(b"etag", b"none")
                requests, expected = figures[figure]
                peer_requests, _ = figures[peers[figure]]
                if figure == "vote":
                    await run(theset, vote_call, 200)
                    await run(peer, vote_call, 200)
                else:
                    await run(theset, requests, 200, expected)  # warm-up
                    await run(peer, peer_requests, 200)
                if figure == args.profile:
                    profiler = cProfile.Profile()
                    profiler.enable()
                ours = await run(theset, requests, args.requests, expected)
                if figure == args.profile:
                    profiler.disable()
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
                    pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
                theirs = await run(peer, peer_requests, args.requests)
                ratio = theirs / ours
                print(f"{figure:12} TheSet {ours:7.0f} µs  peer {theirs:7.0f} µs  ratio {ratio:.2f}", flush=True)
        await close_db()
    finally:
        await drop_database(name)


if __name__ == "__main__":
    asyncio.run(main())
