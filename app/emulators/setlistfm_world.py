"""setlist.fm's side of the generated world: MBID-keyed artists, venues and the setlists of past shows.

Built from a `World` (the same performers, Spotify catalogs and Ticketmaster shows), deterministic for its
seed. Performers come in two kinds, because a tour's history predicts the next show for only one of them:
- fixed: nearly the same 15-20 songs every night, in nearly the same order;
- rotating: a large repertoire, each show a different subset.

The traps of the real data are built in: tape intros and outros, covers, guests, medleys ("A / B"), first
and second encores, named sets, empty stubs (past and upcoming), unknown songs ("" and "?"), version
suffixes on titles, songs that are not in the Spotify catalog, radio sessions and one-song partial entries
between the tour dates, two entries of one artist on one day, and a setlist not posted yet. Song names are
mostly the artist's Spotify track titles (without "(feat. ...)"), so matching them is possible.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from app.emulators.world import SpotifyTrack, TmAttraction, TmEvent, TmVenue, World, normalize_name

Style = Literal["fixed", "rotating"]
_HEX = "0123456789abcdef"
_COUNTRY_NAMES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom"}
_FEAT = " (feat. "
# Suffixes real setlist titles (and catalog titles) carry; a matcher strips them only at the end of a name.
_SUFFIXES = (" (Live)", " - Remastered 2011", " (Acoustic)", " (Live at the Forum)")
_SONG_INFO = ("Live debut", "shortened", "acoustic", "Not on printed setlist", "extended outro", "snippet")
_TOUR_NAMES = ("Night Flight", "Neon Skies", "Long Way Home", "Wildfire", "Afterglow", "Static Bloom", "Open Road")
# Words for songs the catalog does not have (unreleased songs, rarities): never the world's track words.
_NEW_WORDS = (
    "Cinder",
    "Lullaby",
    "Harvest",
    "Meadow",
    "Quarry",
    "Lantern",
    "Willow",
    "Ferris",
    "Marigold",
    "Juniper",
    "Pioneer",
    "Hinterland",
    "Ballast",
    "Cartwheel",
    "Driftwood",
    "Postcard",
    "Undertow",
    "Kerosene",
    "Telegraph",
    "Wishbone",
    "Saltwater",
    "Overpass",
    "Tinder",
    "Brushfire",
)
_NEW_PATTERNS = ("{a}", "{a} {b}", "The {a} Song", "{a} (Reprise)", "Untitled {a}", "{a} Blues")
# Tape intros and outros are mostly other people's recordings (a recorded real show opens with Handel).
_COMPOSERS = (
    ("Antonio Vellani", "Italian baroque composer", ("Concerto Grosso in D", "Fanfare for the Morning")),
    ("Clara Wendt", "German film composer", ("Theme from Northern Lights", "Overture to the Night")),
)
_RADIO = ("{city} Public Radio Studio", "KXRT Studios", "Studio 4 Sessions")
_FESTIVAL = ("{city} Summer Festival", "Riverbank Fest", "Open Fields Festival")
_DISAMBIGUATIONS = ("US indie rock band", "Portland alt-country band", "UK electronic duo", "Swedish pop group")


@dataclass(frozen=True, slots=True)
class SlArtist:
    mbid: str
    name: str
    sort_name: str
    disambiguation: str
    url: str
    style: Style | None = None  # None: no setlists of its own (decoys, covered artists, composers)
    spotify_id: str | None = None  # ground truth
    attraction_id: str | None = None  # ground truth


@dataclass(frozen=True, slots=True)
class SlCity:
    id: str
    name: str
    state: str | None
    state_code: str | None
    lat: float
    long: float
    country_code: str
    country_name: str


@dataclass(frozen=True, slots=True)
class SlVenue:
    id: str
    name: str
    city: SlCity
    url: str


@dataclass(frozen=True, slots=True)
class SlSong:
    name: str
    tape: bool = False
    cover: str | None = None  # MBID of the original artist
    guest: str | None = None  # MBID of the artist playing along (`with`)
    info: str | None = None


@dataclass(frozen=True, slots=True)
class SlSet:
    songs: tuple[SlSong, ...]
    name: str | None = None
    encore: int | None = None


@dataclass(frozen=True, slots=True)
class SlSetlist:
    id: str
    version_id: str
    event_date: dt.date
    last_updated: dt.datetime
    artist: str  # MBID
    venue: SlVenue
    tour: str | None
    info: str | None
    sets: tuple[SlSet, ...]
    url: str
    tm_event_id: str | None = None  # ground truth: the Ticketmaster show this is

    @property
    def songs(self) -> list[SlSong]:
        """Every song in order, all sets together."""
        return [song for one_set in self.sets for song in one_set.songs]


@dataclass(slots=True)
class SetlistFmWorld:
    seed: int
    today: dt.date
    artists: dict[str, SlArtist]  # by MBID
    venues: dict[str, SlVenue]
    setlists: dict[str, SlSetlist]  # posted
    unpublished: dict[str, SlSetlist]  # played but not posted yet: the emulator control posts them
    repertoires: dict[str, tuple[str, ...]] = field(default_factory=dict)  # MBID -> the songs it plays
    venue_of_tm: dict[str, str] = field(default_factory=dict)  # Ticketmaster venue id -> setlist.fm venue id

    def performers(self, style: Style | None = None) -> list[SlArtist]:
        """Artists with setlists (of one style if given)."""
        return [a for a in self.artists.values() if a.style is not None and (style is None or a.style == style)]

    def setlists_of(self, mbid: str) -> list[SlSetlist]:
        """An artist's posted setlists, newest first."""
        return sorted(
            (s for s in self.setlists.values() if s.artist == mbid), key=lambda s: (s.event_date, s.id), reverse=True
        )

    def for_tm_event(self, event_id: str) -> list[SlSetlist]:
        """The setlists (posted or not) of one Ticketmaster show, headliner first."""
        found = [s for s in (*self.setlists.values(), *self.unpublished.values()) if s.tm_event_id == event_id]
        return sorted(found, key=lambda s: s.id)

    def counts(self) -> dict[str, int]:
        """Sizes, for `/_emulator/world`."""
        return {
            "artists": len(self.artists),
            "performers": len(self.performers()),
            "fixed": len(self.performers("fixed")),
            "rotating": len(self.performers("rotating")),
            "venues": len(self.venues),
            "setlists": len(self.setlists),
            "unpublished": len(self.unpublished),
            "songs": sum(len(s.songs) for s in self.setlists.values()),
        }


