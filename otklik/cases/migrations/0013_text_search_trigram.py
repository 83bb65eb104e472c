"""Trigram indexes for the text search of the inbox and the API (PostgreSQL only).

`icontains` is `UPPER(col) LIKE UPPER('%word%')`: with pg_trgm's GIN indexes on UPPER(text), UPPER(title)
and UPPER(registration_number) PostgreSQL finds the matching cases without reading every case of the
scope (bench.inbox at 1M cases: a search's page 72 ms → 20 ms). pg_trgm is a trusted extension (PostgreSQL
13+): the database's owner may create it. Where it cannot be created, the migration says so and goes on
without the indexes (search still works, only slower). SQLite: nothing to do.
"""

from __future__ import annotations

from django.db import migrations, transaction
from django.db.utils import DatabaseError

INDEXES = {
    "case_text_trgm": "text",
    "case_title_trgm": "title",
    "case_regnum_trgm": "registration_number",
}


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError as exc:
            print(f"\n  pg_trgm недоступно ({exc}): поиск по тексту будет работать без индекса.")
            return
        for name, column in INDEXES.items():
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "cases_case" '
                f'USING gin (UPPER("{column}") gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_inbox_indexes")]

    operations = [migrations.RunPython(create, drop)]
