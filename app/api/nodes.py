"""`node(id)` and `nodes(ids)`: any object with a global id, fetched again through the request's DataLoaders.

Each id goes to the DataLoader of its type, so the ids of one request (a `nodes` list, or aliased
`node` fields) cost one query per type, and rows other fields load share the same cache. A User is
only ever its own viewer's: any other user's id answers null, as for an id that names nothing.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import strawberry

from app.api.accounts import User
from app.api.catalog import Artist, Show, Song, Venue
from app.api.context import Info
from app.api.cost import list_size
from app.api.ids import Node, decode_global_id
from app.api.setlists import Setlist, SetlistSong
from app.api.sync import SyncEvent
from app.errors import BadUserInput

# The types `node` resolves: every type that implements Node.
NODE_TYPES = frozenset({"Artist", "Setlist", "SetlistSong", "Show", "Song", "SyncEvent", "User", "Venue"})


async def load_node(info: Info, type_name: str, pk: int) -> Node | None:
    """The object `pk` of `type_name`, or None when there is none (or it is someone else's account)."""
    loaders = info.context.loaders
    match type_name:
        case "Artist":
            artist = await loaders.artist.load(pk)
            return Artist.from_row(artist) if artist else None
        case "Setlist":
            setlist = await loaders.setlist.load(pk)
            return Setlist.from_model(setlist) if setlist else None
        case "SetlistSong":
            entry = await loaders.setlist_song.load(pk)
            return (
                SetlistSong.from_model(entry, loaders, viewer=await info.context.viewer_id(), voted=None)
                if entry
                else None
            )
        case "Show":
            show = await loaders.show.load(pk)
            return Show.from_row(show, loaders, joined=True) if show else None
        case "Song":
            song = await loaders.song.load(pk)
            return Song.from_row(song) if song else None
        case "SyncEvent":
            event = await loaders.sync_event.load(pk)
            return SyncEvent.from_model(event) if event else None
        case "User":
            if await info.context.viewer_id() != pk:
                return None
            user = await info.context.user()
            return User.from_model(user) if user else None
        case "Venue":
            venue = await loaders.venue.load(pk)
            return Venue.from_row(venue) if venue else None
    raise AssertionError(f"{type_name} is in NODE_TYPES but has no loader")


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="The object with this global id, whatever its type (Relay's `node`); null when the id names"
        " nothing, or another user's account. A malformed id, or one that is not of this API, is BAD_USER_INPUT."
    )
    async def node(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id, as an object's `id` gives it.")],
    ) -> Node | None:
        return await load_node(info, *decode_global_id(id, NODE_TYPES))

    @strawberry.field(
        description="The objects with these global ids, in the same order, null where an id names nothing; one"
        " query per type however many ids. At most `GRAPHQL_MAX_PAGE_SIZE` ids (100 by default): more, or a"
        " malformed id, is BAD_USER_INPUT.",
        directives=[list_size(slicing_arguments=["ids"])],
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global ids, of any types; repeats are allowed.")
        ],
    ) -> list[Node | None]:
        maximum = info.context.settings.graphql_max_page_size
        if len(ids) > maximum:
            raise BadUserInput(f"`ids` is limited to {maximum} ids")
        keys = [decode_global_id(value, NODE_TYPES) for value in ids]
        # Every load is made before any is awaited: each type's DataLoader sees them in one batch.
        return list(await asyncio.gather(*(load_node(info, type_name, pk) for type_name, pk in keys)))