def setlist_url(artist: SlArtist, venue: SlVenue, event_date: dt.date, setlist_id: str) -> str:
    """The attribution link, in the site's own URL scheme."""
    place = "-".join(_slug(part) for part in (venue.name, venue.city.name, venue.city.state_code or "") if part)
    return f"https://www.setlist.fm/setlist/{_slug(artist.name)}/{event_date.year}/{place}-{setlist_id}.html"


def _slug(text: str) -> str:
    return "-".join(normalize_name(text).split())


def _sort_name(name: str) -> str:
    return f"{name[4:]}, The" if name.startswith("The ") else name


def bare_title(title: str) -> str:
    """A catalog title without its "(feat. ...)" tail: setlist.fm lists the guest apart, if at all."""
    cut = title.find(_FEAT)
    return title[:cut] if cut > 0 else title


# ---------------------------------------------------------------------------------------------- generation


@dataclass(slots=True)
class _Plan:
    """How one performer plays: what it knows, its usual show, its habits."""

    artist: SlArtist
    headliner: bool
    repertoire: list[str]
    core: list[str]  # fixed: the current tour's usual show in order (encore at the end)
    old_core: list[str]  # fixed: the previous tour's, a third of it other songs
    intro: SlSong | None
    outro: SlSong | None
    cover: SlSong | None  # a fixed artist's nightly cover
    tours: list[str]  # current first


