"""Open311 GeoReport v2 at /open311/v2/: the contract existing Open311 clients rely on."""

from __future__ import annotations

import json
from datetime import timedelta
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from otklik.api.services import issue_token, revoke_token
from otklik.audit.models import AuditEvent
from otklik.cases.models import Answer, Case, CaseEvent, Status
from otklik.org.models import Role, Topic
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory, UserFactory

BASE = "/open311/v2"
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
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
GOOD = {"service_code": "roads.repair", "lat": "47.6321", "long": "43.1402"}


@pytest.fixture
def muni(db):
    muni = MunicipalityFactory(code="kot")
    block = BlockFactory(municipality=muni, name="Дороги и транспорт")
    block.topics.add(Topic.objects.get(code="roads"))
    return muni


@pytest.fixture
def integration(muni):
    return RoleFactory(role=Role.INTEGRATION, municipality=muni, user__username="app").user


@pytest.fixture
def api_key(integration):
    return issue_token("Мобильное приложение", integration)[1]


def post(client, **data):
    fmt = data.pop("fmt", "json")
    return client.post(f"{BASE}/requests.{fmt}", data)


def xml_of(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)


def assert_error(response, status, fragment=""):
    assert response.status_code == status, response.content
    [error] = response.json()
    assert set(error) == {"code", "description"}
    assert error["code"] == status and fragment in error["description"]


def listed(client, **params):
    response = client.get(f"{BASE}/requests.json", params)
    assert response.status_code == 200, response.content
    return [int(r["service_request_id"]) for r in response.json()]


# --- services ---------------------------------------------------------------------------------


def test_service_list_is_the_topic_tree_in_json(client, db):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"
    items = response.json()
    codes = [s["service_code"] for s in items]
    assert {"roads.repair", "housing.heating", "waste.containers"} <= set(codes)
    assert "roads" not in codes  # a topic with subtopics is a group, not a service
    assert len(codes) == len(set(codes))
    assert all(set(s) == SERVICE_FIELDS for s in items)
    repair = next(s for s in items if s["service_code"] == "roads.repair")
    assert repair["service_name"] == Topic.objects.get(code="roads.repair").name
    assert (repair["metadata"], repair["type"], repair["group"]) == (False, "realtime", "Дороги")
    assert "roads" in repair["keywords"]


def test_inactive_topics_are_not_services(client, db):
    Topic.objects.filter(code="roads.repair").update(is_active=False)
    Topic.objects.filter(code="housing").update(is_active=False)
    codes = {s["service_code"] for s in client.get(f"{BASE}/services.json").json()}
    assert "roads.repair" not in codes and not any(c.startswith("housing") for c in codes)
    assert client.get(f"{BASE}/services/roads.repair.json").status_code == 404


def test_service_list_in_xml(client, db):
    items = client.get(f"{BASE}/services.json").json()
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    nodes = root.findall("service")
    assert len(nodes) == len(items)
    assert {child.tag for child in nodes[0]} == SERVICE_FIELDS
    node = next(n for n in nodes if n.findtext("service_code") == "roads.repair")
    assert node.findtext("metadata") == "false" and node.findtext("type") == "realtime"
    assert node.findtext("group") == "Дороги"


