"""A deterministic generated "world" (Spotify catalog + Ticketmaster events) shared by both emulators.

The traps the real data sets for a sync job are built in on purpose (external-apis.md §D): support acts
without `externalLinks.spotify`, "&" vs "and", accents, a short name buried by fuzzy search, two Spotify
artists sharing one name, and unlinked attractions whose only Spotify look-alikes are *different* artists.
"""

from __future__ import annotations

import datetime as dt
import random
import string
import unicodedata
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

BASE62 = string.digits + string.ascii_letters
# Real placeholder for "public on-sale date unknown" (external-apis.md A.5): treat as null.
PLACEHOLDER_SALES_START = "1900-01-01T18:00:00Z"

MatchCase = Literal[
    "linked",  # externalLinks.spotify present: the link is the truth
    "exact_name",  # no link; exactly one Spotify artist has the very same name
    "normalized_name",  # no link; same name after folding case/accents and "&" -> "and"
    "near_name_only",  # no link; Spotify only has *different* artists with similar names -> truth is None
    "non_music",  # comedians etc.: no Spotify artist at all
]
Role = Literal["headliner", "support", "non_music"]
EventStatus = Literal["onsale", "offsale", "cancelled", "postponed", "rescheduled"]


# ---------------------------------------------------------------------------------------------- Spotify side


@dataclass(frozen=True, slots=True)
class Image:
    url: str
    width: int
    height: int
    ratio: str | None = None  # Ticketmaster only: "16_9" | "3_2" | "4_3"


@dataclass(slots=True)
class SpotifyArtist:
    id: str
    name: str
    genres: list[str]
    popularity: int
    followers: int
    images: list[Image]
    album_ids: list[str] = field(default_factory=list)  # releases where this artist is the primary artist
    appears_on_ids: list[str] = field(default_factory=list)  # other artists' releases featuring this one
    top_track_ids: list[str] = field(default_factory=list)  # up to 10, best first
    musicbrainz_id: str | None = None  # the artist's MBID (setlist.fm's artist key); Spotify never exposes it


@dataclass(slots=True)
class SpotifyAlbum:
    id: str
    name: str
    album_type: Literal["album", "single", "compilation"]
    artist_ids: list[str]
    release_date: str
    release_date_precision: Literal["year", "month", "day"]
    images: list[Image]
    label: str
    popularity: int
    upc: str
    track_ids: list[str] = field(default_factory=list)

    @property
    def total_tracks(self) -> int:
        return len(self.track_ids)


@dataclass(slots=True)
class SpotifyTrack:
    id: str
    name: str
    album_id: str
    artist_ids: list[str]
    duration_ms: int
    track_number: int
    disc_number: int
    explicit: bool
    preview_url: str | None
    popularity: int
    isrc: str


# ---------------------------------------------------------------------------------------------- Ticketmaster side


@dataclass(frozen=True, slots=True)
class TmClassification:
    segment: tuple[str, str]  # (id, name)
    genre: tuple[str, str]
    sub_genre: tuple[str, str]


@dataclass(slots=True)
class TmVenue:
    id: str
    name: str
    city: str  # raw, may carry stray whitespace like the real " Long Beach"
    state_name: str | None
    state_code: str | None
    country_name: str
    country_code: str
    address_line1: str
    postal_code: str
    timezone: str
    latitude: str | None  # strings, as the real API sends them; None -> no `location` key
    longitude: str | None
    market: tuple[str, str]
    dma_id: int
    url: str
    upcoming_events: int = 0


@dataclass(slots=True)
class TmAttraction:
    id: str
    name: str
    role: Role
    classification: TmClassification
    match_case: MatchCase
    spotify_id: str | None  # ground truth: the Spotify artist this really is (None: not on Spotify)
    external_links: dict[str, list[dict[str, str]]]
    images: list[Image]
    url: str
    aliases: list[str]
    upcoming_events: int = 0
    # Ground truth: the performer's MBID (None for non-music acts); exposed as `externalLinks.musicbrainz`
    # only when that link is present, else a setlist.fm name search must find the artist.
    musicbrainz_id: str | None = None

    @property
    def musicbrainz_link_id(self) -> str | None:
        """The MBID the API exposes in externalLinks (None when the link is missing)."""
        links = self.external_links.get("musicbrainz")
        return links[0]["id"] if links else None

    @property
    def spotify_link_id(self) -> str | None:
        """The Spotify id the API exposes in externalLinks (None when the link is missing)."""
        links = self.external_links.get("spotify")
        return links[0]["url"].rsplit("/", 1)[-1] if links else None


@dataclass(slots=True)
class TmEvent:
    id: str
    name: str
    url: str
    venue_id: str
    attraction_ids: list[str]  # as exposed by the API, headliner first; empty -> no `_embedded.attractions`
    classification: TmClassification
    local_date: dt.date | None  # None only for dateTBA/dateTBD events
    local_time: dt.time | None  # None for TBA times (timeTBA/noSpecificTime)
    start_utc: dt.datetime | None
    date_tba: bool
    date_tbd: bool
    time_tba: bool
    no_specific_time: bool
    show_timezone: bool  # `dates.timezone` is missing on ~25% of real events
    timezone: str
    status: EventStatus
    initial_start: tuple[dt.date, dt.time, dt.datetime] | None  # rescheduled/postponed only
    price_range: tuple[str, float, float] | None  # (currency, min, max); optional like the real field
    sales_start: str  # may be the 1900 placeholder
    sales_end: str | None
    presale: tuple[str, str, str] | None  # (name, start, end)
    promoter: tuple[str, str] | None
    images: list[Image]

    @property
    def sort_instant(self) -> dt.datetime | None:
        """Instant used for date filters/sorting: dateTime, else the local date at 00:00 UTC."""
        if self.start_utc is not None:
            return self.start_utc
        if self.local_date is not None:
            return dt.datetime.combine(self.local_date, dt.time(0, 0), tzinfo=dt.UTC)
        return None


