"""Query discipline: the hot queries over cases — the inbox API with each filter, the inbox page, and the
dashboard for a head and for the region — reach the cases through an index, never by reading the whole
table. Checked on the engine under test from its own plan:

* PostgreSQL: `EXPLAIN (FORMAT JSON)` with sequential scans priced out (`enable_seqscan = off`, so a tiny
  test table does not hide a missing index); every plan node over `cases_case` must be an index scan with
  an index condition (a whole-index walk is a table scan by another name) or a bitmap scan.
* SQLite: `EXPLAIN QUERY PLAN`; every step over `cases_case` must be a SEARCH (an index lookup), never a
  SCAN.

The indexes themselves are justified by bench.inbox and bench.dashboard (bench/RESULTS.md).
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench._common import captured_selects
from otklik.api.services import issue_token
from otklik.cases.models import Case, Kind, Status
from otklik.org.models import Role, Topic
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory, SettlementFactory

CASES = '"cases_case"'
#: Cases before the period the pages ask for.
PAST = 3000


@pytest.fixture
def region(db):
    a, b = MunicipalityFactory(code="kot"), MunicipalityFactory(code="sos")
    town = SettlementFactory(municipality=a, code="kot-town")
    roads = Topic.objects.get(code="roads")
    block = BlockFactory(municipality=a)
    now = timezone.now()
    for i in range(12):
        CaseFactory(
            municipality=a if i % 3 else b,
            settlement=town if i % 3 else None,
            topic=roads if i % 2 else None,
            block=block if i % 3 else None,
            kind=Kind.MESSAGE if i % 2 else Kind.APPEAL,
            status=Status.IN_PROGRESS if i % 4 else Status.CLOSED,
            received_at=now - timedelta(days=3 * i + 1),
            text=f"Яма на дороге у дома {i}, ремонт не начат",
        )
    # The years before: most of a real database lies outside the period a page asks for, so a plan that
    # reads the whole table costs what it would there.
    Case.objects.bulk_create(
        Case(
            municipality=a if i % 3 else b,
            settlement=town if i % 3 else None,
            topic=roads if i % 5 == 0 else None,
            kind=Kind.MESSAGE if i % 2 else Kind.APPEAL,
            channel="pos",
            status=Status.CLOSED if i % 7 else Status.IN_PROGRESS,
            received_at=now - timedelta(days=100 + i % 1000, hours=i % 24),
            due_at=now - timedelta(days=70 + i % 1000),
            text=f"Прошлое обращение № {i}",
            external_id=f"past-{i}",
        )
        for i in range(PAST)
    )
    head = RoleFactory(role=Role.HEAD, municipality=a).user
    curator = RoleFactory(role=Role.CURATOR, municipality=None).user
    integration = RoleFactory(role=Role.INTEGRATION, municipality=a).user
    if connection.vendor == "postgresql":
        # The planner's statistics describe these rows, as autovacuum keeps them describing a database's
        # own: left as they are, they may describe what an earlier test committed to this test database
        # and then emptied (statistics outlive a TRUNCATE), and the plans would depend on test order.
        # ANALYZE counts the transaction's own rows; what it writes is rolled back with them.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"a": a, "head": head, "curator": curator, "token": issue_token("plans", integration)[1]}


def case_selects(fn: Any) -> list[tuple[str, Any]]:
    """The SELECTs over cases that `fn` sends (SQL with its parameters)."""
    _, sent = captured_selects(fn)
    sent = [(sql, params) for sql, params in sent if CASES in sql]
    assert sent, "no query over cases was captured"
    return sent


def _pg_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes += _pg_nodes(child)
    return nodes


def full_scans(sql: str, params: Any) -> list[str]:
    """The steps of the query's plan that read `cases_case` whole."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            raw = cursor.fetchone()[0]
            plan = (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]
            cursor.execute("SET LOCAL enable_seqscan = on")
            bad = []
            for node in _pg_nodes(plan):
                if node.get("Relation Name") != "cases_case":
                    continue
                kind = node["Node Type"]
                if kind == "Seq Scan" or (
                    kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node
                ):
                    bad.append(f"{kind} {node.get('Index Name', '')}".strip())
            return bad
        cursor.execute("EXPLAIN QUERY PLAN " + sql.replace("%s", "?"), params)
        steps = [row[-1] for row in cursor.fetchall()]
        # Subqueries name the table by an alias ("cases_case" U0): the steps say the alias.
        names = {"cases_case", *re.findall(r'"cases_case" ([A-Z]\d+)\b', sql)}
        return [s for s in steps if s.startswith("SCAN ") and s.split()[1] in names]


def assert_indexed(statements: list[tuple[str, Any]]) -> None:
    problems = [(sql, scans) for sql, params in statements if (scans := full_scans(sql, params))]
    assert not problems, "\n\n".join(f"{scans}: {sql}" for sql, scans in problems)


API_FILTERS = [
    {},
    {"status": "in_progress"},
    {"kind": "message", "channel": "pos"},
    {"topic": "roads"},
    {"settlement": "kot-town"},
    {"overdue": "true"},
    {"received_from": "2026-01-01T00:00:00"},
    {"municipality": "kot", "order": "received_at"},
    {"q": "дорог"},
]


@pytest.mark.parametrize("params", API_FILTERS, ids=lambda p: ",".join(p) or "none")
def test_the_inbox_api_reads_cases_by_index(region, params):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {region['token']}")
    statements = case_selects(lambda: client.get("/api/v1/cases", {"limit": 50, **params}))
    assert_indexed(statements)


@pytest.mark.parametrize("who", ["head", "curator"])
def test_the_inbox_page_and_the_dashboard_read_cases_by_index(client, region, who):
    client.force_login(region[who])
    today = timezone.localdate()
    period = {"date_from": (today - timedelta(days=90)).isoformat(), "date_to": today.isoformat()}
    statements = case_selects(lambda: client.get("/dashboard/", period))
    statements += case_selects(lambda: client.get("/cases/", period))
    statements += case_selects(lambda: client.get("/cases/", {**period, "q": "Дорога школа"}))  # the search
    assert_indexed(statements)


def test_a_query_without_a_usable_index_is_caught(region):
    """The check itself: a filter on a column without an index is reported as a full scan."""
    qs = Case.objects.filter(author_phone="+79990000000")
    sql, params = qs.query.sql_with_params()
    assert full_scans(sql, params)
