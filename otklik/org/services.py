"""Writes for the organisation's reference data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction

TOPICS_FILE = Path(__file__).resolve().parent / "data" / "topics.json"


def read_topic_tree(path: Path = TOPICS_FILE) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        tree: list[dict[str, Any]] = json.load(fh)
    return tree


def sync_topics(topic_model: Any = None, path: Path = TOPICS_FILE) -> dict[str, int]:
    """Create the topics of the shipped tree that are missing; never rename or delete existing ones.

    Administrators edit names in the admin; their edits survive upgrades. Returns counts.
    """
    if topic_model is None:
        from otklik.org.models import Topic as topic_model
    created = 0
    with transaction.atomic():
        existing = {t.code: t for t in topic_model.objects.all()}
        for order, node in enumerate(read_topic_tree(path), start=1):
            parent = existing.get(node["code"])
            if parent is None:
                parent = topic_model.objects.create(
                    code=node["code"], name=node["name"], is_significant=node["significant"], order=order * 10
                )
                existing[parent.code] = parent
                created += 1
            for sub_order, (code, name) in enumerate(node["subtopics"], start=1):
                if code not in existing:
                    existing[code] = topic_model.objects.create(
                        code=code,
                        name=name,
                        parent=parent,
                        is_significant=node["significant"],
                        order=order * 10 + sub_order,
                    )
                    created += 1
    return {"created": created, "total": len(existing)}
