"""The content plan's workflow: draft → planned → approved (the head only) → published with a link;
edits after approval go back to the head; links to problems and measures; scope; audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from otklik.audit.models import AuditEvent
from otklik.org.models import Role
from otklik.problems.models import Measure, Problem
from otklik.publications import services
from otklik.publications.rules import TransitionError
from tests.factories import MunicipalityFactory, RoleFactory
from tests.publications.helpers import page, post, staff

pytestmark = pytest.mark.django_db


def test_a_post_goes_from_draft_to_approved_by_the_head(municipality):
    officer = staff(municipality, Role.INCIDENT_OFFICER)
    head = staff(municipality, Role.HEAD)
    p = post(municipality, officer)
    assert p.status == "draft"
    p = services.transition(p, "planned", actor=officer)
    with pytest.raises(TransitionError, match="только руководитель МЦУ"):
        services.transition(p, "approved", actor=officer)
    p = services.transition(p, "approved", actor=head)
    assert (p.status, p.approved_by, p.approved_at is not None) == ("approved", head, True)
    actions = list(
        AuditEvent.objects.filter(object_type="publications.post", object_id=str(p.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions[::-1] == [
        "publications.post_created",
        "publications.post_planned",
        "publications.post_approved",
    ]


@pytest.mark.parametrize("role", [Role.INCIDENT_OFFICER, Role.CURATOR, Role.POS_OFFICER])
def test_only_the_head_approves(municipality, role):
    p = services.transition(post(municipality), "planned", actor=staff(municipality, Role.INCIDENT_OFFICER))
    with pytest.raises((TransitionError, services.PublicationError)):
        services.transition(p, "approved", actor=staff(municipality, role))
    p.refresh_from_db()
    assert p.status == "planned"


def test_a_superuser_does_not_approve_for_the_head(municipality, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.ru", "correct-horse-42")
    p = services.transition(post(municipality), "planned", actor=admin)
    with pytest.raises(TransitionError, match="руководитель"):
        services.transition(p, "approved", actor=admin)


def test_the_head_of_another_municipality_does_not_approve(municipality):
    p = services.transition(post(municipality), "planned", actor=staff(municipality, Role.INCIDENT_OFFICER))
    with pytest.raises(TransitionError):
        services.transition(p, "approved", actor=staff(MunicipalityFactory(), Role.HEAD))


def test_a_region_wide_head_approves(municipality):
    p = services.transition(post(municipality), "planned", actor=staff(municipality, Role.INCIDENT_OFFICER))
    head = RoleFactory(role=Role.HEAD, municipality=None).user
    assert services.transition(p, "approved", actor=head).status == "approved"


def test_editing_an_approved_post_sends_it_back_to_the_head(municipality):
    officer = staff(municipality, Role.INCIDENT_OFFICER)
    p = services.transition(post(municipality, officer), "planned", actor=officer)
    p = services.transition(p, "approved", actor=staff(municipality, Role.HEAD))
    p = services.update_post(p, actor=officer, text="Исправленный текст о ремонте дороги.")
    assert (p.status, p.approved_by, p.text) == ("planned", None, "Исправленный текст о ремонте дороги.")
    assert "согласовать снова" in p.note


def test_the_head_returns_a_post_with_a_note(municipality):
    officer = staff(municipality, Role.INCIDENT_OFFICER)
    p = services.transition(post(municipality, officer), "planned", actor=officer)
    p = services.transition(p, "draft", actor=staff(municipality, Role.HEAD), note="Уточните даты объезда")
    assert (p.status, p.note) == ("draft", "Уточните даты объезда")


def test_a_published_or_cancelled_post_is_not_edited(municipality):
    officer = staff(municipality, Role.INCIDENT_OFFICER)
    p = services.transition(post(municipality, officer), "cancelled", actor=officer, note="Неактуально")
    with pytest.raises(services.PublicationError, match="отменена"):
        services.update_post(p, actor=officer, title="x")
    p = services.transition(p, "draft", actor=officer)
    p = services.transition(p, "planned", actor=officer)
    p = services.transition(p, "approved", actor=staff(municipality, Role.HEAD))
    p = services.mark_published(p, actor=officer, url="https://vk.com/wall-1_2")
    assert (p.status, p.published_url, p.published_by) == ("published", "https://vk.com/wall-1_2", officer)
    with pytest.raises(services.PublicationError, match="опубликована"):
        services.update_post(p, actor=officer, title="x")
    with pytest.raises(TransitionError):
        services.transition(p, "cancelled", actor=officer)


def test_marking_published_needs_a_link_and_an_approved_post(municipality):
    officer = staff(municipality, Role.INCIDENT_OFFICER)
    p = post(municipality, officer)
    with pytest.raises(TransitionError):
        services.mark_published(p, actor=officer, url="https://vk.com/wall-1_2")
    p = services.transition(p, "planned", actor=officer)
    p = services.transition(p, "approved", actor=staff(municipality, Role.HEAD))
    with pytest.raises(services.PublicationError, match="ссылку"):
        services.mark_published(p, actor=officer, url="vk.com/wall")


def test_only_the_plans_staff_create_posts(municipality):
    with pytest.raises(services.PublicationError):
        post(municipality, staff(municipality, Role.SPECIALIST))
    with pytest.raises(services.PublicationError):
        post(municipality, staff(MunicipalityFactory(), Role.INCIDENT_OFFICER))


def test_a_post_explains_a_problem_and_its_measure(municipality):
    problem = Problem.objects.create(municipality=municipality, title="Яма на ул. Ленина", status="confirmed")
    measure = Measure.objects.create(
        problem=problem,
        title="Ямочный ремонт",
        responsible_name="Кузнецов А. П.",
        start_on=date.today(),
        due_on=date.today(),
    )
    p = post(municipality, problem=problem, measure=measure)
    assert (p.problem, p.measure) == (problem, measure)
    assert list(problem.posts.all()) == [p]
    other = Problem.objects.create(municipality=municipality, title="Свалка", status="confirmed")
    with pytest.raises(services.PublicationError, match="другой проблеме"):
        post(municipality, problem=other, measure=measure)
    with pytest.raises(services.PublicationError, match="другому муниципальному"):
        post(municipality, problem=Problem.objects.create(municipality=MunicipalityFactory(), title="x"))


def test_a_page_of_another_municipality_is_refused(municipality):
    with pytest.raises(services.PublicationError, match="Страница"):
        post(municipality, page=page(MunicipalityFactory()))


def test_a_deleted_problem_leaves_the_post(municipality):
    problem = Problem.objects.create(municipality=municipality, title="Яма", status="confirmed")
    p = post(municipality, problem=problem, when=timezone.now() + timedelta(days=2))
    problem.delete()
    p.refresh_from_db()
    assert p.problem is None
