"""Hot pages run a bounded number of queries whatever the number of polls, comments, ballots or posts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otklik.org.models import Role
from otklik.participation import services
from tests.factories import MunicipalityFactory, SettlementFactory
from tests.participation.helpers import answers, officer, poll_with_questions, resident
from tests.publications.helpers import page, post, staff

pytestmark = pytest.mark.django_db


def queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.fixture
def muni(settings):
    settings.OTKLIK_DEFAULT_MUNICIPALITY = "kot"
    m = MunicipalityFactory(code="kot")
    SettlementFactory(municipality=m)
    return m


def discussion(muni, n):
    now = timezone.now()
    d = services.create_discussion(
        actor=None,
        municipality=muni,
        title=f"Обсуждение {n}",
        description="…",
        starts_at=now,
        ends_at=now + timedelta(days=5),
    )
    return services.publish_discussion(d, actor=None)


def add(muni, actor, n, start=0):
    for i in range(start, start + n):
        poll = poll_with_questions(muni, actor, title=f"Опрос {i}")
        services.cast_ballot(
            poll,
            resident(f"r{i}@mail.ru"),
            settlement=muni.settlements.get(),
            answers=answers(poll, single="Да"),
            ip_hash=f"{i}",
        )
        d = discussion(muni, i)
        services.submit_comment(
            d, resident(f"r{i}@mail.ru"), author_name="А", text="Комментарий о проекте.", ip_hash=f"c{i}"
        )


def test_the_public_list_and_the_staff_pages_do_not_grow_with_the_data(client, muni):
    actor = officer(muni)
    add(muni, actor, 2)
    client.force_login(actor)
    urls = ["/participation/", "/participation/moderation/"]
    client.get(urls[0])  # the process's reference caches are built
    small = [queries(client, u) for u in urls]
    client.logout()
    small.append(queries(client, "/polls/"))
    add(muni, actor, 8, start=2)
    client.force_login(actor)
    large = [queries(client, u) for u in urls]
    client.logout()
    large.append(queries(client, "/polls/"))
    assert large == small


def test_the_results_page_does_not_grow_with_the_ballots(client, muni):
    actor = officer(muni)
    poll = poll_with_questions(muni, actor)
    client.force_login(actor)

    def vote(i):
        services.cast_ballot(
            poll,
            resident(f"v{i}@mail.ru"),
            settlement=muni.settlements.get(),
            answers=answers(poll, single="Да", multiple=("Парк",), scale=4, text="Скамейки"),
            ip_hash=f"v{i}",
        )

    vote(0)
    client.get(f"/participation/polls/{poll.pk}/results/")  # the process's reference caches are built
    small = queries(client, f"/participation/polls/{poll.pk}/results/")
    for i in range(1, 20):
        vote(i)
    assert queries(client, f"/participation/polls/{poll.pk}/results/") == small


def test_the_content_plan_does_not_grow_with_the_posts(client, muni):
    smm = staff(muni, Role.INCIDENT_OFFICER)
    vk = page(muni)
    client.force_login(smm)
    month = f"{timezone.localtime(timezone.now() + timedelta(hours=2), muni.tz):%Y-%m}"
    post(muni, smm, page=vk, when=timezone.now() + timedelta(hours=2))
    small = queries(client, f"/publications/?month={month}")
    for i in range(15):
        post(muni, smm, page=vk, when=timezone.now() + timedelta(hours=2, minutes=i))
    assert queries(client, f"/publications/?month={month}") == small
