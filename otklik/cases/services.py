"""Every write to a case: one service function per action, each in one transaction, each audited.

A caller passes the version of the case it saw; if somebody else changed the case meanwhile, the
action is refused with ConflictError and nothing is overwritten (optimistic locking).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases import deadline_engine
from otklik.cases.lifecycle import TransitionError, check_transition
from otklik.cases.models import (
    Answer,
    Case,
    CaseDeadline,
    CaseEvent,
    DeadlineRule,
    Kind,
    NoAnswerReason,
    RegistrationCounter,
    Status,
)
from otklik.cases.routing import route
from otklik.cases.uploads import MAX_FILES, check_upload
from otklik.org.models import RoleAssignment, User
from otklik.territory.numbering import format_registration_number


class CaseActionError(Exception):
    """An action that cannot be done; the message is for the user, in Russian."""


class ConflictError(CaseActionError):
    """The case was changed by somebody else since the caller saw it."""


CONFLICT_MESSAGE = (
    "Обращение только что изменил другой пользователь. Ваши изменения не сохранены: "
    "обновите страницу, проверьте новое состояние и повторите действие."
)

_SNAPSHOT_FIELDS = (
    "status",
    "owner_id",
    "block_id",
    "department_id",
    "due_at",
    "first_reaction_due_at",
    "is_extended",
    "answered_at",
    "closed_at",
    "no_answer_reason",
    "version",
)


def _snapshot(case: Case) -> dict[str, Any]:
    out = {}
    for name in _SNAPSHOT_FIELDS:
        value = getattr(case, name)
        out[name] = value.isoformat() if isinstance(value, datetime) else value
    return out


@dataclass
class _Change:
    case: Case
    actor: User | None
    before: dict[str, Any]


def _begin(case_id: int, expected_version: int | None) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("municipality", "topic", "subtopic")
        .get(pk=case_id)
    )
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(CONFLICT_MESSAGE)
    return case


def _save(change: _Change, action: str, fields: list[str], **event: Any) -> Case:
    """Write `fields` of the case only if its version is still the one read, then audit and log the event."""
    case = change.case
    values = {name: getattr(case, name) for name in fields}
    updated = Case.objects.filter(pk=case.pk, version=change.before["version"]).update(
        **values, version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise ConflictError(CONFLICT_MESSAGE)
    case.version = change.before["version"] + 1
    if event:
        CaseEvent.objects.create(case=case, actor=change.actor, at=timezone.now(), **event)
    record(f"case.{action}", actor=change.actor, obj=case, before=change.before, after=_snapshot(case))
    return case


def _transition(case: Case, target: str) -> dict[str, str]:
    check_transition(case.kind, case.status, target)
    previous = case.status
    case.status = target
    return {"from_status": previous, "to_status": target}


def _topic_code(case: Case) -> str:
    if case.subtopic_id and case.subtopic:
        return case.subtopic.code
    return case.topic.code if case.topic_id and case.topic else ""


def _store_deadlines(
    case: Case,
    moments: dict[str, datetime],
    *,
    extended: bool = False,
    stages: tuple[str, ...] | None = None,
    replace: bool = False,
) -> dict[str, datetime]:
    """Compute the stages' due moments from the rules in force now and keep them with the case."""
    computed = deadline_engine.compute(
        case.municipality, case.kind, _topic_code(case), moments, extended=extended
    )
    now = timezone.now()
    result = {}
    for stage, (due, rule) in computed.items():
        if stages is not None and stage not in stages:
            continue
        defaults = {
            "due_at": due,
            "rule": rule,
            "rule_text": str(rule)[:300],
            "computed_at": now,
            "met_at": None,
        }
        if replace:
            CaseDeadline.objects.update_or_create(case=case, stage=stage, defaults=defaults)
        else:
            CaseDeadline.objects.get_or_create(case=case, stage=stage, defaults=defaults)
        result[stage] = due
    return result


def _meet(case: Case, stage: str, at: datetime) -> None:
    CaseDeadline.objects.filter(case=case, stage=stage, met_at__isnull=True).update(met_at=at)


