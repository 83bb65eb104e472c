"""A negative rating reopens the case per the municipality's rules, and its owner is told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.cases.models import CaseEvent, Status
from otklik.cases.services import answer_case, close_case
from otklik.notifications.models import Notification
from otklik.org.models import Role
from otklik.quality.models import QualityPolicy, Rating
from otklik.quality.selectors import policy_for
from otklik.quality.services import RatingError, rate
from tests.factories import MunicipalityFactory, RoleFactory, UserFactory
from tests.quality.satisfaction import make_case


@pytest.fixture
def muni(db):
    return MunicipalityFactory(code="kotelnikovo")


def test_policy_for_a_municipality_without_its_own_rules_gives_the_defaults(muni):
    policy = policy_for(muni)
    assert policy.pk is None and policy.municipality == muni
    assert (policy.reminder_after_days, policy.reopen_kinds, policy.reopen_max_score) == (3, ["message"], 2)
    saved = QualityPolicy.objects.create(municipality=muni, reminder_after_days=7)
    assert policy_for(muni) == saved and policy_for(muni.pk).reminder_after_days == 7


def test_an_unsatisfied_author_reopens_a_closed_message_and_the_owner_is_told(muni):
    case = make_case(muni)
    old_due = case.due_at
    rating = rate(case, satisfied=False, score=1, comment="Площадку так и не вывезли")
    case.refresh_from_db()
    assert case.status == Status.REOPENED and case.closed_at is None and case.due_at != old_due
    reopen = CaseEvent.objects.filter(case=case, to_status=Status.REOPENED).get()
    assert reopen.actor is None
    assert reopen.note == "Автор не удовлетворён ответом (оценка 1 из 5): «Площадку так и не вывезли»."
    assert CaseEvent.objects.get(case=case, data__rating=rating.pk).data["reopen"] is True
    note = Notification.objects.get(user=case.owner)
    assert note.title == f"Возобновлено по оценке автора: {case.registration_number}"
    assert "не удовлетворён, 1 из 5" in note.body and "новый срок ответа" in note.body
    assert note.case == case and note.url == f"/cases/{case.pk}/"


def test_rating_again_after_the_rating_reopened_the_case_says_it_is_rated(muni):
    case = make_case(muni)
    rate(case, satisfied=False, score=1)
    with pytest.raises(RatingError, match="Этот ответ уже оценён"):
        rate(case, satisfied=True, score=5)
    assert Rating.objects.count() == 1


def test_ratings_reopen_a_case_only_as_often_as_the_policy_allows(muni):
    case = make_case(muni)
    rate(case, satisfied=False, score=2)
    answer_case(case.pk, "Площадку вывезли повторно, контейнеры заменены новыми.", actor=case.owner)
    close_case(case.pk, actor=case.owner)
    rate(case, satisfied=False, score=1)
    case.refresh_from_db()
    assert case.status == Status.CLOSED  # reopen_max_times = 1 by default
    assert Rating.objects.filter(case=case).count() == 2
    assert Notification.objects.filter(user=case.owner).count() == 1


@pytest.mark.parametrize(
    ("satisfied", "score"),
    [(True, 1), (True, None), (False, 3), (False, 5)],
)
def test_a_satisfied_author_or_a_middling_score_does_not_reopen(muni, satisfied, score):
    case = make_case(muni)
    rate(case, satisfied=satisfied, score=score)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and not Notification.objects.exists()


def test_an_unsatisfied_author_without_a_score_reopens(muni):
    case = make_case(muni)
    rate(case, satisfied=False)
    case.refresh_from_db()
    assert case.status == Status.REOPENED


def test_appeals_are_reopened_only_when_the_policy_names_them(muni):
    appeal = make_case(muni, kind="appeal", channel="web")
    rate(appeal, satisfied=False, score=1)
    appeal.refresh_from_db()
    assert appeal.status == Status.CLOSED
    QualityPolicy.objects.create(municipality=muni, reopen_kinds=["message", "appeal"])
    other = make_case(muni, kind="appeal", channel="web")
    rate(other, satisfied=False, score=1)
    other.refresh_from_db()
    assert other.status == Status.REOPENED


def test_a_rating_after_the_window_does_not_reopen(muni):
    case = make_case(muni)
    rate(case, satisfied=False, score=1, at=timezone.now() + timedelta(days=31))
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_the_policy_may_switch_reopening_off(muni):
    QualityPolicy.objects.create(municipality=muni, reopen_on_unsatisfied=False)
    case = make_case(muni)
    rate(case, satisfied=False, score=1)
    case.refresh_from_db()
    assert case.status == Status.CLOSED


def test_an_answered_case_not_yet_closed_stays_answered_and_the_owner_is_warned(muni):
    case = make_case(muni, closed=False)
    rate(case, satisfied=False, score=1, comment="Ничего не сделано")
    case.refresh_from_db()
    assert case.status == Status.ANSWERED
    note = Notification.objects.get(user=case.owner)
    assert note.title == f"Автор не удовлетворён ответом: {case.registration_number}"
    assert "прежде чем закрывать" in note.body and "«Ничего не сделано»" in note.body


def test_a_rating_from_the_platform_never_reopens_here(muni):
    case = make_case(muni)
    rate(case, satisfied=False, score=1, source=Rating.Source.POS)
    case.refresh_from_db()
    assert case.status == Status.CLOSED and not Notification.objects.exists()


def test_without_an_owner_the_head_of_the_centre_is_told(muni):
    case = make_case(muni, owner=UserFactory())
    head = RoleFactory(role=Role.HEAD, municipality=muni).user
    type(case).objects.filter(pk=case.pk).update(owner=None)
    case.refresh_from_db()
    rate(case, satisfied=False, score=1)
    assert Notification.objects.get().user == head
