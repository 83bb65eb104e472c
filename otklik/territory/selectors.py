"""Reads about territory for forms and pages."""

from __future__ import annotations

from typing import Any

from otklik.territory.models import Locality, Settlement


def place_choices(municipality_id: int) -> list[Any]:
    """Settlements with their localities, for a select with optgroups: values «s:<id>» and «l:<id>»."""
    settlements = list(Settlement.objects.filter(municipality_id=municipality_id).order_by("name"))
    localities: dict[int, list[Locality]] = {}
    for loc in Locality.objects.filter(settlement__municipality_id=municipality_id).order_by("name"):
        localities.setdefault(loc.settlement_id, []).append(loc)
    return [
        (
            s.name,
            [(f"s:{s.pk}", f"{s.name} — в целом")]
            + [(f"l:{loc.pk}", loc.label) for loc in localities.get(s.pk, [])],
        )
        for s in settlements
    ]