def test_service_definition_in_json_and_xml(client, db):
    definition = client.get(f"{BASE}/services/roads.repair.json")
    assert definition.status_code == 200
    assert definition.json() == {"service_code": "roads.repair", "attributes": []}
    root = xml_of(client.get(f"{BASE}/services/roads.repair.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "roads.repair"
    assert root.find("attributes") is not None and list(root.find("attributes")) == []


def test_unknown_service_is_404_with_the_spec_error_body(client, db):
    assert_error(client.get(f"{BASE}/services/nope.json"), 404, "Услуга «nope» не найдена.")
    assert_error(client.get(f"{BASE}/services/roads.json"), 404)  # a group is not a service
    root = xml_of(client.get(f"{BASE}/services/nope.xml"))
    assert root.tag == "errors"
    assert root.find("error").findtext("code") == "404" and "nope" in root.find("error").findtext(
        "description"
    )


def test_unknown_jurisdiction_is_404(client, muni):
    assert client.get(f"{BASE}/services.json", {"jurisdiction_id": "kot"}).status_code == 200
    for path in ("services.json", "services/roads.repair.json", "requests.json", "tokens/abc.json"):
        assert_error(client.get(f"{BASE}/{path}", {"jurisdiction_id": "atlantis"}), 404, "jurisdiction_id")


def test_wrong_method_is_405_with_error_body(client, db):
    response = client.post(f"{BASE}/services.json")
    assert_error(response, 405)
    assert response["Allow"] == "GET"
    assert client.delete(f"{BASE}/requests.json").status_code == 405


def test_discovery_document(client, db):
    document = client.get(f"{BASE}/discovery.json").json()
    [endpoint] = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml_of(client.get(f"{BASE}/discovery.xml"))
    formats = [f.text for f in root.find("endpoints").find("endpoint").find("formats").findall("format")]
    assert root.tag == "discovery" and formats == ["text/xml", "application/json"]


# --- POST requests ----------------------------------------------------------------------------


def test_post_creates_a_case_through_intake(client, muni, integration, api_key):
    response = post(
        client,
        api_key=api_key,
        **GOOD,
        address_string="г. Котельниково, ул. Ленина, 5",
        description="Глубокая яма на проезжей части у школы",
        email="resident@example.ru",
        first_name="Иван",
        last_name="Петров",
        phone="+7 902 123-45-67",
        device_id="device-1",
        account_id="acc-9",
        media_url="https://example.ru/photo.jpg",
        **{"attribute[depth]": "20"},
    )
    assert response.status_code == 200, response.content
    [reply] = response.json()
    assert set(reply) == {"service_request_id", "token", "service_notice", "account_id"}
    case = Case.objects.select_related("topic", "subtopic", "block").get(pk=int(reply["service_request_id"]))
    assert reply["token"] == case.tracking_token and reply["account_id"] == "acc-9"
    assert case.registration_number and case.registration_number in reply["service_notice"]
    assert (case.channel, case.kind, case.status, case.municipality) == (
        "open311",
        "message",
        "registered",
        muni,
    )
    assert (case.topic.code, case.subtopic.code, case.topic_source) == ("roads", "roads.repair", "source")
    assert case.block.name == "Дороги и транспорт" and case.due_at is not None
    assert case.location == {"type": "Point", "coordinates": [43.1402, 47.6321]}
    assert case.address == "г. Котельниково, ул. Ленина, 5"
    assert case.text == "Глубокая яма на проезжей части у школы"
    assert (case.author_name, case.author_email, case.author_phone) == (
        "Петров Иван",
        "resident@example.ru",
        "+7 902 123-45-67",
    )
    assert case.raw_payload["attribute"] == {"depth": "20"} and case.raw_payload["device_id"] == "device-1"
    assert "api_key" not in case.raw_payload and case.external_id is None
    assert case.text_masked  # ready for the public listing
    events = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("type", flat=True))
    assert events == [CaseEvent.Type.RECEIVED, CaseEvent.Type.REGISTERED]
    audit = AuditEvent.objects.get(action="intake.batch")
    assert audit.actor == integration and audit.after["created"] == [case.pk]


def test_post_answers_in_xml_too(client, muni, api_key):
    response = post(
        client, fmt="xml", api_key=api_key, service_code="roads.repair", address_string="ул. Мира"
    )
    assert response.status_code == 200
    root = xml_of(response)
    assert root.tag == "service_requests"
    [node] = root.findall("request")
    case = Case.objects.get(pk=int(node.findtext("service_request_id")))
    assert node.findtext("token") == case.tracking_token and case.location is None
    # No description: the text names the service and the place, so the case is never empty.
    assert case.text == f"Сообщение о проблеме: {case.subtopic.name}. Адрес: ул. Мира."


def test_post_takes_the_api_key_from_the_query_string(client, muni, api_key):
    response = client.post(f"{BASE}/requests.json?api_key={api_key}", GOOD)
    assert response.status_code == 200 and Case.objects.filter(channel="open311").count() == 1


def test_post_needs_no_csrf_token(muni, api_key):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"{BASE}/requests.json", {"api_key": api_key, **GOOD})
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    ("data", "status", "fragment"),
    [
        ({}, 403, "api_key"),
        ({"api_key": "otk_wrong"}, 403, "api_key"),
        ({"api_key": "not-even-a-token", **GOOD}, 403, "api_key"),
        ({"api_key": "{key}", "address_string": "ул. Мира"}, 400, "service_code: обязательный"),
        ({"api_key": "{key}", "service_code": "nope", "address_string": "ул. Мира"}, 404, "не найдена"),
        ({"api_key": "{key}", "service_code": "roads.repair"}, 400, "Укажите место"),
        ({"api_key": "{key}", "service_code": "roads.repair", "description": "яма"}, 400, "Укажите место"),
        ({"api_key": "{key}", "service_code": "roads.repair", "lat": "47.6"}, 400, "вместе"),
        (
            {"api_key": "{key}", "service_code": "roads.repair", "lat": "x", "long": "43"},
            400,
            "lat: ожидается",
        ),
        ({"api_key": "{key}", "service_code": "roads.repair", "lat": "97", "long": "43"}, 400, "вне"),
        ({"api_key": "{key}", "service_code": "roads.repair", "lat": "47", "long": "NaN"}, 400, "long"),
        ({"api_key": "{key}", **GOOD, "email": "x@"}, 400, "email"),
        ({"api_key": "{key}", **GOOD, "media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"api_key": "{key}", **GOOD, "description": "я" * 10_001}, 400, "description"),
        ({"api_key": "{key}", **GOOD, "jurisdiction_id": "zz"}, 404, "jurisdiction_id"),
    ],
)
def test_post_errors_follow_the_spec(client, api_key, data, status, fragment):
    data = {k: (api_key if v == "{key}" else v) for k, v in data.items()}
    assert_error(post(client, **data), status, fragment)
    root = xml_of(post(client, fmt="xml", **data))
    assert root.tag == "errors" and root.find("error").findtext("code") == str(status)
    assert not Case.objects.exists()


def test_a_revoked_key_cannot_post(client, muni, integration):
    token, key = issue_token("Старое приложение", integration)
    revoke_token(token.prefix)
    assert_error(post(client, api_key=key, **GOOD), 403, "api_key")


def test_a_key_cannot_post_to_a_foreign_municipality(client, muni):
    stranger = RoleFactory(role=Role.INTEGRATION, municipality=MunicipalityFactory(code="other")).user
    key = issue_token("Чужое приложение", stranger)[1]
    assert_error(post(client, api_key=key, **GOOD, jurisdiction_id="kot"), 403, "api_key")
    assert not Case.objects.exists()


def test_a_key_of_a_user_without_a_creating_role_cannot_post(client, muni):
    key = issue_token("Без роли", UserFactory())[1]
    assert_error(post(client, api_key=key, **GOOD), 403, "роли")


def test_a_region_wide_key_posts_to_the_default_municipality(client, muni, settings):
    settings.OTKLIK_DEFAULT_MUNICIPALITY = "kot"
    MunicipalityFactory(code="other")
    user = RoleFactory(role=Role.INTEGRATION, municipality=None).user
    key = issue_token("Региональное приложение", user)[1]
    reply = post(client, api_key=key, **GOOD).json()[0]
    assert Case.objects.get(pk=int(reply["service_request_id"])).municipality == muni
    reply = post(client, api_key=key, **GOOD, jurisdiction_id="other").json()[0]
    assert Case.objects.get(pk=int(reply["service_request_id"])).municipality.code == "other"


def test_a_key_for_several_municipalities_must_name_the_jurisdiction(client, muni, integration):
    RoleFactory(role=Role.INTEGRATION, municipality=MunicipalityFactory(code="other"), user=integration)
    key = issue_token("Два района", integration)[1]
    assert_error(post(client, api_key=key, **GOOD), 400, "jurisdiction_id")
    assert post(client, api_key=key, **GOOD, jurisdiction_id="kot").status_code == 200


# --- GET requests -----------------------------------------------------------------------------


@pytest.fixture
def listing(muni):
    now = timezone.now()
    roads, heating = Topic.objects.get(code="roads.repair"), Topic.objects.get(code="housing.heating")

    def make(days, **kw):
        kw.setdefault("channel", "open311")
        return CaseFactory(municipality=muni, received_at=now - timedelta(days=days), **kw)

    cases = {
        "old": make(120, subtopic=roads, topic=roads.parent),
        "open_road": make(3, subtopic=roads, topic=roads.parent),
        "closed_heat": make(2, subtopic=heating, topic=heating.parent, status=Status.CLOSED),
        "answered": make(5, subtopic=heating, topic=heating.parent, status=Status.ANSWERED),
        "elsewhere": CaseFactory(
            municipality=MunicipalityFactory(code="other"),
            channel="open311",
            received_at=now - timedelta(days=4),
        ),
    }
    Answer.objects.create(case=cases["closed_heat"], text="Отопление включено 1 октября.", sent_at=now)
    # Never public: 59-ФЗ appeals, incidents, and (by default) messages of other channels.
    make(1, channel="paper", kind="appeal")
    make(1, channel="web", kind="appeal")
    make(1, channel="incident", kind="incident")
    make(1, channel="pos", kind="message")
    return cases


def test_list_defaults_to_the_last_90_days_newest_first(client, listing):
    c = listing
    expected = [c["closed_heat"].pk, c["open_road"].pk, c["elsewhere"].pk, c["answered"].pk]
    assert listed(client) == expected


def test_list_filters_by_status(client, listing):
    c = listing
    assert listed(client, status="open") == [c["open_road"].pk, c["elsewhere"].pk]
    assert listed(client, status="closed") == [c["closed_heat"].pk, c["answered"].pk]
    assert len(listed(client, status="open,closed")) == 4
    assert_error(client.get(f"{BASE}/requests.json", {"status": "pending"}), 400, "status")


def test_list_filters_by_service_codes(client, listing):
    c = listing
    assert listed(client, service_code="roads.repair") == [c["open_road"].pk]
    both = listed(client, service_code="roads.repair,housing.heating")
    assert both == [c["closed_heat"].pk, c["open_road"].pk, c["answered"].pk]
    assert listed(client, service_code="nope") == []


def test_list_filters_by_dates_within_90_days(client, listing):
    c, now = listing, timezone.now()
    start, end = (now - timedelta(days=130)).isoformat(), (now - timedelta(days=100)).isoformat()
    assert listed(client, start_date=start, end_date=end) == [c["old"].pk]
    assert listed(client, start_date=start) == [c["old"].pk]  # start alone: the 90 days after it
    assert listed(client, end_date=(now - timedelta(days=4, hours=12)).isoformat()) == [c["answered"].pk]
    day = timezone.localdate(now - timedelta(days=120)).isoformat()  # a bare date: the whole local day
    assert listed(client, start_date=day, end_date=day) == [c["old"].pk]
    zulu = (now - timedelta(days=3, hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert listed(client, start_date=zulu) == [c["closed_heat"].pk, c["open_road"].pk]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"start_date": "вчера"}, "start_date"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "позже"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
        ({"service_request_id": "1;drop"}, "service_request_id"),
        ({"service_request_id": ",".join(str(i) for i in range(1, 1002))}, "service_request_id"),
        ({"page": "0"}, "page"),
        ({"page_size": "1001"}, "page_size"),
    ],
)
def test_list_refuses_bad_parameters(client, db, params, fragment):
    assert_error(client.get(f"{BASE}/requests.json", params), 400, fragment)


