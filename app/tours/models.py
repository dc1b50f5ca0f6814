"""Tour history: setlist.fm's recent setlists of touring artists.

The artist's MBID, when its history was synced and its predictability are columns of `artists`.
"""

from __future__ import annotations

from tortoise import fields

from app.catalog.models import Artist, Song
from app.platform.db import TimestampedModel


class TourSetlist(TimestampedModel):
    """One setlist of an artist's recent shows, as setlist.fm had it when last fetched."""

    id = fields.IntField(primary_key=True)
    artist: fields.ForeignKeyRelation[Artist] = fields.ForeignKeyField(
        "models.Artist", related_name="tour_setlists", on_delete=fields.CASCADE
    )
    setlistfm_id = fields.CharField(max_length=16, unique=True)
    version_id = fields.CharField(max_length=16)
    event_date = fields.DateField()
    tour_name = fields.CharField(max_length=255, null=True)
    # Songs that count for predictions (no tape, no unknown names; a medley's parts count apart).
    scored_songs = fields.IntField()

    artist_id: int

    class Meta:
        table = "tour_setlists"
        indexes = (("artist_id", "event_date"),)


class TourSong(TimestampedModel):
    """One song of a stored setlist, in order; a medley ("A / B") is one row per part."""

    id = fields.IntField(primary_key=True)
    setlist: fields.ForeignKeyRelation[TourSetlist] = fields.ForeignKeyField(
        "models.TourSetlist", related_name="songs", on_delete=fields.CASCADE
    )
    position = fields.IntField()
    name = fields.CharField(max_length=512)
    # The comparison key (folded, version suffix stripped); "" for songs that are not scored.
    title_key = fields.CharField(max_length=512)
    tape = fields.BooleanField(default=False)
    cover = fields.BooleanField(default=False)
    medley_part = fields.IntField(null=True)  # 1, 2, ... for the parts of a medley
    song: fields.ForeignKeyNullableRelation[Song] = fields.ForeignKeyField(
        "models.Song", related_name="tour_plays", null=True, on_delete=fields.SET_NULL
    )

    setlist_id: int
    song_id: int | None

    class Meta:
        table = "tour_songs"
        indexes = (("setlist_id", "position"),)
