"""Every write of polls, votes, discussions and comments: one function a verb, one transaction each,
an audit event for every officer's write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from otklik.audit.services import record
from otklik.participation import ratelimit, rules
from otklik.participation.codes import VerifiedContact
from otklik.participation.models import (
    Ballot,
    BallotAnswer,
    Comment,
    ContactCode,
    Discussion,
    DiscussionDocument,
    Hit,
    ModerationReason,
    Option,
    Poll,
    Proposal,
    Question,
    Status,
)
from otklik.territory.models import Municipality, Settlement


class ParticipationError(Exception):
    """A write the rules do not allow; the message is for people, in Russian."""


class AlreadyVoted(ParticipationError):
    pass


def _local(moment: datetime, municipality: Municipality) -> str:
    return f"{timezone.localtime(moment, municipality.tz):%d.%m.%Y в %H:%M}"


def _unique_slug(model: type[Poll] | type[Discussion], title: str) -> str:
    base = rules.slug_for(title)
    taken = set(model.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return rules.slug_for(title, taken)


def allowed_settlements(obj: Poll | Discussion) -> list[Settlement]:
    """The settlements a resident may pick: the targeted ones, or every one of the municipality."""
    chosen = list(obj.settlements.order_by("name")) if obj.pk else []
    return chosen or list(Settlement.objects.filter(municipality_id=obj.municipality_id).order_by("name"))


def poll_snapshot(poll: Poll) -> dict[str, Any]:
    return {
        "title": poll.title,
        "kind": poll.kind,
        "status": poll.status,
        "starts_at": poll.starts_at.isoformat() if poll.starts_at else None,
        "ends_at": poll.ends_at.isoformat() if poll.ends_at else None,
        "is_anonymous": poll.is_anonymous,
        "show_live_results": poll.show_live_results,
        "settlements": sorted(poll.settlements.values_list("pk", flat=True)) if poll.pk else [],
    }


def _check_settlements(municipality: Municipality, settlements: list[Settlement]) -> None:
    if any(s.municipality_id != municipality.pk for s in settlements):
        raise ParticipationError("Поселения должны относиться к муниципальному образованию опроса.")


def _check_period(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ParticipationError("Окончание должно быть позже начала.")


# --- polls ------------------------------------------------------------------------------------------


@transaction.atomic
def create_poll(
    *,
    actor: Any,
    municipality: Municipality,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    kind: str = Poll.Kind.POLL,
    is_anonymous: bool = True,
    show_live_results: bool = False,
    settlements: list[Settlement] | None = None,
) -> Poll:
    _check_period(starts_at, ends_at)
    _check_settlements(municipality, settlements or [])
    poll = Poll.objects.create(
        municipality=municipality,
        kind=kind,
        slug=_unique_slug(Poll, title),
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        is_anonymous=is_anonymous,
        show_live_results=show_live_results,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    poll.settlements.set(settlements or [])
    record("participation.poll_created", actor=actor, obj=poll, after=poll_snapshot(poll))
    return poll


@transaction.atomic
def update_poll(
    poll: Poll, *, actor: Any, settlements: list[Settlement] | None = None, **fields: Any
) -> Poll:
    """Change a draft poll; a published one keeps its questions and rules, only its end may move later."""
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    before = poll_snapshot(poll)
    if poll.status == Status.CLOSED:
        raise ParticipationError("Опрос завершён: изменить его нельзя.")
    if poll.status == Status.PUBLISHED:
        extra = set(fields) - {"ends_at", "title", "description"}
        if extra or settlements is not None:
            raise ParticipationError(
                "Опрос уже опубликован: можно изменить только название, описание и дату окончания."
            )
    for name, value in fields.items():
        setattr(poll, name, value.strip() if isinstance(value, str) else value)
    _check_period(poll.starts_at, poll.ends_at)
    poll.save()
    if settlements is not None:
        _check_settlements(poll.municipality, settlements)
        poll.settlements.set(settlements)
    record("participation.poll_updated", actor=actor, obj=poll, before=before, after=poll_snapshot(poll))
    return poll


def _check_draft(poll: Poll) -> None:
    if poll.status != Status.DRAFT:
        raise ParticipationError("Вопросы можно менять только в черновике опроса.")


@transaction.atomic
def add_question(
    poll: Poll,
    *,
    actor: Any,
    text: str,
    kind: str,
    options: list[str] | None = None,
    required: bool = True,
    scale_min: int = 1,
    scale_max: int = 5,
    scale_min_label: str = "",
    scale_max_label: str = "",
) -> Question:
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    _check_draft(poll)
    texts = [o.strip() for o in (options or []) if o.strip()]
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        if len(texts) < 2:
            raise ParticipationError("Для вопроса с вариантами нужно хотя бы два варианта ответа.")
        if len({t.casefold() for t in texts}) != len(texts):
            raise ParticipationError("Варианты ответа повторяются.")
    elif kind == Question.Kind.SCALE:
        if not (scale_min < scale_max and scale_max - scale_min <= 10):
            raise ParticipationError(
                "Шкала: начало меньше конца, не больше 11 делений (например, от 1 до 5)."
            )
    elif kind != Question.Kind.TEXT:
        raise ParticipationError("Неизвестный вид вопроса.")
    order = (poll.questions.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    question = Question.objects.create(
        poll=poll,
        order=order,
        text=text.strip(),
        kind=kind,
        required=required,
        scale_min=scale_min,
        scale_max=scale_max,
        scale_min_label=scale_min_label.strip(),
        scale_max_label=scale_max_label.strip(),
    )
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        Option.objects.bulk_create(
            [Option(question=question, order=i, text=t) for i, t in enumerate(texts, start=1)]
        )
    record(
        "participation.question_added",
        actor=actor,
        obj=poll,
        after={"question": question.pk, "text": question.text, "kind": kind, "options": texts},
    )
    return question


@transaction.atomic
def delete_question(question: Question, *, actor: Any) -> None:
    poll = Poll.objects.select_for_update().get(pk=question.poll_id)
    _check_draft(poll)
    before = {"question": question.pk, "text": question.text, "kind": question.kind}
    question.delete()
    for n, q in enumerate(poll.questions.order_by("order", "pk"), start=1):
        if q.order != n:
            Question.objects.filter(pk=q.pk).update(order=n)
    record("participation.question_deleted", actor=actor, obj=poll, before=before)


@transaction.atomic
def publish_poll(poll: Poll, *, actor: Any, now: datetime | None = None) -> Poll:
    now = now or timezone.now()
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    rules.check_transition(poll.status, Status.PUBLISHED)
    questions = list(poll.questions.prefetch_related("options"))
    if not questions:
        raise ParticipationError("В опросе нет ни одного вопроса: добавьте вопросы перед публикацией.")
    if poll.ends_at <= now:
        raise ParticipationError("Дата окончания уже прошла: перенесите её, прежде чем публиковать.")
    before = poll_snapshot(poll)
    poll.status = Status.PUBLISHED
    poll.published_at = now
    poll.published_by = actor if getattr(actor, "is_authenticated", False) else None
    poll.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    record("participation.poll_published", actor=actor, obj=poll, before=before, after=poll_snapshot(poll))
    return poll


@transaction.atomic
def close_poll(poll: Poll, *, actor: Any = None, now: datetime | None = None) -> Poll:
    now = now or timezone.now()
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    rules.check_transition(poll.status, Status.CLOSED)
    before = poll_snapshot(poll)
    poll.status = Status.CLOSED
    poll.closed_at = now
    poll.closed_by = actor if getattr(actor, "is_authenticated", False) else None
    poll.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    record("participation.poll_closed", actor=actor, obj=poll, before=before, after=poll_snapshot(poll))
    return poll


@dataclass(frozen=True)
class Answer:
    """A resident's answer to one question: an option, several options, a scale value or a text."""

    question: Question
    options: tuple[Option, ...] = ()
    value: int | None = None
    text: str = ""

    @property
    def empty(self) -> bool:
        return not self.options and self.value is None and not self.text.strip()


