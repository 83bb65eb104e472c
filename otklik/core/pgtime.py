"""Moments read from PostgreSQL at C speed.

Django's psycopg backend reads every `timestamptz` value through its own loader, a subclass of psycopg's
pure-Python one (psycopg's C loader cannot be subclassed): a regular expression and a dozen `int()` calls a
value, ~3 µs on a slow core. A region's quarterly report reads over a million moments, so that loader was
a third of the report's processor time.

`loader_for(zone)` gives the same values faster. A value at offset +00 read for a connection whose time
zone is UTC (what Django sets up with USE_TZ and no database TIME_ZONE: the server's session time zone is
UTC, so every value comes at +00) is parsed by `datetime.fromisoformat`, in C, which gives the very
datetime Django's loader gives, with the same `datetime.timezone.utc`. Anything else (another offset,
BC, infinity, a year past 9999, a DateStyle other than ISO) or another time zone goes to Django's loader,
which answers or fails exactly as before.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any


@cache
def loader_for(zone: tzinfo | None) -> type:
    """The `timestamptz` text loader of a connection whose Django time zone is `zone` (Django's
    `connection.timezone`; its own `create_cursor` compares the loader's `timezone` with it)."""
    from django.db.backends.postgresql.psycopg_any import BaseTzLoader

    class FastTzLoader(BaseTzLoader):  # type: ignore[misc, valid-type]
        timezone = zone

        def load(self, data: Any) -> datetime:
            if zone is UTC:
                try:
                    value = datetime.fromisoformat(str(data, "ascii"))
                except ValueError:
                    pass
                else:
                    if value.tzinfo is UTC:
                        return value
            return super().load(data)  # type: ignore[no-any-return]

    return FastTzLoader
