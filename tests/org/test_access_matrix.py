"""The access matrix: for every role, which cases each page and endpoint shows and which writes it
allows — the case page, the inbox, attachments, the review page, the API with the role's own token
(and another integration's), the audit page and the ratings card. Hidden cases answer 404, exactly like
missing ones; visible cases whose action the role lacks answer 403."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from otklik.api.services import issue_token
from otklik.cases.models import Answer, Attachment, Kind, Status
from otklik.org.models import Role
from tests.factories import BlockFactory, CaseFactory, DepartmentFactory, MunicipalityFactory, RoleFactory

CASES = ("A1", "A2", "A3", "B1")
#: role key → the cases it may see.
VISIBLE = {
    "curator": {"A1", "A2", "A3", "B1"},
    "observer": {"A1", "A2", "A3", "B1"},
    "head_a": {"A1", "A2", "A3"},
    "analyst_a": {"A1", "A2", "A3"},
    "integration_a": {"A1", "A2", "A3"},
    "owner_b1": {"A1"},
    "spec_b1": {"A1"},  # their own case
    "spec_b2": set(),  # no case of theirs
    "registrar_a": {"A2"},  # appeals
    "pos_a": {"A1"},  # ПОС messages
    "incident_a": {"A3"},  # incidents
    "head_b": {"B1"},
    "integration_b": {"B1"},
}
#: role key → may it answer case A1 (a ПОС message of block 1, owned by spec_b1)?
ANSWERS_A1 = {"curator", "head_a", "integration_a", "owner_b1", "spec_b1", "pos_a"}
AUDIT_READERS = {"curator", "head_a", "head_b"}


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # 13 accounts a test: argon2 (the installation's hasher) would dominate the run time here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    a, b = MunicipalityFactory(code="mo-a"), MunicipalityFactory(code="mo-b")
    dept_a = DepartmentFactory(municipality=a, name="Отдел ЖКХ")
    b1 = BlockFactory(municipality=a, name="ЖКХ", department=dept_a)
    b2 = BlockFactory(municipality=a, name="Дороги")
    bb = BlockFactory(municipality=b, name="ЖКХ Б")
    users = {
        "curator": RoleFactory(role=Role.CURATOR, municipality=None).user,
        "observer": RoleFactory(role=Role.OBSERVER, municipality=None).user,
        "head_a": RoleFactory(role=Role.HEAD, municipality=a).user,
        "analyst_a": RoleFactory(role=Role.ANALYST, municipality=a).user,
        "integration_a": RoleFactory(role=Role.INTEGRATION, municipality=a).user,
        "owner_b1": RoleFactory(role=Role.BLOCK_OWNER, municipality=a, block=b1).user,
        "spec_b1": RoleFactory(role=Role.SPECIALIST, municipality=a, block=b1).user,
        "spec_b2": RoleFactory(role=Role.SPECIALIST, municipality=a, block=b2).user,
        "registrar_a": RoleFactory(role=Role.REGISTRAR, municipality=a).user,
        "pos_a": RoleFactory(role=Role.POS_OFFICER, municipality=a).user,
        "incident_a": RoleFactory(role=Role.INCIDENT_OFFICER, municipality=a).user,
        "head_b": RoleFactory(role=Role.HEAD, municipality=b).user,
        "integration_b": RoleFactory(role=Role.INTEGRATION, municipality=b).user,
    }
    cases = {
        "A1": CaseFactory(
            municipality=a,
            block=b1,
            department=dept_a,
            kind=Kind.MESSAGE,
            channel="pos",
            owner=users["spec_b1"],
            status=Status.IN_PROGRESS,
            author_name="Петров П. П.",
        ),
        "A2": CaseFactory(municipality=a, block=b2, kind=Kind.APPEAL, channel="paper"),
        "A3": CaseFactory(municipality=a, kind=Kind.INCIDENT, channel="incident"),
        "B1": CaseFactory(municipality=b, block=bb, kind=Kind.MESSAGE, channel="pos"),
    }
    files = {
        key: Attachment.objects.create(case=c, file=ContentFile(b"%PDF-1.4", name="f.pdf"), name="f.pdf")
        for key, c in cases.items()
    }
    pending = {
        key: Answer.objects.create(case=c, text="Черновик ответа на проверке", review_state="pending")
        for key, c in cases.items()
    }
    tokens = {key: issue_token(f"t-{key}", user)[1] for key, user in users.items()}
    return {
        "users": users,
        "cases": cases,
        "files": files,
        "pending": pending,
        "tokens": tokens,
        "dept_a": dept_a,
    }


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_pages_show_only_the_roles_cases(client, world, role):
    client.force_login(world["users"][role])
    expected = VISIBLE[role]
    for key, case in world["cases"].items():
        want = 200 if key in expected else 404
        assert client.get(reverse("cases:detail", args=[case.pk])).status_code == want, (role, key)
        file = world["files"][key]
        assert client.get(reverse("cases:attachment", args=[case.pk, file.pk])).status_code == want
        review = client.get(reverse("review:answer", args=[world["pending"][key].pk]))
        assert review.status_code == want, (role, key, "review")
    listed = {r["case"].pk for r in client.get(reverse("cases:inbox")).context["rows"]}
    assert listed == {world["cases"][k].pk for k in expected}, role
    audit = client.get(reverse("audit:log"))
    assert audit.status_code == (200 if role in AUDIT_READERS else 403), role


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_api_with_the_roles_token_shows_only_its_cases(client, world, role):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['tokens'][role]}"}
    expected = VISIBLE[role]
    for key, case in world["cases"].items():
        status = client.get(f"/api/v1/cases/{case.pk}", **auth).status_code
        assert status == (200 if key in expected else 404), (role, key)
    listed = {item["id"] for item in client.get("/api/v1/cases?limit=200", **auth).json()["items"]}
    assert listed == {world["cases"][k].pk for k in expected}, role


@pytest.mark.parametrize("role", sorted(VISIBLE))
def test_answering_a1_needs_both_sight_and_right(client, world, role):
    case = world["cases"]["A1"]
    world["pending"]["A1"].delete()
    client.force_login(world["users"][role])
    response = client.post(
        reverse("cases:answer", args=[case.pk]),
        {"version": case.version, "text": "Ответ по существу: контейнеры вывезены 12.05.2026 МУП «Чистота»."},
    )
    if role in ANSWERS_A1:
        assert response.status_code == 302, role
    elif "A1" in VISIBLE[role]:
        assert response.status_code == 403, role
    else:
        assert response.status_code == 404, role


def test_another_integrations_token_cannot_touch_a_case(client, world):
    case = world["cases"]["A1"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {world['tokens']['integration_b']}"}
    body = {"version": case.version, "text": "Ответ по существу от чужой интеграции, длиннее двадцати."}
    response = client.post(f"/api/v1/cases/{case.pk}/answer", body, content_type="application/json", **auth)
    assert response.status_code == 404
    assert not Answer.objects.filter(case=case, sent_at__isnull=False).exists()
    assert client.get(f"/api/v1/cases/{case.pk}", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_guessing_ids_reveals_nothing(client, world):
    client.force_login(world["users"]["head_b"])
    hidden = world["cases"]["A1"]
    missing = client.get(reverse("cases:detail", args=[10**9]))
    guessed = client.get(reverse("cases:detail", args=[hidden.pk]))
    assert guessed.status_code == missing.status_code == 404
    assert "Петров" not in guessed.content.decode()
    card = reverse("analytics:ratings_department", args=[world["dept_a"].pk])
    assert client.get(card).status_code == 404
