"""Reads of cases for pages, the API, exports and reports. Scope is enforced here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Case as SqlCase
from django.db.models import Count, Exists, IntegerField, Min, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from otklik.cases import deadline_engine
from otklik.cases.models import (
    OPEN_STATUSES,
    Answer,
    Attachment,
    Case,
    CaseDeadline,
    CaseEvent,
    Channel,
    Kind,
    Status,
)
from otklik.org.models import Role, User
from otklik.org.selectors import role_assignments
from otklik.territory.models import Municipality

AT_RISK_WORKING_DAYS = deadline_engine.AT_RISK_WORKING_DAYS


def scope_q(user: Any) -> Q | None:
    """The filter of cases the user may see; None means everything (superuser)."""
    if getattr(user, "is_superuser", False):
        return None
    nothing = Q(pk__in=[])
    q = nothing
    for a in role_assignments(user):
        # A region-wide assignment: every municipality (an empty Q() would vanish when OR-ed).
        muni = Q(municipality_id=a.municipality_id) if a.municipality_id else Q(pk__isnull=False)
        if a.role in WHOLE_MUNICIPALITY_ROLES:
            q |= muni
        elif a.role == Role.BLOCK_OWNER:
            q |= Q(block_id=a.block_id)
        elif a.role == Role.SPECIALIST:
            q |= Q(owner_id=user.pk)
            if a.department_id:
                q |= Q(department_id=a.department_id)
            if a.block_id:
                q |= Q(block_id=a.block_id, owner_id=user.pk)
        elif a.role == Role.INCIDENT_OFFICER:
            q |= muni & Q(kind=Kind.INCIDENT)
        elif a.role == Role.POS_OFFICER:
            q |= muni & Q(channel=Channel.POS)
        elif a.role == Role.REGISTRAR:
            q |= muni & Q(kind=Kind.APPEAL)
    return q


#: Roles that see every case of their municipality (of every municipality when region-wide).
WHOLE_MUNICIPALITY_ROLES = {Role.CURATOR, Role.HEAD, Role.ANALYST, Role.OBSERVER, Role.INTEGRATION}


def sees_all_of(user: Any, municipality_id: int) -> bool:
    """Whether the user sees every case of the municipality — `scope_q` decided without a query (its
    first branch); False does not mean the user sees none of them."""
    if getattr(user, "is_superuser", False):
        return True
    return any(
        a.role in WHOLE_MUNICIPALITY_ROLES and a.municipality_id in (None, municipality_id)
        for a in role_assignments(user)
    )


def visible_cases(user: Any) -> QuerySet[Case]:
    qs = Case.objects.all()
    q = scope_q(user)
    return qs if q is None else qs.filter(q)


def municipalities_with_cases(user: Any) -> QuerySet[Municipality]:
    """The municipalities where the user sees at least one case. One index probe per municipality
    (`EXISTS`), where `pk IN (SELECT municipality_id FROM cases …)` read every visible case's row of the
    index — a million for a region's curator."""
    return Municipality.objects.filter(Exists(visible_cases(user).filter(municipality_id=OuterRef("pk"))))


def _listing(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related("topic", "settlement", "owner", "block").only(
        "id",
        "registration_number",
        "kind",
        "channel",
        "title",
        "text",
        "status",
        "received_at",
        "due_at",
        "topic__name",
        "topic__code",
        "settlement__name",
        "owner__username",
        "owner__last_name",
        "owner__first_name",
        "owner__patronymic",
        "block__name",
    )


@dataclass
class Counter:
    label: str
    value: int
    tone: str = "neutral"  # neutral | warn | danger | ok


@dataclass
class Section:
    key: str
    title: str
    counters: list[Counter] = field(default_factory=list)
    cases_title: str = ""
    cases: list[Case] = field(default_factory=list)
    empty_text: str = "Ничего не ждёт вашего внимания."


@dataclass(frozen=True)
class Clock:
    """Now, and the moment up to which an open deadline counts as "at risk" (N working days ahead)."""

    now: datetime
    horizon: datetime
    days: int

    @classmethod
    def for_municipality(cls, municipality: Municipality | None, now: datetime) -> Clock:
        days = municipality.at_risk_working_days if municipality is not None else AT_RISK_WORKING_DAYS
        return cls(now, deadline_engine.at_risk_horizon(municipality, now), days)

    @property
    def label(self) -> str:
        return f"срок в ближайшие {self.days} раб. дн."


def _deadline_counts(qs: QuerySet[Case], clock: Clock) -> dict[str, int]:
    now = clock.now
    return qs.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("id"),
        overdue=Count("id", filter=Q(due_at__lt=now)),
        at_risk=Count("id", filter=Q(due_at__gte=now, due_at__lte=clock.horizon)),
        unassigned=Count("id", filter=Q(owner__isnull=True)),
        not_registered=Count("id", filter=Q(status=Status.RECEIVED)),
    )