@dataclass(slots=True)
class World:
    seed: int
    today: dt.date
    artists: dict[str, SpotifyArtist]
    albums: dict[str, SpotifyAlbum]
    tracks: dict[str, SpotifyTrack]
    venues: dict[str, TmVenue]
    attractions: dict[str, TmAttraction]
    events: dict[str, TmEvent]  # insertion order doubles as the "relevance" order
    # Shows of the last few days (never in `events`, which are all upcoming): setlist.fm has their setlists.
    past_events: dict[str, TmEvent] = field(default_factory=dict)

    def spotify_artist_for_attraction(self, attraction_id: str) -> str | None:
        """Ground truth: the Spotify artist id an attraction really is, or None (KeyError if unknown)."""
        return self.attractions[attraction_id].spotify_id

    def ground_truth(self) -> dict[str, str | None]:
        """Attraction id -> true Spotify artist id (or None) for every attraction."""
        return {a.id: a.spotify_id for a in self.attractions.values()}

    def attractions_by_case(self, case: MatchCase) -> list[TmAttraction]:
        """Attractions whose name-matching difficulty is `case`."""
        return [a for a in self.attractions.values() if a.match_case == case]

    def attractions_named(self, name: str) -> list[TmAttraction]:
        """Attractions with exactly this name."""
        return [a for a in self.attractions.values() if a.name == name]

    def spotify_artists_named(self, name: str) -> list[SpotifyArtist]:
        """Spotify artists with exactly this name (two for the deliberate same-name pair)."""
        return [a for a in self.artists.values() if a.name == name]

    def events_for_attraction(self, attraction_id: str) -> list[TmEvent]:
        """Events that list this attraction in `_embedded.attractions`."""
        return [e for e in self.events.values() if attraction_id in e.attraction_ids]

    def performers(self) -> list[TmAttraction]:
        """Music attractions (every one has an MBID)."""
        return [a for a in self.attractions.values() if a.role != "non_music"]

    def counts(self) -> dict[str, int]:
        """Sizes of every collection plus the match-case breakdown."""
        cases = Counter(a.match_case for a in self.attractions.values())
        return {
            "artists": len(self.artists),
            "albums": len(self.albums),
            "tracks": len(self.tracks),
            "venues": len(self.venues),
            "attractions": len(self.attractions),
            "events": len(self.events),
            "past_events": len(self.past_events),
            "music_events": sum(1 for e in self.events.values() if e.classification.segment[1] == "Music"),
            **{f"attractions_{case}": n for case, n in sorted(cases.items())},
        }


# ---------------------------------------------------------------------------------------------- helpers


def normalize_name(name: str) -> str:
    """Fold case, accents, "&" -> "and" and punctuation: how a careful matcher compares names."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    cleaned = "".join(ch if ch.isalnum() else " " for ch in folded)
    return " ".join(cleaned.split())


def _rid(rng: random.Random, n: int, alphabet: str = BASE62) -> str:
    return "".join(rng.choices(alphabet, k=n))


class _Ids:
    """Unique random ids from one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._seen: set[str] = set()

    def make(self, prefix: str, total_len: int, alphabet: str = BASE62) -> str:
        while True:
            candidate = prefix + _rid(self._rng, total_len - len(prefix), alphabet)
            if candidate not in self._seen:
                self._seen.add(candidate)
                return candidate

    def spotify(self) -> str:
        return self.make("", 22)  # Spotify ids are 22-char base62


def _slug(text: str) -> str:
    return "-".join(normalize_name(text).split())


# ---------------------------------------------------------------------------------------------- vocabulary


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ADJ = _words(
    "Midnight Velvet Electric Golden Silver Hollow Wild Paper Neon Crimson Lunar Broken Quiet Northern Saint "
    "Glass Wandering Burning Violet Copper Radio Desert Ocean Fever Sugar Iron Honey Marble Static Amber"
)
_PLURAL = _words(
    "Foxes Rivers Machines Lanterns Pilots Ghosts Wolves Satellites Kings Daughters Horses Tides Arrows "
    "Sparrows Engines Strangers Hearts Parades Mirrors Comets Thieves Saints Giants Ravens"
)
_SINGLE = _words("Atlas Ember Prism Canyon Meridian Cascade Orbit Monarch Solstice Kestrel Halcyon Basalt Tundra")
_FIRST = _words("Maya Jonah Lena Theo Aria Caleb Nina Felix Iris Owen Sadie Marcus Ruby Elliot Clara Dante June Hugo")
_LAST = _words(
    "Hart Calloway Reyes Whitfield Okafor Lindqvist Moreau Bishop Sterling Vance Kowalski Ashby Monroe Quinn "
    "Navarro Holloway Sato Brennan Castillo"
)
_TRACK_WORDS = _words(
    "Summer Static Gold Lights Heaven Highway Fire Glass Bones Ocean Signal Runaway Shadows Thunder Paper "
    "Diamonds Wildflower Satellite Echoes Daylight Strangers Velvet Horizon Fever Dreams Ghost Neon River "
    "Midnight Silver Tides Honey Lanterns Kingdom Sparks Gravity Mirage"
)
_TRACK_PATTERNS = (
    "{a}",
    "{a} {b}",
    "{a} & {b}",
    "Into the {a}",
    "{a} in the {b}",
    "No More {a}",
    "Last {a}",
    "{a} Song",
    "Hold On to {a}",
    "Dancing in {a}",
)
_TOURS = (
    "Night Flight",
    "Neon Skies",
    "Long Way Home",
    "Wildfire",
    "Afterglow",
    "Paper Moons",
    "Static Bloom",
    "Open Road",
)
_LABELS = ("Sub Pop", "Domino", "Atlantic Records", "Republic Records", "4AD", "Merge Records", "Self-released")
# Markets listed in extended mode's `available_markets` (kept short: the real list has ~180).
MARKETS = ("CA", "GB", "US", "DE", "FR", "MX", "AU", "JP", "SE", "BR")

