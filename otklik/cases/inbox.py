"""The inbox: every case the user may see, filtered, searched (with Russian morphology), sorted, paged,
with counts per filter value. Reads only; bounded queries whatever the page size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from otklik.cases.models import OPEN_STATUSES, Case, Channel, Kind, Status
from otklik.cases.selectors import Clock, municipalities_with_cases, visible_cases
from otklik.core.forms import BoundedDateField
from otklik.nlp.text import lemma, words
from otklik.org.models import Block, Department, Topic, User
from otklik.quality.models import Rating
from otklik.territory.models import Settlement

PAGE_SIZE = 50
DEADLINE_STATES = [
    ("overdue", "просрочено"),
    ("at_risk", "срок скоро"),
    ("on_time", "в срок"),
    ("none", "без срока / завершено"),
]
SORTS = [
    ("due_at", "по сроку (ближайшие сначала)"),
    ("-received_at", "новые сначала"),
    ("received_at", "старые сначала"),
    ("registration_number", "по номеру"),
]


class InboxForm(forms.Form):
    q = forms.CharField(label="Поиск по тексту", required=False, max_length=200)
    kind = forms.ChoiceField(label="Вид", required=False, choices=[("", "все"), *list(Kind.choices)])
    channel = forms.ChoiceField(label="Канал", required=False, choices=[("", "все"), *list(Channel.choices)])
    status = forms.ChoiceField(
        label="Статус",
        required=False,
        choices=[("", "все"), ("open", "в работе (все открытые)"), *list(Status.choices)],
    )
    deadline = forms.ChoiceField(label="Срок", required=False, choices=[("", "любой"), *DEADLINE_STATES])
    rating = forms.ChoiceField(
        label="Оценка жителя",
        required=False,
        choices=[
            ("", "любая"),
            ("satisfied", "доволен"),
            ("unsatisfied", "не доволен"),
            ("none", "без оценки"),
        ],
    )
    topic = forms.ModelChoiceField(
        label="Тема", required=False, queryset=Topic.objects.none(), empty_label="все"
    )
    settlement = forms.ModelChoiceField(
        label="Поселение", required=False, queryset=Settlement.objects.none(), empty_label="все"
    )
    block = forms.ModelChoiceField(
        label="Отраслевой блок", required=False, queryset=Block.objects.none(), empty_label="все"
    )
    department = forms.ModelChoiceField(
        label="Подразделение или организация",
        required=False,
        queryset=Department.objects.none(),
        empty_label="все",
    )
    owner = forms.CharField(label="Исполнитель", required=False)
    date_from = BoundedDateField(
        label="Поступило с", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = BoundedDateField(label="по", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(label="Порядок", required=False, choices=SORTS)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(parent__isnull=True, is_active=True)
        visible_munis = municipalities_with_cases(user).values("pk")
        self.fields["settlement"].queryset = Settlement.objects.filter(
            municipality_id__in=visible_munis
        ).order_by("name")
        self.fields["block"].queryset = Block.objects.filter(municipality_id__in=visible_munis).order_by(
            "name"
        )
        self.fields["department"].queryset = Department.objects.filter(
            municipality_id__in=visible_munis
        ).order_by("name")
        # Each staff member probed by the owner index (EXISTS), not every visible case joined to its owner.
        owners = User.objects.filter(Exists(visible_cases(user).filter(owner_id=OuterRef("pk")))).order_by(
            "last_name", "first_name"
        )
        self.fields["owner"] = forms.ChoiceField(
            label="Исполнитель",
            required=False,
            choices=[("", "все"), ("me", "мои"), ("none", "не назначен")]
            + [(u.username, u.full_name or u.username) for u in owners[:300]],
        )

    def show_counts(self, counts: dict[str, dict[Any, int]]) -> None:
        """Put the number of cases behind each topic and settlement into its option."""
        for name in ("topic", "settlement"):
            field = self.fields[name]
            numbers = counts.get(name, {})
            field.label_from_instance = lambda obj, numbers=numbers: f"{obj.name} ({numbers.get(obj.pk, 0)})"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "Конец периода раньше начала.")
        return data


def search_q(text: str) -> Q:
    """Every word of the query, in any of its forms: the lemma's stem must occur in the title or the text."""
    q = Q()
    for word in words(text)[:8]:
        base = lemma(word)
        stem = base[: max(3, len(base) - (1 if len(base) <= 5 else 2))]
        found = Q(text__icontains=stem) | Q(title__icontains=stem) | Q(registration_number__icontains=word)
        if connection.vendor == "sqlite":
            # SQLite folds the case of ASCII letters only: try the capitalised stem as well. (Not on
            # PostgreSQL: its UPPER folds Cyrillic, and a case-sensitive LIKE there would keep the
            # planner from the trigram indexes on UPPER(text) and UPPER(title).)
            found |= Q(text__contains=stem.capitalize()) | Q(title__contains=stem.capitalize())
        q &= found
    return q


@dataclass
class InboxResult:
    cases: QuerySet[Case]
    facets: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)
    option_counts: dict[str, dict[Any, int]] = field(default_factory=dict)