def _urgent(qs: QuerySet[Case], limit: int = 10) -> list[Case]:
    return list(_listing(qs.filter(status__in=OPEN_STATUSES)).order_by("due_at", "id")[:limit])


def _control_section(key: str, title: str, qs: QuerySet[Case], clock: Clock) -> Section:
    c = _deadline_counts(qs, clock)
    return Section(
        key=key,
        title=title,
        counters=[
            Counter("в работе", c["open"]),
            Counter("просрочено", c["overdue"], "danger" if c["overdue"] else "ok"),
            Counter(clock.label, c["at_risk"], "warn" if c["at_risk"] else "ok"),
            Counter("без исполнителя", c["unassigned"], "warn" if c["unassigned"] else "ok"),
            Counter("ждут регистрации", c["not_registered"], "warn" if c["not_registered"] else "ok"),
        ],
        cases_title="Ближайшие сроки",
        cases=_urgent(qs),
    )


def _review_section(key: str, where: str, qs: QuerySet[Case]) -> Section:
    """The human queue: open cases whose topic or place was not found with confidence."""
    queue = qs.filter(needs_review=True, status__in=OPEN_STATUSES)
    total = queue.count()
    return Section(
        key=key,
        title=f"Проверить тему или место{where}",
        counters=[Counter("ждут проверки", total, "warn" if total else "ok")],
        cases_title="Тема или место определены неуверенно",
        cases=list(_listing(queue).order_by("received_at", "pk")[:15]),
        empty_text="Все темы и места определены уверенно.",
    )


def home_sections(user: Any, now: datetime) -> list[Section]:
    """What waits for this person, one section per role they hold."""
    sections: list[Section] = []
    seen: set[str] = set()
    clocks: dict[int | None, Clock] = {}
    all_visible = visible_cases(user)
    for a in role_assignments(user):
        muni_qs = (
            Case.objects.filter(municipality_id=a.municipality_id) if a.municipality_id else Case.objects
        )
        key = f"{a.role}:{a.municipality_id}:{a.block_id}:{a.department_id}"
        if key in seen:
            continue
        seen.add(key)
        where = f" — {a.municipality}" if a.municipality_id else " — все муниципальные образования"
        clock = clocks.setdefault(a.municipality_id, Clock.for_municipality(a.municipality, now))
        if a.role in (Role.CURATOR, Role.HEAD):
            sections.append(_control_section(key, f"Контроль сроков{where}", muni_qs.all(), clock))
            sections.append(_review_section(f"{key}:review", where, muni_qs.all()))
        elif a.role == Role.REGISTRAR:
            sections.append(
                _control_section(
                    key, f"Обращения граждан (59-ФЗ){where}", muni_qs.filter(kind=Kind.APPEAL), clock
                )
            )
        elif a.role == Role.BLOCK_OWNER:
            sections.append(
                _control_section(key, f"Блок «{a.block}»", Case.objects.filter(block_id=a.block_id), clock)
            )
        elif a.role == Role.SPECIALIST:
            mine = Case.objects.filter(owner_id=user.pk)
            c = _deadline_counts(mine, clock)
            sections.append(
                Section(
                    key=key,
                    title="Мои обращения",
                    counters=[
                        Counter("в работе", c["open"]),
                        Counter("просрочено", c["overdue"], "danger" if c["overdue"] else "ok"),
                        Counter(clock.label, c["at_risk"], "warn" if c["at_risk"] else "ok"),
                    ],
                    cases_title="Ответить в первую очередь",
                    cases=_urgent(mine, 15),
                    empty_text="У вас нет обращений в работе.",
                )
            )
        elif a.role == Role.INCIDENT_OFFICER:
            sections.append(
                _control_section(
                    key, f"Инциденты в соцсетях{where}", muni_qs.filter(kind=Kind.INCIDENT), clock
                )
            )
        elif a.role == Role.POS_OFFICER:
            sections.append(
                _control_section(key, f"Сообщения ПОС{where}", muni_qs.filter(channel=Channel.POS), clock)
            )
        elif a.role in (Role.ANALYST, Role.OBSERVER, Role.INTEGRATION):
            sections.append(_summary_section(key, where, muni_qs.all(), now))
    if not sections and getattr(user, "is_superuser", False):
        clock = Clock.for_municipality(None, now)
        sections.append(_control_section("admin", "Все обращения установки", all_visible, clock))
    return sections


