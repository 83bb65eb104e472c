"""The lifecycle actions through the HTTP API, with an integration token acting as a technical user."""

from __future__ import annotations

import pytest
from django.utils import timezone

from otklik.api.services import issue_token, revoke_token
from otklik.cases import services
from otklik.cases.models import Kind, Status
from otklik.org.models import Role, Topic
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory


@pytest.fixture
def world(db):
    muni = MunicipalityFactory()
    block = BlockFactory(municipality=muni)
    block.topics.add(Topic.objects.get(code="housing"))
    head = RoleFactory(role=Role.HEAD, municipality=muni, user__username="head").user
    _, token = issue_token("Система ЕДДС", head)
    other_head = RoleFactory(role=Role.HEAD, user__username="other").user
    _, other_token = issue_token("Чужая система", other_head)
    case = CaseFactory(
        municipality=muni,
        kind=Kind.APPEAL,
        channel="email",
        status=Status.RECEIVED,
        topic=Topic.objects.get(code="housing"),
        received_at=timezone.now(),
        due_at=None,
    )
    return {"muni": muni, "head": head, "token": token, "other_token": other_token, "case": case}


def post(client, token, path, body):
    return client.post(
        f"/api/v1{path}", body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )


def get(client, token, path):
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def test_without_a_token_the_api_answers_401(client, world):
    response = client.get(f"/api/v1/cases/{world['case'].pk}")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


def test_another_integrations_token_cannot_see_the_case(client, world):
    response = get(client, world["other_token"], f"/cases/{world['case'].pk}")
    assert response.status_code == 404
    assert (
        post(client, world["other_token"], f"/cases/{world['case'].pk}/register", {"version": 1}).status_code
        == 404
    )


def test_register_assign_answer_close_through_the_api(client, world):
    spec = RoleFactory(
        role=Role.SPECIALIST,
        municipality=world["muni"],
        user__username="spec",
        department=None,
        block=BlockFactory(municipality=world["muni"]),
    ).user
    pk = world["case"].pk
    r = post(client, world["token"], f"/cases/{pk}/register", {"version": 1})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["status"] == "registered" and body["registration_number"].startswith("ОГ-")
    assert {d["stage"] for d in body["deadlines"]} == {"registration", "redirection", "answer"}
    r = post(client, world["token"], f"/cases/{pk}/assign", {"version": body["version"], "owner": "spec"})
    assert r.status_code == 200 and r.json()["owner"] == "spec"
    version = r.json()["version"]
    r = post(
        client,
        world["token"],
        f"/cases/{pk}/answer",
        {"version": version, "text": "Отопление восстановлено 12.01, проведена промывка системы."},
    )
    assert r.status_code == 200 and r.json()["status"] == "answered"
    r = post(client, world["token"], f"/cases/{pk}/close", {"version": r.json()["version"]})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert [e["type"] for e in r.json()["events"]][-1] == "status"
    assert spec.pk


def test_stale_version_gets_409(client, world):
    pk = world["case"].pk
    assert post(client, world["token"], f"/cases/{pk}/register", {"version": 1}).status_code == 200
    r = post(client, world["token"], f"/cases/{pk}/extend", {"version": 1, "reason": "Запрос сведений"})
    assert r.status_code == 409 and "другой пользователь" in r.json()["detail"]


def test_illegal_transition_gets_409_with_the_reason(client, world):
    r = post(client, world["token"], f"/cases/{world['case'].pk}/close", {"version": 1})
    assert r.status_code in (403, 409)
    assert r.json()["detail"]


def test_bad_input_gets_422_in_russian(client, world):
    r = post(client, world["token"], f"/cases/{world['case'].pk}/redirect", {"version": 0})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("Неверные данные")


def test_action_error_gets_400(client, world):
    pk = world["case"].pk
    services.register_case(pk, actor=None)
    r = post(client, world["token"], f"/cases/{pk}/assign", {"version": 2, "owner": "nobody"})
    assert r.status_code == 400 and "не найден" in r.json()["detail"]


def test_revoked_token_is_refused(client, world):
    revoke_token(world["token"][:12])
    assert get(client, world["token"], f"/cases/{world['case'].pk}").status_code == 401


def test_openapi_schema_lists_the_actions(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Отклик API"
    for action in (
        "register",
        "assign",
        "take",
        "answer",
        "extend",
        "redirect",
        "close",
        "reopen",
        "no-answer",
    ):
        assert f"/api/v1/cases/{{case_id}}/{action}" in schema["paths"], action
