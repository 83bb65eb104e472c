"""Officers' pages: who gets in, the poll and discussion pages end to end through the client, exports,
moderation, and the scope (an officer of another municipality sees and changes nothing)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from otklik.org.models import Role
from otklik.participation import services
from otklik.participation.models import Comment, Discussion, ModerationReason, PlatformCount, Poll
from tests.factories import MunicipalityFactory, SettlementFactory
from tests.participation.helpers import officer, poll_with_questions, resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def muni():
    m = MunicipalityFactory(code="kot", name="Котельниковский район")
    SettlementFactory(municipality=m, name="Город")
    SettlementFactory(municipality=m, name="Село")
    return m


@pytest.fixture
def pos(client, muni):
    user = officer(muni)
    client.force_login(user)
    return user


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_only_officers_running_polls_get_in(client, muni):
    assert client.get("/participation/").status_code == 302  # to the login page
    client.force_login(officer(muni, role=Role.SPECIALIST))
    assert client.get("/participation/").status_code == 403


def test_the_staff_navigation_shows_participation_and_its_queue(client, muni, pos):
    page = client.get("/participation/").content.decode()
    assert 'href="/participation/"' in page and "Участие" in page
    assert "Опросов ещё нет" in page and "Обсуждений ещё нет" in page


def test_an_officer_creates_fills_publishes_and_closes_a_poll(client, muni, pos):
    now = timezone.now()
    village = muni.settlements.get(name="Село")
    response = client.post(
        "/participation/polls/new/",
        {
            "kind": "vote",
            "title": "Название сквера",
            "description": "Выберите название нового сквера.",
            "starts_at": local(now - timedelta(hours=1)),
            "ends_at": local(now + timedelta(days=5)),
            "is_anonymous": "1",
            "settlements": [village.pk],
        },
    )
    poll = Poll.objects.get()
    assert response["Location"] == f"/participation/polls/{poll.pk}/"
    assert (poll.kind, list(poll.settlements.all())) == ("vote", [village])
    bad = client.post(
        f"/participation/polls/{poll.pk}/questions/",
        {"text": "Как назвать?", "kind": "single", "options": "Один"},
    )
    assert bad.status_code == 400 and "хотя бы два варианта" in bad.content.decode()
    client.post(
        f"/participation/polls/{poll.pk}/questions/",
        {
            "text": "Как назвать?",
            "kind": "single",
            "options": "Юбилейный\nМолодёжный\n",
            "required": "on",
            "scale_min": 1,
            "scale_max": 5,
        },
    )
    assert list(poll.questions.get().options.values_list("text", flat=True)) == ["Юбилейный", "Молодёжный"]
    page = client.get(f"/participation/polls/{poll.pk}/").content.decode()
    assert "Юбилейный" in page and "Опубликовать" in page
    client.post(f"/participation/polls/{poll.pk}/publish/")
    poll.refresh_from_db()
    assert poll.status == "published"
    services.cast_ballot(
        poll,
        resident(),
        settlement=village,
        answers=[services.Answer(poll.questions.get(), options=(poll.questions.get().options.first(),))],
        ip_hash="ip",
    )
    results = client.get(f"/participation/polls/{poll.pk}/results/").content.decode()
    assert "Промежуточные итоги" in results and "Юбилейный" in results and 'id="results-data"' in results
    client.post(f"/participation/polls/{poll.pk}/close/")
    poll.refresh_from_db()
    assert poll.status == "closed"
    export = client.get(f"/participation/polls/{poll.pk}/results.xlsx")
    assert export["Content-Disposition"] == f'attachment; filename="itogi-{poll.slug}.xlsx"'
    sheet = load_workbook(io.BytesIO(export.content))["Итоги"]
    assert any(r[:2] == ("Юбилейный", 1) for r in sheet.iter_rows(values_only=True))


def test_the_platform_file_is_uploaded_from_the_poll_page(client, muni, pos):
    poll = poll_with_questions(muni, pos)
    upload = SimpleUploadedFile("итоги.csv", "Вопрос;Ответ;Количество\n1;Да;7\n1;Шрёдингер;1\n".encode())
    response = client.post(f"/participation/polls/{poll.pk}/platform/", {"file": upload}, follow=True)
    page = response.content.decode()
    assert "Итоги платформы загружены: добавлено 1" in page and "отклонено строк 1" in page
    assert "вариант «Шрёдингер» не найден" in page
    assert PlatformCount.objects.get().count == 7


def test_an_officer_of_another_municipality_sees_and_changes_nothing(client, muni):
    poll = poll_with_questions(muni, officer(muni), publish=False)
    now = timezone.now()
    discussion = services.create_discussion(
        actor=None,
        municipality=muni,
        title="Обсуждение",
        description="…",
        starts_at=now,
        ends_at=now + timedelta(days=3),
    )
    stranger = officer(MunicipalityFactory(), role=Role.HEAD)
    client.force_login(stranger)
    assert poll.title not in client.get("/participation/").content.decode()
    for url in (
        f"/participation/polls/{poll.pk}/",
        f"/participation/polls/{poll.pk}/edit/",
        f"/participation/polls/{poll.pk}/results.xlsx",
        f"/participation/discussions/{discussion.pk}/",
        f"/participation/discussions/{discussion.pk}/protocol.docx",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/participation/polls/{poll.pk}/publish/").status_code == 404
    assert client.post(f"/participation/discussions/{discussion.pk}/publish/").status_code == 404
    poll.refresh_from_db()
    discussion.refresh_from_db()
    assert (poll.status, discussion.status) == ("draft", "draft")


def test_a_region_wide_head_runs_every_municipality(client, muni):
    poll = poll_with_questions(muni, officer(muni))
    from tests.factories import RoleFactory

    head = RoleFactory(role=Role.HEAD, municipality=None).user
    client.force_login(head)
    assert client.get(f"/participation/polls/{poll.pk}/").status_code == 200


@pytest.fixture
def discussion(muni, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    now = timezone.now()
    return services.create_discussion(
        actor=None,
        municipality=muni,
        title="Правила благоустройства",
        description="Проект правил.",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=5),
    )


def test_documents_are_uploaded_and_checked(client, pos, discussion):
    url = f"/participation/discussions/{discussion.pk}/documents/"
    bad = client.post(url, {"title": "Вирус", "file": SimpleUploadedFile("virus.pdf", b"MZ\x90")})
    assert bad.status_code == 400 and "программа" in bad.content.decode()
    client.post(url, {"title": "Проект", "file": SimpleUploadedFile("proekt.pdf", b"%PDF-1.4")})
    assert discussion.documents.get().title == "Проект"
    client.post(f"/participation/discussions/{discussion.pk}/publish/")
    discussion.refresh_from_db()
    assert discussion.status == "published"


def test_the_moderation_queue_publishes_and_rejects_with_a_reason(client, pos, discussion):
    discussion = services.publish_discussion(discussion, actor=pos)
    c1 = services.submit_comment(
        discussion, resident("a@mail.ru"), author_name="Анна", text="Добавить урны у остановок.", ip_hash="1"
    )
    c2 = services.submit_comment(
        discussion, resident("b@mail.ru"), author_name="Бот", text="Реклама окон недорого.", ip_hash="2"
    )
    page = client.get("/participation/moderation/").content.decode()
    assert "Ждут проверки: 2" in page and "Добавить урны" in page
    assert ">2</span>" in page  # the badge in the navigation
    client.post(f"/participation/moderation/{c1.pk}/", {"decision": "publish"})
    refused = client.post(
        f"/participation/moderation/{c2.pk}/", {"decision": "reject", "reason": ""}, follow=True
    )
    assert "выберите причину" in refused.content.decode()
    spam = ModerationReason.objects.get(code="spam")
    client.post(
        f"/participation/moderation/{c2.pk}/", {"decision": "reject", "reason": spam.pk, "note": "реклама"}
    )
    assert dict(Comment.objects.values_list("pk", "status")) == {c1.pk: "published", c2.pk: "rejected"}
    assert Comment.objects.get(pk=c2.pk).reason == spam
    assert "Все комментарии проверены" in client.get("/participation/moderation/").content.decode()


def test_proposals_responses_and_the_protocol_from_the_pages(client, pos, discussion):
    discussion = services.publish_discussion(discussion, actor=pos)
    c = services.submit_comment(
        discussion, resident(), author_name="Анна", text="Добавить урны у остановок.", ip_hash="1"
    )
    services.moderate_comment(c, actor=pos, publish=True)
    url = f"/participation/discussions/{discussion.pk}/proposals/"
    assert "Не отнесены к предложениям: 1" in client.get(url).content.decode()
    client.post(url, {"summary": "Урны у остановок", "comments": [c.pk]})
    proposal = discussion.proposals.get()
    response = client.post(
        f"{url}{proposal.pk}/",
        {
            f"p{proposal.pk}-summary": "Урны у остановок",
            f"p{proposal.pk}-decision": "accepted",
            f"p{proposal.pk}-response": "Урны поставят в мае.",
        },
    )
    assert response.status_code == 302
    client.post(f"/participation/discussions/{discussion.pk}/conclusion/", {"conclusion": "Правила принять."})
    docx = client.get(f"/participation/discussions/{discussion.pk}/protocol.docx")
    assert docx["Content-Type"].endswith("wordprocessingml.document")
    doc = Document(io.BytesIO(docx.content))
    assert doc.tables[0].rows[1].cells[3].text == "Урны поставят в мае."
    assert "Правила принять." in "\n".join(p.text for p in doc.paragraphs)
    assert Discussion.objects.get().conclusion == "Правила принять."


def test_the_lists_paginate(client, muni, pos):
    now = timezone.now()
    for n in range(23):
        services.create_poll(
            actor=pos, municipality=muni, title=f"Опрос {n}", starts_at=now, ends_at=now + timedelta(days=1)
        )
    page = client.get("/participation/").content.decode()
    assert "Страница 1 из 2" in page
    assert "Страница 2 из 2" in client.get("/participation/", {"polls_page": 2}).content.decode()
