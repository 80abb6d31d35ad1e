"""The offline map: country outlines decoded from the vendored world-atlas TopoJSON, drawn as SVG paths.

Coordinates stay in degrees (x = lon, y = -lat): an equirectangular view that needs no projection code.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORLD = Path(__file__).parent / "static" / "vendor" / "world-atlas" / "countries-110m.json"


@dataclass(frozen=True)
class Country:
    name: str
    path: str
    bbox: tuple[float, float, float, float]


def _decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


@functools.cache
def countries() -> tuple[Country, ...]:
    """Every country's outline; empty when the vendored file is missing (the map then shows points only)."""
    if not WORLD.exists():
        return ()
    topology = json.loads(WORLD.read_text())
    arcs = _decode_arcs(topology)
    result = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = {"Polygon": [geometry.get("arcs", [])],
                    "MultiPolygon": geometry.get("arcs", [])}.get(geometry.get("type"), [])
        parts, xs, ys = [], [], []
        for polygon in polygons:
            for ring in polygon:
                points = _ring(ring, arcs)
                if len(points) < 3:
                    continue
                xs += [p[0] for p in points]
                ys += [p[1] for p in points]
                parts.append("M" + "L".join(f"{x:.2f},{-y:.2f}" for x, y in points) + "Z")
        if parts:
            result.append(Country(name=str(geometry.get("properties", {}).get("name", "")), path="".join(parts),
                                  bbox=(min(xs), min(ys), max(xs), max(ys))))
    return tuple(result)


@dataclass(frozen=True)
class MapView:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @property
    def viewbox(self) -> str:
        return (f"{self.min_lon:.2f} {-self.max_lat:.2f} {self.max_lon - self.min_lon:.2f} "
                f"{self.max_lat - self.min_lat:.2f}")

    def shows(self, country: Country) -> bool:
        x0, y0, x1, y1 = country.bbox
        return not (x1 < self.min_lon or x0 > self.max_lon or y1 < self.min_lat or y0 > self.max_lat)


def view_for(points: list[tuple[float, float]]) -> MapView:
    """A view that frames the points (lon, lat) with a margin; Europe to the Black Sea when there are none."""
    if not points:
        return MapView(-10.0, 34.0, 50.0, 62.0)
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    cx, cy = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    half_w = max((max(lons) - min(lons)) / 2 + 4, 8.0)
    half_h = max((max(lats) - min(lats)) / 2 + 3, half_w / 2)
    half_w = max(half_w, half_h * 1.6)
    return MapView(max(cx - half_w, -180), max(cy - half_h, -90), min(cx + half_w, 180), min(cy + half_h, 90))