def _check_answers(poll: Poll, answers: list[Answer]) -> None:
    questions = {q.pk: q for q in poll.questions.all()}
    given = {a.question.pk for a in answers if not a.empty}
    for a in answers:
        q = questions.get(a.question.pk)
        if q is None:
            raise ParticipationError("Ответ на вопрос другого опроса.")
        if any(o.question_id != q.pk for o in a.options):
            raise ParticipationError(f"Вопрос «{q.text}»: такого варианта нет.")
        if q.kind == Question.Kind.SINGLE and len(a.options) > 1:
            raise ParticipationError(f"Вопрос «{q.text}»: выберите один вариант.")
        if a.value is not None and (q.kind != Question.Kind.SCALE or a.value not in q.scale_values):
            raise ParticipationError(f"Вопрос «{q.text}»: оценка вне шкалы.")
    missing = [q.text for q in questions.values() if q.required and q.pk not in given]
    if missing:
        raise ParticipationError(f"Ответьте на обязательный вопрос «{missing[0]}».")


def already_voted_message(poll: Poll, ballot: Ballot) -> str:
    where = "в этом голосовании" if poll.kind == Poll.Kind.VOTE else "в этом опросе"
    when = _local(ballot.created_at, poll.municipality)
    source = " на платформе «Госуслуги. Решаем вместе»" if ballot.source == Ballot.Source.PLATFORM else ""
    return (
        f"Вы уже проголосовали {where}{source} {when}. Повторно голосовать нельзя: "
        "учитывается один голос от одного жителя."
    )


