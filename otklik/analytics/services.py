"""Writes of the analytics area: the upkeep of the cases' daily tally (PostgreSQL)."""

from __future__ import annotations

from django.db import connections, transaction

from otklik.analytics import tally_sql

#: A lock of the compaction's own (pg_advisory_xact_lock): two workers never fold the delta at once.
_COMPACT_LOCK = 7_040_111


def tally_kept(using: str = "default") -> bool:
    """Whether the database keeps the tally (PostgreSQL; SQLite counts the cases directly)."""
    return connections[using].vendor == "postgresql"


def compact_tallies(using: str = "default") -> dict[str, int]:
    """Folds the triggers' delta into the tally and drops the rows that came to zero. Safe beside
    writers (the rows they append meanwhile wait for the next pass) and beside readers (one
    transaction: they see the rows either in the delta or in the tally)."""
    if not tally_kept(using):
        return {"tally_rows_folded": 0, "tally_rows_dropped": 0}
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_COMPACT_LOCK])
        if not cursor.fetchone()[0]:
            return {"tally_rows_folded": 0, "tally_rows_dropped": 0}
        cursor.execute("SELECT count(*) FROM analytics_case_tally_delta")
        folded = cursor.fetchone()[0]
        cursor.execute(tally_sql.COMPACT)
        empty = [row[0] for row in cursor.fetchall()]
        if empty:
            cursor.execute(tally_sql.PRUNE, [empty])
    return {"tally_rows_folded": folded, "tally_rows_dropped": len(empty)}


def rebuild_tallies(using: str = "default") -> int:
    """Counts the tally anew from the cases (after a restore made without the triggers, say); returns
    its rows. The writers of cases wait for it (the tally's tables are locked meanwhile)."""
    if not tally_kept(using):
        return 0
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("LOCK TABLE analytics_case_tally, analytics_case_tally_delta IN EXCLUSIVE MODE")
        cursor.execute(tally_sql.REBUILD_ALL)
        cursor.execute("SELECT count(*) FROM analytics_case_tally")
        return int(cursor.fetchone()[0])
