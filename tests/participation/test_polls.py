"""A poll's lifecycle: created as a draft, questions added, published, closed (by hand or when its period
ends); every officer's write is audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.audit.models import AuditEvent
from otklik.participation import services
from otklik.participation.models import Poll, Question
from otklik.participation.rules import TransitionError
from tests.factories import MunicipalityFactory, SettlementFactory
from tests.participation.helpers import officer, poll_with_questions

pytestmark = pytest.mark.django_db


def test_a_new_poll_is_a_draft_with_a_readable_address(municipality):
    actor = officer(municipality)
    now = timezone.now()
    poll = services.create_poll(
        actor=actor,
        municipality=municipality,
        title="Благоустройство парка",
        starts_at=now,
        ends_at=now + timedelta(days=3),
    )
    assert (poll.status, poll.slug) == ("draft", "blagoustroystvo-parka")
    again = services.create_poll(
        actor=actor,
        municipality=municipality,
        title="Благоустройство парка",
        starts_at=now,
        ends_at=now + timedelta(days=3),
    )
    assert again.slug == "blagoustroystvo-parka-2"
    assert AuditEvent.objects.filter(action="participation.poll_created", object_id=str(poll.pk)).exists()


def test_a_poll_without_questions_cannot_be_published(municipality):
    actor = officer(municipality)
    now = timezone.now()
    poll = services.create_poll(
        actor=actor, municipality=municipality, title="Пустой", starts_at=now, ends_at=now + timedelta(days=1)
    )
    with pytest.raises(services.ParticipationError, match="нет ни одного вопроса"):
        services.publish_poll(poll, actor=actor)


def test_a_poll_whose_end_has_passed_cannot_be_published(municipality):
    actor = officer(municipality)
    poll = poll_with_questions(municipality, actor, publish=False)
    Poll.objects.filter(pk=poll.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(services.ParticipationError, match="окончания уже прошла"):
        services.publish_poll(poll, actor=actor)


def test_a_choice_question_needs_two_distinct_options(municipality):
    actor = officer(municipality)
    poll = poll_with_questions(municipality, actor, publish=False)
    with pytest.raises(services.ParticipationError, match="два варианта"):
        services.add_question(poll, actor=actor, text="?", kind="single", options=["Да"])
    with pytest.raises(services.ParticipationError, match="повторяются"):
        services.add_question(poll, actor=actor, text="?", kind="single", options=["Да", "да"])
    with pytest.raises(services.ParticipationError, match="Шкала"):
        services.add_question(poll, actor=actor, text="?", kind="scale", scale_min=5, scale_max=1)


def test_publish_then_close_with_audit(municipality):
    actor = officer(municipality)
    poll = poll_with_questions(municipality, actor)
    assert poll.status == "published" and poll.published_by == actor and poll.published_at
    services.close_poll(poll, actor=actor)
    poll.refresh_from_db()
    assert poll.status == "closed" and poll.closed_by == actor
    actions = list(
        AuditEvent.objects.filter(object_id=str(poll.pk), object_type="participation.poll").values_list(
            "action", flat=True
        )
    )
    assert {
        "participation.poll_created",
        "participation.question_added",
        "participation.poll_published",
        "participation.poll_closed",
    } <= set(actions)
    with pytest.raises(TransitionError):
        services.close_poll(poll, actor=actor)
    with pytest.raises(TransitionError):
        services.publish_poll(poll, actor=actor)


def test_questions_change_only_in_a_draft(municipality):
    actor = officer(municipality)
    poll = poll_with_questions(municipality, actor)
    with pytest.raises(services.ParticipationError, match="черновике"):
        services.add_question(poll, actor=actor, text="Ещё", kind="text")
    with pytest.raises(services.ParticipationError, match="черновике"):
        services.delete_question(poll.questions.first(), actor=actor)


def test_deleting_a_question_renumbers_the_rest(municipality):
    actor = officer(municipality)
    poll = poll_with_questions(municipality, actor, publish=False)
    services.delete_question(Question.objects.get(poll=poll, order=2), actor=actor)
    assert list(poll.questions.values_list("order", "text")) == [
        (1, "Нужен ли новый парк?"),
        (2, "Оцените благоустройство"),
        (3, "Ваши предложения"),
    ]


def test_a_published_poll_changes_only_its_title_description_and_end(municipality):
    actor = officer(municipality)
    poll = poll_with_questions(municipality, actor)
    later = poll.ends_at + timedelta(days=2)
    services.update_poll(poll, actor=actor, ends_at=later, title="Новый парк")
    poll.refresh_from_db()
    assert (poll.ends_at, poll.title) == (later, "Новый парк")
    with pytest.raises(services.ParticipationError, match="уже опубликован"):
        services.update_poll(poll, actor=actor, is_anonymous=False)
    with pytest.raises(services.ParticipationError, match="позже начала"):
        services.update_poll(poll, actor=actor, ends_at=poll.starts_at)


def test_settlements_of_another_municipality_are_refused(municipality):
    actor = officer(municipality)
    foreign = SettlementFactory(municipality=MunicipalityFactory())
    now = timezone.now()
    with pytest.raises(services.ParticipationError, match="Поселения"):
        services.create_poll(
            actor=actor,
            municipality=municipality,
            title="x",
            starts_at=now,
            ends_at=now + timedelta(days=1),
            settlements=[foreign],
        )


def test_the_worker_closes_polls_and_discussions_whose_period_ended(municipality):
    actor = officer(municipality)
    ended = poll_with_questions(municipality, actor, title="Прошёл")
    running = poll_with_questions(municipality, actor, title="Идёт")
    Poll.objects.filter(pk=ended.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    now = timezone.now()
    discussion = services.create_discussion(
        actor=actor,
        municipality=municipality,
        title="Правила",
        description="…",
        starts_at=now - timedelta(days=2),
        ends_at=now + timedelta(hours=1),
    )
    services.publish_discussion(discussion, actor=actor)
    later = now + timedelta(hours=2)
    assert services.close_expired(now=later) == {"polls": 1, "discussions": 1}
    assert services.close_expired(now=later) == {"polls": 0, "discussions": 0}  # nothing twice
    ended.refresh_from_db()
    running.refresh_from_db()
    discussion.refresh_from_db()
    assert (ended.status, ended.closed_by, ended.closed_at) == ("closed", None, later)
    assert running.status == "published"
    assert discussion.status == "closed"