def existing_ballot(poll: Poll, identity_hash: str) -> Ballot | None:
    ballot: Ballot | None = Ballot.objects.filter(poll=poll, identity_hash=identity_hash).first()
    return ballot


def cast_ballot(
    poll: Poll,
    contact: VerifiedContact,
    *,
    settlement: Settlement,
    answers: list[Answer],
    ip_hash: str,
    name: str = "",
    now: datetime | None = None,
) -> Ballot:
    """Store one resident's answers. AlreadyVoted when this contact has voted in the poll (on the site
    or, by the same identity, through the platform's file); RateLimited over the address's allowance."""
    now = now or timezone.now()
    reason = rules.closed_reason(poll.window, now, noun=poll.noun)
    if reason:
        raise ParticipationError(reason)
    if settlement.pk not in {s.pk for s in allowed_settlements(poll)}:
        raise ParticipationError("Этот опрос проводится в других поселениях: выберите поселение из списка.")
    if not poll.is_anonymous and not name.strip():
        raise ParticipationError("Опрос именной: укажите фамилию и имя.")
    _check_answers(poll, answers)
    previous = existing_ballot(poll, contact.hash)
    if previous is not None:
        raise AlreadyVoted(already_voted_message(poll, previous))
    try:
        with transaction.atomic():
            ratelimit.check_and_count(ratelimit.VOTE, ip_hash)
            ballot = Ballot.objects.create(
                poll=poll,
                identity_hash=contact.hash,
                identity_kind=contact.kind,
                source=Ballot.Source.SITE,
                settlement=settlement,
                name="" if poll.is_anonymous else name.strip()[:200],
                contact="" if poll.is_anonymous else contact.contact,
                created_at=now,
            )
            rows = []
            for a in answers:
                if a.empty:
                    continue
                if a.options:
                    rows += [BallotAnswer(ballot=ballot, question=a.question, option=o) for o in a.options]
                elif a.value is not None:
                    rows.append(BallotAnswer(ballot=ballot, question=a.question, value=a.value))
                else:
                    rows.append(BallotAnswer(ballot=ballot, question=a.question, text=a.text.strip()[:5000]))
            BallotAnswer.objects.bulk_create(rows)
    except IntegrityError:  # the same resident a moment ago, in another tab
        previous = existing_ballot(poll, contact.hash)
        if previous is None:
            raise
        raise AlreadyVoted(already_voted_message(poll, previous)) from None
    return ballot


