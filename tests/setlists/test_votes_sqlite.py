"""The embedded demo runs on SQLite: votes take the two-statement path there, with the same outcomes.

In a process of its own: initialising the ORM on SQLite rebinds the models, which the rest of the
run needs bound to PostgreSQL.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

SCRIPT = """
import asyncio, sys
from app.platform.db import close_db, init_db
from app.errors import BadUserInput, Forbidden
from app.resources import open_resources
from app.settings import Settings
from app.setlists import service
from app.setlists.models import UserVote
sys.path.insert(0, "tests/support")
from factories import make_setlist, make_setlist_song, make_show, make_user

async def main():
    await init_db(sys.argv[1], generate_schemas=True)
    entry = await make_setlist_song(await make_setlist(await make_show()))
    user = await make_user()
    async with open_resources(Settings(redis_url=None)) as resources:
        voted = await service.vote(resources, user_id=user.id, setlist_song_id=entry.id)
        try:
            await service.vote(resources, user_id=user.id, setlist_song_id=entry.id)
            again = "accepted"
        except BadUserInput as error:
            again = error.message
        unvoted = await service.unvote(resources, user_id=user.id, setlist_song_id=entry.id)
        rows = await UserVote.all().count()
        setlist = await make_setlist(await make_show())
        entries = [await make_setlist_song(setlist, position=i) for i in range(1, 4)]
        budget = resources.settings.model_copy(update={"votes_per_show": 2})
        resources.settings = budget
        for one in entries[:2]:
            await service.vote(resources, user_id=user.id, setlist_song_id=one.id)
        try:
            await service.vote(resources, user_id=user.id, setlist_song_id=entries[2].id)
            third = "accepted"
        except Forbidden as error:
            third = error.extensions["reason"]
        await service.unvote(resources, user_id=user.id, setlist_song_id=entries[0].id)
        freed = (await service.vote(resources, user_id=user.id, setlist_song_id=entries[2].id)).votes
    print(voted.votes, voted.version, again.replace(" ", "_"), unvoted.votes, unvoted.version, rows, third, freed)
    await close_db()

asyncio.run(main())
"""


async def test_vote_unvote_and_the_vote_budget_on_sqlite(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        SCRIPT,
        f"sqlite://{tmp_path / 'demo.sqlite3'}",
        cwd=root,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()

    assert process.returncode == 0, err.decode()
    assert out.decode().split() == ["1", "1", "already_voted", "0", "2", "0", "VOTE_BUDGET_SPENT", "1"]
