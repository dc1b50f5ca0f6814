"""Writes into the catalog from the two APIs' models: shared by the sync jobs and the demo.

Every function here is idempotent (keyed by the upstream ids) and runs inside the caller's
transaction, so a page of events or an artist's songs is written whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from tortoise.backends.base.client import BaseDBAsyncClient

from app.catalog.models import Artist, MusicBrainzMatch, Show, ShowArtist, ShowStatus, Song, SpotifyMatch, Venue
from app.catalog.ranking import CatalogTrack
from app.catalog.text import fold, slugify
from app.clients import ticketmaster as tm

logger = logging.getLogger(__name__)

# Two runs at once (two workers, `theset sync` beside the cron, a first visit beside the songs sync)
# upsert the same venues, artists, shows and songs: read-then-insert would race on their unique keys.
# A transaction-scoped advisory lock makes catalog writes take turns; each holds it for milliseconds
# while the HTTP calls between them still overlap. SQLite (the demo) serialises writers by itself.
_CATALOG_WRITE_LOCK = 7_315_001  # any fixed number: the key of pg_advisory_xact_lock


async def lock_catalog_writes(conn: BaseDBAsyncClient) -> None:
    """Wait for other transactions' catalog writes; held until `conn`'s transaction ends."""
    if conn.capabilities.dialect == "postgres":
        await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [_CATALOG_WRITE_LOCK])


# When one run writes a row several times (an act on many pages), the row counts once, as the most
# that happened to it: created over updated over unchanged over skipped.
_STRENGTH = {"created": 3, "updated": 2, "unchanged": 1, "skipped": 0}
COUNTS_MEANING = (
    "Rows this run wrote, each counted once: created (new), updated (a stored value changed), "
    "unchanged (seen, already up to date), skipped (left as it was: another artist's song); "
    "event_skipped_<reason>: events not imported (not_music, no_attractions, no_venue, no_date, "
    "unpopular, malformed); artist_synced/matched/unmatched: artists whose songs were refreshed; "
    "release_read/reused: Spotify releases read now or remembered from an earlier run."
)


@dataclass
class Tally:
    """What a write did: each row once, by the most that happened to it, plus plain counters."""

    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> row key -> outcome
    counters: dict[str, int] = field(default_factory=dict)

    def row(self, kind: str, key: str, outcome: str) -> None:
        """Record what happened to one row (a venue, artist, show or song, by its upstream id)."""
        seen = self.rows.setdefault(kind, {})
        before = seen.get(key)
        if before is None or _STRENGTH[outcome] > _STRENGTH[before]:
            seen[key] = outcome

    def add(self, kind: str, outcome: str, n: int = 1) -> None:
        """Count `n` occurrences that are not rows (events skipped, artists refreshed...)."""
        if n:
            key = f"{kind}_{outcome}"
            self.counters[key] = self.counters.get(key, 0) + n

    def merge(self, other: Tally) -> None:
        for kind, outcomes in other.rows.items():
            for key, outcome in outcomes.items():
                self.row(kind, key, outcome)
        for key, value in other.counters.items():
            self.counters[key] = self.counters.get(key, 0) + value

    @property
    def counts(self) -> dict[str, int]:
        """`{kind}_{outcome}` -> how many, rows and counters together, sorted by key."""
        counts = dict(self.counters)
        for kind, outcomes in self.rows.items():
            for outcome in outcomes.values():
                key = f"{kind}_{outcome}"
                counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))


def _changed(row: Any, values: dict[str, Any]) -> bool:
    return any(getattr(row, name) != value for name, value in values.items())


async def _save(row: Any, values: dict[str, Any], tally: Tally, kind: str, key: str, conn: BaseDBAsyncClient) -> None:
    if _changed(row, values):
        row.update_from_dict(values)
        await row.save(using_db=conn)
        tally.row(kind, key, "updated")
    else:
        tally.row(kind, key, "unchanged")


# --- Ticketmaster: venues, artists, shows, lineups ---------------------------------------------


def _venue_values(venue: tm.Venue) -> dict[str, Any]:
    return {
        "name": venue.name or "Unnamed venue",
        "city": venue.city or "",
        "state_code": venue.state_code,
        "country_code": (venue.country_code or "")[:2],
        "address": venue.address,
        "postal_code": venue.postal_code,
        "latitude": venue.latitude,
        "longitude": venue.longitude,
        "timezone": venue.timezone,
    }


def _status(event: tm.Event) -> ShowStatus:
    try:
        return ShowStatus(event.status or "onsale")
    except ValueError:
        return ShowStatus.ONSALE


def _price(event: tm.Event) -> dict[str, Any]:
    ranges = [r for r in event.price_ranges if r.min is not None or r.max is not None]
    if not ranges:
        return {"price_min": None, "price_max": None, "currency": None}
    low = min((r.min for r in ranges if r.min is not None), default=None)
    high = max((r.max for r in ranges if r.max is not None), default=None)
    return {
        "price_min": Decimal(str(low)).quantize(Decimal("0.01")) if low is not None else None,
        "price_max": Decimal(str(high)).quantize(Decimal("0.01")) if high is not None else None,
        "currency": ranges[0].currency,
    }


def _show_values(event: tm.Event, headliner: Artist, venue: Venue) -> dict[str, Any]:
    assert event.local_date is not None
    timed = not (event.time_tba or event.no_specific_time)
    return {
        "name": event.name,
        "headliner_id": headliner.id,
        "venue_id": venue.id,
        "starts_at": event.start if timed else None,
        "local_date": event.local_date,
        "local_time": event.local_time.isoformat() if timed and event.local_time else None,
        "status": _status(event),
        "url": event.url,
        **_price(event),
    }


class EventFilter(Protocol):
    def __call__(self, event: tm.Event) -> bool: ...


def is_music_event(event: tm.Event) -> bool:
    """The event's own primary classification is the Music segment (a filtered search is not proof)."""
    return event.segment_id == tm.MUSIC_SEGMENT_ID or (event.segment_id is None and event.segment_name == "Music")


