"""INSERTs whose results nobody reads back, sent to the database together.

A case's creation writes its events, deadlines, the audit record and the personal-data access note:
rows whose ids are never read. Sent one statement at a time, each is a round trip to the database —
on a loaded machine most of the cost of a short request is these round trips, not the database's work.
`StatementBatch` collects such rows and sends them at once. On PostgreSQL a request's few rows (under
`ONE_STATEMENT_ROWS`, each table once) go as one prepared statement: every table's INSERT but the last a
data-modifying WITH query of the last one. The server plans it once per connection and then only binds
its values, which psycopg turns to the wire format in C — no SQL text with the values quoted into it to
build and to parse, on either side. More rows go as one multi-statement query (psycopg's client-side
binding cursor, which Django uses, merges the parameters into the statements on the client and sends
them by the simple query protocol in one message) — or, for a table with many rows (an import's batch),
by `COPY` —; elsewhere by the ORM's `bulk_create`, table by table. Every row goes through its fields' own
`pre_save` and `get_db_prep_save` (timestamps, JSON), as the ORM would save it.

The rows are written when `flush()` is called, inside the caller's transaction; nothing can read them
before that. The tables are written in the order they were added, or, by the one statement, at once.

New cases may come with their registration numbers still to be given (`add_numbered`, PostgreSQL): the
database gives them as it writes the cases, by the flush's last (or one) statement — the series' counter
raised and the cases written by one statement, numbers put together by the database from the
municipality's format (otklik.territory.numbering.number_parts). The counter's row stays locked from
that statement to the commit, so a series' numbers are never given twice nor skipped, and parallel
requests of one series wait for one another only for that statement and the commit.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Model

from otklik.core.fastsql import (
    COPY_FROM,
    copy_rows,
    insert_values,
    insert_values_with_pk,
    prepared_cursor,
)

#: A case's number from the counter's new value (`n`): head, the zero-padded count, tail.
_NUMBER = "SELECT %s || lpad((n.last - %s)::text, greatest(%s, length((n.last - %s)::text)), %s) || %s FROM n"


@cache
def _counter_sql() -> tuple[str, str]:
    """The WITH query that raises a series' counter (`n`), and the numbered INSERT's RETURNING."""
    from otklik.cases.models import Case, RegistrationCounter

    qn = connection.ops.quote_name
    counter = qn(RegistrationCounter._meta.db_table)
    key = ", ".join(qn(c) for c in ("municipality_id", "prefix", "year"))
    last = qn("last")
    cte = (
        f"n AS (INSERT INTO {counter} ({key}, {last}) VALUES (%s, %s, %s, %s) "
        f"ON CONFLICT ({key}) DO UPDATE SET {last} = {counter}.{last} + EXCLUDED.{last} "
        f"RETURNING {last} AS last)"
    )
    return cte, f" RETURNING {qn(Case._meta.pk.column)}, {qn('registration_number')}"


class Numbered:
    """Cases (their ids already drawn) whose registration numbers the database gives at the flush: one
    series — a counter row (municipality, prefix, year) — and the number's parts."""

    def __init__(self, cases: list[Model], series: tuple[int, str, int], parts: tuple[str, str, int, str]):
        self.cases, self.series, self.parts = cases, series, parts

    def parts_of_statement(self) -> tuple[str, list[Any], str, list[Any]]:
        """(the counter's WITH query, its parameters, the cases' INSERT, its parameters)."""
        head, padding, width, tail = self.parts
        k = len(self.cases)
        # The i-th case of k takes last - (k - 1 - i): the numbers in the order the cases were given.
        expressions = {
            "registration_number": [
                (_NUMBER, [head, k - 1 - i, width, k - 1 - i, padding, tail]) for i in range(k)
            ]
        }
        sql, params = insert_values_with_pk(self.cases, expressions)
        cte, returning = _counter_sql()
        return cte, [*self.series, k], sql + returning, params

    def statement(self) -> tuple[str, list[Any]]:
        cte, cte_params, sql, params = self.parts_of_statement()
        return f"WITH {cte} {sql}", [*cte_params, *params]

    def numbered(self, rows: list[tuple[Any, str]]) -> None:
        by_id = dict(rows)
        for case in self.cases:
            case.registration_number = by_id[case.pk]  # type: ignore[attr-defined]


