"""Shared set-up of the satisfaction tests: a case answered (and closed) through the services."""

from __future__ import annotations

import itertools
import secrets

from otklik.cases.models import Case, Status
from otklik.cases.services import answer_case, close_case
from otklik.org.models import Role
from tests.factories import CaseFactory, RoleFactory

ANSWER = "Контейнерную площадку на ул. Мира вывезли 20 ноября, график вывоза — по вторникам и пятницам."
_numbers = itertools.count(1)


def make_case(
    muni,
    *,
    kind="message",
    channel="api",
    email="ivan@example.ru",
    token=True,
    owner=None,
    answered=True,
    closed=True,
):
    """A case of `muni` given to `owner` (a head of the centre by default), answered and closed."""
    owner = owner or RoleFactory(role=Role.HEAD, municipality=muni).user
    case = CaseFactory(
        municipality=muni,
        kind=kind,
        channel=channel,
        author_name="Петров Иван Сергеевич",
        author_email=email,
        tracking_token=secrets.token_urlsafe(18) if token else None,
        registration_number=f"ОГ-26-{next(_numbers):05d}",
        status=Status.IN_PROGRESS,
        owner=owner,
    )
    if answered:
        answer_case(case.pk, ANSWER, actor=owner)
    if closed:
        close_case(case.pk, actor=owner)
    return Case.objects.select_related("municipality").get(pk=case.pk)
