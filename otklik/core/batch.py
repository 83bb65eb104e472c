"""INSERTs whose results nobody reads back, sent to the database together.

A case's creation writes its events, deadlines, the audit record and the personal-data access note:
rows whose ids are never read. Sent one statement at a time, each is a round trip to the database —
on a loaded machine most of the cost of a short request is these round trips, not the database's work.
`StatementBatch` collects such rows and sends them at once: on PostgreSQL as one multi-statement
query (psycopg's client-side-binding cursor, which Django uses, merges the parameters into the
statements on the client and sends them by the simple query protocol in one message) — or, for a table
with many rows (an import's batch), by `COPY` —, elsewhere by the ORM's `bulk_create`, table by
table. Every row goes through its fields' own `pre_save` and `get_db_prep_save` (timestamps, JSON), as
the ORM would save it.

The rows are written when `flush()` is called, in the order they were added, inside the caller's
transaction; nothing can read them before that.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model

from otklik.core.fastsql import COPY_FROM, copy_rows, insert_values


class StatementBatch:
    def __init__(self) -> None:
        self._rows: list[tuple[type[Model], list[Model], bool]] = []

    def __bool__(self) -> bool:
        return bool(self._rows)

    def add(self, objs: list[Model], *, ignore_conflicts: bool = False) -> None:
        """Rows of one model to INSERT at the flush (unsaved instances; their ids stay unset)."""
        if objs:
            self._rows.append((type(objs[0]), list(objs), ignore_conflicts))

    def flush(self) -> None:
        rows, self._rows = self._rows, []
        if not rows:
            return
        if connection.vendor != "postgresql":
            for model, objs, ignore in rows:
                model._default_manager.bulk_create(objs, ignore_conflicts=ignore)
            return
        with connection.cursor() as cursor:
            # psycopg's ClientCursor merges the parameters of all the statements into their text at once
            script: list[str] = []
            params: list[Any] = []
            for _, objs, ignore in rows:
                if len(objs) >= COPY_FROM and not ignore:  # an import's thousands of rows
                    if script:  # what came before goes first: the rows keep their order
                        cursor.execute(";\n".join(script), params)
                        script, params = [], []
                    copy_rows(cursor, objs)
                else:
                    sql, values = insert_values(objs, ignore_conflicts=ignore)
                    script.append(sql)
                    params.extend(values)
            if script:
                cursor.execute(";\n".join(script), params)