def skip_reason(event: tm.Event) -> str | None:
    """Why an event cannot become a show, or None: checked before anything is written from it."""
    if not is_music_event(event):
        return "not_music"
    if not event.attractions:
        return "no_attractions"  # never imported under the event's own name: it names no act
    if event.venue is None:
        return "no_venue"
    if event.local_date is None:
        return "no_date"
    return None


async def ingest_events(
    events: Sequence[tm.Event], *, conn: BaseDBAsyncClient, now: dt.datetime, keep: EventFilter | None = None
) -> Tally:
    """Upsert the venues, artists, shows and lineups of a page of events (inside `conn`'s transaction).

    Events that are not music, name no act, or lack a venue or date are skipped and counted by reason
    (`event_skipped_<reason>`), as are those `keep` refuses (`unpopular`); nothing is written from them.
    """
    tally = Tally()
    usable: list[tm.Event] = []
    for event in events:
        reason = skip_reason(event) or (None if keep is None or keep(event) else "unpopular")
        if reason is None:
            usable.append(event)
        else:
            tally.add("event_skipped", reason)
    if not usable:
        return tally
    await lock_catalog_writes(conn)
    venues = await _upsert_venues({e.venue.id: e.venue for e in usable if e.venue}.values(), conn, tally)
    attractions = {a.id: a for e in usable for a in e.attractions}
    artists = await _upsert_artists(attractions.values(), conn, tally)
    existing = {
        s.ticketmaster_id: s for s in await Show.filter(ticketmaster_id__in=[e.id for e in usable]).using_db(conn)
    }
    for event in usable:
        assert event.venue is not None
        bill = list(dict.fromkeys(a.id for a in event.attractions))  # an act listed twice plays once
        values = {**_show_values(event, artists[bill[0]], venues[event.venue.id]), "synced_at": now}
        show = existing.get(event.id)
        if show is None:
            show = await Show.create(using_db=conn, ticketmaster_id=event.id, **values)
            tally.row("show", event.id, "created")
        else:
            # synced_at always moves; it alone does not make the show "updated".
            outcome_values = {k: v for k, v in values.items() if k != "synced_at"}
            tally.row("show", event.id, "updated" if _changed(show, outcome_values) else "unchanged")
            show.update_from_dict(values)
            await show.save(using_db=conn)
        await _set_lineup(show, [artists[a] for a in bill], conn)
    return tally


