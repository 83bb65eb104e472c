"""The shipped default mappings of channel exports; administrators edit the stored copy in the admin."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
CHANNELS = ("pos", "incident")


def default_mapping(channel: str) -> dict[str, Any]:
    with (DATA_DIR / f"mapping_{channel}.json").open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def sync_default_mappings(model: Any = None) -> int:
    """Store the shipped mapping for each channel that has none yet (never overwrite an edited one)."""
    if model is None:
        from otklik.intake.models import SourceMapping as model
    created = 0
    for channel in CHANNELS:
        if model.objects.filter(channel=channel).exists():
            continue
        data = default_mapping(channel)
        model.objects.create(
            channel=channel,
            columns=data["columns"],
            statuses=data.get("statuses", {}),
            categories=data.get("categories", {}),
            date_formats=data.get("date_formats", []),
            required=data.get("required", []),
            required_one_of=data.get("required_one_of", []),
        )
        created += 1
    return created
