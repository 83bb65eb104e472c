"""Create, read and list cases through /api/v1 with an integration token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.api.services import issue_token
from otklik.cases.models import Case
from otklik.org.models import Role, Topic
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory


@pytest.fixture
def api(db, client):
    muni = MunicipalityFactory(code="kot")
    block = BlockFactory(municipality=muni)
    block.topics.add(Topic.objects.get(code="roads"))
    user = RoleFactory(role=Role.INTEGRATION, municipality=muni, user__username="eds").user
    _, token = issue_token("ЕДДС", user)
    headers = {"Authorization": f"Bearer {token}"}

    class Api:
        def post(self, path, body):
            return client.post(f"/api/v1{path}", body, content_type="application/json", headers=headers)

        def get(self, path, **params):
            return client.get(f"/api/v1{path}", params, headers=headers)

    a = Api()
    a.muni = muni
    return a


def test_create_registers_routes_and_is_idempotent_by_external_id(api):
    body = {
        "text": "Яма на дороге у школы № 2",
        "external_id": "EDDS-17",
        "topic": "roads.repair",
        "author": {"name": "Петров П. П.", "phone": "+7 900 000-00-00"},
        "location": {"lat": 47.63, "lon": 43.14},
    }
    first = api.post("/cases", body)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["status"] == "registered" and data["channel"] == "api" and data["topic"] == "roads"
    assert data["registration_number"].startswith("ПОС-") and data["due_at"]
    again = api.post("/cases", body)
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Case.objects.filter(channel="api").count() == 1


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"text": ""}, 422, "Неверные данные"),
        ({"text": "Текст", "topic": "space.travel"}, 400, "не найдена"),
        ({"text": "Текст", "municipality": "nowhere"}, 400, "не найдено"),
        ({"text": "Текст", "location": {"lat": 95, "lon": 0}}, 422, "Неверные данные"),
        ({"text": "Текст", "received_at": "2099-01-01T10:00:00+03:00"}, 400, "в будущем"),
        ({"text": "Текст", "kind": "petition"}, 422, "Неверные данные"),
    ],
)
def test_bad_input_gets_a_clear_4xx(api, body, status, fragment):
    response = api.post("/cases", body)
    assert response.status_code == status
    assert fragment in response.json()["detail"]


def test_creating_in_another_municipality_is_forbidden(api):
    MunicipalityFactory(code="other")
    response = api.post("/cases", {"text": "Текст", "municipality": "other"})
    assert response.status_code == 403


def test_list_filters_and_cursor_pagination(api):
    now = timezone.now()
    for i in range(7):
        CaseFactory(
            municipality=api.muni,
            received_at=now - timedelta(hours=i),
            kind="message",
            status="registered",
            text=f"Обращение {i}",
        )
    CaseFactory(municipality=api.muni, received_at=now - timedelta(days=3), kind="appeal", status="closed")
    CaseFactory(received_at=now)  # another municipality: invisible
    page = api.get("/cases", kind="message", limit=3).json()
    assert len(page["items"]) == 3 and page["next_cursor"]
    seen = [item["id"] for item in page["items"]]
    while page["next_cursor"]:
        page = api.get("/cases", kind="message", limit=3, cursor=page["next_cursor"]).json()
        seen += [item["id"] for item in page["items"]]
    assert len(seen) == len(set(seen)) == 7
    assert api.get("/cases", status="closed").json()["items"][0]["kind"] == "appeal"
    assert len(api.get("/cases", q="Обращение 3").json()["items"]) == 1
    assert len(api.get("/cases").json()["items"]) == 8


def test_a_list_page_reads_only_the_columns_it_shows_and_no_query_a_row(api):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from otklik.audit.models import PersonalDataAccess

    owner = RoleFactory(role=Role.SPECIALIST, municipality=api.muni, user__username="spec").user
    for i in range(5):
        CaseFactory(municipality=api.muni, text=f"Секрет {i}", raw_payload={"x": "сырые данные"}, owner=owner)
    api.get("/cases")  # warm the process caches
    with CaptureQueriesContext(connection) as ctx:
        items = api.get("/cases").json()["items"]
    assert len(items) == 5 and {i["owner"] for i in items} == {"spec"}
    assert all(i["municipality"] == "kot" for i in items)
    listing = [q["sql"] for q in ctx.captured_queries if '"cases_case"."received_at"' in q["sql"]]
    assert listing and not any('"cases_case"."text"' in q or "raw_payload" in q for q in listing)
    assert len(ctx.captured_queries) <= 6  # token, user, roles, the page, the access note
    assert PersonalDataAccess.objects.filter(via="api").count() == 5  # once a case a day


def test_bad_cursor_is_a_400(api):
    response = api.get("/cases", cursor="!!!")
    assert response.status_code == 400 and "cursor" in response.json()["detail"]
