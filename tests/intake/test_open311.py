"""Open311 GeoReport v2 at /open311/v2/: the contract existing Open311 clients rely on."""

from __future__ import annotations

import json
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from otklik.api.services import issue_token
from otklik.audit.models import AuditEvent
from otklik.cases.models import Answer, Case, Status
from otklik.org.models import Role, Topic
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory

BASE = "/open311/v2"
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def muni(db):
    muni = MunicipalityFactory(code="kot")
    block = BlockFactory(municipality=muni, name="Дороги и транспорт")
    block.topics.add(Topic.objects.get(code="roads"))
    return muni


@pytest.fixture
def api_key(muni):
    user = RoleFactory(role=Role.INTEGRATION, municipality=muni, user__username="app").user
    return issue_token("Мобильное приложение", user)[1]


def post(client, **data):
    fmt = data.pop("fmt", "json")
    return client.post(f"{BASE}/requests.{fmt}", data)


def test_service_list_in_json_and_xml(client, db):
    services = client.get(f"{BASE}/services.json")
    assert services.status_code == 200 and services["Content-Type"].startswith("application/json")
    items = services.json()
    codes = {s["service_code"] for s in items}
    assert {"roads.repair", "housing.heating", "waste.containers"} <= codes
    assert "roads" not in codes  # a topic with subtopics is a group, not a service
    repair = next(s for s in items if s["service_code"] == "roads.repair")
    assert set(repair) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert repair["metadata"] is False and repair["type"] == "realtime" and repair["group"] == "Дороги"

    xml = client.get(f"{BASE}/services.xml")
    assert xml["Content-Type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "services"
    nodes = root.findall("service")
    assert len(nodes) == len(items)
    node = next(n for n in nodes if n.findtext("service_code") == "roads.repair")
    assert node.findtext("metadata") == "false" and node.findtext("group") == "Дороги"


def test_service_definition_and_unknown_service(client, db):
    definition = client.get(f"{BASE}/services/roads.repair.json")
    assert definition.status_code == 200
    assert definition.json() == {"service_code": "roads.repair", "attributes": []}
    root = ET.fromstring(client.get(f"{BASE}/services/roads.repair.xml").content)
    assert root.tag == "service_definition" and root.findtext("service_code") == "roads.repair"
    missing = client.get(f"{BASE}/services/nope.json")
    assert missing.status_code == 404
    assert missing.json() == [{"code": 404, "description": "Услуга «nope» не найдена."}]


def test_post_creates_a_case_through_intake(client, muni, api_key):
    response = post(
        client,
        api_key=api_key,
        service_code="roads.repair",
        lat="47.6321",
        long="43.1402",
        address_string="г. Котельниково, ул. Ленина, 5",
        description="Глубокая яма на проезжей части, звоните 8 902 123-45-67",
        email="resident@example.ru",
        first_name="Иван",
        last_name="Петров",
        media_url="https://example.ru/photo.jpg",
        **{"attribute[depth]": "20"},
    )
    assert response.status_code == 201, response.content
    [reply] = response.json()
    case = Case.objects.get(pk=int(reply["service_request_id"]))
    assert reply["token"] == case.tracking_token and case.registration_number in reply["service_notice"]
    assert (case.channel, case.kind, case.status) == ("open311", "message", Status.REGISTERED)
    assert case.subtopic.code == "roads.repair" and case.topic.code == "roads"
    assert case.block.name == "Дороги и транспорт" and case.due_at is not None
    assert case.location == {"type": "Point", "coordinates": [43.1402, 47.6321]}
    assert case.author_name == "Петров Иван" and case.author_email == "resident@example.ru"
    assert case.raw_payload["attribute"] == {"depth": "20"}
    assert AuditEvent.objects.filter(action="intake.batch").exists()

    # Read back: the spec's fields, and no personal data of the author.
    [public] = client.get(f"{BASE}/requests/{case.pk}.json").json()
    assert set(public) == REQUEST_FIELDS
    assert public["status"] == "open" and public["service_code"] == "roads.repair"
    assert public["lat"] == 47.6321 and public["long"] == 43.1402
    assert public["media_url"] == "https://example.ru/photo.jpg"
    assert "[телефон]" in public["description"]
    body = json.dumps(public, ensure_ascii=False)
    assert "Петров" not in body and "resident@example.ru" not in body and "123-45-67" not in body

    tokens = client.get(f"{BASE}/tokens/{case.tracking_token}.json")
    assert tokens.json() == [{"service_request_id": str(case.pk), "token": case.tracking_token}]
    assert client.get(f"{BASE}/tokens/unknown.json").status_code == 404


def test_post_answers_in_xml_too(client, muni, api_key):
    response = post(
        client, fmt="xml", api_key=api_key, service_code="roads.repair", address_string="ул. Мира"
    )
    assert response.status_code == 201
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    assert Case.objects.filter(pk=int(root.find("request").findtext("service_request_id"))).exists()


@pytest.mark.parametrize(
    ("data", "status", "fragment"),
    [
        ({}, 403, "api_key"),
        ({"api_key": "otk_wrong"}, 403, "api_key"),
        ({"api_key": "{key}", "address_string": "ул. Мира"}, 400, "service_code: обязательный"),
        ({"api_key": "{key}", "service_code": "nope", "address_string": "ул. Мира"}, 404, "не найдена"),
        ({"api_key": "{key}", "service_code": "roads.repair"}, 400, "Укажите место"),
        ({"api_key": "{key}", "service_code": "roads.repair", "lat": "47.6"}, 400, "вместе"),
        (
            {"api_key": "{key}", "service_code": "roads.repair", "lat": "x", "long": "43"},
            400,
            "lat: ожидается",
        ),
        ({"api_key": "{key}", "service_code": "roads.repair", "lat": "97", "long": "43"}, 400, "вне"),
        (
            {"api_key": "{key}", "service_code": "roads.repair", "address_string": "ул. Мира", "email": "x@"},
            400,
            "email",
        ),
        (
            {
                "api_key": "{key}",
                "service_code": "roads.repair",
                "address_string": "а",
                "jurisdiction_id": "zz",
            },
            404,
            "jurisdiction_id",
        ),
    ],
)
def test_post_errors_follow_the_spec(client, api_key, data, status, fragment):
    data = {k: (api_key if v == "{key}" else v) for k, v in data.items()}
    response = post(client, **data)
    assert response.status_code == status
    [error] = response.json()
    assert error["code"] == status and fragment in error["description"]
    assert not Case.objects.exists()
    root = ET.fromstring(post(client, fmt="xml", **data).content)
    assert root.tag == "errors" and root.find("error").findtext("code") == str(status)


def test_a_revoked_or_foreign_key_cannot_post(client, muni):
    stranger = RoleFactory(role=Role.INTEGRATION, municipality=MunicipalityFactory(code="other")).user
    key = issue_token("Чужое приложение", stranger)[1]
    response = post(
        client, api_key=key, service_code="roads.repair", address_string="а", jurisdiction_id="kot"
    )
    assert response.status_code == 403


def test_list_with_the_spec_filters(client, muni):
    now = timezone.now()
    roads, heating = Topic.objects.get(code="roads.repair"), Topic.objects.get(code="housing.heating")
    old = CaseFactory(
        municipality=muni, channel="open311", subtopic=roads, received_at=now - timedelta(days=120)
    )
    open_road = CaseFactory(
        municipality=muni, channel="open311", subtopic=roads, received_at=now - timedelta(days=3)
    )
    closed_heat = CaseFactory(
        municipality=muni,
        channel="open311",
        subtopic=heating,
        status=Status.CLOSED,
        received_at=now - timedelta(days=2),
    )
    Answer.objects.create(case=closed_heat, text="Отопление включено 1 октября.")
    CaseFactory(municipality=muni, channel="paper", kind="appeal", received_at=now - timedelta(days=1))

    def ids(**params):
        response = client.get(f"{BASE}/requests.json", params)
        assert response.status_code == 200, response.content
        return [int(r["service_request_id"]) for r in response.json()]

    assert ids() == [closed_heat.pk, open_road.pk]  # last 90 days, newest first, public channels only
    assert ids(status="open") == [open_road.pk]
    assert ids(status="closed") == [closed_heat.pk]
    assert ids(service_code="roads.repair") == [open_road.pk]
    assert ids(service_code="roads.repair,housing.heating") == [closed_heat.pk, open_road.pk]
    start = (now - timedelta(days=200)).isoformat()
    assert ids(start_date=start) == [closed_heat.pk, open_road.pk, old.pk]
    end = (now - timedelta(days=100)).isoformat()
    assert ids(start_date=start, end_date=end) == [old.pk]
    assert ids(service_request_id=f"{old.pk},{closed_heat.pk}") == [closed_heat.pk, old.pk]
    assert ids(jurisdiction_id="kot") == [closed_heat.pk, open_road.pk]
    [closed] = client.get(f"{BASE}/requests/{closed_heat.pk}.json").json()
    assert closed["status"] == "closed" and closed["status_notes"] == "Отопление включено 1 октября."

    root = ET.fromstring(client.get(f"{BASE}/requests.xml").content)
    assert root.tag == "service_requests" and len(root.findall("request")) == 2

    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "вчера"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"service_request_id": "1;drop"}).status_code == 400


def test_non_public_cases_are_not_found(client, muni):
    appeal = CaseFactory(municipality=muni, channel="paper", kind="appeal")
    response = client.get(f"{BASE}/requests/{appeal.pk}.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    assert client.get(f"{BASE}/requests/abc.json").status_code == 404