class _Builder:
    def __init__(self, world: World, now: dt.datetime) -> None:
        self.world = world
        self.rng = random.Random(f"setlistfm:{world.seed}")
        self.today = world.today
        self.now = now
        self.artists: dict[str, SlArtist] = {}
        self.venues: dict[str, SlVenue] = {}
        self.venue_of_tm: dict[str, str] = {}
        self.setlists: dict[str, SlSetlist] = {}
        self.unpublished: dict[str, SlSetlist] = {}
        self.plans: dict[str, _Plan] = {}
        self._seen: set[str] = set()
        self._city_ids: dict[tuple[str, str], str] = {}
        self._titles: dict[str, list[str]] = {}  # Spotify artist id -> its distinct titles, most popular first

    def hex_id(self, length: int) -> str:
        while True:
            candidate = "".join(self.rng.choices(_HEX, k=length))
            if candidate not in self._seen:
                self._seen.add(candidate)
                return candidate

    def version_id(self) -> str:
        return "g" + self.hex_id(self.rng.choice((7, 8)))

    # ---- artists

    def add_artists(self) -> None:
        rng, world = self.rng, self.world
        by_spotify = {a.spotify_id: a for a in world.performers() if a.spotify_id}
        entries: list[tuple[str, str, str | None, TmAttraction | None]] = []
        for artist in world.artists.values():
            if artist.musicbrainz_id is not None:
                entries.append((artist.musicbrainz_id, artist.name, artist.id, by_spotify.get(artist.id)))
        for performer in world.performers():
            if performer.spotify_id is None and performer.musicbrainz_id is not None:
                entries.append((performer.musicbrainz_id, performer.name, None, performer))
        same_name = Counter(normalize_name(entry[1]) for entry in entries)
        described = 0
        for mbid, name, spotify_id, attraction in entries:
            disambiguation = ""
            if same_name[normalize_name(name)] > 1:  # MusicBrainz tells same-name artists apart this way
                disambiguation = _DISAMBIGUATIONS[described % len(_DISAMBIGUATIONS)]
                described += 1
            style: Style | None = None
            if attraction is not None:
                style = "rotating" if rng.random() < 0.35 else "fixed"
            self.artists[mbid] = SlArtist(
                mbid=mbid,
                name=name,
                sort_name=_sort_name(name),
                disambiguation=disambiguation,
                url=f"https://www.setlist.fm/setlists/{_slug(name)}-{self.hex_id(8)}.html",
                style=style,
                spotify_id=spotify_id,
                attraction_id=attraction.id if attraction else None,
            )
        self.ensure_both_styles()
        for name, disambiguation, _ in _COMPOSERS:
            mbid = _uuid(rng)
            url = f"https://www.setlist.fm/setlists/{_slug(name)}-{self.hex_id(8)}.html"
            self.artists[mbid] = SlArtist(mbid, name, ", ".join(reversed(name.split(" ", 1))), disambiguation, url)

    def ensure_both_styles(self) -> None:
        """Some headliner of each style, whatever the seed drew."""
        headliners = [
            a
            for a in self.artists.values()
            if a.attraction_id and self.world.attractions[a.attraction_id].role == "headliner"
        ]
        styles: tuple[Style, ...] = ("fixed", "rotating")
        for style in styles:
            if headliners and not any(a.style == style for a in headliners):
                flip = headliners[len(headliners) // 2 if style == "rotating" else 0]
                self.artists[flip.mbid] = dataclasses.replace(flip, style=style)

    # ---- venues

    def city(self, name: str, state: str | None, code: str | None, country: str, lat: float, lon: float) -> SlCity:
        key = (name, country)
        if key not in self._city_ids:
            self._city_ids[key] = str(self.rng.randint(1_000_000, 9_999_999))
        return SlCity(self._city_ids[key], name, state, code, lat, lon, country, _COUNTRY_NAMES.get(country, country))

    def venue_for_tm(self, tm: TmVenue) -> SlVenue:
        """The setlist.fm venue of a Ticketmaster venue: same name, the city without TM's stray spaces."""
        if tm.id in self.venue_of_tm:
            return self.venues[self.venue_of_tm[tm.id]]
        lat = float(tm.latitude) if tm.latitude else 0.0
        lon = float(tm.longitude) if tm.longitude else 0.0
        city = self.city(tm.city.strip(), tm.state_name, tm.state_code, tm.country_code, round(lat, 2), round(lon, 2))
        venue = self.add_venue(tm.name, city)
        self.venue_of_tm[tm.id] = venue.id
        return venue

    def add_venue(self, name: str, city: SlCity) -> SlVenue:
        venue_id = self.hex_id(8)
        place = "-".join(_slug(p) for p in (name, city.name, city.state_code or city.country_code) if p)
        venue = SlVenue(venue_id, name, city, f"https://www.setlist.fm/venue/{place}-{venue_id}.html")
        self.venues[venue_id] = venue
        return venue

    def side_venue(self, near: SlVenue, patterns: tuple[str, ...]) -> SlVenue:
        """A radio studio or festival site in the same city (not a Ticketmaster venue)."""
        name = self.rng.choice(patterns).format(city=near.city.name)
        existing = [v for v in self.venues.values() if v.name == name and v.city == near.city]
        return existing[0] if existing else self.add_venue(name, near.city)

    # ---- repertoires

    def catalog_titles(self, spotify_id: str | None) -> list[str]:
        """The artist's own track titles, most popular first, one per song."""
        if spotify_id is None:
            return []
        if not self._titles:
            by_artist: dict[str, list[SpotifyTrack]] = {}
            for track in self.world.tracks.values():
                by_artist.setdefault(track.artist_ids[0], []).append(track)
            for artist_id, tracks in by_artist.items():
                titles = [bare_title(t.name) for t in sorted(tracks, key=lambda t: (-t.popularity, t.id))]
                self._titles[artist_id] = list({normalize_name(t): t for t in reversed(titles)}.values())[::-1]
        return list(self._titles.get(spotify_id, []))

    def new_titles(self, n: int, taken: Iterable[str]) -> list[str]:
        used = {normalize_name(t) for t in taken}
        titles: list[str] = []
        while len(titles) < n:
            a, b = self.rng.sample(_NEW_WORDS, 2)
            title = self.rng.choice(_NEW_PATTERNS).format(a=a, b=b)
            if normalize_name(title) not in used:
                used.add(normalize_name(title))
                titles.append(title)
        return titles

    def plan(self, artist: SlArtist) -> _Plan:
        rng = self.rng
        attraction = self.world.attractions[artist.attraction_id] if artist.attraction_id else None
        headliner = attraction is not None and attraction.role == "headliner"
        catalog = self.catalog_titles(artist.spotify_id)
        if artist.style == "rotating":
            extra = max(4, 36 - len(catalog))  # a deep repertoire: rarities and unreleased songs too
            repertoire = catalog + self.new_titles(extra, catalog)
            core: list[str] = []
        else:
            size = rng.randint(15, 20) if headliner else rng.randint(7, 10)
            unreleased = self.new_titles(max(1, size - len(catalog)) + 3, catalog)
            repertoire = catalog + unreleased
            core = catalog[: size - 1] + unreleased[:1]  # the new single nobody has on Spotify yet
            core = rng.sample(core, k=len(core))
        old_core = list(core)
        others = [t for t in repertoire if t not in core]
        for _ in range(min(len(others), len(core) // 3)):
            old_core[rng.randrange(len(old_core))] = others.pop(rng.randrange(len(others)))
        composer = rng.choice([a for a in self.artists.values() if a.name in {c[0] for c in _COMPOSERS}])
        composer_pieces = next(c[2] for c in _COMPOSERS if c[0] == composer.name)
        intro = None
        if rng.random() < (0.6 if artist.style == "fixed" else 0.2):
            intro = SlSong(rng.choice(composer_pieces), tape=True, cover=composer.mbid)
        outro = None
        if rng.random() < 0.3:
            outro = SlSong(rng.choice(repertoire), tape=True, info=rng.choice(("Remix", "Instrumental", None)))
        cover = self.cover_song(artist) if artist.style == "fixed" and rng.random() < 0.4 else None
        year = self.today.year
        first, second = rng.sample(_TOUR_NAMES, 2)
        tours = [f"{first} Tour {year}", f"{second} Tour {year - 1}"]
        if artist.style == "rotating" and rng.random() < 0.5:
            tours = [f"Summer Tour {year}", f"Fall Tour {year - 1}"]
        return _Plan(artist, headliner, repertoire, core, list(dict.fromkeys(old_core)), intro, outro, cover, tours)

    def cover_song(self, artist: SlArtist) -> SlSong:
        """Another world artist's song, credited to them."""
        others = [a for a in self.artists.values() if a.spotify_id and a.mbid != artist.mbid]
        original = self.rng.choice(others)
        titles = self.catalog_titles(original.spotify_id)
        return SlSong(self.rng.choice(titles) if titles else "Untitled", cover=original.mbid)

    # ---- shows

    def show_sets(
        self, plan: _Plan, rng: random.Random, guests: list[str], *, length: int | None = None, current: bool = True
    ) -> list[SlSet]:
        """One show's sets: the plan's habits (this tour's or the previous one's), plus this night's variations."""
        if plan.artist.style == "rotating":
            count = length or (rng.randint(13, 20) if plan.headliner else rng.randint(6, 9))
            songs = [SlSong(t) for t in rng.sample(plan.repertoire, k=min(count, len(plan.repertoire)))]
        else:
            titles = list(plan.core if current else plan.old_core)
            for _ in range(rng.choice((0, 0, 0, 1, 1, 2))):  # a song dropped, another brought in
                if len(titles) > 5:
                    titles.pop(rng.randrange(len(titles) - 3))
            spare = [t for t in plan.repertoire if t not in titles]
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                if spare:
                    titles.insert(rng.randrange(len(titles)), spare.pop(rng.randrange(len(spare))))
            if rng.random() < 0.2 and len(titles) > 4:  # two songs trade places
                i = rng.randrange(len(titles) - 1)
                titles[i], titles[i + 1] = titles[i + 1], titles[i]
            songs = [SlSong(t) for t in (titles[:length] if length else titles)]
        if plan.cover is not None and len(songs) > 4:
            songs.insert(len(songs) - 3, plan.cover)
        elif rng.random() < (0.1 if plan.artist.style == "fixed" else 0.3) and len(songs) > 4:
            songs.insert(rng.randrange(1, len(songs)), self.cover_song(plan.artist))
        songs = [self.decorate(song, rng) for song in songs]
        medleys = 0.08 if plan.artist.style == "fixed" else 0.2
        if rng.random() < medleys and len(songs) > 6:  # a medley: two songs in one entry
            i = rng.randrange(1, len(songs) - 2)
            a, b = songs[i], songs.pop(i + 1)
            songs[i] = SlSong(f"{bare_title(a.name)} / {bare_title(b.name)}", info=a.info)
        if guests and rng.random() < 0.2 and len(songs) > 3:
            i = rng.randrange(len(songs))
            songs[i] = SlSong(songs[i].name, songs[i].tape, songs[i].cover, rng.choice(guests), songs[i].info)
        if rng.random() < 0.06 and songs:
            songs.insert(rng.randrange(len(songs)), SlSong(rng.choice(("", "?")), info=rng.choice((None, "unknown"))))
        return self.split_sets(plan, songs, rng)

    def decorate(self, song: SlSong, rng: random.Random) -> SlSong:
        """Now and then a version suffix (guest credits included) or a note."""
        name, info = song.name, song.info
        roll = rng.random()
        if roll < 0.025:
            name += rng.choice(_SUFFIXES)
        elif roll < 0.035:
            guest = rng.choice([a for a in self.artists.values() if a.style is not None])
            name += f"{_FEAT}{guest.name})"
        if rng.random() < 0.05:
            info = rng.choice(_SONG_INFO)
        return SlSong(name, song.tape, song.cover, song.guest, info)

    def split_sets(self, plan: _Plan, songs: list[SlSong], rng: random.Random) -> list[SlSet]:
        if not plan.headliner or len(songs) < 8:
            return [SlSet(tuple(self.taped(plan, songs, rng)))]
        encore_len = rng.randint(2, 4) if rng.random() < 0.9 else 0
        second_len = rng.randint(1, 2) if encore_len and rng.random() < 0.25 else 0
        cut = len(songs) - encore_len - second_len
        main, encore, second = songs[:cut], songs[cut : cut + encore_len], songs[cut + encore_len :]
        if plan.intro is not None:
            main.insert(0, plan.intro)
        if plan.outro is not None:
            (second or encore or main).append(plan.outro)
        sets: list[SlSet] = []
        if plan.artist.style == "rotating" and rng.random() < 0.5:
            half = len(main) // 2
            sets += [SlSet(tuple(main[:half]), "Set 1:"), SlSet(tuple(main[half:]), "Set 2:")]
        elif rng.random() < 0.1 and len(main) > 8:
            at = rng.randrange(2, len(main) - 4)
            sets += [SlSet(tuple(main[:at])), SlSet(tuple(main[at : at + 3]), "B Stage"), SlSet(tuple(main[at + 3 :]))]
        else:
            sets.append(SlSet(tuple(main)))
        if encore:
            sets.append(SlSet(tuple(encore), encore=1))
        if second:
            sets.append(SlSet(tuple(second), encore=2))
        return sets

    def taped(self, plan: _Plan, songs: list[SlSong], rng: random.Random) -> list[SlSong]:
        return ([plan.intro] if plan.intro and rng.random() < 0.8 else []) + songs

    def add_setlist(
        self,
        plan: _Plan,
        venue: SlVenue,
        day: dt.date,
        sets: list[SlSet],
        *,
        tour: str | None,
        info: str | None = None,
        tm_event_id: str | None = None,
        posted: bool = True,
        updated: dt.datetime | None = None,
    ) -> SlSetlist:
        rng = self.rng
        setlist_id = self.hex_id(8)
        if updated is None:
            # Edited for hours to days after the show (a real one's last edit came 4 days after it).
            late = dt.datetime.combine(day, dt.time(23), tzinfo=dt.UTC) + dt.timedelta(minutes=rng.randint(30, 4000))
            updated = min(late, dt.datetime.combine(self.today, dt.time(0), tzinfo=dt.UTC))
        setlist = SlSetlist(
            id=setlist_id,
            version_id=self.version_id(),
            event_date=day,
            last_updated=updated.replace(microsecond=rng.randrange(1000) * 1000),
            artist=plan.artist.mbid,
            venue=venue,
            tour=tour,
            info=info,
            sets=tuple(sets),
            url=setlist_url(plan.artist, venue, day, setlist_id),
            tm_event_id=tm_event_id,
        )
        (self.setlists if posted else self.unpublished)[setlist_id] = setlist
        return setlist

    def history(self, plan: _Plan, fixed_days: set[dt.date]) -> None:
        """The artist's earlier shows: a current tour up to recently, an older one, noise in between."""
        rng = self.rng
        tm_venues = list(self.world.venues.values())
        n_shows = rng.randint(22, 45) if plan.headliner else rng.randint(4, 14)
        day = self.today - dt.timedelta(days=rng.randint(1, 12))
        current_tour_shows = int(n_shows * rng.uniform(0.55, 0.75))
        guests = [a.mbid for a in self.artists.values() if a.style is not None and a.mbid != plan.artist.mbid]
        for index in range(n_shows):
            while day in fixed_days:
                day -= dt.timedelta(days=1)
            tour = plan.tours[0] if index < current_tour_shows else plan.tours[1]
            if index == current_tour_shows:
                day -= dt.timedelta(days=rng.randint(60, 200))  # the break between two tours
            venue = self.venue_for_tm(rng.choice(tm_venues))
            roll = rng.random()
            if roll < 0.07:  # a radio or TV session: a few songs, no tour
                sets = [SlSet(tuple(SlSong(t) for t in rng.sample(plan.repertoire, k=min(3, len(plan.repertoire)))))]
                self.add_setlist(plan, self.side_venue(venue, _RADIO), day, sets, tour=None)
            elif roll < 0.11:  # a partial entry: someone typed in one song
                self.add_setlist(plan, venue, day, [SlSet((SlSong(rng.choice(plan.repertoire)),))], tour=tour)
            elif roll < 0.15:  # an empty stub: the show was entered, its songs never
                self.add_setlist(plan, venue, day, [], tour=tour)
            elif roll < 0.22:  # a festival slot: shorter, outside the tour
                sets = self.show_sets(plan, rng, guests, length=rng.randint(8, 11))
                self.add_setlist(plan, self.side_venue(venue, _FESTIVAL), day, sets, tour=None)
            else:
                info = "Tour opener." if index == current_tour_shows - 1 else None
                sets = self.show_sets(plan, rng, guests, current=index < current_tour_shows)
                self.add_setlist(plan, venue, day, sets, tour=tour, info=info)
            day -= dt.timedelta(days=rng.randint(1, 4))

    def past_show(self, event: TmEvent, attraction: TmAttraction, kinds: list[str]) -> None:
        """The setlist of a Ticketmaster show of the last few days: same artist, local date, venue and city.

        It takes the next of `kinds` (the special cases) when there is one, else it is an ordinary posted setlist.
        """
        mbid = attraction.musicbrainz_id
        if mbid is None or mbid not in self.plans or event.local_date is None:
            return
        kind = kinds.pop(0) if kinds else "posted"
        plan = self.plans[mbid]
        venue = self.venue_for_tm(self.world.venues[event.venue_id])
        bill = [self.world.attractions[a].musicbrainz_id for a in event.attraction_ids]
        guests = [g for g in bill if g and g != mbid]
        tour = plan.tours[0] if plan.headliner else None
        # Posted an hour or a few after the show started.
        started = event.start_utc or dt.datetime.combine(event.local_date, dt.time(20), tzinfo=dt.UTC)
        updated = started + dt.timedelta(minutes=self.rng.randint(100, 300))
        sets = [] if kind == "stub" else self.show_sets(plan, self.rng, guests)
        self.add_setlist(
            plan,
            venue,
            event.local_date,
            sets,
            tour=tour,
            tm_event_id=event.id,
            posted=kind != "unposted",
            updated=updated,
        )
        if kind == "two_entries":  # the same day, same city: a radio session before the show
            radio = [SlSet(tuple(SlSong(t) for t in self.rng.sample(plan.repertoire, k=3)))]
            self.add_setlist(plan, self.side_venue(venue, _RADIO), event.local_date, radio, tour=None)

    def upcoming_stub(self, attraction: TmAttraction) -> None:
        """An announced show already on setlist.fm, without songs (stubs are entered ahead of shows)."""
        mbid = attraction.musicbrainz_id
        dated = [e for e in self.world.events_for_attraction(attraction.id) if e.local_date is not None]
        if mbid is None or mbid not in self.plans or not dated or self.rng.random() >= 0.3:
            return
        event = min(dated, key=lambda e: (e.local_date or self.today, e.id))
        plan = self.plans[mbid]
        venue = self.venue_for_tm(self.world.venues[event.venue_id])
        self.add_setlist(plan, venue, event.local_date or self.today, [], tour=plan.tours[0], tm_event_id=event.id)

    def build(self) -> SetlistFmWorld:
        self.add_artists()
        for artist in self.artists.values():
            if artist.style is not None:
                self.plans[artist.mbid] = self.plan(artist)
        past = sorted(self.world.past_events.values(), key=lambda e: (e.start_utc or _EPOCH, e.id), reverse=True)
        # The most recent shows that have started and get a setlist carry the special cases, whatever the
        # hour: just after midnight UTC, "yesterday" at an American venue has not started yet.
        kinds = ["unposted", "stub", "two_entries"]
        days_by_artist: dict[str, set[dt.date]] = {}
        for event in past:
            for position, attraction_id in enumerate(event.attraction_ids):
                attraction = self.world.attractions[attraction_id]
                started = event.start_utc is not None and event.start_utc <= self.now
                self.past_show(event, attraction, kinds if position == 0 and started else [])
                if attraction.musicbrainz_id and event.local_date:
                    days_by_artist.setdefault(attraction.musicbrainz_id, set()).add(event.local_date)
        for mbid, plan in self.plans.items():
            self.history(plan, days_by_artist.get(mbid, set()))
        for attraction in self.world.performers():
            self.upcoming_stub(attraction)
        return SetlistFmWorld(
            seed=self.world.seed,
            today=self.today,
            artists=self.artists,
            venues=self.venues,
            setlists=self.setlists,
            unpublished=self.unpublished,
            repertoires={mbid: tuple(plan.repertoire) for mbid, plan in self.plans.items()},
            venue_of_tm=self.venue_of_tm,
        )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_setlistfm_world(world: World, now: dt.datetime | None = None) -> SetlistFmWorld:
    """setlist.fm's data for `world` at `now` (by default the present): deterministic for its seed and
    the shows started by then, never mutated afterwards."""
    return _Builder(world, now or dt.datetime.now(dt.UTC)).build()
