"""POST /api/v1/cases answers from what the intake holds in memory: the same body as reading the case back,
in a bounded number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from otklik.api.services import issue_token
from otklik.audit.models import AuditEvent, PersonalDataAccess
from otklik.cases.models import Case, RoutingRule
from otklik.org.models import Role, Topic
from otklik.territory.models import Locality
from tests.factories import BlockFactory, MunicipalityFactory, RoleFactory, SettlementFactory, UserFactory


@pytest.fixture
def api(db, client):
    muni = MunicipalityFactory(code="kot")
    settlement = SettlementFactory(municipality=muni, name="Котельниковское городское поселение")
    Locality.objects.create(settlement=settlement, kind="town", name="Котельниково", is_centre=True)
    block = BlockFactory(municipality=muni)
    block.topics.add(Topic.objects.get(code="roads"))
    RoutingRule.objects.create(municipality=muni, keywords="фонарь", specialist=UserFactory(username="svet"))

    def caller(role):
        user = RoleFactory(role=role, municipality=muni).user
        _, token = issue_token("тест", user)
        return {"Authorization": f"Bearer {token}"}

    def post(headers, body):
        return client.post("/api/v1/cases", body, content_type="application/json", headers=headers)

    def get(headers, pk):
        return client.get(f"/api/v1/cases/{pk}", headers=headers)

    return caller, post, get


BODIES = [
    {
        "text": "Яма на дороге в Котельникове, у школы № 2",
        "topic": "roads.repair",
        "received_at": "2026-01-15T10:30:00.123456+03:00",
        "author": {"name": "Петров П. П.", "phone": "+7 900 000-00-00"},
        "location": {"lat": 47.63, "lon": 43.14},
        "external_id": "EDDS-1",
    },
    {"text": "Не горит фонарь, звоните 8 900 123-45-67", "kind": "incident", "title": "Фонарь"},
    {
        "text": "Просто сообщение без темы",
        "kind": "appeal",
        "settlement": "Котельниковское городское поселение",
    },
]


@pytest.mark.parametrize("role", [Role.INTEGRATION, Role.HEAD])
@pytest.mark.parametrize("body", BODIES)
def test_the_created_response_equals_the_case_read_back(api, role, body):
    caller, post, get = api
    headers = caller(role)
    created = post(headers, body)
    assert created.status_code == 201, created.content
    assert created.json() == get(headers, created.json()["id"]).json()


def test_creating_takes_a_bounded_number_of_queries(api):
    """The token with its user and the user's roles (one statement); on PostgreSQL the case's id drawn,
    then the case — its registration number given by the database as it writes it — and every row nobody
    reads back (events, deadlines, the audit record, the personal-data note) in one round trip, the
    case last; on SQLite the number, the case and the rows one by one. One commit. The classifier, the
    deadline rules, the gazetteer and the routing table come from the process's caches."""
    caller, post, _ = api
    headers = caller(Role.INTEGRATION)
    post(headers, {"text": "Яма на дороге в Котельникове, у почты"})  # the caches are built
    with CaptureQueriesContext(connection) as ctx:
        text = "Яма на дороге в Котельникове, асфальт разбит, звоните 8 900 123-45-67 (100 %)"
        response = post(headers, {"text": text})
    assert response.status_code == 201
    assert response.json()["settlement"] and response.json()["block"]
    statements = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"] not in ("BEGIN", "COMMIT") and "SAVEPOINT" not in q["sql"]  # the test's transaction
    ]
    deferred = ["cases_caseevent", "cases_casedeadline", "audit_auditevent", "audit_personaldataaccess"]
    if connection.vendor == "postgresql":
        assert len(statements) == 3, statements
        assert statements[1].startswith("SELECT nextval(")
        assert all(f'INSERT INTO "{table}"' in statements[-1] for table in deferred)
        last = statements[-1].split(";\n")[-1]
        assert (
            last.startswith('WITH n AS (INSERT INTO "cases_registrationcounter"')
            and 'INTO "cases_case"' in last
        )
    else:
        assert len(statements) == 7, "\n".join(s[:150] for s in statements)
    assert sum(q["sql"] == "COMMIT" for q in ctx.captured_queries) <= 1
    case = Case.objects.get(pk=response.json()["id"])
    assert case.events.count() == 2 and case.deadlines.count() >= 2
    assert "(100 %)" in case.text
    assert PersonalDataAccess.objects.filter(case=case, via="api").count() == 1
    assert AuditEvent.objects.filter(action="intake.batch", after__created=[case.pk]).count() == 1


def test_a_case_its_creator_may_not_see_is_created_and_answered_404(api):
    """A «ПОС» officer sees only the platform's messages: a case created through the API is kept (the
    caller is told it is not theirs to read) and nothing is rolled back."""
    caller, post, _ = api
    headers = caller(Role.POS_OFFICER)
    before = Case.objects.count()
    response = post(headers, {"text": "Яма на дороге у школы"})
    assert response.status_code == 404
    assert Case.objects.count() == before + 1
    case = Case.objects.latest("pk")
    assert case.events.count() == 2 and not PersonalDataAccess.objects.filter(case=case).exists()


def test_the_created_response_keeps_the_schema_s_order_and_masks_for_a_role_without_personal_data(api):
    """The answer is built without the schema: its keys come in the schema's order, and a caller who may not
    see personal data (no creating role is such today) gets the masked text and no author, as on reading."""
    from unittest import mock

    caller, post, get = api
    headers = caller(Role.INTEGRATION)
    body = {"text": "Не горит фонарь, звоните 8 900 123-45-67", "author": {"name": "Петров П. П."}}
    with mock.patch("otklik.api.api._pd_access", return_value=False):
        created = post(headers, body)
        assert created.status_code == 201, created.content
        read = get(headers, created.json()["id"])
    assert created.json() == read.json()
    assert created.json()["author"] is None and "8 900 123-45-67" not in created.json()["text"]
    assert list(created.json()) == list(read.json())
    assert [list(e) for e in created.json()["events"]] == [list(e) for e in read.json()["events"]]
