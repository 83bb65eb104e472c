"""Read-only analytics on the PostgreSQL streaming replica (docs/deploy.md, «Реплика для аналитики»).

The choice is explicit: the entry points of the analytics — the dashboard and ratings views, the build of
a report in the background task, `otklik report quarterly`, the weekly summaries — run their reads inside
`use_replica()` (a context manager and a decorator). Inside it, and only when the installation has a
"replica" database (`OTKLIK_REPLICA_DATABASE_URL`), the router sends reads there. Everything else reads
the primary: case pages, the inbox, forms, the API, the worker's jobs — so whoever has just written
something sees it. Writes always go to the primary, also inside `use_replica()`, and migrations run on the
primary only (the replica follows it by streaming).

The replica lags the primary by a moment: a case registered a second ago may appear on the dashboard a
second later. Do not write and then read back the same rows inside `use_replica()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings

PRIMARY = "default"  # django.db.DEFAULT_DB_ALIAS (typed Any here: Django has no stubs)
REPLICA = "replica"

_reading_replica: ContextVar[bool] = ContextVar("otklik_reading_replica", default=False)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def use_replica() -> Iterator[None]:
    """Reads inside go to the replica, when there is one. Also a decorator: `@use_replica()`.

    A context variable, so it holds for the thread (or task) that entered it and nests safely."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def reading_replica() -> bool:
    """True where reads go to the replica now: inside `use_replica()` with a replica configured."""
    return _reading_replica.get() and replica_configured()


class ReplicaRouter:
    """Reads inside `use_replica()` → "replica" (if configured); every other read and every write →
    "default"; migrations on "default" only."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        return REPLICA if reading_replica() else PRIMARY

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # The replica holds the same rows as the primary: an object read from one may refer to the other.
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {PRIMARY, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY
