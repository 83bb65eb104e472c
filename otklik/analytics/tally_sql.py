"""The cases' daily tally on PostgreSQL: the SQL of its triggers, its first fill and its compaction.

The dashboard of a whole region reads a quarter's worth of cases several times over (areas, matrix, trend,
KPI, growth); the tally holds, per municipality, local day (in the municipality's own time zone), settlement
and topic, the sums those figures are made of. It is kept by the database itself, so that every way of
writing cases — the ORM, bulk updates, the import's COPY, the generator, raw SQL — keeps it right:

- statement-level triggers on `cases_case` and `quality_rating` append signed rows to
  `analytics_case_tally_delta` (append-only: concurrent writers never wait on each other or deadlock);
- the worker folds the delta into `analytics_case_tally` (one row per key) every pass
  (`services.compact_tallies`); the readers add both, so the figures are right before and after;
- a change of a municipality's time zone rebuilds its rows.

SQLite has no time zones and no transition tables: there the dashboard counts the cases directly.
"""

from __future__ import annotations

from otklik.cases.models import OPEN_STATUSES

SUM_COLUMNS = ("total", "open", "answered", "on_time", "timed", "answer_us", "ratings", "satisfied")
KEY_COLUMNS = ("municipality_id", "day", "settlement_id", "topic_id")
COLUMNS = KEY_COLUMNS + SUM_COLUMNS

_OPEN = ", ".join(f"'{s.value}'" for s in OPEN_STATUSES)
#: The columns of a case that its tally depends on: an update that changes none of them is skipped.
WATCHED = (
    "municipality_id",
    "received_at",
    "settlement_id",
    "topic_id",
    "status",
    "answered_at",
    "due_at",
    "registered_at",
)


def contribution(source: str, sign: str) -> str:
    """SELECT of the signed tally rows of the cases in `source` (a table or a parenthesised subquery
    aliased by the caller's FROM), their ratings as they are now included."""
    answered = "c.answered_at IS NOT NULL AND c.due_at IS NOT NULL"
    timed = f"{answered} AND c.registered_at IS NOT NULL"
    return f"""
    SELECT c.municipality_id, (c.received_at AT TIME ZONE m.timezone)::date, c.settlement_id, c.topic_id,
           {sign} count(*),
           {sign} count(*) FILTER (WHERE c.status IN ({_OPEN})),
           {sign} count(*) FILTER (WHERE {answered}),
           {sign} count(*) FILTER (WHERE {answered} AND c.answered_at <= c.due_at),
           {sign} count(*) FILTER (WHERE {timed}),
           {sign} coalesce(sum(round(extract(epoch FROM c.answered_at - c.registered_at) * 1000000))
                           FILTER (WHERE {timed}), 0)::bigint,
           {sign} coalesce(sum(r.n), 0),
           {sign} coalesce(sum(r.satisfied), 0)
      FROM {source} c
      JOIN territory_municipality m ON m.id = c.municipality_id
      LEFT JOIN (SELECT case_id, count(*) AS n, count(*) FILTER (WHERE satisfied) AS satisfied
                   FROM quality_rating WHERE case_id IN (SELECT id FROM {source} s) GROUP BY case_id) r
        ON r.case_id = c.id
     GROUP BY 1, 2, 3, 4"""


def _rating_contribution(source: str, sign: str) -> str:
    """SELECT of the signed tally rows of the ratings in `source` whose case exists (a rating written
    before its case, or outliving it, is counted by the case's own trigger)."""
    return f"""
    SELECT c.municipality_id, (c.received_at AT TIME ZONE m.timezone)::date, c.settlement_id, c.topic_id,
           0, 0, 0, 0, 0, 0, {sign} count(*), {sign} count(*) FILTER (WHERE r.satisfied)
      FROM {source} r
      JOIN cases_case c ON c.id = r.case_id
      JOIN territory_municipality m ON m.id = c.municipality_id
     GROUP BY 1, 2, 3, 4"""


_INTO = f"INSERT INTO analytics_case_tally_delta ({', '.join(COLUMNS)})"
_OLD = ", ".join(f"o.{c}" for c in WATCHED)
_NEW = ", ".join(f"n.{c}" for c in WATCHED)
_CHANGED = f"old_cases o JOIN new_cases n ON n.id = o.id WHERE ({_OLD}) IS DISTINCT FROM ({_NEW})"

#: (trigger and its function's name, table, event, transition tables) — one statement-level trigger each.
_TRIGGERS = (
    ("otklik_tally_cases_inserted", "cases_case", "INSERT", "NEW TABLE AS new_cases"),
    ("otklik_tally_cases_updated", "cases_case", "UPDATE", "OLD TABLE AS old_cases NEW TABLE AS new_cases"),
    ("otklik_tally_cases_deleted", "cases_case", "DELETE", "OLD TABLE AS old_cases"),
    ("otklik_tally_ratings_inserted", "quality_rating", "INSERT", "NEW TABLE AS new_ratings"),
    (
        "otklik_tally_ratings_updated",
        "quality_rating",
        "UPDATE",
        "OLD TABLE AS old_ratings NEW TABLE AS new_ratings",
    ),
    ("otklik_tally_ratings_deleted", "quality_rating", "DELETE", "OLD TABLE AS old_ratings"),
    (
        "otklik_tally_timezone_changed",
        "territory_municipality",
        "UPDATE",
        "OLD TABLE AS old_munis NEW TABLE AS new_munis",
    ),
)

