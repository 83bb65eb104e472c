"""bench._common.vacuum: the tables a benchmark filled and emptied are vacuumed before the next one
(PostgreSQL); never inside a transaction, where VACUUM cannot run."""

from __future__ import annotations

import time

from django.db import connection

from bench._common import CASE_TABLES, vacuum


def _vacuumed() -> dict[str, object]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, last_vacuum FROM pg_stat_user_tables WHERE relname = ANY(%s)",
            [list(CASE_TABLES)],
        )
        return dict(cursor.fetchall())


def test_vacuum_runs_outside_a_transaction_and_is_skipped_inside_one(transactional_db):
    from django.db import transaction

    with transaction.atomic():
        vacuum()  # would raise «VACUUM cannot run inside a transaction block» if it tried
    if connection.vendor != "postgresql":
        vacuum()  # SQLite: nothing to do, nothing raised
        return
    before = _vacuumed()
    vacuum()
    for _ in range(50):  # the statistics may reach the view a moment later
        after = _vacuumed()
        if all(after.get(t) is not None and after[t] != before.get(t) for t in CASE_TABLES):
            break
        time.sleep(0.1)
    assert set(after) == set(CASE_TABLES)
    assert all(after[t] is not None and after[t] != before.get(t) for t in CASE_TABLES)