# (segment, genre, sub_genre, spotify genres). Segment/genre ids are the real Discovery ids.
_MUSIC = ("KZFzniwnSyZfZ7v7nJ", "Music")
_GENRES: tuple[tuple[tuple[str, str], tuple[str, str], tuple[str, ...]], ...] = (
    (("KnvZfZ7vAeA", "Rock"), ("KZazBEonSMnZfZ7v6F1", "Pop"), ("indie rock", "modern rock", "garage rock")),
    (("KnvZfZ7vAvv", "Alternative"), ("KZazBEonSMnZfZ7vAvJ", "Alternative Rock"), ("alternative rock", "shoegaze")),
    (("KnvZfZ7vAev", "Pop"), ("KZazBEonSMnZfZ7v6F1", "Pop"), ("pop", "dance pop", "indie pop")),
    (("KnvZfZ7vAv1", "Hip-Hop/Rap"), ("KZazBEonSMnZfZ7vkE1", "Urban"), ("hip hop", "underground hip hop")),
    (("KnvZfZ7vAee", "R&B"), ("KZazBEonSMnZfZ7v6dt", "Soul"), ("r&b", "neo soul")),
    (("KnvZfZ7vAv6", "Country"), ("KZazBEonSMnZfZ7v6JF", "Americana"), ("country", "americana")),
    (("KnvZfZ7vAvF", "Dance/Electronic"), ("KZazBEonSMnZfZ7vAde", "House"), ("edm", "house", "synthwave")),
    (("KnvZfZ7vAvt", "Metal"), ("KZazBEonSMnZfZ7vkdl", "Heavy Metal"), ("metalcore", "black metal", "doom metal")),
    (("KnvZfZ7vAva", "Folk"), ("KZazBEonSMnZfZ7vAJ7", "Folk"), ("indie folk", "folk")),
)
_COMEDY = TmClassification(
    ("KZFzniwnSyZfZ7v7na", "Arts & Theatre"), ("KnvZfZ7vAe1", "Comedy"), ("KZazBEonSMnZfZ7vAv1", "Comedy")
)
# Real pattern: classificationName=music also hits Film events (external-apis.md A.3).
_FILM_MUSIC = TmClassification(
    ("KZFzniwnSyZfZ7v7nn", "Film"), ("KnvZfZ7vAka", "Music"), ("KZazBEonSMnZfZ7vFna", "Music")
)

_CITIES = (
    # (city as TM spells it, state name, state code, country name, code, tz, lat, lon, postal)
    (
        "Los Angeles",
        "California",
        "CA",
        "United States Of America",
        "US",
        "America/Los_Angeles",
        34.05,
        -118.24,
        "90012",
    ),
    (
        " Long Beach",
        "California",
        "CA",
        "United States Of America",
        "US",
        "America/Los_Angeles",
        33.77,
        -118.19,
        "90802",
    ),
    (
        "San Francisco",
        "California",
        "CA",
        "United States Of America",
        "US",
        "America/Los_Angeles",
        37.77,
        -122.42,
        "94103",
    ),
    ("Seattle", "Washington", "WA", "United States Of America", "US", "America/Los_Angeles", 47.61, -122.33, "98121"),
    ("Portland", "Oregon", "OR", "United States Of America", "US", "America/Los_Angeles", 45.52, -122.68, "97209"),
    ("Denver", "Colorado", "CO", "United States Of America", "US", "America/Denver", 39.74, -104.99, "80202"),
    ("Phoenix", "Arizona", "AZ", "United States Of America", "US", "America/Phoenix", 33.45, -112.07, "85004"),
    ("Austin ", "Texas", "TX", "United States Of America", "US", "America/Chicago", 30.27, -97.74, "78701"),
    ("Dallas", "Texas", "TX", "United States Of America", "US", "America/Chicago", 32.78, -96.80, "75201"),
    ("Chicago", "Illinois", "IL", "United States Of America", "US", "America/Chicago", 41.88, -87.63, "60607"),
    ("Minneapolis", "Minnesota", "MN", "United States Of America", "US", "America/Chicago", 44.98, -93.27, "55401"),
    ("Nashville", "Tennessee", "TN", "United States Of America", "US", "America/Chicago", 36.16, -86.78, "37203"),
    ("Atlanta", "Georgia", "GA", "United States Of America", "US", "America/New_York", 33.75, -84.39, "30303"),
    ("New York", "New York", "NY", "United States Of America", "US", "America/New_York", 40.71, -74.01, "10001"),
    ("Brooklyn", "New York", "NY", "United States Of America", "US", "America/New_York", 40.68, -73.94, "11211"),
    ("Boston", "Massachusetts", "MA", "United States Of America", "US", "America/New_York", 42.36, -71.06, "02115"),
    (
        "Philadelphia",
        "Pennsylvania",
        "PA",
        "United States Of America",
        "US",
        "America/New_York",
        39.95,
        -75.17,
        "19107",
    ),
    ("Detroit", "Michigan", "MI", "United States Of America", "US", "America/Detroit", 42.33, -83.05, "48226"),
    ("Toronto", "Ontario", "ON", "Canada", "CA", "America/Toronto", 43.65, -79.38, "M5V 2T6"),
    ("Vancouver", "British Columbia", "BC", "Canada", "CA", "America/Vancouver", 49.28, -123.12, "V6B 1A1"),
    ("London", None, None, "Great Britain", "GB", "Europe/London", 51.51, -0.13, "NW1 8EH"),
)
_VENUE_PATTERNS = (
    "The {w} Room",
    "{city} Music Hall",
    "{last} Theatre",
    "The {w} Ballroom",
    "{city} Amphitheatre",
    "{w} Pavilion",
    "{last} Auditorium",
    "The {w}",
)
_STREETS = ("St", "Ave", "Blvd", "Road")
_CURRENCY = {"US": "USD", "CA": "CAD", "GB": "GBP"}