def _summary_section(key: str, where: str, qs: QuerySet[Case], now: datetime) -> Section:
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    figures = qs.aggregate(
        month=Count("id", filter=Q(received_at__gte=month_start)),
        total=Count("id"),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
        overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, due_at__lt=now)),
    )
    by_topic = (
        qs.filter(received_at__gte=month_start)
        .values("topic__name")
        .annotate(n=Count("id"))
        .order_by("-n", "topic__name")[:10]
    )
    counters = [
        Counter("поступило в этом месяце", figures["month"]),
        Counter("всего", figures["total"]),
        Counter("в работе", figures["open"]),
        Counter("просрочено", figures["overdue"], "danger" if figures["overdue"] else "ok"),
    ]
    counters += [Counter(f"тема: {row['topic__name'] or 'не определена'}", row["n"]) for row in by_topic]
    return Section(key=key, title=f"Сводка{where}", counters=counters, empty_text="")


# --- the case page ---------------------------------------------------------------------------------

#: Roles whose holders may be made the owner (исполнитель) of a case.
ASSIGNABLE_ROLES = (Role.SPECIALIST, Role.BLOCK_OWNER, Role.HEAD, Role.CURATOR)


def _attachments_in_order() -> QuerySet[Attachment]:
    return Attachment.objects.order_by("created_at", "id")


def case_for_user(user: Any, pk: int) -> Case:
    """One case with everything its page shows, or Http404 if the user may not see it.

    A case of another municipality (or block, or department) answers exactly like a missing one,
    so its existence is never revealed.
    """
    qs = visible_cases(user).select_related(
        "municipality",
        "topic",
        "subtopic",
        "settlement",
        "locality",
        "block",
        "department",
        "owner",
    )
    qs = qs.prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor").order_by("at", "id")),
        Prefetch(
            "answers",
            queryset=Answer.objects.select_related("author")
            .prefetch_related(Prefetch("attachments", queryset=_attachments_in_order()))
            .order_by("created_at", "id"),
        ),
        Prefetch("attachments", queryset=_attachments_in_order()),
        Prefetch("deadlines", queryset=CaseDeadline.objects.order_by("due_at", "id")),
    )
    try:
        return qs.get(pk=pk)
    except Case.DoesNotExist:
        raise Http404("Обращение не найдено.") from None


def case_timeline(case: Case) -> list[Any]:
    """The case's events in time order; an answer event carries its Answer as `event.answer`.

    Works on the prefetched events and answers of `case_for_user` without further queries.
    """
    answers = {a.pk: a for a in case.answers.all()}
    events = list(case.events.all())
    for event in events:
        ref = (event.data or {}).get("answer") if isinstance(event.data, dict) else None
        event.answer = answers.get(ref) if isinstance(ref, int) else None
    return events


def author_attachments(case: Case) -> list[Any]:
    """Files the author sent with the case (not those of the answers), from the prefetched list."""
    return [a for a in case.attachments.all() if a.answer_id is None]