def deadline_badge(case: Case, clock: Clock, schedules: dict[int, Any] | None = None) -> tuple[str, str]:
    """(tone, words) for the answer deadline, in working time as the law counts it: «осталось 3 раб. дн.»,
    «осталось 5 раб. ч»; overdue in plain time: «просрочено на 2 дня»."""
    from otklik.cases import deadline_engine
    from otklik.cases.selectors import duration_words
    from otklik.core.calendar import CalendarError

    if case.status not in OPEN_STATUSES or case.due_at is None:
        return "neutral", "—" if case.due_at is None else "завершено"
    if case.due_at < clock.now:
        return "danger", f"просрочено на {duration_words(clock.now - case.due_at)}"
    tone = "warn" if case.due_at <= clock.horizon else "ok"
    schedules = {} if schedules is None else schedules
    if case.municipality_id not in schedules:
        schedules[case.municipality_id] = deadline_engine.schedule_for(case.municipality)
    schedule = schedules[case.municipality_id]
    calendar = deadline_engine.production_calendar()
    try:
        tz = schedule.tz
        days = calendar.working_days_between(
            timezone.localtime(clock.now, tz).date(), timezone.localtime(case.due_at, tz).date()
        )
        if days >= 1:
            return tone, f"осталось {days} раб. дн."
        hours = calendar.working_time_between(clock.now, case.due_at, schedule).total_seconds() / 3600
    except CalendarError:  # a year without a calendar file: plain time rather than no badge
        return tone, f"осталось {duration_words(case.due_at - clock.now)}"
    return tone, f"осталось {max(int(hours), 0)} раб. ч" if hours >= 1 else "осталось меньше часа"


def _deadline_q(state: str, clock: Clock) -> Q:
    open_q = Q(status__in=OPEN_STATUSES, due_at__isnull=False)
    return {
        "overdue": open_q & Q(due_at__lt=clock.now),
        "at_risk": open_q & Q(due_at__gte=clock.now, due_at__lte=clock.horizon),
        "on_time": open_q & Q(due_at__gt=clock.horizon),
        "none": ~open_q,
    }[state]


def inbox(user: Any, data: dict[str, Any], now: datetime, tz: Any) -> InboxResult:
    """The filtered cases and the counts per kind, status and deadline state under the other filters."""
    clock = Clock.for_municipality(None, now)
    base = visible_cases(user)
    filters: dict[str, Q] = {}
    if data.get("q"):
        filters["q"] = search_q(data["q"])
    if data.get("kind"):
        filters["kind"] = Q(kind=data["kind"])
    if data.get("channel"):
        filters["channel"] = Q(channel=data["channel"])
    if data.get("status"):
        filters["status"] = (
            Q(status__in=OPEN_STATUSES) if data["status"] == "open" else Q(status=data["status"])
        )
    if data.get("deadline"):
        filters["deadline"] = _deadline_q(data["deadline"], clock)
    if data.get("topic"):
        filters["topic"] = Q(topic=data["topic"])
    if data.get("settlement"):
        filters["settlement"] = Q(settlement=data["settlement"])
    if data.get("block"):
        filters["block"] = Q(block=data["block"])
    if data.get("department"):
        filters["department"] = Q(department=data["department"])
    owner = data.get("owner") or ""
    if owner == "me":
        filters["owner"] = Q(owner_id=user.pk)
    elif owner == "none":
        filters["owner"] = Q(owner__isnull=True)
    elif owner:
        filters["owner"] = Q(owner__username=owner)
    if data.get("rating") == "satisfied":
        filters["rating"] = Q(pk__in=Rating.objects.filter(satisfied=True).values("case_id"))
    elif data.get("rating") == "unsatisfied":
        filters["rating"] = Q(pk__in=Rating.objects.filter(satisfied=False).values("case_id"))
    elif data.get("rating") == "none":
        filters["rating"] = ~Q(pk__in=Rating.objects.values("case_id"))
    if data.get("date_from"):
        filters["date_from"] = Q(
            received_at__gte=timezone.make_aware(datetime.combine(data["date_from"], time.min), tz)
        )
    if data.get("date_to"):
        end = timezone.make_aware(datetime.combine(data["date_to"] + timedelta(days=1), time.min), tz)
        filters["date_to"] = Q(received_at__lt=end)

    def without(name: str) -> QuerySet[Case]:
        qs = base
        for key, q in filters.items():
            if key != name:
                qs = qs.filter(q)
        return qs

    result_qs = without("")
    facets: dict[str, list[tuple[str, str, int]]] = {}
    by_kind = dict(without("kind").values_list("kind").annotate(n=Count("id")).order_by())
    facets["kind"] = [(k, label, by_kind.get(k, 0)) for k, label in Kind.choices]
    by_channel = dict(without("channel").values_list("channel").annotate(n=Count("id")).order_by())
    facets["channel"] = [(c, label, by_channel[c]) for c, label in Channel.choices if by_channel.get(c)]
    # Counts for the select filters too: shown in their options («Дороги (12)»).
    option_counts = {
        "topic": dict(without("topic").values_list("topic_id").annotate(n=Count("id")).order_by()),
        "settlement": dict(
            without("settlement").values_list("settlement_id").annotate(n=Count("id")).order_by()
        ),
    }
    by_status = dict(without("status").values_list("status").annotate(n=Count("id")).order_by())
    facets["status"] = [(s, label, by_status[s]) for s, label in Status.choices if by_status.get(s)]
    counts = without("deadline").aggregate(
        **{state: Count("id", filter=_deadline_q(state, clock)) for state, _ in DEADLINE_STATES}
    )
    facets["deadline"] = [(state, label, counts[state]) for state, label in DEADLINE_STATES]
    sort = data.get("sort") or "due_at"
    order = {
        "due_at": ("due_at", "id"),
        "-received_at": ("-received_at", "-id"),
        "received_at": ("received_at", "id"),
        "registration_number": ("registration_number", "id"),
    }[sort]
    listing = result_qs.select_related("topic", "settlement", "owner", "municipality").order_by(*order)
    return InboxResult(listing, facets, option_counts)
