"""The lifecycle services: each action checks the graph, stores deadlines, audits, and detects conflicts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.audit.models import AuditEvent
from otklik.cases import deadline_engine, services
from otklik.cases.lifecycle import TransitionError
from otklik.cases.models import Case, CaseDeadline, CaseEvent, DeadlineRule, Kind, RoutingRule, Status
from otklik.org.models import Role, Topic
from tests.factories import (
    BlockFactory,
    CaseFactory,
    DepartmentFactory,
    MunicipalityFactory,
    RoleFactory,
    SettlementFactory,
    UserFactory,
)

CAL = deadline_engine.production_calendar()


@pytest.fixture
def district(db):
    muni = MunicipalityFactory(code="kot")
    dept = DepartmentFactory(municipality=muni, name="Отдел ЖКХ")
    block = BlockFactory(municipality=muni, name="ЖКХ", department=dept)
    block.topics.add(Topic.objects.get(code="housing"))
    head = RoleFactory(role=Role.HEAD, municipality=muni, user__username="head").user
    return {"muni": muni, "block": block, "dept": dept, "head": head}


def new_case(district, **kw) -> Case:
    defaults = {
        "municipality": district["muni"],
        "kind": Kind.APPEAL,
        "channel": "paper",
        "status": Status.RECEIVED,
        "topic": Topic.objects.get(code="housing"),
        "subtopic": Topic.objects.get(code="housing.heating"),
        "received_at": timezone.now() - timedelta(hours=2),
        "due_at": None,
        "text": "В квартире не греют батареи, температура 14 градусов.",
    }
    defaults.update(kw)
    return CaseFactory(**defaults)


def test_registration_numbers_routes_and_stores_deadlines(district):
    case = services.register_case(new_case(district).pk, actor=district["head"])
    case.refresh_from_db()
    assert case.status == Status.REGISTERED
    year = timezone.localtime(case.registered_at, district["muni"].tz).strftime("%y")
    assert case.registration_number == f"ОГ-{year}-00001"
    assert (case.block, case.department) == (district["block"], district["dept"])
    stored = {d.stage: d for d in case.deadlines.all()}
    assert set(stored) == {"registration", "redirection", "answer"}
    schedule = deadline_engine.schedule_for(district["muni"])
    assert stored["answer"].due_at == CAL.add_calendar_days(case.registered_at, 30, schedule)
    assert case.due_at == stored["answer"].due_at
    assert stored["registration"].met_at == case.registered_at
    assert "59-ФЗ" in stored["answer"].rule_text or "30" in stored["answer"].rule_text
    assert CaseEvent.objects.filter(case=case, type="registered").exists()
    assert AuditEvent.objects.filter(action="case.register", object_id=str(case.pk)).exists()


def test_second_registration_gets_the_next_number(district):
    first = services.register_case(new_case(district).pk, actor=None)
    second = services.register_case(new_case(district).pk, actor=None)
    assert int(second.registration_number[-5:]) == int(first.registration_number[-5:]) + 1


def test_changing_a_rule_applies_to_new_cases_only(district):
    old = services.register_case(new_case(district).pk, actor=None)
    old_due = old.due_at
    rule = DeadlineRule.objects.get(
        kind="appeal", stage="answer", topic__isnull=True, municipality__isnull=True
    )
    rule.amount = 15
    rule.save()
    new = services.register_case(new_case(district).pk, actor=None)
    old.refresh_from_db()
    assert old.due_at == old_due
    assert CaseDeadline.objects.get(case=old, stage="answer").due_at == old_due
    schedule = deadline_engine.schedule_for(district["muni"])
    assert new.due_at == CAL.add_calendar_days(new.registered_at, 15, schedule)


def test_municipality_rule_for_a_subtopic_wins(district):
    DeadlineRule.objects.create(
        municipality=district["muni"],
        kind="message",
        topic=Topic.objects.get(code="housing.heating"),
        stage="answer",
        amount=2,
        unit="working_days",
        counts_from="received",
    )
    case = services.register_case(new_case(district, kind=Kind.MESSAGE, channel="pos").pk, actor=None)
    schedule = deadline_engine.schedule_for(district["muni"])
    assert case.due_at == CAL.add_working_days(case.received_at, 2, schedule)


def test_routing_rule_with_keywords_assigns_the_specialist(district):
    specialist = UserFactory(username="plumber")
    RoutingRule.objects.create(
        municipality=district["muni"],
        keywords="батаре, радиатор",
        block=district["block"],
        specialist=specialist,
    )
    case = services.register_case(new_case(district).pk, actor=None)
    assert case.status == Status.ASSIGNED
    assert case.owner == specialist


def test_routing_prefers_priority_then_specificity(district):
    other = UserFactory(username="other")
    chosen = UserFactory(username="chosen")
    settlement = SettlementFactory(municipality=district["muni"])
    RoutingRule.objects.create(
        municipality=district["muni"], topic=Topic.objects.get(code="housing"), specialist=other, priority=100
    )
    RoutingRule.objects.create(
        municipality=district["muni"],
        topic=Topic.objects.get(code="housing.heating"),
        settlement=settlement,
        specialist=chosen,
        priority=100,
    )
    case = services.register_case(new_case(district, settlement=settlement).pk, actor=None)
    assert case.owner == chosen


def test_without_a_block_the_case_goes_to_the_head(district):
    case = new_case(district, topic=Topic.objects.get(code="other"), subtopic=None)
    case = services.register_case(case.pk, actor=None)
    assert case.owner == district["head"] and case.block is None
    assert "руководителю МЦУ" in CaseEvent.objects.get(case=case, type="registered").note


def staff(district, username):
    return RoleFactory(
        role=Role.SPECIALIST, municipality=district["muni"], block=district["block"], user__username=username
    ).user


def test_assign_take_answer_close(district):
    specialist = staff(district, "spec")
    case = services.register_case(new_case(district).pk, actor=None)
    case = services.assign_case(case.pk, specialist, actor=district["head"], expected_version=case.version)
    assert case.status == Status.ASSIGNED and case.owner == specialist
    case = services.take_case(case.pk, actor=specialist, expected_version=case.version)
    assert case.status == Status.IN_PROGRESS
    with pytest.raises(services.CaseActionError, match="слишком короткий"):
        services.answer_case(case.pk, "Ок", actor=specialist)
    answer = services.answer_case(
        case.pk,
        "Котельная переведена на повышенный режим, температура восстановлена 12.01.",
        actor=specialist,
    )
    case.refresh_from_db()
    assert case.status == Status.ANSWERED and answer.case == case and case.answered_at
    assert CaseDeadline.objects.get(case=case, stage="answer").met_at == case.answered_at
    case = services.close_case(case.pk, actor=district["head"])
    assert case.status == Status.CLOSED and case.closed_at
    types = list(CaseEvent.objects.filter(case=case).values_list("type", flat=True))
    assert types == ["registered", "assigned", "status", "answered", "status"]
    assert AuditEvent.objects.filter(object_id=str(case.pk)).count() == 5


def test_stale_version_is_a_conflict_and_nothing_is_overwritten(district):
    first, second = staff(district, "first"), staff(district, "second")
    case = services.register_case(new_case(district).pk, actor=None)
    seen = case.version
    services.assign_case(case.pk, first, actor=district["head"], expected_version=seen)
    with pytest.raises(services.ConflictError, match="другой пользователь"):
        services.assign_case(case.pk, second, actor=district["head"], expected_version=seen)
    case.refresh_from_db()
    assert case.owner == first and case.version == seen + 1


def test_illegal_transition_changes_nothing(district):
    case = services.register_case(new_case(district).pk, actor=None)
    with pytest.raises(TransitionError, match="Нельзя перевести"):
        services.close_case(case.pk, actor=district["head"])
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.status == Status.REGISTERED and fresh.version == case.version
    assert not AuditEvent.objects.filter(action="case.close").exists()


def test_extension_once_by_thirty_days_from_the_answer_deadline(district):
    case = services.register_case(new_case(district).pk, actor=None)
    with pytest.raises(services.CaseActionError, match="причину"):
        services.extend_deadline(case.pk, "", actor=district["head"])
    before = case.due_at
    case = services.extend_deadline(
        case.pk, "Запрошены сведения в ресурсоснабжающей организации", actor=district["head"]
    )
    schedule = deadline_engine.schedule_for(district["muni"])
    assert case.due_at == CAL.add_calendar_days(before, 30, schedule)
    assert case.is_extended
    event = CaseEvent.objects.get(case=case, type="extended")
    assert event.data["notify_author"] is True
    with pytest.raises(services.CaseActionError, match="уже продлевался"):
        services.extend_deadline(case.pk, "Ещё раз", actor=district["head"])


def test_redirect_after_seven_days_is_recorded_as_late(district):
    case = services.register_case(new_case(district).pk, actor=None)
    CaseDeadline.objects.filter(case=case, stage="redirection").update(
        due_at=timezone.now() - timedelta(days=1)
    )
    case = services.redirect_case(
        case.pk, "Министерство ЖКХ Волгоградской области", "Не в компетенции района", actor=district["head"]
    )
    event = CaseEvent.objects.get(case=case, type="redirected")
    assert case.status == Status.REDIRECTED and event.data["late"] is True and "нарушен" in event.note
    with pytest.raises(services.CaseActionError, match="орган"):
        services.redirect_case(new_case(district).pk, "", "", actor=district["head"])


def test_leave_without_answer_only_for_appeals_with_a_legal_reason(district):
    appeal = services.register_case(new_case(district).pk, actor=None)
    with pytest.raises(services.CaseActionError, match="основание"):
        services.leave_without_answer(appeal.pk, "boring", actor=district["head"])
    appeal = services.leave_without_answer(appeal.pk, "anonymous", actor=district["head"])
    assert appeal.status == Status.NO_ANSWER and appeal.no_answer_reason == "anonymous"
    message = services.register_case(new_case(district, kind=Kind.MESSAGE, channel="pos").pk, actor=None)
    with pytest.raises(TransitionError, match="59-ФЗ"):
        services.leave_without_answer(message.pk, "anonymous", actor=district["head"])


def test_reopen_starts_a_new_answer_term(district):
    spec = UserFactory()
    case = services.register_case(new_case(district).pk, actor=None)
    services.answer_case(case.pk, "Проведена промывка системы отопления, проверено 10.12.", actor=spec)
    services.close_case(case.pk, actor=None)
    with pytest.raises(services.CaseActionError, match="причину"):
        services.reopen_case(case.pk, " ", actor=None)
    case = services.reopen_case(case.pk, "Автор оценил ответ отрицательно", actor=None)
    assert case.status == Status.REOPENED and case.closed_at is None and case.answered_at is None
    assert case.due_at > timezone.now()
    rework = services.answer_case(case.pk, "Повторная проверка: заменён участок трубы 15.12.", actor=spec)
    assert rework.case.status == Status.ANSWERED


def test_return_for_rework_sends_the_answer_back(district):
    spec = UserFactory()
    case = services.register_case(new_case(district).pk, actor=None)
    services.answer_case(case.pk, "Ваше обращение рассмотрено, информация принята к сведению.", actor=spec)
    case = services.return_for_rework(case.pk, "Нет конкретных мер и сроков", actor=district["head"])
    assert case.status == Status.IN_PROGRESS and case.answered_at is None


def test_assigning_someone_from_another_municipality_is_refused(district):
    stranger = RoleFactory(
        role=Role.SPECIALIST, user__username="stranger", department=None, block=BlockFactory()
    ).user
    case = services.register_case(new_case(district).pk, actor=None)
    with pytest.raises(services.CaseActionError, match="не работает"):
        services.assign_case(case.pk, stranger, actor=district["head"])


def test_rework_reopens_the_deadlines_the_rejected_answer_met(district):
    case = services.register_case(new_case(district).pk, actor=None)
    services.answer_case(case.pk, "Информация принята к сведению, вопрос рассмотрен.", actor=district["head"])
    assert CaseDeadline.objects.get(case=case, stage="answer").met_at is not None
    services.return_for_rework(case.pk, "Формальный ответ", actor=district["head"])
    assert CaseDeadline.objects.get(case=case, stage="answer").met_at is None


def test_a_reopened_case_may_be_extended_again(district):
    case = services.register_case(new_case(district).pk, actor=None)
    services.extend_deadline(case.pk, "Запрос в ресурсоснабжающую организацию", actor=district["head"])
    services.answer_case(
        case.pk, "Проведён ремонт теплотрассы 20.12, отопление подано.", actor=district["head"]
    )
    services.close_case(case.pk, actor=None)
    case = services.reopen_case(case.pk, "Отрицательная оценка автора", actor=None)
    assert not case.is_extended and not CaseDeadline.objects.filter(case=case, stage="extension").exists()
    case = services.extend_deadline(case.pk, "Повторная проверка", actor=district["head"])
    assert case.is_extended


def test_answer_attachments_are_checked_by_the_service(district):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = services.register_case(new_case(district).pk, actor=None)
    bad = SimpleUploadedFile("act.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(services.CaseActionError, match="программа"):
        services.answer_case(
            case.pk, "Акт обследования во вложении, ремонт 10.12.", actor=district["head"], attachments=[bad]
        )
    good = SimpleUploadedFile("act.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    answer = services.answer_case(
        case.pk, "Акт обследования во вложении, ремонт 10.12.", actor=district["head"], attachments=[good]
    )
    assert [a.name for a in answer.attachments.all()] == ["act.pdf"]


def test_registration_numbers_are_unique_per_municipality(district):
    from django.db import IntegrityError, transaction

    first = services.register_case(new_case(district).pk, actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(municipality=district["muni"], registration_number=first.registration_number)
    other = new_case(district, municipality=MunicipalityFactory())
    assert services.register_case(other.pk, actor=None).registration_number == first.registration_number
