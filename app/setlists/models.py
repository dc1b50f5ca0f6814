"""Setlists, their songs with vote counts, and who voted for what."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from app.accounts.models import User
from app.catalog.models import Show, Song
from app.platform.db import TimestampedModel


class SeedSource(StrEnum):
    """Where a setlist's opening songs came from."""

    TOUR_HISTORY = "tour_history"  # the headliner's most played songs of its current tour
    SPOTIFY_TOP_TRACKS = "spotify_top_tracks"
    EMPTY = "empty"  # nothing known yet (a later fill gives it Spotify's top tracks)


class Setlist(TimestampedModel):
    """A show's setlist: created on the first visit, one per show (a unique key), kept forever."""

    id = fields.IntField(primary_key=True)
    show: fields.OneToOneRelation[Show] = fields.OneToOneField(
        "models.Show", related_name="setlist", on_delete=fields.RESTRICT
    )
    seeded_from = fields.CharEnumField(SeedSource, max_length=32, default=SeedSource.EMPTY)

    show_id: int

    class Meta:
        table = "setlists"


class SetlistSong(TimestampedModel):
    """A song on a setlist. Invariant: votes == count of its user_votes rows."""

    id = fields.IntField(primary_key=True)
    setlist: fields.ForeignKeyRelation[Setlist] = fields.ForeignKeyField(
        "models.Setlist", related_name="songs", on_delete=fields.CASCADE
    )
    song: fields.ForeignKeyRelation[Song] = fields.ForeignKeyField(
        "models.Song", related_name="setlist_entries", on_delete=fields.RESTRICT
    )
    votes = fields.IntField(default=0)
    # +1 with every change of `votes`, under the row lock: live viewers drop changes that arrive out
    # of order (two processes may publish two changes of one song in either order).
    version = fields.IntField(default=0)
    suggested = fields.BooleanField(default=False)
    suggested_by: fields.ForeignKeyNullableRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="suggestions", null=True, on_delete=fields.SET_NULL
    )
    position = fields.IntField()

    setlist_id: int
    song_id: int
    suggested_by_id: int | None

    class Meta:
        table = "setlist_songs"
        unique_together = (("setlist", "song"),)


class UserVote(TimestampedModel):
    id = fields.IntField(primary_key=True)
    user: fields.ForeignKeyRelation[User] = fields.ForeignKeyField(
        "models.User", related_name="votes", on_delete=fields.CASCADE
    )
    setlist_song: fields.ForeignKeyRelation[SetlistSong] = fields.ForeignKeyField(
        "models.SetlistSong", related_name="user_votes", on_delete=fields.CASCADE
    )
    # The song's setlist, and which of the fan's VOTES_PER_SHOW vote slots of that setlist this vote holds.
    setlist: fields.ForeignKeyRelation[Setlist] = fields.ForeignKeyField(
        "models.Setlist", related_name="user_votes", on_delete=fields.CASCADE
    )
    slot = fields.IntField()

    user_id: int
    setlist_song_id: int
    setlist_id: int

    class Meta:
        table = "user_votes"
        # One vote per fan per song, and one vote per slot: concurrent votes of one fan that pick the same
        # free slot are refused by the database, so a fan never holds more votes than there are slots.
        unique_together = (("user", "setlist_song"), ("user", "setlist", "slot"))
        # Counting a song's votes (the invariant check, cascades) reads by setlist_song alone.
        indexes = (("setlist_song_id",),)
