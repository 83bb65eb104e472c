from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.cases.models import Kind, Status
from otklik.org.models import Role
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory, UserFactory

PASSWORD = "correct-horse-42"


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_login_page_speaks_russian(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in body and "Имя пользователя" in body and "Пароль" in body


@pytest.mark.django_db
def test_wrong_password_gets_a_clear_russian_message(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    assert "Неверное имя пользователя или пароль" in response.content.decode()


@pytest.mark.django_db
def test_login_leads_to_the_home_page(client):
    user = UserFactory()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Здравствуйте, Мария Петровна!" in response.content.decode()


@pytest.mark.django_db
def test_user_without_roles_is_told_so(client):
    client.force_login(UserFactory())
    assert "не назначена роль" in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_head_sees_overdue_cases_of_the_municipality(client):
    role = RoleFactory(role=Role.HEAD)
    overdue = CaseFactory(
        municipality=role.municipality,
        registration_number="ОГ-26-00001",
        received_at=timezone.now() - timedelta(days=40),
        due_at=timezone.now() - timedelta(days=5),
    )
    CaseFactory(registration_number="ЧУЖОЕ-1")  # another municipality
    client.force_login(role.user)
    body = client.get(reverse("home")).content.decode()
    assert "Контроль сроков" in body
    assert overdue.registration_number in body
    assert "ЧУЖОЕ-1" not in body


@pytest.mark.django_db
def test_specialist_sees_only_own_cases(client):
    muni = MunicipalityFactory()
    block = BlockFactory(municipality=muni)
    role = RoleFactory(role=Role.SPECIALIST, municipality=muni, block=block)
    mine = CaseFactory(
        municipality=muni,
        block=block,
        owner=role.user,
        status=Status.IN_PROGRESS,
        registration_number="МОЁ-1",
    )
    CaseFactory(
        municipality=muni,
        block=block,
        owner=UserFactory(),
        status=Status.IN_PROGRESS,
        registration_number="КОЛЛЕГИ-1",
    )
    client.force_login(role.user)
    body = client.get(reverse("home")).content.decode()
    assert "Мои обращения" in body and mine.registration_number in body
    assert "КОЛЛЕГИ-1" not in body


@pytest.mark.django_db
def test_incident_officer_sees_incidents_only(client):
    role = RoleFactory(role=Role.INCIDENT_OFFICER)
    CaseFactory(
        municipality=role.municipality, kind=Kind.INCIDENT, channel="incident", registration_number="ИНЦ-1"
    )
    CaseFactory(municipality=role.municipality, kind=Kind.APPEAL, channel="paper", registration_number="ОГ-1")
    client.force_login(role.user)
    body = client.get(reverse("home")).content.decode()
    assert "Инциденты в соцсетях" in body and "ИНЦ-1" in body and "ОГ-1" not in body


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "title"),
    [
        (Role.CURATOR, "Контроль сроков"),
        (Role.POS_OFFICER, "Сообщения ПОС"),
        (Role.ANALYST, "Сводка"),
        (Role.OBSERVER, "Сводка"),
    ],
)
def test_every_role_has_its_home_section(client, role, title):
    assignment = RoleFactory(role=role)
    client.force_login(assignment.user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert title in response.content.decode()


@pytest.mark.django_db
def test_block_owner_sees_the_block(client):
    muni = MunicipalityFactory()
    block = BlockFactory(municipality=muni, name="Твёрдые коммунальные отходы")
    role = RoleFactory(role=Role.BLOCK_OWNER, municipality=muni, block=block)
    CaseFactory(municipality=muni, block=block, registration_number="ТКО-1")
    client.force_login(role.user)
    body = client.get(reverse("home")).content.decode()
    assert "Блок «Твёрдые коммунальные отходы»" in body and "ТКО-1" in body


@pytest.mark.django_db
def test_home_page_query_count_is_bounded(client, django_assert_max_num_queries):
    role = RoleFactory(role=Role.HEAD)
    for _ in range(30):
        CaseFactory(municipality=role.municipality)
    client.force_login(role.user)
    client.get(reverse("home"))  # the process's reference caches are built
    with django_assert_max_num_queries(12):
        client.get(reverse("home"))


@pytest.mark.django_db
def test_admin_is_reachable_for_the_superuser(admin_client):
    for name in (
        "admin:territory_municipality_changelist",
        "admin:org_topic_changelist",
        "admin:org_block_changelist",
        "admin:cases_case_changelist",
        "admin:org_user_changelist",
    ):
        assert admin_client.get(reverse(name)).status_code == 200, name


@pytest.mark.django_db
def test_logout_requires_post_and_ends_the_session(client):
    client.force_login(UserFactory())
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_health_endpoint(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
