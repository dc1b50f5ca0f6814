"""Catalog tables: artists, venues, shows with their lineups, songs, and the sync journal."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields

from app.platform.db import TimestampedModel


class SpotifyMatch(StrEnum):
    """How an artist's Spotify id was found."""

    TICKETMASTER_LINK = "ticketmaster_link"
    SEARCH = "search"
    MANUAL = "manual"
    NONE = "none"


class MusicBrainzMatch(StrEnum):
    """How an artist's MusicBrainz id (setlist.fm's artist key) was found."""

    TICKETMASTER_LINK = "ticketmaster_link"
    SETLISTFM_SEARCH = "setlistfm_search"
    NONE = "none"


class ShowStatus(StrEnum):
    """Ticketmaster's `dates.status.code` (live spelling `cancelled`)."""

    ONSALE = "onsale"
    OFFSALE = "offsale"
    CANCELLED = "cancelled"
    POSTPONED = "postponed"
    RESCHEDULED = "rescheduled"


class Artist(TimestampedModel):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=255)
    slug = fields.CharField(max_length=255, unique=True)
    # Casefolded, accent-free name: the column artist search runs on.
    search_name = fields.CharField(max_length=255, db_index=True)
    ticketmaster_id = fields.CharField(max_length=64, unique=True, null=True)
    spotify_id = fields.CharField(max_length=64, unique=True, null=True)
    spotify_match = fields.CharEnumField(SpotifyMatch, max_length=32, default=SpotifyMatch.NONE)
    musicbrainz_id = fields.CharField(max_length=64, unique=True, null=True)
    musicbrainz_match = fields.CharEnumField(MusicBrainzMatch, max_length=32, default=MusicBrainzMatch.NONE)
    # When setlist.fm's artist search last ran for an artist without an MBID (null: never): a daily quota
    # cannot afford to search again every hour for an artist setlist.fm does not know.
    musicbrainz_searched_at = fields.DatetimeField(null=True)
    image_url = fields.CharField(max_length=1024, null=True)
    genres: fields.Field[list[str]] = fields.JSONField(default=list)
    # Null: Spotify no longer sends popularity to development-mode apps.
    popularity = fields.IntField(null=True)
    upcoming_event_count = fields.IntField(default=0)
    songs_synced_at = fields.DatetimeField(null=True, db_index=True)
    # When the tour history sync (app.tours) last fetched, or gave up on, the artist's setlists; null: never.
    tour_history_synced_at = fields.DatetimeField(null=True)
    # Mean Jaccard similarity of consecutive full shows' songs (0..1); null until enough shows are known.
    predictability = fields.FloatField(null=True)

    class Meta:
        table = "artists"


class Venue(TimestampedModel):
    id = fields.IntField(primary_key=True)
    ticketmaster_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=255)
    city = fields.CharField(max_length=255, db_index=True)
    state_code = fields.CharField(max_length=16, null=True)
    country_code = fields.CharField(max_length=2)
    address = fields.CharField(max_length=512, null=True)
    postal_code = fields.CharField(max_length=32, null=True)
    latitude = fields.FloatField(null=True)
    longitude = fields.FloatField(null=True)
    timezone = fields.CharField(max_length=64, null=True)

    class Meta:
        table = "venues"


class Show(TimestampedModel):
    id = fields.IntField(primary_key=True)
    ticketmaster_id = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=512)
    headliner: fields.ForeignKeyRelation[Artist] = fields.ForeignKeyField(
        "models.Artist", related_name="headlined_shows", on_delete=fields.RESTRICT
    )
    venue: fields.ForeignKeyRelation[Venue] = fields.ForeignKeyField(
        "models.Venue", related_name="shows", on_delete=fields.RESTRICT
    )
    # UTC; null while the time is to be announced.
    starts_at = fields.DatetimeField(null=True)
    local_date = fields.DateField()
    # The venue's wall-clock time as Ticketmaster sends it ("19:30:00"); null when TBA.
    local_time = fields.CharField(max_length=8, null=True)
    status = fields.CharEnumField(ShowStatus, max_length=16, default=ShowStatus.ONSALE)
    url = fields.CharField(max_length=1024, null=True)
    price_min = fields.DecimalField(max_digits=10, decimal_places=2, null=True)
    price_max = fields.DecimalField(max_digits=10, decimal_places=2, null=True)
    currency = fields.CharField(max_length=3, null=True)
    synced_at = fields.DatetimeField()

    headliner_id: int
    venue_id: int

    class Meta:
        table = "shows"
        # The listing pages by (local_date, id), optionally for one headliner.
        indexes = (("local_date", "id"), ("headliner_id", "local_date"))