def assignable_users(case: Case) -> QuerySet[User]:
    """Active staff who may be given the case, in one query: the people of the case's block (its
    specialists and owner) first, then specialists of the case's department, then the other
    specialists, block owners and heads of the case's municipality."""
    whens = []
    if case.block_id:
        block_people = Q(roles__role__in=(Role.SPECIALIST, Role.BLOCK_OWNER), roles__block_id=case.block_id)
        if case.block.owner_id:
            block_people |= Q(pk=case.block.owner_id)
        whens.append(When(block_people, then=Value(0)))
    if case.department_id:
        whens.append(
            When(Q(roles__role=Role.SPECIALIST, roles__department_id=case.department_id), then=Value(1))
        )
    rank = SqlCase(*whens, default=Value(2), output_field=IntegerField()) if whens else Value(2)
    return (
        User.objects.filter(
            is_active=True,
            roles__municipality_id=case.municipality_id,
            roles__role__in=ASSIGNABLE_ROLES,
        )
        .annotate(rank=Min(rank))
        .order_by("rank", "last_name", "first_name", "patronymic", "username")
    )


@dataclass
class DeadlineRow:
    """One line of the case's deadlines table, with the words to show."""

    stage: str
    label: str
    due_at: datetime
    met_at: datetime | None
    state: str  # met | met_late | open | overdue | expired | extended | not_required
    words: str
    tone: str  # ok | warn | danger | neutral


_PLURALS = {
    "day": ("день", "дня", "дней"),
    "hour": ("час", "часа", "часов"),
    "minute": ("минута", "минуты", "минут"),
}


def _plural(n: int, unit: str) -> str:
    one, few, many = _PLURALS[unit]
    if n % 10 == 1 and n % 100 != 11:
        word = one
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        word = few
    else:
        word = many
    return f"{n} {word}"


def duration_words(delta: timedelta) -> str:
    """«3 дня 4 часа», «5 часов 10 минут», «1 минута» — a span in Russian words, rounded down."""
    minutes = int(abs(delta).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return _plural(days, "day") + (f" {_plural(hours, 'hour')}" if hours and days < 10 else "")
    if hours:
        return _plural(hours, "hour") + (f" {_plural(mins, 'minute')}" if mins else "")
    return _plural(max(mins, 1), "minute")


def deadline_rows(case: Case, now: datetime) -> list[DeadlineRow]:
    """The case's stage deadlines (prefetched by `case_for_user`) as table rows."""
    deadlines = list(case.deadlines.all())
    by_stage = {d.stage: d for d in deadlines}
    extension = by_stage.get("extension")
    is_open = case.status in OPEN_STATUSES
    clock = Clock.for_municipality(case.municipality, now)
    rows = []
    for d in deadlines:
        # The answer term that a later extension replaced (a reopening computes a newer answer term).
        superseded = (
            d.stage == "answer"
            and case.is_extended
            and extension is not None
            and extension.computed_at >= d.computed_at
        )
        if superseded:
            state, tone, words = "extended", "neutral", "срок продлён"
        elif d.met_at is not None:
            late = d.met_at > d.due_at
            state, tone = ("met_late", "warn") if late else ("met", "ok")
            words = f"с опозданием: {duration_words(d.met_at - d.due_at)}" if late else "в срок"
        elif not is_open:
            state, tone, words = "not_required", "neutral", "не требуется"
        elif d.stage == "redirection" and now > d.due_at:
            # Redirection is a limit, not a duty: once past, the case simply stays with us.
            state, tone, words = "expired", "neutral", "срок перенаправления истёк"
        elif now > d.due_at:
            state, tone, words = (
                "overdue",
                "danger",
                f"не выполнен, просрочка: {duration_words(now - d.due_at)}",
            )
        else:
            state, words = "open", f"до срока: {duration_words(d.due_at - now)}"
            tone = "warn" if d.due_at <= clock.horizon else "neutral"
        rows.append(
            DeadlineRow(
                stage=d.stage,
                label=d.get_stage_display(),
                due_at=d.due_at,
                met_at=d.met_at,
                state=state,
                words=words,
                tone=tone,
            )
        )
    return rows


def attachment_for_user(user: Any, case_pk: int, attachment_pk: int) -> Attachment:
    """A file of a case the user may see, or Http404 (for a missing file and a hidden case alike)."""
    try:
        return Attachment.objects.select_related("case").get(
            pk=attachment_pk, case_id=case_pk, case__in=visible_cases(user)
        )
    except Attachment.DoesNotExist:
        raise Http404("Файл не найден.") from None