# --- actions ---------------------------------------------------------------------------------------


@transaction.atomic
def register_case(
    case_id: int,
    *,
    actor: User | None = None,
    expected_version: int | None = None,
    registration_number: str = "",
) -> Case:
    """Register a received case: number it, compute its deadlines, route it to a block and a person."""
    case = _begin(case_id, expected_version)
    change = _Change(case, actor, _snapshot(case))
    event = _transition(case, Status.REGISTERED)
    now = timezone.now()
    case.registered_at = max(now, case.received_at)
    case.registration_number = registration_number or case.registration_number or _next_number(case)
    moments = {"received": case.received_at, "registered": case.registered_at}
    dues = _store_deadlines(case, moments)
    _meet(case, "registration", case.registered_at)
    case.due_at = dues.get("answer", case.due_at)
    case.first_reaction_due_at = dues.get("first_reaction", case.first_reaction_due_at)
    decision = route(case)
    case.block = decision.block or case.block
    case.department = decision.department or case.department
    fields = [
        "status",
        "registered_at",
        "registration_number",
        "due_at",
        "first_reaction_due_at",
        "block",
        "department",
    ]
    routed_note = decision.explain()
    if decision.owner is not None:
        case.owner = decision.owner
        case.status = Status.ASSIGNED
        event["to_status"] = Status.ASSIGNED
        fields.append("owner")
    _save(
        change,
        "register",
        fields,
        type=CaseEvent.Type.REGISTERED,
        note=routed_note,
        data={"rule": decision.rule_id, "registration_number": case.registration_number},
        **event,
    )
    return case


