"""Show.playedSetlist: null until imported, then its sets and songs in order, with the attribution link."""

from __future__ import annotations

from factories import make_played_setlist, make_show, make_song
from graphql_client import GraphQLClient

from app.api.ids import encode_id
from app.played.models import PlayedSong


async def test_a_show_without_an_imported_setlist_has_none(gql: GraphQLClient) -> None:
    show = await make_show()

    data = await gql.data("PastShowPage", id=encode_id("Show", show.id))

    assert data["show"]["playedSetlist"] is None


async def test_the_played_setlist_has_its_sets_and_songs_in_order_and_its_source(gql: GraphQLClient) -> None:
    show = await make_show()
    yellow = await make_song(artist=await show.headliner, name="Yellow")
    played = await make_played_setlist(show, [yellow, "A New One"])
    await PlayedSong.create(
        played_setlist=played, set_index=1, encore=1, position=3, name="Fanfare", tape=True, scored=False
    )
    await PlayedSong.create(
        played_setlist=played, set_index=1, encore=1, position=4, name="Cover", cover_artist="Bowie", scored=True
    )

    data = await gql.data("PastShowPage", id=encode_id("Show", show.id))

    result = data["show"]["playedSetlist"]
    assert result["sourceUrl"] == played.url
    assert result["importedAt"]
    main, encore = result["sets"]
    assert (main["index"], main["encore"], encore["index"], encore["encore"]) == (0, None, 1, 1)
    assert [(s["position"], s["name"], s["song"] and s["song"]["name"]) for s in main["songs"]] == [
        (1, "Yellow", "Yellow"),
        (2, "A New One", None),
    ]
    assert [(s["name"], s["tape"], s["scored"], s["coverArtist"]) for s in encore["songs"]] == [
        ("Fanfare", True, False, None),
        ("Cover", False, True, "Bowie"),
    ]


async def test_a_setlist_still_being_searched_for_is_not_shown(gql: GraphQLClient) -> None:
    show = await make_show()
    await make_played_setlist(show, [], imported_at=None, setlistfm_id=None, url=None, attempts=2)

    data = await gql.data("PastShowPage", id=encode_id("Show", show.id))

    assert data["show"]["playedSetlist"] is None
