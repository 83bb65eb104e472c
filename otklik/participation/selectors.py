"""Reads of polls, discussions, results and the moderation queue: bounded queries, whatever the number of
ballots (results are aggregated in the database)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from otklik.participation import permissions, rules
from otklik.participation.models import (
    Ballot,
    BallotAnswer,
    Comment,
    Discussion,
    PlatformCount,
    Poll,
    Proposal,
    Question,
    Status,
)
from otklik.participation.services import allowed_settlements
from otklik.territory.models import Municipality

#: Free-text answers shown on the results page per question (the export holds all of them).
TEXTS_SHOWN = 50
NONE_COLUMN = "не указано"


def staff_polls(user: Any, *, status: str = "") -> QuerySet[Poll]:
    qs = permissions.scoped(user, Poll.objects.select_related("municipality")).annotate(
        n_ballots=Count("ballots", distinct=True), n_questions=Count("questions", distinct=True)
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-starts_at", "-pk")


def staff_discussions(user: Any, *, status: str = "") -> QuerySet[Discussion]:
    qs = permissions.scoped(user, Discussion.objects.select_related("municipality")).annotate(
        n_comments=Count("comments", distinct=True),
        n_pending=Count("comments", filter=Q(comments__status=Comment.Status.PENDING), distinct=True),
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-starts_at", "-pk")


def moderation_queue(user: Any) -> QuerySet[Comment]:
    """Comments waiting for a moderator, oldest first, in the discussions the user runs."""
    ids = permissions.municipality_ids(user)
    qs = Comment.objects.filter(status=Comment.Status.PENDING).select_related(
        "discussion", "discussion__municipality", "settlement"
    )
    if ids is not None:
        qs = qs.filter(discussion__municipality_id__in=ids)
    return qs.order_by("created_at", "pk")


def pending_count(user: Any) -> int:
    if not permissions.can_manage(user):
        return 0
    return moderation_queue(user).count()


# --- public lists -----------------------------------------------------------------------------------


@dataclass
class PublicLists:
    polls_open: list[Poll]
    polls_upcoming: list[Poll]
    polls_finished: list[Poll]
    discussions_open: list[Discussion]
    discussions_upcoming: list[Discussion]
    discussions_finished: list[Discussion]

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.polls_open,
                self.polls_upcoming,
                self.polls_finished,
                self.discussions_open,
                self.discussions_upcoming,
                self.discussions_finished,
            )
        )


FINISHED_SHOWN = 10


def public_lists(municipality: Municipality, now: datetime | None = None) -> PublicLists:
    """What a resident sees on /polls/: what is open now, what is coming, the latest finished ones."""
    now = now or timezone.now()
    polls = Poll.objects.filter(municipality=municipality).exclude(status=Status.DRAFT)
    discussions = Discussion.objects.filter(municipality=municipality).exclude(status=Status.DRAFT)
    live = Q(status=Status.PUBLISHED, starts_at__lte=now, ends_at__gt=now)
    upcoming = Q(status=Status.PUBLISHED, starts_at__gt=now)
    finished = Q(status=Status.CLOSED) | Q(status=Status.PUBLISHED, ends_at__lte=now)
    return PublicLists(
        polls_open=list(polls.filter(live).order_by("ends_at", "pk")),
        polls_upcoming=list(polls.filter(upcoming).order_by("starts_at", "pk")),
        polls_finished=list(polls.filter(finished).order_by("-ends_at", "-pk")[:FINISHED_SHOWN]),
        discussions_open=list(discussions.filter(live).order_by("ends_at", "pk")),
        discussions_upcoming=list(discussions.filter(upcoming).order_by("starts_at", "pk")),
        discussions_finished=list(discussions.filter(finished).order_by("-ends_at", "-pk")[:FINISHED_SHOWN]),
    )


def public_poll(slug: str) -> Poll | None:
    poll: Poll | None = (
        Poll.objects.select_related("municipality").exclude(status=Status.DRAFT).filter(slug=slug).first()
    )
    return poll


def public_discussion(slug: str) -> Discussion | None:
    discussion: Discussion | None = (
        Discussion.objects.select_related("municipality")
        .exclude(status=Status.DRAFT)
        .filter(slug=slug)
        .first()
    )
    return discussion


def published_comments(discussion: Discussion) -> QuerySet[Comment]:
    return discussion.comments.filter(status=Comment.Status.PUBLISHED).select_related("settlement")


# --- results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: int | None  # settlement id; None: the settlement is not known
    name: str

    @property
    def short(self) -> str:
        return rules.short_settlement(self.name)


@dataclass
class Row:
    """An option (or a scale value): its counts on the site, from the platform, and by settlement."""

    label: str
    site: int = 0
    platform: int = 0
    by_settlement: list[int] = field(default_factory=list)
    share: float | None = None

    @property
    def total(self) -> int:
        return self.site + self.platform


@dataclass(frozen=True)
class TextAnswer:
    text: str
    settlement: str
    at: datetime


@dataclass
class QuestionResult:
    question: Question
    rows: list[Row]
    respondents: int  # identified ballots (site and platform) that answered it
    total: int  # the sum of the rows' counts: answers, or choices for a multiple-choice question
    mean: float | None = None
    texts: list[TextAnswer] = field(default_factory=list)
    text_count: int = 0

    @property
    def is_text(self) -> bool:
        return self.question.kind == Question.Kind.TEXT


@dataclass
class PollResults:
    poll: Poll
    columns: list[Column]
    ballots_site: int
    ballots_platform: int
    ballots_by_settlement: list[int]
    platform_counts: int  # rows of aggregated counts from the platform's file
    questions: list[QuestionResult]

    @property
    def ballots(self) -> int:
        return self.ballots_site + self.ballots_platform

    @property
    def has_platform(self) -> bool:
        return bool(self.ballots_platform or self.platform_counts)

    def chart(self) -> dict[str, Any]:
        """What the charts draw (json_script): per question the labels and totals, and by settlement."""
        return {
            "settlements": [c.short for c in self.columns],
            "questions": [
                {
                    "id": q.question.pk,
                    "text": q.question.text,
                    "labels": [r.label for r in q.rows],
                    "totals": [r.total for r in q.rows],
                    "bySettlement": [[r.by_settlement[i] for r in q.rows] for i in range(len(self.columns))],
                }
                for q in self.questions
                if not q.is_text
            ],
        }


def poll_results(poll: Poll, *, texts: int = TEXTS_SHOWN) -> PollResults:
    """The poll's results, live or final: site ballots and the platform's (identified ballots and
    aggregated counts) together, in total and by settlement. Shares are of the question's total."""
    questions = list(poll.questions.prefetch_related("options"))
    columns = [Column(s.pk, s.name) for s in allowed_settlements(poll)]
    index: dict[int | None, int] = {c.key: i for i, c in enumerate(columns)}

    answers = (
        BallotAnswer.objects.filter(ballot__poll=poll)
        .filter(Q(option__isnull=False) | Q(value__isnull=False))
        .values_list("question_id", "option_id", "value", "ballot__settlement_id", "ballot__source")
        .annotate(n=Count("id"))
        .order_by()
    )
    platform = PlatformCount.objects.filter(poll=poll).values_list(
        "question_id", "option_id", "value", "settlement_id", "count"
    )
    tallies: list[tuple[int, int | None, int | None, int | None, str, int]] = [
        (q, o, v, s, src, n) for q, o, v, s, src, n in answers
    ]
    tallies += [(q, o, v, s, Ballot.Source.PLATFORM, n) for q, o, v, s, n in platform]
    for *_, settlement_id, _src, _n in tallies:
        if settlement_id not in index:
            index[settlement_id] = len(columns)
            columns.append(Column(settlement_id, NONE_COLUMN if settlement_id is None else ""))
    _name_extra_columns(columns)

    by_ballot = dict(
        Ballot.objects.filter(poll=poll).values_list("source").annotate(n=Count("id")).order_by()
    )
    per_settlement = Ballot.objects.filter(poll=poll).values_list("settlement_id").annotate(n=Count("id"))
    ballots_by_settlement = [0] * len(columns)
    for settlement_id, n in per_settlement.order_by():
        if settlement_id not in index:
            index[settlement_id] = len(columns)
            columns.append(Column(settlement_id, NONE_COLUMN if settlement_id is None else ""))
            ballots_by_settlement.append(0)
            _name_extra_columns(columns)
        ballots_by_settlement[index[settlement_id]] += n
    width = len(columns)
    respondents = dict(
        BallotAnswer.objects.filter(ballot__poll=poll)
        .values_list("question_id")
        .annotate(n=Count("ballot_id", distinct=True))
        .order_by()
    )

    results = []
    for q in questions:
        rows: list[Row] = []
        keyed: dict[Any, Row] = {}
        if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            for o in q.options.all():
                keyed[o.pk] = Row(o.text, by_settlement=[0] * width)
                rows.append(keyed[o.pk])
        elif q.kind == Question.Kind.SCALE:
            for v in q.scale_values:
                keyed[v] = Row(str(v), by_settlement=[0] * width)
                rows.append(keyed[v])
        for q_id, option_id, value, settlement_id, source, n in tallies:
            if q_id != q.pk:
                continue
            row = keyed.get(option_id if option_id is not None else value)
            if row is None:
                continue
            if source == Ballot.Source.PLATFORM:
                row.platform += n
            else:
                row.site += n
            row.by_settlement[index[settlement_id]] += n
        total = sum(r.total for r in rows)
        for r in rows:
            r.share = rules.share(r.total, total)
        result = QuestionResult(q, rows, respondents.get(q.pk, 0), total)
        if q.kind == Question.Kind.SCALE:
            result.mean = rules.mean([(int(r.label), r.total) for r in rows])
        if q.kind == Question.Kind.TEXT:
            written = BallotAnswer.objects.filter(ballot__poll=poll, question=q).exclude(text="")
            result.text_count = written.count()
            result.total = result.text_count
            result.texts = [
                TextAnswer(t, s or NONE_COLUMN, at)
                for t, s, at in written.order_by("-ballot__created_at", "-pk").values_list(
                    "text", "ballot__settlement__name", "ballot__created_at"
                )[:texts]
            ]
        results.append(result)
    return PollResults(
        poll=poll,
        columns=columns,
        ballots_site=by_ballot.get(Ballot.Source.SITE, 0),
        ballots_platform=by_ballot.get(Ballot.Source.PLATFORM, 0),
        ballots_by_settlement=ballots_by_settlement,
        platform_counts=PlatformCount.objects.filter(poll=poll).count(),
        questions=results,
    )