def _next_number(case: Case) -> str:
    """The next number in the municipality's series for this kind and year: «ОГ-26-00042»."""
    prefix = {"appeal": "ОГ", "message": "ПОС", "incident": "ИНЦ"}[case.kind]
    year = timezone.localtime(case.registered_at or timezone.now(), case.municipality.tz).year
    counter, _ = RegistrationCounter.objects.select_for_update().get_or_create(
        municipality=case.municipality, prefix=prefix, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_registration_number(
        case.municipality.registration_number_format,
        prefix=prefix,
        year=year,
        n=counter.last,
        code=case.municipality.code,
    )


@transaction.atomic
def assign_case(
    case_id: int, owner: User, *, actor: User | None, expected_version: int | None = None, note: str = ""
) -> Case:
    """Give the case to a person (or to another person: reassignment keeps the history)."""
    case = _begin(case_id, expected_version)
    change = _Change(case, actor, _snapshot(case))
    if not owner.is_active:
        raise CaseActionError("Нельзя назначить исполнителем отключённую учётную запись.")
    if (
        not owner.is_superuser
        and not RoleAssignment.objects.filter(
            Q(municipality_id=case.municipality_id) | Q(municipality__isnull=True), user=owner
        ).exists()
    ):
        raise CaseActionError(
            f"{owner} не работает в «{case.municipality}»: назначить его исполнителем нельзя."
        )
    if case.owner_id == owner.pk and case.status == Status.ASSIGNED:
        raise CaseActionError(f"Обращение уже назначено исполнителю {owner}.")
    event = _transition(case, Status.ASSIGNED)
    previous = change.before["owner_id"]
    case.owner = owner
    return _save(
        change,
        "assign",
        ["status", "owner"],
        type=CaseEvent.Type.ASSIGNED,
        note=note or f"Исполнитель: {owner}",
        data={"owner": owner.pk, "previous_owner": previous},
        **event,
    )


@transaction.atomic
def take_case(case_id: int, *, actor: User, expected_version: int | None = None) -> Case:
    """The actor takes the case into their own work."""
    case = _begin(case_id, expected_version)
    change = _Change(case, actor, _snapshot(case))
    event = _transition(case, Status.IN_PROGRESS)
    case.owner = actor
    return _save(
        change,
        "take",
        ["status", "owner"],
        type=CaseEvent.Type.STATUS,
        note=f"Взято в работу: {actor}",
        data={"owner": actor.pk},
        **event,
    )


PENDING_MESSAGE = (
    "Ответ по этому обращению уже на проверке. Дождитесь решения проверяющего или попросите его "
    "вернуть ответ на доработку."
)


def _check_answer_input(text: str, attachments: list[Any]) -> str:
    text = (text or "").strip()
    if len(text) < 20:
        raise CaseActionError("Ответ слишком короткий: изложите решение по существу (не менее 20 символов).")
    if len(attachments) > MAX_FILES:
        raise CaseActionError(f"Можно приложить не больше {MAX_FILES} файлов.")
    for upload in attachments:
        problem = check_upload(upload)
        if problem:
            raise CaseActionError(problem)
    return text


def _towards_answer(case: Case) -> None:
    """Answering from "registered", "assigned" or "reopened" passes through "in progress"; the graph
    is still checked, and the answer must be possible from where the case ends up."""
    if case.status in (Status.ASSIGNED, Status.REOPENED, Status.REGISTERED):
        check_transition(case.kind, case.status, Status.IN_PROGRESS)
        case.status = Status.IN_PROGRESS
    check_transition(case.kind, case.status, Status.ANSWERED)


def _attach(case: Case, answer: Answer, attachments: list[Any], actor: User | None) -> None:
    from otklik.cases.models import Attachment

    for upload in attachments:
        Attachment.objects.create(
            case=case, answer=answer, file=upload, name=getattr(upload, "name", "")[:255], uploaded_by=actor
        )


def send_answer(change: _Change, answer: Answer, *, review: str = "") -> Answer:
    """Give the answer to the author: the case becomes "answered", its terms are met, the author is
    told (e-mail with the answer when there is an address). `change` was begun on the locked case."""
    case = change.case
    _towards_answer(case)
    event = _transition(case, Status.ANSWERED)
    event["from_status"] = change.before["status"]
    now = timezone.now()
    case.answered_at = now
    if case.owner_id is None:
        case.owner = answer.author
    answer.sent_at = now
    if review:
        answer.review_state = review
    answer.save(update_fields=["sent_at", "review_state", "updated_at"])
    _meet(case, "answer", now)
    _meet(case, "extension", now)
    _meet(case, "first_reaction", now)
    _save(
        change,
        "answer",
        ["status", "answered_at", "owner"],
        type=CaseEvent.Type.ANSWERED,
        data={"answer": answer.pk, "late": bool(case.due_at and now > case.due_at)},
        **event,
    )
    transaction.on_commit(lambda: _deliver(answer.pk), robust=True)
    return answer


def _deliver(answer_pk: int) -> None:
    from otklik.quality import delivery

    answer = Answer.objects.select_related("case", "case__municipality").filter(pk=answer_pk).first()
    if answer is not None:
        delivery.send_answer_to_author(answer)


@transaction.atomic
def answer_case(
    case_id: int,
    text: str,
    *,
    actor: User,
    expected_version: int | None = None,
    attachments: list[Any] | None = None,
) -> Answer:
    """Record the answer on the merits. Where the case's block asks for review (and the author is not a
    reviewer), the answer waits for the head or the block owner and the case stays "in progress";
    otherwise it goes out at once and the case becomes "answered"."""
    from otklik.cases.permissions import answer_needs_review

    attachments = attachments or []
    text = _check_answer_input(text, attachments)
    case = _begin(case_id, expected_version)
    if Answer.objects.filter(case=case, review_state=Answer.Review.PENDING).exists():
        raise CaseActionError(PENDING_MESSAGE)
    change = _Change(case, actor, _snapshot(case))
    if not answer_needs_review(actor, case):
        answer = Answer.objects.create(case=case, author=actor, text=text)
        _attach(case, answer, attachments, actor)
        return send_answer(change, answer)
    _towards_answer(case)
    if case.owner_id is None:
        case.owner = actor
    answer = Answer.objects.create(case=case, author=actor, text=text, review_state=Answer.Review.PENDING)
    _attach(case, answer, attachments, actor)
    moved = case.status != change.before["status"]
    event: dict[str, Any] = (
        {"from_status": change.before["status"], "to_status": case.status} if moved else {}
    )
    _save(
        change,
        "answer_for_review",
        ["status", "owner"],
        type=CaseEvent.Type.STATUS if moved else CaseEvent.Type.COMMENT,
        note="Ответ подготовлен и передан на проверку перед отправкой автору.",
        data={"answer": answer.pk, "review": "pending"},
        **event,
    )
    transaction.on_commit(lambda: _ask_reviewers(answer.pk), robust=True)
    return answer


def _ask_reviewers(answer_pk: int) -> None:
    from otklik.quality.review_services import notify_reviewers

    notify_reviewers(answer_pk)


@transaction.atomic
def extend_deadline(case_id: int, reason: str, *, actor: User, expected_version: int | None = None) -> Case:
    """Extend the answer deadline once, by the extension rule, telling the author why."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseActionError("Укажите причину продления срока: она сообщается автору.")
    case = _begin(case_id, expected_version)
    change = _Change(case, actor, _snapshot(case))
    if case.is_extended:
        raise CaseActionError("Срок этого обращения уже продлевался; повторное продление не допускается.")
    if case.status not in (Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.REOPENED):
        raise TransitionError("Продлить срок можно только у обращения, которое находится в работе.")
    answer = CaseDeadline.objects.filter(case=case, stage="answer").first()
    if answer is None or case.registered_at is None:
        raise CaseActionError("У обращения нет рассчитанного срока ответа: продлевать нечего.")
    moments = {"received": case.received_at, "registered": case.registered_at}
    computed = deadline_engine.compute(
        case.municipality, case.kind, _topic_code(case), moments, extended=True
    )
    if "extension" not in computed:
        raise CaseActionError("Для этого вида обращений правило продления не задано (см. «Правила сроков»).")
    # The extension counts from the answer deadline the case actually has, not from today's rules.
    ext_rule = computed["extension"][1]
    due = deadline_engine.rule_fns.due(
        deadline_engine.production_calendar(),
        deadline_engine.schedule_for(case.municipality),
        ext_rule,
        answer.due_at,
    )
    CaseDeadline.objects.update_or_create(
        case=case,
        stage="extension",
        defaults={
            "due_at": due,
            "rule": ext_rule,
            "rule_text": str(ext_rule)[:300],
            "computed_at": timezone.now(),
            "met_at": None,
        },
    )
    previous_due = case.due_at
    case.due_at = due
    case.is_extended = True
    case.escalation_level = 0
    return _save(
        change,
        "extend",
        ["due_at", "is_extended", "escalation_level"],
        type=CaseEvent.Type.EXTENDED,
        note=reason,
        data={
            "previous_due": previous_due.isoformat() if previous_due else None,
            "due": due.isoformat(),
            "notify_author": True,
        },
    )


@transaction.atomic
def redirect_case(
    case_id: int, to_body: str, reason: str, *, actor: User, expected_version: int | None = None
) -> Case:
    """Send the case to the competent body (another authority); for appeals, checks the 7-day term."""
    to_body, reason = (to_body or "").strip(), (reason or "").strip()
    if not to_body:
        raise CaseActionError("Укажите орган или организацию, куда направляется обращение.")
    case = _begin(case_id, expected_version)
    change = _Change(case, actor, _snapshot(case))
    event = _transition(case, Status.REDIRECTED)
    now = timezone.now()
    term = CaseDeadline.objects.filter(case=case, stage="redirection").first()
    late = bool(term and now > term.due_at)
    _meet(case, "redirection", now)
    case.closed_at = now
    note = f"Направлено: {to_body}." + (f" {reason}" if reason else "")
    if late and term is not None:
        term_day = timezone.localtime(term.due_at, case.municipality.tz)
        note += f" Срок перенаправления ({term_day:%d.%m.%Y}) нарушен."
    return _save(
        change,
        "redirect",
        ["status", "closed_at"],
        type=CaseEvent.Type.REDIRECTED,
        note=note,
        data={"to": to_body, "late": late},
        **event,
    )


@transaction.atomic
def close_case(
    case_id: int, *, actor: User | None, expected_version: int | None = None, note: str = ""
) -> Case:
    case = _begin(case_id, expected_version)
    change = _Change(case, actor, _snapshot(case))
    event = _transition(case, Status.CLOSED)
    case.closed_at = timezone.now()
    from otklik.quality.surveys import survey_after_close  # asks the author to rate, after the commit

    survey_after_close(case.pk)
    return _save(change, "close", ["status", "closed_at"], type=CaseEvent.Type.STATUS, note=note, **event)


@transaction.atomic
def reopen_case(
    case_id: int, reason: str, *, actor: User | None, expected_version: int | None = None
) -> Case:
    """Reopen after a negative rating or a quality rejection; a new answer term starts now."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseActionError("Укажите причину возобновления.")
    case = _begin(case_id, expected_version)
    change = _Change(case, actor, _snapshot(case))
    event = _transition(case, Status.REOPENED)
    now = timezone.now()
    case.closed_at = None
    case.answered_at = None
    case.escalation_level = 0
    case.no_answer_reason = ""
    # A new consideration: a new answer term, and the extension may be used again.
    case.is_extended = False
    CaseDeadline.objects.filter(case=case, stage="extension").delete()
    dues = _store_deadlines(case, {"received": now, "registered": now}, stages=("answer",), replace=True)
    case.due_at = dues.get("answer", case.due_at)
    return _save(
        change,
        "reopen",
        [
            "status",
            "closed_at",
            "answered_at",
            "due_at",
            "escalation_level",
            "no_answer_reason",
            "is_extended",
        ],
        type=CaseEvent.Type.STATUS,
        note=reason,
        **event,
    )


@transaction.atomic
def leave_without_answer(
    case_id: int, reason: str, comment: str = "", *, actor: User, expected_version: int | None = None
) -> Case:
    """59-ФЗ: leave an appeal without an answer on the merits, for a legal reason that is recorded."""
    if reason not in NoAnswerReason.values:
        raise CaseActionError("Выберите основание из перечня 59-ФЗ.")
    case = _begin(case_id, expected_version)
    if case.kind != Kind.APPEAL:
        raise TransitionError("Оставить без ответа по существу можно только обращение по 59-ФЗ.")
    change = _Change(case, actor, _snapshot(case))
    event = _transition(case, Status.NO_ANSWER)
    case.no_answer_reason = reason
    case.closed_at = timezone.now()
    label = NoAnswerReason(reason).label
    return _save(
        change,
        "no_answer",
        ["status", "no_answer_reason", "closed_at"],
        type=CaseEvent.Type.STATUS,
        note=f"Основание: {label}." + (f" {comment.strip()}" if comment.strip() else ""),
        **event,
    )


@transaction.atomic
def return_for_rework(case_id: int, reason: str, *, actor: User, expected_version: int | None = None) -> Case:
    """A reviewer rejects the answer: the case goes back into work with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseActionError("Укажите, что нужно исправить в ответе.")
    case = _begin(case_id, expected_version)
    change = _Change(case, actor, _snapshot(case))
    event = _transition(case, Status.IN_PROGRESS)
    # The rejected answer does not count: the stages it met are open again.
    if case.answered_at is not None:
        CaseDeadline.objects.filter(case=case, met_at=case.answered_at).update(met_at=None)
    case.answered_at = None
    return _save(
        change, "rework", ["status", "answered_at"], type=CaseEvent.Type.STATUS, note=reason, **event
    )


__all__ = [
    "CaseActionError",
    "ConflictError",
    "DeadlineRule",
    "TransitionError",
    "answer_case",
    "assign_case",
    "close_case",
    "extend_deadline",
    "leave_without_answer",
    "redirect_case",
    "register_case",
    "reopen_case",
    "return_for_rework",
    "take_case",
]
