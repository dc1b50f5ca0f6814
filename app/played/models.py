"""What was played at a show, as setlist.fm has it: the setlist's identity and its songs in order."""

from __future__ import annotations

from tortoise import fields

from app.catalog.models import Show, Song
from app.platform.db import TimestampedModel


class PlayedSetlist(TimestampedModel):
    """One per show once the import has looked for it; `imported_at` stays null until it is found.

    While nothing is found, `attempts` counts the searches and `next_poll_at` says when to look again;
    once found, `next_poll_at` says when to check its `version_id` for edits (they go on for days).
    """

    id = fields.IntField(primary_key=True)
    show: fields.OneToOneRelation[Show] = fields.OneToOneField(
        "models.Show", related_name="played_setlist", on_delete=fields.CASCADE
    )
    setlistfm_id = fields.CharField(max_length=64, null=True)
    version_id = fields.CharField(max_length=64, null=True)
    # setlist.fm's page of the setlist: its terms require showing this link wherever the data is shown.
    url = fields.CharField(max_length=1024, null=True)
    imported_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    next_poll_at = fields.DatetimeField(null=True, db_index=True)

    show_id: int

    class Meta:
        table = "played_setlists"


class PlayedSong(TimestampedModel):
    """One played song; a medley ("A / B") is one row per part, sharing its position."""

    id = fields.IntField(primary_key=True)
    played_setlist: fields.ForeignKeyRelation[PlayedSetlist] = fields.ForeignKeyField(
        "models.PlayedSetlist", related_name="songs", on_delete=fields.CASCADE
    )
    set_index = fields.IntField()  # 0 for the first set
    set_name = fields.CharField(max_length=255, null=True)
    encore = fields.IntField(null=True)  # 1 for the first encore
    position = fields.IntField()  # 1-based over the whole show
    medley_part = fields.IntField(null=True)  # 1, 2, ... within a medley; null for a song on its own
    name = fields.CharField(max_length=512)
    tape = fields.BooleanField(default=False)
    cover_artist = fields.CharField(max_length=255, null=True)
    guest_artist = fields.CharField(max_length=255, null=True)
    info = fields.CharField(max_length=1024, null=True)
    # Counted by the scores: performed and named (not a tape, not "" or "?").
    scored = fields.BooleanField()
    song: fields.ForeignKeyNullableRelation[Song] = fields.ForeignKeyField(
        "models.Song", related_name="played", null=True, on_delete=fields.SET_NULL
    )

    played_setlist_id: int
    song_id: int | None

    class Meta:
        table = "played_songs"
        indexes = (("played_setlist_id", "position"),)