def close_expired(now: datetime | None = None) -> dict[str, int]:
    """The worker's job: close the published polls and discussions whose period has ended."""
    now = now or timezone.now()
    polls = discussions = 0
    for poll in Poll.objects.filter(status=Status.PUBLISHED, ends_at__lte=now):
        try:
            close_poll(poll, now=now)
            polls += 1
        except rules.TransitionError:  # closed by an officer meanwhile
            continue
    for discussion in Discussion.objects.filter(status=Status.PUBLISHED, ends_at__lte=now):
        try:
            close_discussion(discussion, now=now)
            discussions += 1
        except rules.TransitionError:
            continue
    return {"polls": polls, "discussions": discussions}


def forget_old_requests(now: datetime | None = None) -> dict[str, int]:
    """The worker's job: drop what the rate limits and the codes no longer need — request marks older
    than two days (the longest window is a day) and codes a day after they were sent."""
    now = now or timezone.now()
    hits, _ = Hit.objects.filter(created_at__lt=now - timedelta(days=2)).delete()
    codes, _ = ContactCode.objects.filter(created_at__lt=now - timedelta(days=1)).delete()
    return {"hits": hits, "codes": codes}


# --- discussions ------------------------------------------------------------------------------------

#: The default rules of moderation: reasons to reject a comment (code, text, order). Data: the
#: administration edits them in the admin; new installations get these.
DEFAULT_REASONS = (
    ("offtopic", "Не относится к предмету обсуждения", 10),
    ("abuse", "Нецензурные или оскорбительные выражения", 20),
    ("personal_data", "Персональные данные других людей", 30),
    ("spam", "Реклама, спам или ссылки на посторонние ресурсы", 40),
    ("illegal", "Призывы к нарушению закона, экстремистские материалы", 50),
    ("duplicate", "Повтор ранее опубликованного комментария", 60),
)


def sync_moderation_reasons(model: Any = None) -> int:
    """Create the default reasons that are missing; never change existing ones. Returns how many."""
    model = model or ModerationReason
    created = 0
    for code, text, order in DEFAULT_REASONS:
        _, new = model.objects.get_or_create(code=code, defaults={"text": text, "order": order})
        created += int(new)
    return created


def discussion_snapshot(d: Discussion) -> dict[str, Any]:
    return {
        "title": d.title,
        "status": d.status,
        "starts_at": d.starts_at.isoformat() if d.starts_at else None,
        "ends_at": d.ends_at.isoformat() if d.ends_at else None,
        "settlements": sorted(d.settlements.values_list("pk", flat=True)) if d.pk else [],
        "conclusion": d.conclusion,
    }


