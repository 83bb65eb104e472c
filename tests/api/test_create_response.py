"""POST /api/v1/cases answers from what the intake holds in memory: the same body as reading the case back,
in a bounded number of queries."""

from __future__ import annotations

import pytest

from otklik.api.services import issue_token
from otklik.cases.models import RoutingRule
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


def test_creating_takes_a_bounded_number_of_queries(api, django_assert_max_num_queries):
    caller, post, _ = api
    headers = caller(Role.INTEGRATION)
    post(headers, {"text": "Разогрев кэшей"})
    with django_assert_max_num_queries(20):
        assert post(headers, {"text": "Не вывозят мусор в Котельникове"}).status_code == 201