#: The trigger functions' bodies, by name.
_BODIES = {
    "otklik_tally_cases_inserted": f"{_INTO} {contribution('new_cases', '')};",
    "otklik_tally_cases_updated": f"""
    IF EXISTS (SELECT 1 FROM {_CHANGED}) THEN
        {_INTO}
        {contribution(f"(SELECT o.* FROM {_CHANGED})", "-")}
        UNION ALL
        {contribution(f"(SELECT n.* FROM {_CHANGED})", "")};
    END IF;""",
    "otklik_tally_cases_deleted": f"{_INTO} {contribution('old_cases', '-')};",
    "otklik_tally_ratings_inserted": f"{_INTO} {_rating_contribution('new_ratings', '')};",
    "otklik_tally_ratings_updated": f"""
    IF EXISTS (SELECT 1 FROM old_ratings o JOIN new_ratings n ON n.id = o.id
                WHERE (o.case_id, o.satisfied) IS DISTINCT FROM (n.case_id, n.satisfied)) THEN
        {_INTO}
        {_rating_contribution("old_ratings", "-")}
        UNION ALL
        {_rating_contribution("new_ratings", "")};
    END IF;""",
    "otklik_tally_ratings_deleted": f"{_INTO} {_rating_contribution('old_ratings', '-')};",
    "otklik_tally_timezone_changed": """
    IF EXISTS (SELECT 1 FROM old_munis o JOIN new_munis n ON n.id = o.id WHERE o.timezone <> n.timezone) THEN
        PERFORM otklik_tally_rebuild(ARRAY(
            SELECT n.id FROM old_munis o JOIN new_munis n ON n.id = o.id WHERE o.timezone <> n.timezone));
    END IF;""",
}

INSTALL = f"""
CREATE OR REPLACE FUNCTION otklik_tally_rebuild(municipalities bigint[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM analytics_case_tally WHERE municipality_id = ANY(municipalities);
    DELETE FROM analytics_case_tally_delta WHERE municipality_id = ANY(municipalities);
    INSERT INTO analytics_case_tally ({", ".join(COLUMNS)})
    {contribution("(SELECT * FROM cases_case WHERE municipality_id = ANY(municipalities))", "")};
END $$;
""" + "".join(
    f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_BODIES[name]}
    RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS {name} ON {table};
CREATE TRIGGER {name} AFTER {event} ON {table}
    REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}();
"""
    for name, table, event, tables in _TRIGGERS
)

UNINSTALL = (
    "".join(
        f"DROP TRIGGER IF EXISTS {name} ON {table};\nDROP FUNCTION IF EXISTS {name}();\n"
        for name, table, _, _ in _TRIGGERS
    )
    + "DROP FUNCTION IF EXISTS otklik_tally_rebuild(bigint[]);\n"
)

#: The first fill (and `otklik tally rebuild`): every row dropped, then every municipality's counted from
#: its cases.
REBUILD_ALL = """
DELETE FROM analytics_case_tally;
DELETE FROM analytics_case_tally_delta;
SELECT otklik_tally_rebuild(ARRAY(SELECT id FROM territory_municipality));
"""

_SUMS = ", ".join(f"sum({c})" for c in SUM_COLUMNS)
_UPDATE = ", ".join(f"{c} = analytics_case_tally.{c} + excluded.{c}" for c in SUM_COLUMNS)

_NONZERO = " OR ".join(f"sum({c}) <> 0" for c in SUM_COLUMNS)
_ZERO = " AND ".join(f"{c} = 0" for c in SUM_COLUMNS)

#: Folds the delta into the tally: one statement, the rows taken by DELETE … RETURNING so that the rows
#: appended meanwhile stay for the next pass; keys whose delta sums to nothing are skipped. Returns the ids
#: of the tally's rows that came to zero (every case of their key moved or went), for `PRUNE`.
COMPACT = f"""
WITH moved AS (DELETE FROM analytics_case_tally_delta RETURNING {", ".join(COLUMNS)}),
     summed AS (SELECT {", ".join(KEY_COLUMNS)}, {_SUMS} FROM moved
                 GROUP BY {", ".join(KEY_COLUMNS)} HAVING {_NONZERO}),
     merged AS (INSERT INTO analytics_case_tally ({", ".join(COLUMNS)})
                SELECT * FROM summed
                ON CONFLICT (municipality_id, day, (coalesce(settlement_id, 0)), (coalesce(topic_id, 0)))
                DO UPDATE SET {_UPDATE}
                RETURNING id, {", ".join(SUM_COLUMNS)})
SELECT id FROM merged WHERE {_ZERO}
"""

PRUNE = "DELETE FROM analytics_case_tally WHERE id = ANY(%s)"

_KEYS = ", ".join(KEY_COLUMNS)
_KEY_MATCH = " AND ".join(f"coalesce(k.{c}, 0) = coalesce(c.{c}, 0)" for c in ("settlement_id", "topic_id"))
_KEY_MATCH = f"k.municipality_id = c.municipality_id AND k.day = c.day AND {_KEY_MATCH}"
_SUM_MATCH = " AND ".join(f"coalesce(k.{c}, 0) = coalesce(c.{c}, 0)" for c in SUM_COLUMNS)

#: The keys where the tally (folded or not) and the cases disagree: (keys compared, keys that differ).
CHECK = f"""
WITH kept ({", ".join(COLUMNS)}) AS (
         SELECT {_KEYS}, {_SUMS.replace("sum(", "sum(t.")}
                FROM (SELECT {", ".join(COLUMNS)} FROM analytics_case_tally
                      UNION ALL SELECT {", ".join(COLUMNS)} FROM analytics_case_tally_delta) t
               GROUP BY {_KEYS} HAVING {_NONZERO.replace("sum(", "sum(t.")}),
     counted ({", ".join(COLUMNS)}) AS ({contribution("cases_case", "")})
SELECT count(*), count(*) FILTER (WHERE NOT ({_SUM_MATCH}) OR k.day IS NULL OR c.day IS NULL)
  FROM kept k FULL JOIN counted c ON {_KEY_MATCH}
"""
