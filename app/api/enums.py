"""The GraphQL enums of the models' enums, with a description for every value.

Strawberry takes value descriptions only from `strawberry.enum_value` members, which the models'
enums (plain StrEnums the ORM stores) should not hold: each GraphQL enum here mirrors one model enum,
member for member and value for value (a test keeps them equal), and `of` converts a model value.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry

from app.catalog import health, models
from app.setlists import models as setlist_models

E = TypeVar("E", bound=Enum)


def of(graphql_enum: type[E], value: Enum) -> E:
    """The member of `graphql_enum` that mirrors the model enum member `value`."""
    return graphql_enum(value.value)


@strawberry.enum(description="Where a show's ticket sale stands, as Ticketmaster reports it.")
class ShowStatus(Enum):
    ONSALE = strawberry.enum_value(models.ShowStatus.ONSALE.value, description="Tickets are on sale.")
    OFFSALE = strawberry.enum_value(
        models.ShowStatus.OFFSALE.value, description="Tickets are not on sale (not yet, or no longer)."
    )
    CANCELLED = strawberry.enum_value(
        models.ShowStatus.CANCELLED.value, description="The show is cancelled: voting and suggesting are closed."
    )
    POSTPONED = strawberry.enum_value(
        models.ShowStatus.POSTPONED.value, description="The show is put off to a date still to be announced."
    )
    RESCHEDULED = strawberry.enum_value(
        models.ShowStatus.RESCHEDULED.value, description="The show has moved to a new date (`localDate`)."
    )


@strawberry.enum(description="How the artist's Spotify id was found, or that it was not.")
class SpotifyMatch(Enum):
    TICKETMASTER_LINK = strawberry.enum_value(
        models.SpotifyMatch.TICKETMASTER_LINK.value, description="From the Spotify link on the Ticketmaster artist."
    )
    SEARCH = strawberry.enum_value(
        models.SpotifyMatch.SEARCH.value, description="By a Spotify search whose result has exactly the artist's name."
    )
    MANUAL = strawberry.enum_value(models.SpotifyMatch.MANUAL.value, description="Set by an operator.")
    NONE = strawberry.enum_value(
        models.SpotifyMatch.NONE.value,
        description="Not found on Spotify (yet): the artist has no songs and no top tracks.",
    )


@strawberry.enum(description="How a sync journal line reads.")
class SyncLevel(Enum):
    INFO = strawberry.enum_value(models.SyncLevel.INFO.value, description="A run started, or finished cleanly.")
    WARNING = strawberry.enum_value(
        models.SyncLevel.WARNING.value, description="A run finished with failures, failed as a whole, or was deferred."
    )
    ERROR = strawberry.enum_value(
        models.SyncLevel.ERROR.value, description="One entity failed; its writes were rolled back and the run went on."
    )


@strawberry.enum(description="How healthy a scheduled sync job is, read from the sync journal.")
class SyncHealthStatus(Enum):
    HEALTHY = strawberry.enum_value(health.HealthStatus.HEALTHY.value, description="It last succeeded on schedule.")
    STALE = strawberry.enum_value(
        health.HealthStatus.STALE.value, description="Its last success is older than twice the job's schedule."
    )
    FAILING = strawberry.enum_value(
        health.HealthStatus.FAILING.value,
        description=f"Of its last {health.RECENT_RUNS} runs, more failed or were deferred than finished.",
    )
    NEVER_RUN = strawberry.enum_value(health.HealthStatus.NEVER_RUN.value, description="No run of it has ended yet.")


@strawberry.enum(description="Where a setlist's opening songs came from.")
class SeedSource(Enum):
    TOUR_HISTORY = strawberry.enum_value(
        setlist_models.SeedSource.TOUR_HISTORY.value,
        description="The headliner's most played songs of its current tour (a predictable artist).",
    )
    SPOTIFY_TOP_TRACKS = strawberry.enum_value(
        setlist_models.SeedSource.SPOTIFY_TOP_TRACKS.value,
        description="The headliner's best-ranked Spotify songs (its tour does not predict the show).",
    )
    EMPTY = strawberry.enum_value(
        setlist_models.SeedSource.EMPTY.value, description="Nothing was known yet; fans' suggestions fill it."
    )
