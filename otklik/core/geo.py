"""GeoJSON validation for the boundary and point fields stored as JSON."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

GEOMETRY_TYPES = {"Point", "Polygon", "MultiPolygon"}


def _check_position(pos: Any) -> None:
    if not (
        isinstance(pos, list | tuple) and len(pos) >= 2 and all(isinstance(c, int | float) for c in pos[:2])
    ):
        raise ValidationError("Координата должна быть парой чисел [долгота, широта].")
    lon, lat = pos[0], pos[1]
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError(f"Координата вне допустимого диапазона: [{lon}, {lat}].")


def _check_ring(ring: Any) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError("Контур полигона должен содержать не меньше четырёх точек.")
    for pos in ring:
        _check_position(pos)
    if list(ring[0][:2]) != list(ring[-1][:2]):
        raise ValidationError("Контур полигона должен быть замкнут (первая точка равна последней).")


def validate_geometry(value: Any) -> None:
    """Validate a GeoJSON geometry object (Point, Polygon or MultiPolygon)."""
    if value in (None, {}):
        return
    if not isinstance(value, dict) or value.get("type") not in GEOMETRY_TYPES:
        raise ValidationError("Ожидается геометрия GeoJSON типа Point, Polygon или MultiPolygon.")
    coords = value.get("coordinates")
    kind = value["type"]
    if kind == "Point":
        _check_position(coords)
    elif kind == "Polygon":
        if not isinstance(coords, list) or not coords:
            raise ValidationError("Полигон должен содержать хотя бы один контур.")
        for ring in coords:
            _check_ring(ring)
    else:
        if not isinstance(coords, list) or not coords:
            raise ValidationError("Мультиполигон должен содержать хотя бы один полигон.")
        for polygon in coords:
            if not isinstance(polygon, list) or not polygon:
                raise ValidationError("Полигон должен содержать хотя бы один контур.")
            for ring in polygon:
                _check_ring(ring)


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}
