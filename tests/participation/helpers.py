"""Building polls, discussions and verified residents for the participation tests."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from otklik.org.models import Role
from otklik.participation import services
from otklik.participation.codes import VerifiedContact, hash_of
from otklik.participation.identity import normalise_email
from otklik.participation.models import Poll, Question
from tests.factories import RoleFactory


def officer(municipality, role=Role.POS_OFFICER, **user):
    return RoleFactory(
        role=role, municipality=municipality, **{f"user__{k}": v for k, v in user.items()}
    ).user


def resident(email: str = "ivanova@mail.ru") -> VerifiedContact:
    """A resident who has typed the code sent to `email`."""
    normalised = normalise_email(email)
    return VerifiedContact("email", normalised, hash_of("email", normalised), normalised)


def poll_with_questions(municipality, actor, *, settlements=None, publish=True, anonymous=True, **fields):
    """A poll with one question of each kind: 1 single (Да/Нет/Не знаю), 2 multiple (Парк/Дороги/Свет),
    3 scale 1–5, 4 free text (optional)."""
    now = timezone.now()
    poll = services.create_poll(
        actor=actor,
        municipality=municipality,
        title=fields.pop("title", "Благоустройство парка"),
        starts_at=fields.pop("starts_at", now - timedelta(days=1)),
        ends_at=fields.pop("ends_at", now + timedelta(days=7)),
        settlements=settlements,
        is_anonymous=anonymous,
        **fields,
    )
    services.add_question(
        poll, actor=actor, text="Нужен ли новый парк?", kind="single", options=["Да", "Нет", "Не знаю"]
    )
    services.add_question(
        poll,
        actor=actor,
        text="Что важнее?",
        kind="multiple",
        options=["Парк", "Дороги", "Свет"],
        required=False,
    )
    services.add_question(poll, actor=actor, text="Оцените благоустройство", kind="scale", required=False)
    services.add_question(poll, actor=actor, text="Ваши предложения", kind="text", required=False)
    if publish:
        services.publish_poll(poll, actor=actor)
    return Poll.objects.get(pk=poll.pk)


def answers(poll, *, single=None, multiple=(), scale=None, text=""):
    """services.Answer values by option text."""
    q = {x.order: x for x in poll.questions.prefetch_related("options")}

    def option(question: Question, label: str):
        return next(o for o in question.options.all() if o.text == label)

    result = []
    result.append(services.Answer(q[1], options=(option(q[1], single),) if single else ()))
    result.append(services.Answer(q[2], options=tuple(option(q[2], m) for m in multiple)))
    result.append(services.Answer(q[3], value=scale))
    result.append(services.Answer(q[4], text=text))
    return result
