"""Pictures drawn on the server as SVG, for documents that must work offline and in print:
a map of force areas with incident points, and a link chart of people, vehicles and groups.

The map uses the force boundaries shipped with crimelink (``crimelink.geography``), projected
equirectangularly at the middle latitude (plenty for a few counties), clipped to the area of
interest. The chart is laid out by a small deterministic spring embedder (Fruchterman and
Reingold 1991), so the same package always draws the same picture.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import numpy as np
from shapely.geometry import MultiPolygon, Polygon, box

from crimelink.geography import ATTRIBUTION, force_areas

__all__ = ["ChartEdge", "ChartNode", "MapPoint", "force_map_svg", "link_chart_svg"]

INK, MUTED, LINE, ACCENT, BAD, GOLD = "#1b2631", "#5d6d7e", "#b7c4d3", "#1d6fb8", "#b00020", "#ffd500"


@dataclass(frozen=True, slots=True)
class MapPoint:
    lat: float
    lon: float
    label: str


def _bounds(
    points: Sequence[MapPoint], lead_force: str | None, affected: Sequence[str]
) -> tuple[float, float, float, float]:
    xs = [p.lon for p in points]
    ys = [p.lat for p in points]
    for area in force_areas():
        if area.force_id == lead_force or area.force_id in affected:
            minx, miny, maxx, maxy = area.geometry.bounds
            xs += [minx, maxx]
            ys += [miny, maxy]
    if not xs:  # nothing to show: England and Wales
        return -5.8, 49.9, 1.8, 55.9
    minx, maxx, miny, maxy = min(xs), max(xs), min(ys), max(ys)
    pad_x = max((maxx - minx) * 0.12, 0.15)
    pad_y = max((maxy - miny) * 0.12, 0.1)
    return minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y


def _fit(bounds: tuple[float, float, float, float], kx: float) -> tuple[float, float, float, float]:
    """Widen the shorter side so the map is between 3:4 and 3:2 (width:height)."""
    minx, miny, maxx, maxy = bounds
    width, height = (maxx - minx) * kx, maxy - miny
    if width / height < 0.75:
        extra = (0.75 * height - width) / kx / 2
        minx, maxx = minx - extra, maxx + extra
    elif width / height > 1.5:
        extra = (width / 1.5 - height) / 2
        miny, maxy = miny - extra, maxy + extra
    return minx, miny, maxx, maxy


def _path(geometry: Polygon | MultiPolygon, project: np.ndarray, offset: np.ndarray) -> str:
    polygons = geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]
    parts = []
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            xy = (np.asarray(ring.coords) - offset) * project
            if len(xy) < 3:
                continue
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)


def force_map_svg(
    *, points: Sequence[MapPoint], lead_force: str | None, affected: Sequence[str] = (), width: int = 640
) -> str:
    """The force areas around ``points`` (and the lead force's area), the points drawn on them."""
    raw = _bounds(points, lead_force, affected)
    kx = math.cos(math.radians((raw[1] + raw[3]) / 2))
    minx, miny, maxx, maxy = _fit(raw, kx)
    scale = width / ((maxx - minx) * kx)
    height = round((maxy - miny) * scale)
    project = np.array([kx * scale, -scale])
    offset = np.array([minx, maxy])
    frame = box(minx, miny, maxx, maxy)
    tolerance = (maxx - minx) / 600
    shapes, labels = [], []
    for area in force_areas():
        if not area.geometry.intersects(frame):
            continue
        clipped = area.geometry.intersection(frame).simplify(tolerance)
        if clipped.is_empty or not isinstance(clipped, Polygon | MultiPolygon):
            continue
        lead = area.force_id == lead_force
        fill = "#dbe7f3" if lead else "#fdf1e6" if area.force_id in affected else "#f4f6f8"
        stroke = ACCENT if lead else "#8fa3b8"
        shapes.append(
            f'<path d="{_path(clipped, project, offset)}" fill="{fill}" stroke="{stroke}" '
            f'stroke-width="{1.6 if lead else 0.6}" fill-rule="evenodd"><title>{escape(area.name)}</title></path>'
        )
        lat, lon = area.label_point
        if (lead or area.force_id in affected) and minx < lon < maxx and miny < lat < maxy:
            x, y = (np.array([lon, lat]) - offset) * project
            weight = "700" if lead else "400"
            labels.append(
                f'<text x="{x:.1f}" y="{y:.1f}" font-size="11" font-weight="{weight}" fill="{INK}" '
                f'text-anchor="middle">{escape(area.name)}</text>'
            )
    dots = []
    for point in points:
        x, y = (np.array([point.lon, point.lat]) - offset) * project
        dots.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.6" fill="{BAD}" fill-opacity="0.8" stroke="#fff" '
            f'stroke-width="0.8"><title>{escape(point.label)}</title></circle>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 18}" width="{width}" '
        f'height="{height + 18}" role="img" aria-label="Map of incidents and force areas" class="package-map">'
        f'<rect width="{width}" height="{height}" fill="#eaf0f5"/>{"".join(shapes)}{"".join(dots)}{"".join(labels)}'
        f'<text x="4" y="{height + 13}" font-size="8" fill="{MUTED}">{escape(ATTRIBUTION)}</text></svg>'
    )


