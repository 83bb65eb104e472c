"""Independent read-only queries run at once, each on a connection of its own (PostgreSQL).

A query with a correlated subquery a row runs on one core of the database server; a report asks three
such (one a period) and waited for each in turn while the other core idled. `at_once` runs them in
threads: each thread's connection is its own (Django's connections are per thread), a thread waiting for
its rows holds no GIL, and its connections are closed when it ends. It reads at the same `use_replica()`
choice as the caller (a context variable, copied into each thread).

Only on PostgreSQL and outside a transaction: inside one, another connection would not see what the
transaction holds (and tests run inside one); SQLite serves one connection at a time. Elsewhere the
functions run one after another in this thread: the same results.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.db import connections

from otklik.core.db_router import PRIMARY, REPLICA, reading_replica

T = TypeVar("T")


def possible() -> bool:
    """Whether reads may go to other connections now: PostgreSQL, and no transaction open on the
    databases this thread reads and writes."""
    aliases = [PRIMARY, REPLICA] if reading_replica() else [PRIMARY]
    return all(
        connections[alias].vendor == "postgresql" and not connections[alias].in_atomic_block
        for alias in aliases
    )


def at_once(functions: Sequence[Callable[[], T]]) -> list[T]:
    """The functions' results, in order; run at once in threads when `possible()`, else in turn."""
    if len(functions) < 2 or not possible():
        return [f() for f in functions]
    with ThreadPoolExecutor(len(functions), thread_name_prefix="otklik-read") as pool:
        futures = [pool.submit(contextvars.copy_context().run, _closing, f) for f in functions]
        return [future.result() for future in futures]


def _closing(function: Callable[[], T]) -> T:
    try:
        return function()
    finally:
        connections.close_all()  # this thread's own connections