async def _upsert_venues(venues: Iterable[tm.Venue], conn: BaseDBAsyncClient, tally: Tally) -> dict[str, Venue]:
    wanted = {v.id: v for v in venues}
    found = {v.ticketmaster_id: v for v in await Venue.filter(ticketmaster_id__in=list(wanted)).using_db(conn)}
    for tm_id, venue in wanted.items():
        values = _venue_values(venue)
        if tm_id in found:
            await _save(found[tm_id], values, tally, "venue", tm_id, conn)
        else:
            found[tm_id] = await Venue.create(using_db=conn, ticketmaster_id=tm_id, **values)
            tally.row("venue", tm_id, "created")
    return found


async def _upsert_artists(
    attractions: Iterable[tm.Attraction], conn: BaseDBAsyncClient, tally: Tally
) -> dict[str, Artist]:
    wanted = {a.id: a for a in attractions}
    found = {
        a.ticketmaster_id: a
        for a in await Artist.filter(ticketmaster_id__in=list(wanted)).using_db(conn)
        if a.ticketmaster_id
    }
    for tm_id, attraction in wanted.items():
        values: dict[str, Any] = {
            "name": attraction.name,
            "search_name": fold(attraction.name),
            "image_url": attraction.image_url,
            "genres": [attraction.genre] if attraction.genre else [],
            "upcoming_event_count": attraction.upcoming_events or 0,
        }
        artist = found.get(tm_id)
        if artist is not None and artist.image_url and not attraction.image_url:
            values.pop("image_url")  # keep what we had rather than blank it
        if artist is None:
            artist = await Artist.create(
                using_db=conn, ticketmaster_id=tm_id, slug=await _free_slug(attraction.name, tm_id, conn), **values
            )
            found[tm_id] = artist
            tally.row("artist", tm_id, "created")
        else:
            await _save(artist, values, tally, "artist", tm_id, conn)
        if attraction.spotify_id and artist.spotify_id is None:
            await _link_spotify(artist, attraction.spotify_id, conn)
        if attraction.musicbrainz_id and artist.musicbrainz_match != MusicBrainzMatch.TICKETMASTER_LINK:
            await link_musicbrainz(artist, attraction.musicbrainz_id, MusicBrainzMatch.TICKETMASTER_LINK, conn)
    return found


async def _free_slug(name: str, tm_id: str, conn: BaseDBAsyncClient) -> str:
    """The name's slug, or with the Ticketmaster id appended when another artist has the name."""
    slug = slugify(name)
    if await Artist.filter(slug=slug).using_db(conn).exists():
        slug = f"{slug}-{slugify(tm_id)}"
    return slug


async def _link_spotify(artist: Artist, spotify_id: str, conn: BaseDBAsyncClient) -> None:
    """Record the Ticketmaster link's Spotify id unless another artist already holds it."""
    if await Artist.filter(spotify_id=spotify_id).exclude(id=artist.id).using_db(conn).exists():
        logger.warning("Spotify id %s of %s already belongs to another artist", spotify_id, artist.name)
        return
    artist.spotify_id = spotify_id
    artist.spotify_match = SpotifyMatch.TICKETMASTER_LINK
    await artist.save(using_db=conn, update_fields=["spotify_id", "spotify_match", "updated_at"])


async def link_musicbrainz(artist: Artist, mbid: str, how: MusicBrainzMatch, conn: BaseDBAsyncClient) -> bool:
    """Record the artist's MBID unless another artist already holds it; True when recorded.

    Ticketmaster's link wins over an earlier name search (it may correct a wrong guess).
    """
    if artist.musicbrainz_id == mbid and artist.musicbrainz_match == how:
        return True
    if await Artist.filter(musicbrainz_id=mbid).exclude(id=artist.id).using_db(conn).exists():
        logger.warning("MusicBrainz id %s of %s already belongs to another artist", mbid, artist.name)
        return False
    artist.musicbrainz_id = mbid
    artist.musicbrainz_match = how
    await artist.save(using_db=conn, update_fields=["musicbrainz_id", "musicbrainz_match", "updated_at"])
    return True


async def _set_lineup(show: Show, bill: list[Artist], conn: BaseDBAsyncClient) -> None:
    current = {row.artist_id: row for row in await ShowArtist.filter(show_id=show.id).using_db(conn)}
    wanted = {artist.id: order for order, artist in enumerate(bill)}
    stale = [row.id for artist_id, row in current.items() if artist_id not in wanted]
    if stale:
        await ShowArtist.filter(id__in=stale).using_db(conn).delete()
    for artist_id, order in wanted.items():
        row = current.get(artist_id)
        if row is None:
            await ShowArtist.create(using_db=conn, show_id=show.id, artist_id=artist_id, billing_order=order)
        elif row.billing_order != order:
            row.billing_order = order
            await row.save(using_db=conn, update_fields=["billing_order", "updated_at"])


# --- Spotify: an artist's songs ------------------------------------------------------------------


# Spotify's release_date precision, kept in the stored text: "2019", "2019-05" or "2019-05-17".
_DATE_LENGTH = {"year": 4, "month": 7, "day": 10}


def _song_values(track: CatalogTrack) -> dict[str, Any]:
    release = (
        track.release_date.isoformat()[: _DATE_LENGTH.get(track.release_date_precision or "day", 10)]
        if track.release_date
        else None
    )
    return {
        "name": track.name[:512],
        "album_name": track.album_name,
        "album_id": track.album_id,
        "release_date": release,
        "duration_ms": track.duration_ms,
        "popularity": track.popularity,
        "preview_url": track.preview_url,
    }


async def replace_artist_songs(
    artist: Artist, tracks: Sequence[CatalogTrack], *, conn: BaseDBAsyncClient, now: dt.datetime
) -> Tally:
    """Make `tracks` (best first) the artist's ranked catalog and stamp songs_synced_at.

    The caller's transaction takes `lock_catalog_writes` first, before it touches the artist's row.

    Songs that left the catalog stay (setlists may hold them) but lose their rank. A track that is
    already another artist's song (a collaboration) stays with that artist.
    """
    tally = Tally()
    by_id = {t.id: t for t in tracks}
    existing = {s.spotify_id: s for s in await Song.filter(spotify_id__in=list(by_id)).using_db(conn)}
    await Song.filter(artist_id=artist.id).exclude(spotify_id__in=list(by_id)).using_db(conn).update(rank=None)
    for rank, track in enumerate(by_id.values(), start=1):
        values = {**_song_values(track), "rank": rank}
        song = existing.get(track.id)
        if song is None:
            await Song.create(using_db=conn, spotify_id=track.id, artist_id=artist.id, cached_at=now, **values)
            tally.row("song", track.id, "created")
        elif song.artist_id != artist.id:
            tally.row("song", track.id, "skipped")
        else:
            tally.row("song", track.id, "updated" if _changed(song, values) else "unchanged")
            song.update_from_dict({**values, "cached_at": now})
            await song.save(using_db=conn)
    artist.songs_synced_at = now
    await artist.save(using_db=conn, update_fields=["songs_synced_at", "updated_at"])
    return tally
