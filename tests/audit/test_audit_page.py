"""The audit page, the personal-data access log, and the append-only audit table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from otklik.audit.models import AuditEvent, PersonalDataAccess
from otklik.audit.services import log_personal_data_access, record
from otklik.org.models import Role
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory


@pytest.fixture
def world(db):
    muni = MunicipalityFactory(code="kot")
    other = MunicipalityFactory(code="zzz")
    head = RoleFactory(role=Role.HEAD, municipality=muni, user__username="head").user
    analyst = RoleFactory(role=Role.ANALYST, municipality=muni, user__username="analyst").user
    spec = RoleFactory(
        role=Role.SPECIALIST, municipality=muni, block=BlockFactory(municipality=muni), user__username="spec"
    ).user
    curator = RoleFactory(role=Role.CURATOR, municipality=None, user__username="curator").user
    mine = CaseFactory(municipality=muni, registration_number="ОГ-26-00007", author_name="Петров П. П.")
    theirs = CaseFactory(municipality=other, author_name="Сидоров С. С.")
    record("case.register", actor=head, obj=mine, after={"status": "registered"})
    record("case.register", actor=head, obj=theirs, after={"status": "registered"})
    record("quality.rate", obj=mine, after={"case": mine.pk, "satisfied": True}, actor_label="житель")
    return {
        "muni": muni,
        "head": head,
        "analyst": analyst,
        "spec": spec,
        "curator": curator,
        "mine": mine,
        "theirs": theirs,
    }


def test_case_page_logs_personal_data_access_once_a_day(client, world):
    client.force_login(world["head"])
    for _ in range(3):
        assert client.get(reverse("cases:detail", args=[world["mine"].pk])).status_code == 200
    rows = PersonalDataAccess.objects.filter(case=world["mine"], user=world["head"])
    assert [r.via for r in rows] == ["case_page"]
    client.get(reverse("cases:inbox"))
    assert set(PersonalDataAccess.objects.filter(user=world["head"]).values_list("via", flat=True)) == {
        "case_page",
        "inbox",
    }


def test_masked_roles_leave_no_access_record(client, world):
    client.force_login(world["analyst"])
    assert client.get(reverse("cases:detail", args=[world["mine"].pk])).status_code == 200
    client.get(reverse("cases:inbox"))
    assert not PersonalDataAccess.objects.exists()


def test_api_responses_with_authors_are_logged(client, world):
    from otklik.api.services import issue_token

    _, token = issue_token("ЕДДС", world["head"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.get(f"/api/v1/cases/{world['mine'].pk}", **headers)
    assert response.status_code == 200 and response.json()["author"]["name"] == "Петров П. П."
    listing = client.get("/api/v1/cases", **headers)
    assert listing.status_code == 200 and len(listing.json()["items"]) == 1
    assert PersonalDataAccess.objects.filter(case=world["mine"], via="api").count() == 1  # once a day


def test_log_helper_ignores_anonymous_and_repeats(world):
    from django.contrib.auth.models import AnonymousUser

    assert log_personal_data_access(AnonymousUser(), [world["mine"].pk], "api") == 0
    log_personal_data_access(world["head"], [world["mine"].pk, world["mine"].pk], "api")
    log_personal_data_access(world["head"], [world["mine"].pk], "api")
    assert PersonalDataAccess.objects.count() == 1


def test_audit_page_access_and_scope(client, world):
    client.force_login(world["spec"])
    assert client.get(reverse("audit:log")).status_code == 403
    client.force_login(world["head"])
    page = client.get(reverse("audit:log"))
    assert page.status_code == 200
    shown = {e.object_id for e in page.context["page"].object_list}
    assert str(world["mine"].pk) in shown and str(world["theirs"].pk) not in shown
    assert ">Аудит<" in page.content.decode()
    client.force_login(world["curator"])
    shown = {e.object_id for e in client.get(reverse("audit:log")).context["page"].object_list}
    assert {str(world["mine"].pk), str(world["theirs"].pk)} <= shown


def test_audit_filters(client, world):
    client.force_login(world["head"])
    url = reverse("audit:log")
    by_case = client.get(url, {"case": "ОГ-26-00007"}).context["page"].object_list
    assert {e.action for e in by_case} == {"case.register", "quality.rate"}
    by_actor = client.get(url, {"actor": "житель"}).context["page"].object_list
    assert [e.action for e in by_actor] == ["quality.rate"]
    by_action = client.get(url, {"action": "quality."}).context["page"].object_list
    assert [e.action for e in by_action] == ["quality.rate"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert not client.get(url, {"date_from": tomorrow}).context["page"].object_list
    foreign = client.get(url, {"case": str(world["theirs"].pk)})
    assert "не найдено среди доступных вам" in foreign.content.decode()
    client.get(reverse("cases:detail", args=[world["mine"].pk]))
    pd = client.get(url, {"log": "pd", "case": "ОГ-26-00007"})
    assert [r.via for r in pd.context["page"].object_list] == ["case_page"]
    assert "Иванова" in pd.content.decode()  # the person, by name


def test_audit_rows_cannot_be_changed_or_deleted(world):
    event = AuditEvent.objects.filter(action="quality.rate").get()
    with pytest.raises(Exception, match="нельзя"):
        event.save()
    with pytest.raises(Exception, match="нельзя"):
        event.delete()
    if connection.vendor == "postgresql":
        # the database itself refuses, whatever the code does
        for sql in ("UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"):
            with (
                pytest.raises(DatabaseError, match="только дополняется"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql)
        assert AuditEvent.objects.filter(action="quality.rate").exists()
    else:
        # SQLite: no trigger (the suite flushes tables with DELETE); the model refuses, as above
        assert connection.vendor == "sqlite"


def test_deleting_a_user_keeps_the_audit_rows(world):
    user = world["spec"]
    record("case.comment", actor=user, obj=world["mine"])
    user.delete()
    event = AuditEvent.objects.get(action="case.comment")
    assert event.actor_label == "spec" and event.actor_id is not None  # the row is untouched