def _name_extra_columns(columns: list[Column]) -> None:
    """Settlements outside the poll's target (kept from an earlier target) get their names."""
    from otklik.territory.models import Settlement

    unnamed = [c.key for c in columns if c.key is not None and not c.name]
    if not unnamed:
        return
    names = dict(Settlement.objects.filter(pk__in=unnamed).values_list("pk", "name"))
    for i, c in enumerate(columns):
        if c.key in names and not c.name:
            columns[i] = Column(c.key, names[c.key])


def all_text_answers(poll: Poll) -> QuerySet[BallotAnswer]:
    return (
        BallotAnswer.objects.filter(ballot__poll=poll)
        .exclude(text="")
        .select_related("question", "ballot__settlement")
        .order_by("question__order", "ballot__created_at", "pk")
    )


def proposals(discussion: Discussion) -> list[Proposal]:
    return list(
        discussion.proposals.prefetch_related(
            "comments__settlement",
        ).select_related("responded_by")
    )


def ungrouped_comments(discussion: Discussion) -> QuerySet[Comment]:
    return published_comments(discussion).filter(proposal__isnull=True).order_by("created_at", "pk")


@dataclass(frozen=True)
class ModerationSummary:
    received: int
    published: int
    rejected: int
    pending: int
    by_reason: list[tuple[str, int]]


def moderation_summary(discussion: Discussion) -> ModerationSummary:
    counts = dict(discussion.comments.values_list("status").annotate(n=Count("id")).order_by())
    reasons = (
        discussion.comments.filter(status=Comment.Status.REJECTED, reason__isnull=False)
        .values_list("reason__text")
        .annotate(n=Count("id"))
        .order_by("-n", "reason__text")
    )
    return ModerationSummary(
        received=sum(counts.values()),
        published=counts.get(Comment.Status.PUBLISHED, 0),
        rejected=counts.get(Comment.Status.REJECTED, 0),
        pending=counts.get(Comment.Status.PENDING, 0),
        by_reason=[(text, n) for text, n in reasons],
    )
