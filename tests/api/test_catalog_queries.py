"""The catalog read API, through the `.graphql` documents clients send."""

from __future__ import annotations

from factories import add_support, in_days, make_artist, make_show, make_song, make_venue
from graphql_client import GraphQLClient

from app.api.ids import encode_id


async def test_show_list_returns_upcoming_shows_in_date_order(gql: GraphQLClient) -> None:
    later = await make_show(local_date=in_days(20))
    sooner = await make_show(local_date=in_days(5))
    await make_show(local_date=in_days(-3))  # past: not listed by default

    data = await gql.data("ShowList")

    ids = [edge["node"]["id"] for edge in data["shows"]["edges"]]
    assert ids == [encode_id("Show", sooner.id), encode_id("Show", later.id)]


async def test_show_list_pages_with_cursors_without_gaps_or_repeats(gql: GraphQLClient) -> None:
    shows = [await make_show(local_date=in_days(1 + i // 2)) for i in range(7)]  # pairs share a date

    seen: list[str] = []
    after = None
    while True:
        page = (await gql.data("ShowList", first=3, after=after))["shows"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == [encode_id("Show", show.id) for show in shows]


async def test_show_list_filters_by_artist_on_the_bill_city_and_dates(gql: GraphQLClient) -> None:
    support = await make_artist(name="Opening Act")
    chicago = await make_venue(city="Chicago")
    austin = await make_venue(city="Austin")
    headlined = await make_show(venue=chicago, local_date=in_days(3))
    supported = await make_show(venue=austin, local_date=in_days(30))
    await add_support(supported, support)
    await make_show(headliner=support, venue=austin, local_date=in_days(60))

    by_artist = await gql.data("ShowList", artistId=encode_id("Artist", support.id), to=in_days(40).isoformat())
    by_city = await gql.data("ShowList", city="  chicago ")

    assert [e["node"]["id"] for e in by_artist["shows"]["edges"]] == [encode_id("Show", supported.id)]
    assert [e["node"]["id"] for e in by_city["shows"]["edges"]] == [encode_id("Show", headlined.id)]


async def test_show_page_has_venue_and_lineup_in_billing_order(gql: GraphQLClient) -> None:
    headliner = await make_artist(name="Headliner")
    show = await make_show(headliner=headliner, local_time=None, starts_at=None)
    first, second = await make_artist(name="First Support"), await make_artist(name="Second Support")
    await add_support(show, first, second)

    data = await gql.data("ShowPage", id=encode_id("Show", show.id))

    page = data["show"]
    assert page["artist"]["name"] == "Headliner"
    assert page["venue"]["city"] == "Chicago"
    assert [artist["name"] for artist in page["lineup"]] == ["Headliner", "First Support", "Second Support"]
    assert page["startsAt"] is None  # time to be announced
    assert page["localTime"] is None


async def test_show_page_of_a_missing_show_is_null(gql: GraphQLClient) -> None:
    data = await gql.data("ShowPage", id=encode_id("Show", 999_999))

    assert data["show"] is None


async def test_artist_page_has_ranked_songs_and_upcoming_shows(gql: GraphQLClient) -> None:
    artist = await make_artist(name="Ranked")
    await make_song(artist=artist, name="Second", rank=2)
    await make_song(artist=artist, name="First", rank=1)
    upcoming = await make_show(headliner=artist, local_date=in_days(4))
    await make_show(headliner=artist, local_date=in_days(-4))

    data = await gql.data("ArtistPage", id=encode_id("Artist", artist.id))

    assert [song["name"] for song in data["artist"]["songs"]] == ["First", "Second"]
    assert [show["id"] for show in data["artist"]["upcomingShows"]] == [encode_id("Show", upcoming.id)]


async def test_artist_search_ignores_case_and_accents(gql: GraphQLClient) -> None:
    await make_artist(name="Beyoncé")
    await make_artist(name="Björk")
    await make_artist(name="Radiohead")

    unaccented = await gql.data("ArtistSearch", search="BEYONCE")
    accented = await gql.data("ArtistSearch", search="björ")

    assert [e["node"]["name"] for e in unaccented["artists"]["edges"]] == ["Beyoncé"]
    assert [e["node"]["name"] for e in accented["artists"]["edges"]] == ["Björk"]