# --- link chart ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChartNode:
    id: str
    kind: str  # person, vehicle, group
    label: str
    weight: float = 1.0  # incidents: drawn bigger
    muted: bool = False  # a person known only by description


@dataclass(frozen=True, slots=True)
class ChartEdge:
    source: str
    target: str
    weight: float = 1.0  # incidents in common


def _layout(count: int, edges: list[tuple[int, int, float]], iterations: int = 300) -> np.ndarray:
    """Fruchterman-Reingold from a circle: deterministic, positions in [0, 1]²."""
    if count == 1:
        return np.array([[0.5, 0.5]])
    angles = np.linspace(0, 2 * math.pi, count, endpoint=False)
    pos = np.column_stack([np.cos(angles), np.sin(angles)]) * 0.5
    k = math.sqrt(1.0 / count)
    temperature = 0.1
    # The springs as arrays, pulled all at once: a Python loop over every edge, 300 times, was
    # most of the time a package took to build.
    sources = np.array([a for a, _, _ in edges], dtype=int)
    targets = np.array([b for _, b, _ in edges], dtype=int)
    strength = np.minimum(1.0 + np.log(np.array([w for _, _, w in edges], dtype=float)), 3.0)[:, None]
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.maximum(np.linalg.norm(delta, axis=2), 1e-3)
        force = (delta / distance[:, :, None] * (k * k / distance)[:, :, None]).sum(axis=1)
        if len(sources):
            d = pos[sources] - pos[targets]
            dist = np.maximum(np.linalg.norm(d, axis=1), 1e-3)[:, None]
            pull = d / dist * (dist * dist / k) * strength
            np.subtract.at(force, sources, pull)
            np.add.at(force, targets, pull)
        force -= pos * 0.05  # a little gravity keeps loose parts close
        length = np.maximum(np.linalg.norm(force, axis=1), 1e-9)
        pos += force / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature *= 0.985
    span = np.ptp(pos, axis=0)
    span[span == 0] = 1.0
    scaled: np.ndarray = (pos - pos.min(axis=0)) / span
    return scaled


def link_chart_svg(
    nodes: Sequence[ChartNode], edges: Sequence[ChartEdge], *, width: int = 640, height: int = 420
) -> str:
    """People, vehicles and groups, joined where they were seen together (lines by incidents shared)."""
    if not nodes:
        return ""
    index = {n.id: i for i, n in enumerate(nodes)}
    pairs = [(index[e.source], index[e.target], e.weight) for e in edges if e.source in index and e.target in index]
    margin_x, margin_y = 70, 34
    pos = _layout(len(nodes), pairs) * [width - 2 * margin_x, height - 2 * margin_y] + [margin_x, margin_y]
    heaviest = max(n.weight for n in nodes) or 1.0
    lines = [
        f'<line x1="{pos[a][0]:.1f}" y1="{pos[a][1]:.1f}" x2="{pos[b][0]:.1f}" y2="{pos[b][1]:.1f}" '
        f'stroke="{LINE}" stroke-width="{min(1 + math.log(w) * 1.5, 6):.1f}"/>'
        for a, b, w in pairs
    ]
    marks = []
    for node, (x, y) in zip(nodes, pos, strict=True):
        r = 6 + 9 * math.sqrt(node.weight / heaviest)
        label = escape(node.label if len(node.label) <= 28 else node.label[:27] + "…")
        if node.kind == "vehicle":
            shape = (
                f'<rect x="{x - 24:.1f}" y="{y - 8:.1f}" width="48" height="16" rx="2" fill="{GOLD}" stroke="#333"/>'
                f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="9" font-weight="700" text-anchor="middle" '
                f'font-family="DejaVu Sans Mono, monospace">{label.split(" ")[0]}</text>'
            )
            marks.append(f"<g><title>{escape(node.label)}</title>{shape}</g>")
            continue
        if node.kind == "group":
            points = " ".join(
                f"{x + r * 1.2 * math.cos(a):.1f},{y + r * 1.2 * math.sin(a):.1f}"
                for a in np.linspace(0, 2 * math.pi, 7)[:-1] + math.pi / 6
            )
            shape = f'<polygon points="{points}" fill="#0b2545"/>'
        else:
            shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{"#8fa3b8" if node.muted else ACCENT}"/>'
        marks.append(
            f"<g><title>{escape(node.label)}</title>{shape}"
            f'<text x="{x:.1f}" y="{y + r + 11:.1f}" font-size="10" text-anchor="middle" '
            f'fill="{INK}">{label}</text></g>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="Link chart" class="package-chart" font-family="DejaVu Sans, sans-serif">'
        f'<rect width="{width}" height="{height}" fill="#fbfcfd"/>{"".join(lines)}{"".join(marks)}</svg>'
    )