# Hand-written traps. (TM name, Spotify name or None, decoy Spotify names, role, case)
_CURATED: tuple[tuple[str, str | None, tuple[str, ...], Role, MatchCase], ...] = (
    ("Hollis & The Ferrymen", "Hollis and the Ferrymen", (), "support", "normalized_name"),
    ("Lea Fontaine", "Léa Fontaine", ("Lea Fontana",), "support", "normalized_name"),
    ("Mirabé", "Mirabé", ("Mirabel", "Mira Bee"), "headliner", "linked"),
    ("IZO", "IZO", ("IZOTOPE", "Izora", "IZZO", "Izo Fitzroy"), "support", "exact_name"),
    ("Harbor", "Harbor", (), "headliner", "linked"),  # a second, more popular Spotify "Harbor" is added below
    ("The Midnight Owls", None, ("The Midnight Owlz", "Midnight Owl"), "headliner", "near_name_only"),
    ("Velvet Static", None, ("Velvet Statik", "The Velvet Static Experience"), "support", "near_name_only"),
    ("Juniper Vale", None, ("Juniper Vail", "Juniper"), "support", "near_name_only"),
    ("Cass Delaney", None, ("Cass Delany", "Cassie Delaney"), "support", "near_name_only"),
)
_COMEDIANS = ("Dana Whitlock", "Raj Patel-Moore", "Gus Lindqvist", "Tamsin Fry")
# Decoy patterns that make fuzzy search return near-names next to the exact match (external-apis.md §D.3).
_DECOY_PATTERNS = ("{n} Tribute Band", "The {n} Experience", "{n}z", "DJ {first}", "{n} (Official)")


# ---------------------------------------------------------------------------------------------- generation


