"""Per-process caches of reference data (gazetteers, routing tables) with a version stamp.

Building a municipality's gazetteer or routing table takes tens of milliseconds and several queries;
the data changes a few times a year. A `StampedCache` keeps the built values in the process and knows
when to throw them away:

- at once, in the process that makes the edit: saves and deletes through the ORM (and changes of the
  many-to-many relations listed) drop every value of the cache (signals; this is cache bookkeeping,
  not business logic);
- in every other process within `OTKLIK_CACHE_CHECK_SECONDS` seconds (default 2): the values are kept
  with the stamp of their tables — per table the row count, the highest id, the sum of ids and the latest
  `updated_at` (or, for a table without one, the sum of the ids of its rows flagged `is_active`) — read
  again with one query when that many seconds have passed since the last check; a different stamp drops
  the values. An insert, a delete and an ORM save (which sets `updated_at`) all change the stamp; only a
  raw `UPDATE` that leaves `updated_at` alone goes unseen — by other processes — until the process
  restarts or `clear_all()` is called.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

_registry: list[StampedCache] = []


def check_seconds() -> float:
    return float(getattr(settings, "OTKLIK_CACHE_CHECK_SECONDS", 2.0))


class StampedCache:
    def __init__(self, name: str, models: list[type[Model]], through: tuple[Any, ...] = ()) -> None:
        """`models`: the tables the values are built from; `through`: many-to-many descriptors'
        `through` models (or the descriptors' models) whose changes count too."""
        self.name = name
        self.tables = [m for m in [*models, *through]]
        self._lock = threading.RLock()
        self._values: dict[Hashable, Any] = {}
        self._stamp: tuple[Any, ...] | None = None
        self._checked = 0.0
        self._sql = ""
        for model in models:
            post_save.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}-s-{model}")
            post_delete.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}-d-{model}")
        for model in through:
            post_save.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}-s-{model}")
            post_delete.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}-d-{model}")
            m2m_changed.connect(self._changed, sender=model, weak=False, dispatch_uid=f"{name}-m-{model}")
        _registry.append(self)

    # --- invalidation -------------------------------------------------------------------------------

    def _changed(self, *args: Any, **kwargs: Any) -> None:
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._stamp = None
            self._checked = 0.0

    def stamp(self) -> tuple[Any, ...]:
        """The tables' stamp now: one query."""
        if not self._sql:
            parts = []
            for model in self.tables:
                table = connection.ops.quote_name(model._meta.db_table)
                pk = connection.ops.quote_name(model._meta.pk.column)
                fields = ["COUNT(*)", f"MAX({pk})", f"SUM({pk})"]
                names = {f.name for f in model._meta.concrete_fields}
                if "updated_at" in names:
                    fields.append(f"MAX({connection.ops.quote_name('updated_at')})")
                elif "is_active" in names:  # a flag switched without a timestamp (a model activated)
                    active = connection.ops.quote_name("is_active")
                    fields.append(f"SUM(CASE WHEN {active} THEN {pk} ELSE 0 END)")
                parts += [f"(SELECT {f} FROM {table})" for f in fields]
            self._sql = "SELECT " + ", ".join(parts)
        with connection.cursor() as cursor:
            cursor.execute(self._sql)
            row = cursor.fetchone()
        return (connection.alias, connection.settings_dict.get("NAME"), *(str(v) for v in row))

    def _fresh(self) -> None:
        """Drop the values if the tables changed since they were built (checked every few seconds)."""
        now = time.monotonic()
        if self._stamp is not None and now - self._checked < check_seconds():
            return
        stamp = self.stamp()
        if stamp != self._stamp:
            self._values.clear()
            self._stamp = stamp
        self._checked = now

    # --- use ------------------------------------------------------------------------------------------

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value for `key`, built by `build()` when missing or when the tables have changed."""
        with self._lock:
            self._fresh()
            if key not in self._values:
                self._values[key] = build()
            return self._values[key]  # type: ignore[no-any-return]


def clear_all() -> None:
    """Drop every cached value of every stamped cache (tests, after a raw load of reference data)."""
    for cache in _registry:
        cache.clear()