@transaction.atomic
def create_discussion(
    *,
    actor: Any,
    municipality: Municipality,
    title: str,
    description: str,
    starts_at: datetime,
    ends_at: datetime,
    rules_text: str = "",
    settlements: list[Settlement] | None = None,
) -> Discussion:
    _check_period(starts_at, ends_at)
    _check_settlements(municipality, settlements or [])
    discussion = Discussion(
        municipality=municipality,
        slug=_unique_slug(Discussion, title),
        title=title.strip(),
        description=description.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if rules_text.strip():
        discussion.rules = rules_text.strip()
    discussion.save()
    discussion.settlements.set(settlements or [])
    record(
        "participation.discussion_created", actor=actor, obj=discussion, after=discussion_snapshot(discussion)
    )
    return discussion


@transaction.atomic
def update_discussion(
    discussion: Discussion, *, actor: Any, settlements: list[Settlement] | None = None, **fields: Any
) -> Discussion:
    discussion = Discussion.objects.select_for_update().get(pk=discussion.pk)
    before = discussion_snapshot(discussion)
    if discussion.status == Status.CLOSED and set(fields) - {"conclusion"}:
        raise ParticipationError("Обсуждение завершено: можно изменить только итог для протокола.")
    if discussion.status == Status.PUBLISHED and (set(fields) - {"ends_at", "conclusion", "description"}):
        raise ParticipationError("Обсуждение опубликовано: можно изменить описание, срок окончания и итог.")
    for name, value in fields.items():
        setattr(discussion, name, value.strip() if isinstance(value, str) else value)
    _check_period(discussion.starts_at, discussion.ends_at)
    discussion.save()
    if settlements is not None:
        _check_settlements(discussion.municipality, settlements)
        discussion.settlements.set(settlements)
    record(
        "participation.discussion_updated",
        actor=actor,
        obj=discussion,
        before=before,
        after=discussion_snapshot(discussion),
    )
    return discussion


@transaction.atomic
def add_document(
    discussion: Discussion, *, actor: Any, title: str, upload: UploadedFile
) -> DiscussionDocument:
    """Attach a document (PDF, DOCX, ODT; the caller checked it with uploads.check_document)."""
    if discussion.status == Status.CLOSED:
        raise ParticipationError("Обсуждение завершено: документы больше не добавляются.")
    name = (upload.name or "document").rsplit("/", 1)[-1][:255]
    document = DiscussionDocument(
        discussion=discussion,
        title=title.strip() or name,
        name=name,
        size=upload.size or 0,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=timezone.now(),
    )
    document.file.save(name, upload, save=False)
    document.save()
    record(
        "participation.document_added",
        actor=actor,
        obj=discussion,
        after={"document": document.pk, "title": document.title, "name": name, "size": document.size},
    )
    return document


@transaction.atomic
def delete_document(document: DiscussionDocument, *, actor: Any) -> None:
    discussion = document.discussion
    if discussion.status != Status.DRAFT:
        raise ParticipationError(
            "Документы опубликованного обсуждения не удаляются: жители их уже видели. "
            "Добавьте исправленную редакцию отдельным документом."
        )
    before = {"document": document.pk, "title": document.title, "name": document.name}
    stored = document.file
    document.delete()
    transaction.on_commit(lambda: stored.delete(save=False))
    record("participation.document_deleted", actor=actor, obj=discussion, before=before)


@transaction.atomic
def publish_discussion(discussion: Discussion, *, actor: Any, now: datetime | None = None) -> Discussion:
    now = now or timezone.now()
    discussion = Discussion.objects.select_for_update().get(pk=discussion.pk)
    rules.check_transition(discussion.status, Status.PUBLISHED)
    if discussion.ends_at <= now:
        raise ParticipationError("Срок приёма комментариев уже прошёл: перенесите его перед публикацией.")
    before = discussion_snapshot(discussion)
    discussion.status = Status.PUBLISHED
    discussion.published_at = now
    discussion.save(update_fields=["status", "published_at", "updated_at"])
    record(
        "participation.discussion_published",
        actor=actor,
        obj=discussion,
        before=before,
        after=discussion_snapshot(discussion),
    )
    return discussion


@transaction.atomic
def close_discussion(discussion: Discussion, *, actor: Any = None, now: datetime | None = None) -> Discussion:
    now = now or timezone.now()
    discussion = Discussion.objects.select_for_update().get(pk=discussion.pk)
    rules.check_transition(discussion.status, Status.CLOSED)
    before = discussion_snapshot(discussion)
    discussion.status = Status.CLOSED
    discussion.closed_at = now
    discussion.save(update_fields=["status", "closed_at", "updated_at"])
    record(
        "participation.discussion_closed",
        actor=actor,
        obj=discussion,
        before=before,
        after=discussion_snapshot(discussion),
    )
    return discussion


def comments_closed_reason(discussion: Discussion, now: datetime) -> str:
    """Why comments are not taken now (for the resident), or "" when they are."""
    current = rules.phase(discussion.window, now)
    if current == "upcoming":
        start = _local(discussion.starts_at, discussion.municipality)
        return f"Приём комментариев начнётся {start}."
    if current in ("ended", "closed"):
        return "Приём комментариев завершён."
    if current == "draft":
        return "Обсуждение ещё не опубликовано."
    return ""


def submit_comment(
    discussion: Discussion,
    contact: VerifiedContact,
    *,
    author_name: str,
    text: str,
    ip_hash: str,
    settlement: Settlement | None = None,
    now: datetime | None = None,
) -> Comment:
    """A resident's comment, waiting for moderation. Only a verified e-mail may comment."""
    now = now or timezone.now()
    reason = comments_closed_reason(discussion, now)
    if reason:
        raise ParticipationError(reason)
    if contact.kind != "email":
        raise ParticipationError("Комментировать можно, подтвердив адрес электронной почты.")
    if settlement is not None and settlement.pk not in {s.pk for s in allowed_settlements(discussion)}:
        raise ParticipationError("Выберите поселение из списка.")
    if not text.strip():
        raise ParticipationError("Напишите комментарий.")
    with transaction.atomic():
        ratelimit.check_and_count(ratelimit.COMMENT, ip_hash)
        return Comment.objects.create(
            discussion=discussion,
            author_name=author_name.strip()[:120] or "Житель",
            contact_hash=contact.hash,
            settlement=settlement,
            text=text.strip(),
            created_at=now,
        )


@transaction.atomic
def moderate_comment(
    comment: Comment,
    *,
    actor: Any,
    publish: bool,
    reason: ModerationReason | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Comment:
    """Publish a comment, or reject it with one of the recorded reasons (and a note if needed)."""
    now = now or timezone.now()
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    target = Comment.Status.PUBLISHED if publish else Comment.Status.REJECTED
    rules.check_moderation(comment.status, target)
    if not publish and reason is None:
        raise ParticipationError("Выберите причину отклонения из правил модерации.")
    before = {
        "status": comment.status,
        "reason": comment.reason.code if comment.reason else None,
        "note": comment.moderation_note,
    }
    comment.status = target
    comment.reason = None if publish else reason
    comment.moderation_note = note.strip()
    comment.moderated_by = actor if getattr(actor, "is_authenticated", False) else None
    comment.moderated_at = now
    if not publish:
        comment.proposal = None
    comment.save()
    record(
        "participation.comment_moderated",
        actor=actor,
        obj=comment,
        before=before,
        after={
            "status": target,
            "reason": reason.code if reason and not publish else None,
            "note": note.strip(),
        },
    )
    return comment


@transaction.atomic
def create_proposal(discussion: Discussion, *, actor: Any, summary: str, comments: list[Comment]) -> Proposal:
    """Group published comments into one proposal (its summary in the officer's words)."""
    if not summary.strip():
        raise ParticipationError("Сформулируйте суть предложения.")
    comments = list(Comment.objects.filter(pk__in=[c.pk for c in comments]))  # as they are now
    bad = [c for c in comments if c.discussion_id != discussion.pk or c.status != Comment.Status.PUBLISHED]
    if bad:
        raise ParticipationError(
            "В предложение можно включить только опубликованные комментарии этого обсуждения."
        )
    order = (discussion.proposals.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    proposal = Proposal.objects.create(discussion=discussion, order=order, summary=summary.strip())
    Comment.objects.filter(pk__in=[c.pk for c in comments]).update(proposal=proposal)
    record(
        "participation.proposal_created",
        actor=actor,
        obj=discussion,
        after={
            "proposal": proposal.pk,
            "summary": proposal.summary,
            "comments": sorted(c.pk for c in comments),
        },
    )
    return proposal


@transaction.atomic
def respond_to_proposal(
    proposal: Proposal, *, actor: Any, decision: str, response: str, summary: str | None = None
) -> Proposal:
    """The administration's response to a proposal: the decision and its reasons."""
    if decision not in Proposal.Decision.values:
        raise ParticipationError("Выберите решение по предложению.")
    if not response.strip():
        raise ParticipationError("Напишите ответ администрации на предложение.")
    proposal = Proposal.objects.select_for_update().get(pk=proposal.pk)
    before = {"summary": proposal.summary, "decision": proposal.decision, "response": proposal.response}
    if summary is not None and summary.strip():
        proposal.summary = summary.strip()
    proposal.decision = decision
    proposal.response = response.strip()
    proposal.responded_by = actor if getattr(actor, "is_authenticated", False) else None
    proposal.responded_at = timezone.now()
    proposal.save()
    record(
        "participation.proposal_answered",
        actor=actor,
        obj=proposal,
        before=before,
        after={"summary": proposal.summary, "decision": decision, "response": proposal.response},
    )
    return proposal


@transaction.atomic
def delete_proposal(proposal: Proposal, *, actor: Any) -> None:
    before = {"proposal": proposal.pk, "summary": proposal.summary}
    discussion = proposal.discussion
    proposal.delete()  # its comments stay, ungrouped (SET_NULL)
    record("participation.proposal_deleted", actor=actor, obj=discussion, before=before)