class _Builder:
    def __init__(self, seed: int, today: dt.date) -> None:
        self.rng = random.Random(seed)
        self.ids = _Ids(self.rng)
        self.today = today
        self.artists: dict[str, SpotifyArtist] = {}
        self.albums: dict[str, SpotifyAlbum] = {}
        self.tracks: dict[str, SpotifyTrack] = {}
        self.venues: dict[str, TmVenue] = {}
        self.attractions: dict[str, TmAttraction] = {}
        self.events: dict[str, TmEvent] = {}
        self.past_events: dict[str, TmEvent] = {}
        self._isrc_seq = 0

    # ---- names

    def band_names(self, n: int, taken: set[str]) -> list[str]:
        rng, names = self.rng, list[str]()
        taken_norm = {normalize_name(t) for t in taken}
        while len(names) < n:
            roll = rng.random()
            if roll < 0.35:
                name = f"The {rng.choice(_ADJ)} {rng.choice(_PLURAL)}"
            elif roll < 0.55:
                name = f"{rng.choice(_ADJ)} {rng.choice(_SINGLE)}"
            elif roll < 0.8:
                name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            elif roll < 0.9:
                name = f"{rng.choice(_LAST)} & the {rng.choice(_PLURAL)}"
            else:
                name = f"{rng.choice(_SINGLE)} {rng.choice(_PLURAL)}"
            if normalize_name(name) not in taken_norm:
                taken_norm.add(normalize_name(name))
                names.append(name)
        return names

    # ---- Spotify

    def spotify_images(self, kind: str) -> list[Image]:
        if self.rng.random() < 0.08:
            return []
        prefix = {"artist": "ab6761610000", "album": "ab67616d0000"}[kind]
        return [
            Image(f"https://i.scdn.co/image/{prefix}{size_code}{_rid(self.rng, 24, '0123456789abcdef')}", px, px)
            for size_code, px in (("e5eb", 640), ("5174", 300), ("f178", 64))
        ]

    def add_artist(self, name: str, popularity: int, genres: list[str], n_releases: int) -> SpotifyArtist:
        followers = int(10 ** (popularity / 20 + self.rng.uniform(0.3, 1.6)))
        artist = SpotifyArtist(self.ids.spotify(), name, genres, popularity, followers, self.spotify_images("artist"))
        self.artists[artist.id] = artist
        self.add_discography(artist, n_releases)
        return artist

    def track_name(self) -> str:
        a, b = self.rng.sample(_TRACK_WORDS, 2)
        return self.rng.choice(_TRACK_PATTERNS).format(a=a, b=b)

    def isrc(self, year: int) -> str:
        self._isrc_seq += 1
        return f"US{_rid(self.rng, 3, string.ascii_uppercase + string.digits)}{year % 100:02d}{self._isrc_seq:05d}"

    def add_release(
        self,
        artist_ids: list[str],
        album_type: Literal["album", "single", "compilation"],
        name: str,
        released: dt.date,
        songs: list[tuple[str, str]],  # (track name, isrc) -- a shared isrc marks the same recording
        popularity: int,
    ) -> SpotifyAlbum:
        rng = self.rng
        precision: Literal["year", "month", "day"] = "day"
        date_str = released.isoformat()
        if released.year < 2000 and rng.random() < 0.5:
            date_str, precision = str(released.year), "year"
        elif rng.random() < 0.05:
            date_str, precision = released.strftime("%Y-%m"), "month"
        album = SpotifyAlbum(
            id=self.ids.spotify(),
            name=name,
            album_type=album_type,
            artist_ids=artist_ids,
            release_date=date_str,
            release_date_precision=precision,
            images=self.spotify_images("album"),
            label=rng.choice(_LABELS),
            popularity=popularity,
            upc=_rid(rng, 12, string.digits),
        )
        two_discs = album_type == "album" and len(songs) > 12 and rng.random() < 0.3
        for index, (track_name, isrc) in enumerate(songs):
            disc, number = (2, index - 9) if two_discs and index >= 10 else (1, index + 1)
            track = SpotifyTrack(
                id=self.ids.spotify(),
                name=track_name,
                album_id=album.id,
                artist_ids=list(artist_ids),
                duration_ms=rng.randint(95_000, 330_000),
                track_number=number,
                disc_number=disc,
                explicit=rng.random() < 0.15,
                preview_url=f"https://p.scdn.co/mp3-preview/{_rid(rng, 40, '0123456789abcdef')}"
                if rng.random() < 0.6
                else None,
                popularity=max(0, min(100, popularity + rng.randint(-25, 12))),
                isrc=isrc,
            )
            self.tracks[track.id] = track
            album.track_ids.append(track.id)
        self.albums[album.id] = album
        self.artists[artist_ids[0]].album_ids.append(album.id)
        for other in artist_ids[1:]:
            self.artists[other].appears_on_ids.append(album.id)
        return album

    def add_discography(self, artist: SpotifyArtist, n_releases: int) -> None:
        rng = self.rng
        start_year = rng.randint(1994, 2023)
        span_days = max(30, (self.today - dt.date(start_year, 1, 1)).days - 14)
        dates = sorted(
            dt.date(start_year, 1, 1) + dt.timedelta(days=rng.randint(0, span_days)) for _ in range(n_releases)
        )
        for index, released in enumerate(dates):
            pop = max(0, min(100, artist.popularity + rng.randint(-15, 10)))
            year = released.year
            if index % 3 == 0 or n_releases == 1:  # an album, usually with its lead single a few weeks earlier
                songs = [(self.track_name(), self.isrc(year)) for _ in range(rng.randint(8, 14))]
                title = f"{rng.choice(_ADJ)} {rng.choice(_TRACK_WORDS)}"
                if rng.random() < 0.5 and released - dt.timedelta(days=40) > dt.date(start_year, 1, 1):
                    lead = songs[0]
                    self.add_release([artist.id], "single", lead[0], released - dt.timedelta(days=40), [lead], pop + 5)
                self.add_release([artist.id], "album", title, released, songs, pop)
            else:
                songs = [(self.track_name(), self.isrc(year)) for _ in range(rng.randint(1, 2))]
                artist_ids = [artist.id]
                if rng.random() < 0.15 and len(self.artists) > 1:  # a feature: shows up as appears_on for the guest
                    guest = rng.choice([a for a in self.artists.values() if a.id != artist.id])
                    artist_ids.append(guest.id)
                    songs = [(f"{songs[0][0]} (feat. {guest.name})", songs[0][1]), *songs[1:]]
                self.add_release(artist_ids, "single", songs[0][0], released, songs, pop)

    def finish_top_tracks(self) -> None:
        by_artist: dict[str, list[SpotifyTrack]] = {}
        for track in self.tracks.values():
            by_artist.setdefault(track.artist_ids[0], []).append(track)
        for artist_id, tracks in by_artist.items():
            seen: set[str] = set()
            top: list[str] = []
            for track in sorted(tracks, key=lambda t: (-t.popularity, t.id)):
                if track.isrc not in seen:  # the real top-10 never lists a single and its album cut twice
                    seen.add(track.isrc)
                    top.append(track.id)
            self.artists[artist_id].top_track_ids = top[:10]

    # ---- Ticketmaster

    def tm_images(self, kind: str) -> list[Image]:
        uid = _rid(self.rng, 8, "0123456789abcdef")
        base = f"https://s1.ticketm.net/dam/{kind}/{uid[:3]}/{uid}-{_rid(self.rng, 6, '0123456789abcdef')}"
        return [
            Image(f"{base}_RETINA_PORTRAIT_16_9.jpg", 640, 360, "16_9"),
            Image(f"{base}_TABLET_LANDSCAPE_3_2.jpg", 1024, 683, "3_2"),
            Image(f"{base}_CUSTOM.jpg", 305, 225, "4_3"),
        ]

    def add_venues(self, n: int) -> None:
        rng = self.rng
        for index in range(n):
            city, state, code, country, cc, tz, lat, lon, postal = _CITIES[index % len(_CITIES)]
            prefix = rng.choice(("KovZpZA", "KovZpZA", "KovZpZA", "Z6r9jZ", "ZFr9jZ"))
            vid = self.ids.make(prefix, 12 if prefix == "KovZpZA" else 13)
            name = rng.choice(_VENUE_PATTERNS).format(w=rng.choice(_ADJ), city=city.strip(), last=rng.choice(_LAST))
            has_location = rng.random() > 0.1
            digits = rng.choice((4, 6, 8))
            self.venues[vid] = TmVenue(
                id=vid,
                name=name,
                city=city,
                state_name=state,
                state_code=code,
                country_name=country,
                country_code=cc,
                address_line1=f"{rng.randint(10, 4999)} {rng.choice(_LAST)} {rng.choice(_STREETS)}",
                postal_code=postal,
                timezone=tz,
                latitude=f"{lat + rng.uniform(-0.05, 0.05):.{digits}f}" if has_location else None,
                longitude=f"{lon + rng.uniform(-0.05, 0.05):.{digits}f}" if has_location else None,
                market=(str(rng.randint(1, 120)), f"{city.strip()} Area"),
                dma_id=rng.randint(200, 420),
                url=f"https://www.ticketmaster.com/{_slug(name)}-tickets-{_slug(city)}/venue/{rng.randint(1, 10**6)}",
            )

    def add_attraction(
        self, name: str, role: Role, case: MatchCase, classification: TmClassification, spotify_id: str | None
    ) -> TmAttraction:
        rng = self.rng
        links: dict[str, list[dict[str, str]]] = {}
        if case == "linked" and spotify_id is not None:
            links["spotify"] = [{"url": f"https://open.spotify.com/artist/{spotify_id}"}]
        for key in ("youtube", "instagram", "homepage", "wiki"):
            if rng.random() < 0.4:
                links[key] = [{"url": f"https://example.{key}.com/{_slug(name)}"}]
        if role != "non_music" and rng.random() < 0.5:
            # Formerly a placeholder MBID: the draws stay so every later value of a seed's world is unchanged
            # (the real MBIDs come from `add_musicbrainz_ids`, after everything else).
            _rid(rng, 12)
        attraction = TmAttraction(
            id=self.ids.make("K8vZ917", rng.randint(14, 18)),
            name=name,
            role=role,
            classification=classification,
            match_case=case,
            spotify_id=spotify_id,
            external_links=links,
            images=self.tm_images("a"),
            url=f"https://www.ticketmaster.com/{_slug(name)}-tickets/artist/{rng.randint(800000, 3200000)}",
            aliases=[name.casefold()] if rng.random() < 0.3 else [],
        )
        self.attractions[attraction.id] = attraction
        return attraction

    def music_classification(self) -> tuple[TmClassification, list[str]]:
        genre, sub_genre, spotify_genres = self.rng.choice(_GENRES)
        picked = self.rng.sample(spotify_genres, k=min(len(spotify_genres), self.rng.randint(1, 2)))
        return TmClassification(_MUSIC, genre, sub_genre), [] if self.rng.random() < 0.1 else picked

    def add_performers(self, n_artists: int) -> None:
        rng = self.rng
        taken = {c[0] for c in _CURATED} | {c[1] for c in _CURATED if c[1]} | {d for c in _CURATED for d in c[2]}
        generated = self.band_names(max(0, n_artists - len(_CURATED)), taken)
        n_headliners = max(1, round(len(generated) * 0.4))
        for index, name in enumerate(generated):
            role: Role = "headliner" if index < n_headliners else "support"
            classification, genres = self.music_classification()
            pop = rng.randint(45, 90) if role == "headliner" else rng.randint(15, 60)
            artist = self.add_artist(name, pop, genres, rng.randint(3, 9) if role == "headliner" else rng.randint(1, 5))
            # Real pattern (external-apis.md A.5): headliners carry the link, ~30% of support acts do not.
            linked = role == "headliner" or rng.random() >= 0.3
            self.add_attraction(name, role, "linked" if linked else "exact_name", classification, artist.id)
            if rng.random() < 0.4:  # near-names a fuzzy search returns next to the exact match
                first = name.removeprefix("The ").split()[0]
                decoy = rng.choice(_DECOY_PATTERNS).format(n=name, first=first)
                if normalize_name(decoy) not in {normalize_name(a.name) for a in self.artists.values()}:
                    self.add_artist(decoy, rng.randint(0, 40), genres, 1)
        for tm_name, spotify_name, decoys, role, case in _CURATED:
            classification, genres = self.music_classification()
            for decoy in decoys:
                decoy_pop = rng.randint(55, 78) if tm_name == "IZO" else rng.randint(5, 45)
                self.add_artist(decoy, decoy_pop, genres, rng.randint(1, 3))
            spotify_id = None
            if spotify_name is not None:
                pop = 22 if tm_name == "IZO" else rng.randint(20, 60)
                spotify_id = self.add_artist(spotify_name, pop, genres, rng.randint(2, 6)).id
            if tm_name == "Harbor" and spotify_id is not None:  # same-name trap: the link points at the obscure one
                self.artists[spotify_id].popularity = 12
                self.add_artist("Harbor", 67, ["indie rock"], 5)
            self.add_attraction(tm_name, role, case, classification, spotify_id)
        for comedian in _COMEDIANS:
            self.add_attraction(comedian, "non_music", "non_music", _COMEDY, None)
        for _ in range(max(4, n_artists // 6)):  # Spotify-only artists: noise for searches
            classification, genres = self.music_classification()
            self.add_artist(
                self.band_names(1, {a.name for a in self.artists.values()})[0], rng.randint(0, 70), genres, 2
            )

    def add_events(self, n_events: int) -> None:
        rng = self.rng
        music = [a for a in self.attractions.values() if a.role != "non_music"]
        headliners = [a for a in music if a.role == "headliner"]
        supports = [a for a in music if a.role == "support"]
        comedians = [a for a in self.attractions.values() if a.role == "non_music"]
        venues = list(self.venues.values())
        for _ in range(n_events):
            roll = rng.random()
            if roll < 0.06:
                bill, classification = [rng.choice(comedians)], _COMEDY
                name = f"{bill[0].name}: {rng.choice(_TOURS)} Comedy Tour"
            elif roll < 0.09:
                star = rng.choice(headliners)
                bill, classification = [], _FILM_MUSIC
                name = f"{star.name}: Live in Concert (Film Screening)"
            else:
                size = rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]
                pool = headliners if size == 4 else supports  # 4-act bills are festival-ish: several headliners
                bill = [rng.choice(headliners), *rng.sample(pool, k=min(len(pool), size - 1))]
                bill = list({a.id: a for a in bill}.values())  # a headliner may be drawn twice at festivals
                classification = bill[0].classification
                name = self.event_name(bill, rng.choice(venues))
            self.add_event(name, bill, classification, rng.choice(venues))
        self.ensure_everyone_plays_twice(supports)
        for event in self.events.values():
            self.venues[event.venue_id].upcoming_events += 1
            for attraction_id in event.attraction_ids:
                self.attractions[attraction_id].upcoming_events += 1

    def event_name(self, bill: list[TmAttraction], venue: TmVenue) -> str:
        rng, head = self.rng, bill[0].name
        if len(bill) >= 4:
            season = rng.choice(("Summer", "Winter", "Spring", "Fall"))
            return f"{venue.city.strip()} {season} Fest {self.today.year + (1 if season == 'Winter' else 0)}"
        roll = rng.random()
        if roll < 0.45:
            return head
        if roll < 0.7:
            return f"{head}: {rng.choice(_TOURS)} Tour"
        if roll < 0.9 and len(bill) > 1:
            return f"{head} with {bill[1].name}"
        return f"{head} - {rng.choice(_TOURS)} Tour {self.today.year}"

    def ensure_everyone_plays_twice(self, supports: list[TmAttraction]) -> None:
        """Every music attraction must play at least twice, or the sync would never look at it."""
        music_events = [e for e in self.events.values() if e.classification.segment == _MUSIC and e.attraction_ids]
        for attraction in supports + [a for a in self.attractions.values() if a.role == "headliner"]:
            booked = sum(1 for e in music_events if attraction.id in e.attraction_ids)
            for event in self.rng.sample(music_events, k=len(music_events)):
                if booked >= 2:
                    break
                if attraction.id not in event.attraction_ids and len(event.attraction_ids) < 4:
                    event.attraction_ids.append(attraction.id)
                    booked += 1

    def add_event(
        self,
        name: str,
        bill: list[TmAttraction],
        classification: TmClassification,
        venue: TmVenue,
        *,
        days_ago: int | None = None,
    ) -> None:
        """An upcoming event, or with `days_ago` a past one (dated and timed, into `past_events`)."""
        rng = self.rng
        prefix = rng.choice(("vvG1", "G5v", "Z7r9jZ1A", "1A", "vv1"))
        alphabet = BASE62 + ("_-" if rng.random() < 0.1 else "")
        eid = self.ids.make(prefix, rng.randint(14, 18), alphabet)
        tz = ZoneInfo(venue.timezone)
        offset = -days_ago if days_ago is not None else rng.randint(1, 182)
        local_date: dt.date | None = self.today + dt.timedelta(days=offset)
        local_time: dt.time | None = rng.choice((dt.time(19), dt.time(19, 30), dt.time(20), dt.time(21)))
        date_tba = date_tbd = time_tba = no_time = False
        roll = rng.random() if days_ago is None else 1.0
        if roll < 0.015:
            date_tba = time_tba = True
            local_date = local_time = None
        elif roll < 0.025:
            date_tbd = True
            local_date = local_time = None
        elif roll < 0.08:
            time_tba = no_time = True  # the date is known, the time is not: no localTime, no dateTime
            local_time = None
        start_utc = (
            dt.datetime.combine(local_date, local_time, tzinfo=tz).astimezone(dt.UTC)
            if local_date is not None and local_time is not None
            else None
        )
        status: EventStatus = rng.choices(
            ("onsale", "offsale", "cancelled", "postponed", "rescheduled"), weights=(80, 7, 5, 4, 4)
        )[0]
        if days_ago is not None:
            status = "offsale"  # a show that took place: sales ended at its start
        if local_date is None and status in ("rescheduled", "postponed"):
            status = "onsale"  # a move needs a date to move from
        initial = None
        if status in ("rescheduled", "postponed") and local_date is not None:
            first_date = local_date - dt.timedelta(days=rng.randint(14, 60))
            first_time = local_time or dt.time(20)
            first_utc = dt.datetime.combine(first_date, first_time, tzinfo=tz).astimezone(dt.UTC)
            initial = (first_date, first_time, first_utc)
        sales_start = PLACEHOLDER_SALES_START
        if rng.random() >= 0.15:
            opened = dt.datetime.combine(self.today, dt.time(15), tzinfo=dt.UTC) - dt.timedelta(days=rng.randint(1, 90))
            sales_start = _z(opened)
        presale = None
        if rng.random() < 0.2 and sales_start != PLACEHOLDER_SALES_START:
            opened = dt.datetime.fromisoformat(sales_start)
            presale = (f"{bill[0].name if bill else 'Artist'} Presale", _z(opened - dt.timedelta(days=3)), _z(opened))
        price = None
        if rng.random() < 0.7:
            low = round(rng.uniform(19, 85), 2)
            price = (_CURRENCY[venue.country_code], low, round(low + rng.uniform(0, 240), 2))
        # Some real events carry no attractions at all (a past show here always does: it has setlists).
        show_attractions = bool(bill) and (days_ago is not None or rng.random() >= 0.05)
        date_part = local_date.strftime("%m-%d-%Y") if local_date else "tba"
        url_slug = f"{_slug(name)}-{_slug(venue.city)}-{(venue.state_code or venue.country_code).lower()}-{date_part}"
        events = self.events if days_ago is None else self.past_events
        events[eid] = TmEvent(
            id=eid,
            name=name,
            # The URL's trailing id is a different host id: never parse the event id out of it (A.5).
            url=f"https://www.ticketmaster.com/{url_slug}/event/{_rid(rng, 16, '0123456789ABCDEF')}",
            venue_id=venue.id,
            attraction_ids=[a.id for a in bill] if show_attractions else [],
            classification=classification,
            local_date=local_date,
            local_time=local_time,
            start_utc=start_utc,
            date_tba=date_tba,
            date_tbd=date_tbd,
            time_tba=time_tba,
            no_specific_time=no_time,
            show_timezone=rng.random() >= 0.25,
            timezone=venue.timezone,
            status=status,
            initial_start=initial,
            price_range=price,
            sales_start=sales_start,
            sales_end=_z(start_utc) if start_utc else None,
            presale=presale,
            promoter=rng.choice((("494", "PROMOTED BY VENUE"), ("653", "LIVE NATION MUSIC"), None)),
            images=self.tm_images("c"),
        )

    def add_musicbrainz_ids(self) -> None:
        """An MBID for every Spotify artist and performer; every headliner and most support acts expose it."""
        rng = self.rng
        for artist in self.artists.values():
            artist.musicbrainz_id = _uuid(rng)
        for attraction in self.attractions.values():
            if attraction.role == "non_music":
                continue
            spotify = self.artists.get(attraction.spotify_id) if attraction.spotify_id else None
            mbid = spotify.musicbrainz_id if spotify is not None and spotify.musicbrainz_id else _uuid(rng)
            attraction.musicbrainz_id = mbid
            # Real pattern: music attractions nearly always carry it; the rest must be found by name.
            if attraction.role == "headliner" or rng.random() < 0.7:
                attraction.external_links["musicbrainz"] = [{"id": mbid}]

    def add_past_events(self, n: int) -> None:
        """Shows of the last 1-7 days: distinct headliners, each with up to two support acts."""
        rng = self.rng
        headliners = [a for a in self.attractions.values() if a.role == "headliner"]
        supports = [a for a in self.attractions.values() if a.role == "support"]
        venues = list(self.venues.values())
        for index, star in enumerate(rng.sample(headliners, k=min(n, len(headliners)))):
            bill = [star, *rng.sample(supports, k=rng.choice((0, 1, 1, 2)))]
            venue = rng.choice(venues)
            name = star.name if rng.random() < 0.5 else f"{star.name}: {rng.choice(_TOURS)} Tour"
            self.add_event(name, bill, star.classification, venue, days_ago=1 + index % 7)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _z(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_world(
    seed: int = 7, today: dt.date | None = None, n_artists: int = 60, n_venues: int = 40, n_events: int = 400
) -> World:
    """Generate the world deterministically for `seed`; event dates run from `today` to ~6 months out.

    `n_artists` is the number of music attractions on Ticketmaster (9 of them hand-written traps);
    Spotify additionally holds decoys and Spotify-only artists.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    builder = _Builder(seed, today)
    builder.add_venues(n_venues)
    builder.add_performers(n_artists)
    builder.finish_top_tracks()
    builder.add_events(n_events)
    # Last, so that everything above is what the same seed gave before MBIDs and past shows existed.
    builder.add_musicbrainz_ids()
    builder.add_past_events(max(4, n_events // 50))
    return World(
        seed=seed,
        today=today,
        artists=builder.artists,
        albums=builder.albums,
        tracks=builder.tracks,
        venues=builder.venues,
        attractions=builder.attractions,
        events=builder.events,
        past_events=builder.past_events,
    )