def test_request_ids_override_the_other_filters(client, listing):
    c = listing
    ids = f"{c['old'].pk}, {c['closed_heat'].pk},{c['old'].pk}"
    assert listed(client, service_request_id=ids, status="open") == [c["closed_heat"].pk, c["old"].pk]


def test_list_limited_to_a_jurisdiction(client, listing):
    c = listing
    assert listed(client, jurisdiction_id="other") == [c["elsewhere"].pk]
    assert c["elsewhere"].pk not in listed(client, jurisdiction_id="kot")


def test_list_pages(client, listing):
    c = listing
    assert listed(client, page_size=2) == [c["closed_heat"].pk, c["open_road"].pk]
    assert listed(client, page_size=2, page=2) == [c["elsewhere"].pk, c["answered"].pk]
    assert listed(client, page_size=2, page=3) == []


def test_public_channels_follow_the_setting_but_never_appeals(client, listing, settings):
    settings.OTKLIK_OPEN311_PUBLIC_CHANNELS = "open311,pos,api,web,paper,incident"
    channels = set(Case.objects.filter(pk__in=listed(client)).values_list("channel", "kind"))
    assert channels == {("open311", "message"), ("pos", "message")}


def test_list_in_xml(client, listing):
    root = xml_of(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests"
    nodes = root.findall("request")
    assert len(nodes) == 4 and {child.tag for child in nodes[0]} == REQUEST_FIELDS
    closed = next(n for n in nodes if n.findtext("service_request_id") == str(listing["closed_heat"].pk))
    assert closed.findtext("status") == "closed" and closed.findtext("service_code") == "housing.heating"


def test_list_runs_a_bounded_number_of_queries(client, listing, django_assert_max_num_queries):
    client.get(f"{BASE}/requests.json")  # masks each text once and keeps it
    with django_assert_max_num_queries(4):
        assert len(client.get(f"{BASE}/requests.json").json()) == 4


def test_one_request(client, listing):
    case = listing["closed_heat"]
    response = client.get(f"{BASE}/requests/{case.pk}.json")
    assert response.status_code == 200
    [item] = response.json()
    assert set(item) == REQUEST_FIELDS
    assert item["service_request_id"] == str(case.pk) and item["status"] == "closed"
    assert item["status_notes"] == "Отопление включено 1 октября."
    assert item["service_code"] == "housing.heating" and item["service_name"] == case.subtopic.name
    assert item["requested_datetime"] == case.received_at.isoformat(timespec="seconds").replace("+00:00", "Z")
    [node] = xml_of(client.get(f"{BASE}/requests/{case.pk}.xml")).findall("request")
    assert node.findtext("status_notes") == "Отопление включено 1 октября."


def test_one_request_that_is_not_public_is_404(client, listing):
    appeal = Case.objects.get(channel="paper")
    assert_error(client.get(f"{BASE}/requests/{appeal.pk}.json"), 404, str(appeal.pk))
    assert_error(client.get(f"{BASE}/requests/abc.json"), 404)
    assert_error(client.get(f"{BASE}/requests/99999999999999999999999.json"), 404)
    case = listing["open_road"]
    assert_error(client.get(f"{BASE}/requests/{case.pk}.json", {"jurisdiction_id": "other"}), 404)


def test_status_maps_to_open_and_closed(client, muni):
    expected = {
        Status.RECEIVED: "open",
        Status.REGISTERED: "open",
        Status.ASSIGNED: "open",
        Status.IN_PROGRESS: "open",
        Status.REOPENED: "open",
        Status.ANSWERED: "closed",
        Status.CLOSED: "closed",
        Status.REDIRECTED: "closed",
        Status.NO_ANSWER: "closed",
    }
    for status, public in expected.items():
        extra = {"no_answer_reason": "repeated"} if status == Status.NO_ANSWER else {}
        case = CaseFactory(municipality=muni, channel="open311", status=status, **extra)
        [item] = client.get(f"{BASE}/requests/{case.pk}.json").json()
        assert item["status"] == public, status


def test_personal_data_never_leaves(client, muni):
    case = CaseFactory(
        municipality=muni,
        channel="open311",
        author_name="Петров Иван Сергеевич",
        author_email="petrov@example.ru",
        author_phone="+7 902 123-45-67",
        author_address="г. Котельниково, ул. Садовая, д. 3, кв. 14",
        address="ул. Ленина, д. 5, кв. 12",
        text="Я, Петров Иван Сергеевич, прошу засыпать яму. Телефон 8 902 123-45-67, почта petrov@example.ru",
        raw_payload={"email": "petrov@example.ru", "phone": "+7 902 123-45-67", "first_name": "Иван"},
    )
    Answer.objects.create(
        case=case,
        text="Уважаемый Иван Сергеевич! Яма засыпана. Пишите на petrov@example.ru.",
        sent_at=timezone.now(),
    )
    Answer.objects.create(case=case, text="Черновик: позвонить Петрову", sent_at=None)  # never shown
    bodies = [
        client.get(f"{BASE}/requests/{case.pk}.json").content.decode(),
        client.get(f"{BASE}/requests/{case.pk}.xml").content.decode(),
        client.get(f"{BASE}/requests.json").content.decode(),
        client.get(f"{BASE}/requests.xml").content.decode(),
    ]
    for body in bodies:
        for secret in ("Петров", "Иван", "petrov@", "123-45", "Садовая", "кв. 12", "Черновик"):
            assert secret not in body, (secret, body)
    [item] = json.loads(bodies[0])
    assert item["address"] == "ул. Ленина, д. 5"
    assert "[ФИО]" in item["description"] and "[телефон]" in item["description"]
    assert "[ФИО]" in item["status_notes"] and "[эл. почта]" in item["status_notes"]


def test_xml_stays_well_formed_with_control_characters(client, muni):
    case = CaseFactory(municipality=muni, channel="open311", text="Яма\x0b на <дороге> & \x01тротуаре")
    [node] = xml_of(client.get(f"{BASE}/requests/{case.pk}.xml")).findall("request")
    assert node.findtext("description") == "Яма на <дороге> & тротуаре"


# --- tokens -----------------------------------------------------------------------------------


def test_token_gives_the_request_id(client, muni, api_key):
    reply = post(client, api_key=api_key, **GOOD).json()[0]
    token = reply["token"]
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [
        {"service_request_id": reply["service_request_id"], "token": token}
    ]
    [node] = xml_of(client.get(f"{BASE}/tokens/{token}.xml")).findall("request")
    assert node.findtext("service_request_id") == reply["service_request_id"]
    [item] = client.get(f"{BASE}/requests/{reply['service_request_id']}.json").json()
    assert item["lat"] == 47.6321 and item["long"] == 43.1402 and item["status"] == "open"


def test_unknown_or_non_public_token_is_404(client, muni):
    assert_error(client.get(f"{BASE}/tokens/unknown.json"), 404, "Токен")
    CaseFactory(municipality=muni, channel="web", kind="appeal", tracking_token="webform-secret")
    assert_error(client.get(f"{BASE}/tokens/webform-secret.json"), 404)


def test_discovery_is_also_served_at_the_usual_address(client, db):
    response = client.get("/open311/discovery.json")
    assert response.status_code == 200 and response.json() == client.get("/open311/v2/discovery.json").json()
