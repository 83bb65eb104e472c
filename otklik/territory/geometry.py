"""Schematic boundaries for a choropleth when real ones are not loaded: Voronoi cells of the centres.

Each place gets the part of the plane nearer to its centre than to any other, inside a frame around all
centres. Real boundaries (GeoJSON uploaded in the admin) always win; these only make a map readable.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial import Voronoi


def _frame(points: np.ndarray, pad: float = 0.25) -> tuple[float, float, float, float]:
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.maximum(hi - lo, 0.05)
    return lo[0] - span[0] * pad, lo[1] - span[1] * pad, hi[0] + span[0] * pad, hi[1] + span[1] * pad


def voronoi_polygons(centres: dict[str, tuple[float, float]]) -> dict[str, dict[str, Any]]:
    """key → GeoJSON Polygon for every centre (lon, lat). One centre gets the whole frame."""
    keys = list(centres)
    if not keys:
        return {}
    pts = np.array([centres[k] for k in keys], dtype=float)
    x0, y0, x1, y1 = (float(v) for v in _frame(pts))
    if len(keys) == 1:
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        return {keys[0]: {"type": "Polygon", "coordinates": [ring]}}
    # Mirror the points across the four sides of the frame: the original cells become finite and end
    # exactly on the frame.
    mirrored = np.concatenate(
        [
            pts,
            np.column_stack([2 * x0 - pts[:, 0], pts[:, 1]]),
            np.column_stack([2 * x1 - pts[:, 0], pts[:, 1]]),
            np.column_stack([pts[:, 0], 2 * y0 - pts[:, 1]]),
            np.column_stack([pts[:, 0], 2 * y1 - pts[:, 1]]),
        ]
    )
    # Jitter duplicates apart so that every centre has a cell of its own.
    mirrored = mirrored + np.random.default_rng(0).normal(0, 1e-9, mirrored.shape)
    vor = Voronoi(mirrored)
    out: dict[str, dict[str, Any]] = {}
    for i, key in enumerate(keys):
        region = vor.regions[vor.point_region[i]]
        if not region or -1 in region:
            continue
        ring = vor.vertices[region]
        centre = ring.mean(axis=0)
        order = np.argsort(np.arctan2(ring[:, 1] - centre[1], ring[:, 0] - centre[0]))
        ring = np.clip(ring[order], [x0, y0], [x1, y1])
        coords = [[round(float(x), 5), round(float(y), 5)] for x, y in ring]
        coords.append(coords[0])
        out[key] = {"type": "Polygon", "coordinates": [coords]}
    return out
