"""Public discussions: documents checked on upload, comments pre-moderated with recorded reasons,
proposals with the administration's responses, and the final protocol (DOCX) opened with python-docx."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document

from otklik.audit.models import AuditEvent
from otklik.participation import exports, selectors, services
from otklik.participation.models import Comment, ModerationReason
from otklik.participation.rules import TransitionError
from otklik.participation.uploads import check_document
from tests.factories import SettlementFactory
from tests.participation.helpers import officer, resident

pytestmark = pytest.mark.django_db

ODT = b"PK\x03\x04" + b"\x00" * 26 + b"mimetypeapplication/vnd.oasis.opendocument.text" + b"\x00" * 20


@pytest.fixture
def discussion(municipality, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    actor = officer(municipality)
    now = timezone.now()
    d = services.create_discussion(
        actor=actor,
        municipality=municipality,
        title="Схема размещения площадок ТКО",
        description="Проект схемы размещения контейнерных площадок.",
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=14),
    )
    services.add_document(
        d, actor=actor, title="Схема", upload=SimpleUploadedFile("schema.pdf", b"%PDF-1.7 x")
    )
    return services.publish_discussion(d, actor=actor)


def comment(discussion, email, text, **kw):
    return services.submit_comment(
        discussion, resident(email), author_name="Житель", text=text, ip_hash="ip", **kw
    )


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("a.pdf", b"%PDF-1.4", None),
        ("a.docx", b"PK\x03\x04rest", None),
        ("a.odt", ODT, None),
        ("a.odt", b"PK\x03\x04not an odt", "не является файлом ODT"),
        ("a.pdf", b"MZ\x90\x00", "программа"),
        ("a.exe", b"MZ", "PDF, DOCX или ODT"),
        ("a.jpg", b"\xff\xd8\xff", "PDF, DOCX или ODT"),
        ("a.pdf", b"", "пустой"),
    ],
)
def test_documents_are_checked_by_name_and_content(name, content, problem):
    result = check_document(SimpleUploadedFile(name, content))
    assert (problem in result) if problem else result is None


def test_comments_wait_for_moderation_and_rejections_record_the_reason(discussion):
    moderator = officer(discussion.municipality, last_name="Модератова")
    good = comment(discussion, "a@mail.ru", "Площадку у школы лучше перенести к гаражам.")
    bad = comment(discussion, "b@mail.ru", "Купите окна недорого!")
    assert {good.status, bad.status} == {"pending"}
    assert not selectors.published_comments(discussion).exists()
    services.moderate_comment(good, actor=moderator, publish=True)
    spam = ModerationReason.objects.get(code="spam")
    with pytest.raises(services.ParticipationError, match="причину"):
        services.moderate_comment(bad, actor=moderator, publish=False)
    services.moderate_comment(bad, actor=moderator, publish=False, reason=spam, note="реклама окон")
    bad.refresh_from_db()
    assert (bad.status, bad.reason, bad.moderation_note, bad.moderated_by) == (
        "rejected",
        spam,
        "реклама окон",
        moderator,
    )
    assert list(selectors.published_comments(discussion)) == [Comment.objects.get(pk=good.pk)]
    event = AuditEvent.objects.get(action="participation.comment_moderated", object_id=str(bad.pk))
    assert event.before["status"] == "pending"
    assert event.after == {"status": "rejected", "reason": "spam", "note": "реклама окон"}
    summary = selectors.moderation_summary(discussion)
    assert (summary.received, summary.published, summary.rejected, summary.pending) == (2, 1, 1, 0)
    assert summary.by_reason == [(spam.text, 1)]


def test_a_moderation_decision_may_be_revised_but_not_repeated(discussion):
    c = comment(discussion, "a@mail.ru", "Предлагаю оставить площадку на месте.")
    services.moderate_comment(c, actor=None, publish=True)
    with pytest.raises(TransitionError):
        services.moderate_comment(c, actor=None, publish=True)
    services.moderate_comment(
        c, actor=None, publish=False, reason=ModerationReason.objects.get(code="offtopic")
    )
    services.moderate_comment(c, actor=None, publish=True)
    c.refresh_from_db()
    assert (c.status, c.reason) == ("published", None)


def test_comments_are_taken_only_in_the_period_and_with_an_e_mail(discussion):
    from otklik.participation.codes import VerifiedContact

    phone = VerifiedContact("phone", "+79041234567", "h", "")
    with pytest.raises(services.ParticipationError, match="электронной почты"):
        services.submit_comment(discussion, phone, author_name="А", text="Текст комментария", ip_hash="ip")
    services.close_discussion(discussion, actor=None)
    discussion.refresh_from_db()
    with pytest.raises(services.ParticipationError, match="завершён"):
        comment(discussion, "a@mail.ru", "Поздний комментарий к проекту.")


def test_a_comment_settlement_must_belong_to_the_discussion(discussion):
    other = SettlementFactory()
    with pytest.raises(services.ParticipationError, match="поселение"):
        comment(discussion, "a@mail.ru", "Комментарий о площадках.", settlement=other)


def test_comments_from_one_address_are_limited(discussion, settings):
    from otklik.intake.webform.services import RateLimited

    settings.OTKLIK_COMMENT_PER_HOUR = 1
    comment(discussion, "a@mail.ru", "Первый комментарий о площадках.")
    with pytest.raises(RateLimited, match="комментариев"):
        comment(discussion, "a@mail.ru", "Второй комментарий о площадках.")


def test_published_documents_stay(discussion):
    with pytest.raises(services.ParticipationError, match="не удаляются"):
        services.delete_document(discussion.documents.get(), actor=None)


def test_proposals_group_published_comments_only(discussion):
    pending = comment(discussion, "a@mail.ru", "Перенести площадку от школы.")
    with pytest.raises(services.ParticipationError, match="опубликованные"):
        services.create_proposal(discussion, actor=None, summary="Перенести", comments=[pending])


def test_the_protocol_lists_proposals_responses_and_moderation(discussion):
    actor = officer(discussion.municipality, role="head")
    first = comment(discussion, "a@mail.ru", "Площадку у школы № 2 перенести к гаражам.")
    second = comment(discussion, "b@mail.ru", "Поддерживаю перенос площадки от школы.")
    third = comment(discussion, "c@mail.ru", "Добавить площадку на ул. Садовой.")
    rejected = comment(discussion, "d@mail.ru", "Грубый текст")
    for c in (first, second, third):
        services.moderate_comment(c, actor=actor, publish=True)
    services.moderate_comment(
        rejected, actor=actor, publish=False, reason=ModerationReason.objects.get(code="abuse")
    )
    move = services.create_proposal(
        discussion, actor=actor, summary="Перенести площадку от школы № 2", comments=[first, second]
    )
    services.respond_to_proposal(
        move, actor=actor, decision="accepted", response="Площадка будет перенесена к гаражам до 1 июня."
    )
    services.close_discussion(discussion, actor=actor)
    services.update_discussion(discussion, actor=actor, conclusion="Схема утверждается с учётом переноса.")
    discussion.refresh_from_db()
    doc = Document(io.BytesIO(exports.protocol_docx(discussion)))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "ПРОТОКОЛ" in text and "«Схема размещения площадок ТКО»" in text
    assert "Поступило комментариев: 4; опубликовано: 3; отклонено при модерации: 1" in text
    assert "Нецензурные или оскорбительные выражения — 1" in text
    assert "Грубый текст" not in text  # a rejected comment's text stays out
    assert "Добавить площадку на ул. Садовой" in text  # published but not grouped
    assert "Схема утверждается с учётом переноса." in text
    table = doc.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "№",
        "Предложение и комментарии жителей",
        "Решение",
        "Ответ администрации",
    ]
    row = [c.text for c in table.rows[1].cells]
    assert row[0] == "1" and row[1].startswith("Перенести площадку от школы № 2")
    assert "Поддерживаю перенос" in row[1] and row[2] == "учтено" and "до 1 июня" in row[3]
    assert AuditEvent.objects.filter(
        action="participation.proposal_answered", object_id=str(move.pk)
    ).exists()


def test_a_response_needs_a_decision_and_a_text(discussion):
    c = comment(discussion, "a@mail.ru", "Предложение о площадках.")
    services.moderate_comment(c, actor=None, publish=True)
    p = services.create_proposal(discussion, actor=None, summary="Площадки", comments=[c])
    with pytest.raises(services.ParticipationError, match="решение"):
        services.respond_to_proposal(p, actor=None, decision="maybe", response="…")
    with pytest.raises(services.ParticipationError, match="ответ"):
        services.respond_to_proposal(p, actor=None, decision="noted", response=" ")
