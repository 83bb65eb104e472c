"""Answer review: blocks that ask for it hold answers until the head or block owner decides."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.audit.models import AuditEvent
from otklik.cases import services
from otklik.cases.models import Answer, Case, CaseEvent, Kind, Status
from otklik.notifications.models import Notification
from otklik.org.models import Role, Topic
from otklik.quality.formal import CHECKLIST_CODES
from otklik.quality.models import AnswerReview
from otklik.quality.review_selectors import pending_answers, template_reuse
from otklik.quality.review_services import ReviewError, approve_answer, notify_reviewers, reject_answer
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory

ANSWER = (
    "Вывоз ТКО с контейнерной площадки выполнен 12.05.2026 региональным оператором ООО «Эко». "
    "График вывоза восстановлен: по вторникам и пятницам. Контроль — начальник отдела ЖКХ Петров И. С."
)
ALL_CHECKED = dict.fromkeys(CHECKLIST_CODES, True)


@pytest.fixture
def district(db):
    muni = MunicipalityFactory(code="kot")
    block = BlockFactory(municipality=muni, name="ЖКХ", answer_review_required=True)
    block.topics.add(Topic.objects.get(code="housing"))
    plain = BlockFactory(municipality=muni, name="Дороги")
    owner = RoleFactory(role=Role.BLOCK_OWNER, municipality=muni, block=block, user__username="owner").user
    specialist = RoleFactory(
        role=Role.SPECIALIST, municipality=muni, block=block, user__username="spec", user__email="s@x.ru"
    ).user
    plain_specialist = RoleFactory(role=Role.SPECIALIST, municipality=muni, block=plain).user
    head = RoleFactory(role=Role.HEAD, municipality=muni, user__username="head").user
    return {
        "muni": muni,
        "block": block,
        "plain": plain,
        "owner": owner,
        "spec": specialist,
        "plain_spec": plain_specialist,
        "head": head,
    }


def new_case(d, block=None, **kw) -> Case:
    defaults = {
        "municipality": d["muni"],
        "block": block or d["block"],
        "kind": Kind.MESSAGE,
        "status": Status.IN_PROGRESS,
        "text": "Третью неделю не вывозят мусор с контейнерной площадки, контейнеры переполнены.",
    }
    defaults.update(kw)
    return CaseFactory(**defaults)


def test_block_without_review_sends_the_answer_at_once(district):
    case = new_case(district, block=district["plain"])
    answer = services.answer_case(case.pk, ANSWER, actor=district["plain_spec"])
    case.refresh_from_db()
    assert case.status == Status.ANSWERED and case.answered_at is not None
    assert answer.sent_at is not None and answer.review_state == ""


def test_answer_waits_for_review_and_second_answer_is_refused(district, django_capture_on_commit_callbacks):
    case = new_case(district, status=Status.ASSIGNED, owner=None)
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.answer_case(case.pk, ANSWER, actor=district["spec"])
    case.refresh_from_db()
    assert answer.review_state == Answer.Review.PENDING and answer.sent_at is None
    assert case.status == Status.IN_PROGRESS and case.answered_at is None
    assert case.owner == district["spec"]
    event = case.events.order_by("-pk").first()
    assert event.data["review"] == "pending" and event.to_status == Status.IN_PROGRESS
    # the block owner (not the head: the block has an owner) is asked
    asked = set(Notification.objects.filter(kind="answer_review").values_list("user__username", flat=True))
    assert asked == {"owner"}
    assert notify_reviewers(answer.pk) == 0  # once per person
    with pytest.raises(services.CaseActionError, match="уже на проверке"):
        services.answer_case(case.pk, ANSWER + " Ещё.", actor=district["spec"])


def test_approval_needs_the_whole_checklist_then_sends(district):
    case = new_case(district)
    answer = services.answer_case(case.pk, ANSWER, actor=district["spec"])
    partial = {**ALL_CHECKED, "polite": False}
    with pytest.raises(ReviewError, match="Тон вежливый"):
        approve_answer(answer.pk, actor=district["owner"], checklist=partial)
    assert not AnswerReview.objects.exists()
    review = approve_answer(answer.pk, actor=district["owner"], checklist=ALL_CHECKED)
    case.refresh_from_db()
    answer.refresh_from_db()
    assert case.status == Status.ANSWERED and case.answered_at is not None
    assert answer.sent_at is not None and answer.review_state == Answer.Review.APPROVED
    assert review.decision == "approved" and review.checklist == ALL_CHECKED
    assert review.warnings == []  # a concrete answer
    assert case.events.filter(type=CaseEvent.Type.ANSWERED, data__answer=answer.pk).exists()
    assert AuditEvent.objects.filter(action="quality.review").count() == 1
    with pytest.raises(ReviewError, match="уже проверен"):
        approve_answer(answer.pk, actor=district["owner"], checklist=ALL_CHECKED)


def test_rejection_returns_the_answer_with_the_reason(district, django_capture_on_commit_callbacks):
    case = new_case(district)
    formal = "Ваше обращение рассмотрено и принято к сведению."
    first = services.answer_case(case.pk, formal, actor=district["spec"])
    with pytest.raises(ReviewError, match="Укажите"):
        reject_answer(first.pk, "  ", actor=district["owner"])
    with django_capture_on_commit_callbacks(execute=True):
        review = reject_answer(
            first.pk, "Нет срока и ответственного.", actor=district["owner"], checklist={"polite": True}
        )
    first.refresh_from_db()
    case.refresh_from_db()
    assert first.review_state == Answer.Review.REJECTED and first.sent_at is None
    assert case.status == Status.IN_PROGRESS
    assert review.checklist["polite"] is True and review.checklist["concrete_action"] is False
    codes = {w["code"] for w in review.warnings}
    assert {"no_date", "no_responsible", "formal_phrases"} <= codes
    note = Notification.objects.get(kind="answer_rejected")
    assert note.user == district["spec"] and "Нет срока" in note.body
    # the author writes a new answer, which is reviewed again
    second = services.answer_case(case.pk, ANSWER, actor=district["spec"])
    approve_answer(second.pk, actor=district["head"], checklist=ALL_CHECKED)
    decisions = list(AnswerReview.objects.filter(case=case).values_list("decision", flat=True))
    assert decisions == ["rejected", "approved"]


def test_only_reviewers_decide_and_their_own_answers_go_out_directly(district):
    case = new_case(district)
    answer = services.answer_case(case.pk, ANSWER, actor=district["spec"])
    with pytest.raises(ReviewError, match="руководитель МЦУ или ответственный"):
        approve_answer(answer.pk, actor=district["spec"], checklist=ALL_CHECKED)
    with pytest.raises(ReviewError, match="руководитель МЦУ или ответственный"):
        reject_answer(answer.pk, "нет", actor=district["plain_spec"])
    other = new_case(district)
    own = services.answer_case(other.pk, ANSWER, actor=district["owner"])
    assert own.sent_at is not None and own.review_state == ""


def test_stale_version_is_a_conflict(district):
    case = new_case(district)
    answer = services.answer_case(case.pk, ANSWER, actor=district["spec"])
    with pytest.raises(services.ConflictError):
        approve_answer(answer.pk, actor=district["owner"], checklist=ALL_CHECKED, expected_version=1)


def test_pending_queue_is_scoped(district):
    case = new_case(district)
    services.answer_case(case.pk, ANSWER, actor=district["spec"])
    other_muni = MunicipalityFactory(code="zzz")
    stranger = RoleFactory(role=Role.HEAD, municipality=other_muni).user
    assert pending_answers(district["owner"]).count() == 1
    assert pending_answers(district["head"]).count() == 1
    assert pending_answers(stranger).count() == 0
    assert pending_answers(district["spec"]).count() == 0


def test_template_reuse_counts_other_different_questions(district):
    now = timezone.now()
    questions = [
        "Не горит уличный фонарь у дома на улице Мира, темно вечером.",
        "В поликлинике нет записи к терапевту на ближайший месяц.",
        "Автобус до хутора не ходит по выходным, не уехать в город.",
        "Третью неделю не вывозят мусор с контейнерной площадки, контейнеры переполнены.",  # = the case
    ]
    template = "Ваше обращение рассмотрено. Информация принята к сведению, вопрос находится на контроле."
    for q in questions:
        c = new_case(district, text=q)
        Answer.objects.create(case=c, text=template, sent_at=now - timedelta(days=1))
    old = new_case(district, text="Старый вопрос про отопление в школе.")
    Answer.objects.create(case=old, text=template, sent_at=now - timedelta(days=200))
    case = new_case(district)
    answer = Answer.objects.create(case=case, text=template)
    # three different questions within 90 days; the same question does not count; the old one neither
    assert template_reuse(answer) == 3
    other = Answer.objects.create(case=case, text=ANSWER)
    assert template_reuse(other) == 0


# --- pages --------------------------------------------------------------------------------------------


def test_review_pages_approve_and_reject(client, district):
    case = new_case(district)
    answer = services.answer_case(case.pk, ANSWER, actor=district["spec"])
    case.refresh_from_db()
    client.force_login(district["spec"])
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert "Ответ на проверке" in page.content.decode()
    assert f'action="/cases/{case.pk}/answer/"' not in page.content.decode()
    assert client.post(reverse("review:approve", args=[answer.pk]), ALL_CHECKED).status_code == 403

    client.force_login(district["owner"])
    queue = client.get(reverse("review:queue"))
    assert reverse("review:answer", args=[answer.pk]) in queue.content.decode()
    page = client.get(reverse("review:answer", args=[answer.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "Признаков отписки не найдено" in body
    assert "Проверка ответов" in body  # the navigation link
    missing = client.post(reverse("review:approve", args=[answer.pk]), {"version": case.version})
    assert missing.status_code == 400 and "не отмечены пункты" in missing.content.decode()
    form = {code: "on" for code in CHECKLIST_CODES} | {"version": case.version}
    done = client.post(reverse("review:approve", args=[answer.pk]), form)
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.ANSWERED


def test_reject_page_keeps_input_and_shows_warnings(client, district):
    case = new_case(district)
    text = "Ваше обращение рассмотрено, принято к сведению."
    answer = services.answer_case(case.pk, text, actor=district["spec"])
    case.refresh_from_db()
    client.force_login(district["owner"])
    body = client.get(reverse("review:answer", args=[answer.pk])).content.decode()
    assert "Не указан срок" in body and "типичные для отписки" in body
    empty = client.post(reverse("review:reject", args=[answer.pk]), {"version": case.version, "polite": "on"})
    assert empty.status_code == 400 and "Укажите, что нужно исправить" in empty.content.decode()
    assert "checked" in empty.content.decode()
    done = client.post(
        reverse("review:reject", args=[answer.pk]), {"version": case.version, "reason": "Нужен срок."}
    )
    assert done.status_code == 302
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Причина возврата:" in page and "Нужен срок." in page


def test_review_page_of_another_municipality_is_not_found(client, district):
    case = new_case(district)
    answer = services.answer_case(case.pk, ANSWER, actor=district["spec"])
    stranger = RoleFactory(role=Role.HEAD, municipality=MunicipalityFactory(code="zzz")).user
    client.force_login(stranger)
    assert client.get(reverse("review:answer", args=[answer.pk])).status_code == 404
    assert client.post(reverse("review:approve", args=[answer.pk]), ALL_CHECKED).status_code == 404


def test_pending_answer_is_not_public(client, district):
    case = new_case(district, tracking_token="tok-review-1", channel="web")
    services.answer_case(case.pk, ANSWER, actor=district["spec"])
    page = client.get(reverse("webform:track", args=["tok-review-1"]))
    assert page.status_code == 200 and "региональным оператором" not in page.content.decode()


def test_admin_edits_block_review_and_quality_policy(client, district):
    from otklik.org.models import User

    admin = User.objects.create_superuser("root", "root@example.ru", "x")
    client.force_login(admin)
    block = district["plain"]
    page = client.get(reverse("admin:org_block_change", args=[block.pk]))
    assert page.status_code == 200 and 'name="answer_review_required"' in page.content.decode()
    assert client.get(reverse("admin:quality_qualitypolicy_add")).status_code == 200
    assert client.get(reverse("admin:quality_answerreview_changelist")).status_code == 200
    assert client.get(reverse("admin:quality_answerreview_add")).status_code == 403
    assert client.get(reverse("admin:quality_satisfactionsurvey_changelist")).status_code == 200
    assert client.get(reverse("admin:quality_authorletter_changelist")).status_code == 200