class StatementBatch:
    def __init__(self) -> None:
        self._rows: list[tuple[type[Model], list[Model], bool]] = []
        self._numbered: Numbered | None = None

    def __bool__(self) -> bool:
        return bool(self._rows) or self._numbered is not None

    def add_numbered(
        self, cases: list[Model], series: tuple[int, str, int], parts: tuple[str, str, int, str]
    ) -> None:
        """New cases, their ids drawn (`fastsql.take_ids`), to INSERT at the flush with the next numbers
        of `series` (municipality id, prefix, year), put together from `parts` (PostgreSQL only). Their
        `registration_number` is set by the flush. One series a flush."""
        if connection.vendor != "postgresql" or self._numbered is not None:
            raise ValueError("номера при записи: только PostgreSQL и одна серия за запись")
        self._numbered = Numbered(cases, series, parts)

    def add(self, objs: list[Model], *, ignore_conflicts: bool = False) -> None:
        """Rows of one model to INSERT at the flush (unsaved instances; their ids stay unset)."""
        if objs:
            self._rows.append((type(objs[0]), list(objs), ignore_conflicts))

    def flush(self) -> None:
        rows, self._rows = self._rows, []
        numbered, self._numbered = self._numbered, None
        if not rows and numbered is None:
            return
        if connection.vendor != "postgresql":
            for model, objs, ignore in rows:
                model._default_manager.bulk_create(objs, ignore_conflicts=ignore)
            return
        if _fits_one_statement(rows, numbered):
            self._as_one(rows, numbered)
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
            if numbered is not None:  # last: the counter's row is locked from here to the commit
                sql, values = numbered.statement()
                script.append(sql)
                params.extend(values)
            if script:
                cursor.execute(";\n".join(script), params)
            if numbered is not None:
                while cursor.cursor.nextset():  # to the last statement's rows
                    pass
                numbered.numbered(cursor.fetchall())

    @staticmethod
    def _as_one(rows: list[tuple[type[Model], list[Model], bool]], numbered: Numbered | None) -> None:
        """A request's few rows as one prepared statement: each table's INSERT but the last one a
        data-modifying WITH query of it (`WITH n AS (counter), r0 AS (INSERT …), … INSERT INTO cases_case
        …`). PostgreSQL runs every one of them exactly once, in one snapshot; the foreign keys and
        triggers are checked at the statement's end, when all its rows are there."""
        ctes: list[str] = []
        params: list[Any] = []
        if numbered is not None:  # its counter first: the numbered INSERT names it
            cte, cte_params, last, last_params = numbered.parts_of_statement()
            ctes.append(cte)
            params.extend(cte_params)
            leftover = rows
        else:
            leftover = rows[:-1]
            last, last_params = insert_values(rows[-1][1], ignore_conflicts=rows[-1][2])
        for i, (_, objs, ignore) in enumerate(leftover):
            sql, values = insert_values(objs, ignore_conflicts=ignore)
            ctes.append(f"r{i} AS ({sql})")
            params.extend(values)
        params.extend(last_params)
        sql = f"WITH {', '.join(ctes)} {last}" if ctes else last
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            if numbered is not None:
                numbered.numbered(cursor.fetchall())


#: The rows a flush sends as one statement at most: a request's (a case's events, deadlines, audit
#: record…), well under the protocol's 65,535 parameters a statement.
ONE_STATEMENT_ROWS = 100


def _fits_one_statement(rows: list[tuple[type[Model], list[Model], bool]], numbered: Numbered | None) -> bool:
    """Whether a flush goes as one prepared statement (`StatementBatch._as_one`): prepared statements on
    (`OTKLIK_PG_PREPARED_STATEMENTS`), few rows, and each table once — two INSERTs of one table in one
    statement would see the same snapshot, and their conflicts would not be resolved in the order added."""
    if not settings.OTKLIK_PG_PREPARED_STATEMENTS:
        return False
    models = [model for model, _, _ in rows]
    count = sum(len(objs) for _, objs, _ in rows)
    if numbered is not None:
        models.append(type(numbered.cases[0]))
        count += len(numbered.cases)
    return count < ONE_STATEMENT_ROWS and len(set(models)) == len(models)