class ShowArtist(TimestampedModel):
    """One act on a show's bill; billing_order 0 is the headliner."""

    id = fields.IntField(primary_key=True)
    show: fields.ForeignKeyRelation[Show] = fields.ForeignKeyField(
        "models.Show", related_name="lineup", on_delete=fields.CASCADE
    )
    artist: fields.ForeignKeyRelation[Artist] = fields.ForeignKeyField(
        "models.Artist", related_name="billings", on_delete=fields.RESTRICT
    )
    billing_order = fields.IntField()

    show_id: int
    artist_id: int

    class Meta:
        table = "show_artists"
        unique_together = (("show", "artist"),)


class Song(TimestampedModel):
    """A track in an artist's cached catalog; rank 1 is the most popular."""

    id = fields.IntField(primary_key=True)
    spotify_id = fields.CharField(max_length=64, unique=True)
    artist: fields.ForeignKeyRelation[Artist] = fields.ForeignKeyField(
        "models.Artist", related_name="songs", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=512)
    album_name = fields.CharField(max_length=512, null=True)
    album_id = fields.CharField(max_length=64, null=True)
    # Spotify's release_date keeps its precision: "2019", "2019-05" or "2019-05-17".
    release_date = fields.CharField(max_length=10, null=True)
    duration_ms = fields.IntField(null=True)
    popularity = fields.IntField(null=True)
    preview_url = fields.CharField(max_length=1024, null=True)
    # Null for songs outside the artist's ranked catalog (e.g. a fan's suggestion).
    rank = fields.IntField(null=True)
    cached_at = fields.DatetimeField()

    artist_id: int

    class Meta:
        table = "songs"
        indexes = (("artist_id", "rank"),)


class ArtistRelease(TimestampedModel):
    """A release whose tracks a songs refresh has read: releases do not change, so later refreshes reuse them.

    `tracks` holds the artist's tracks on it in album order (Spotify's track objects), so a later
    refresh ranks exactly what reading the release again would give; a changed `total_tracks` in
    the artist's release list makes the refresh read it again.
    """

    id = fields.IntField(primary_key=True)
    artist: fields.ForeignKeyRelation[Artist] = fields.ForeignKeyField(
        "models.Artist", related_name="releases", on_delete=fields.CASCADE
    )
    spotify_id = fields.CharField(max_length=64)
    total_tracks = fields.IntField()
    tracks: fields.Field[list[dict[str, object]]] = fields.JSONField(default=list)

    artist_id: int

    class Meta:
        table = "artist_releases"
        unique_together = (("artist", "spotify_id"),)


class SyncLevel(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class SyncEvent(TimestampedModel):
    """One line of the sync journal: a run's start or finish, or a failure with its context."""

    id = fields.IntField(primary_key=True)
    run_id = fields.UUIDField(db_index=True)
    job = fields.CharField(max_length=64)
    level = fields.CharEnumField(SyncLevel, max_length=16, default=SyncLevel.INFO)
    entity = fields.CharField(max_length=255, null=True)
    message = fields.TextField()
    details: fields.Field[dict[str, object]] = fields.JSONField(default=dict)
    api_calls = fields.IntField(default=0)
    duration_ms = fields.IntField(null=True)

    class Meta:
        table = "sync_events"
        indexes = (("job", "created_at"),)
