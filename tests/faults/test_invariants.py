"""invariants_hold() itself: quiet on sound data, and it names what is broken."""

from __future__ import annotations

import contextlib

import pytest
from factories import make_artist, make_setlist, make_show, make_song, make_users_with_tokens, make_venue
from fault_testing import invariant_violations, invariants_hold
from tortoise import connections
from tortoise.transactions import in_transaction

from app.catalog.models import ShowArtist
from app.setlists.models import SetlistSong, UserVote

pytestmark = pytest.mark.usefixtures("db")


class Undo(Exception):
    """Raised to roll a test's transaction back."""


async def a_voted_setlist_song() -> SetlistSong:
    show = await make_show()
    setlist = await make_setlist(show, [await make_song(artist=await show.headliner)])
    entry = await SetlistSong.get(setlist=setlist)
    for user, _ in await make_users_with_tokens(2):
        await UserVote.create(user=user, setlist_song=entry, setlist_id=entry.setlist_id, slot=1)
    await SetlistSong.filter(id=entry.id).update(votes=2)
    return entry


async def test_sound_data_holds() -> None:
    await a_voted_setlist_song()

    assert await invariant_violations() == []
    assert await invariants_hold()


async def test_a_count_that_drifted_from_its_votes_is_named() -> None:
    entry = await a_voted_setlist_song()
    await connections.get("default").execute_query(f"UPDATE setlist_songs SET votes = 3 WHERE id = {entry.id}")

    assert await invariant_violations() == [f"setlist_songs {entry.id}: votes 3 but 2 user_votes"]
    with pytest.raises(AssertionError, match="votes 3 but 2 user_votes"):
        await invariants_hold()


async def test_a_half_written_bill_is_named() -> None:
    show = await make_show()  # its headliner at billing order 0
    await ShowArtist.create(show=show, artist=await make_artist(), billing_order=2)  # order 1 never written

    assert await invariant_violations() == [f"shows {show.id}: bill [0, 2]"]


async def test_two_rows_with_one_natural_key_are_named() -> None:
    venue = await make_venue()
    # The unique key forbids the copy: drop it for one transaction, rolled back with the copy.
    problems: list[str] = []
    with contextlib.suppress(Undo):
        async with in_transaction() as conn:
            _, rows = await conn.execute_query(
                "SELECT conname FROM pg_constraint WHERE conrelid = 'venues'::regclass AND contype = 'u'"
            )
            await conn.execute_script(f'ALTER TABLE venues DROP CONSTRAINT "{rows[0]["conname"]}"')
            await conn.execute_query(
                "INSERT INTO venues (ticketmaster_id, name, city, country_code, timezone, created_at, updated_at)"
                " SELECT ticketmaster_id, name, city, country_code, timezone, now(), now() FROM venues"
            )
            problems = await invariant_violations(conn)
            raise Undo

    assert problems == [f"venues (ticketmaster_id) = ('{venue.ticketmaster_id}',): 2 rows"]
    assert await invariant_violations() == []  # the constraint and the data are back as they were
