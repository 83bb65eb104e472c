"""Every write of the recurring-problems work: one function per verb, each in one transaction, each audited.

Who may call what is checked by the views (otklik.problems.permissions); these functions check the
status graphs and the data. Errors for people are `ProblemError` with a Russian message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases.models import Case, CaseEvent
from otklik.cases.uploads import check_upload
from otklik.nlp.similar import ProblemSpace, candidate_groups, problem_similarity
from otklik.nlp.text import lemma, lemmas
from otklik.org.models import Block, Department, User
from otklik.problems import rules
from otklik.problems.models import (
    Measure,
    MeasureStatus,
    Problem,
    ProblemCase,
    ProblemStatus,
    policy_for,
)
from otklik.territory.models import Locality, Municipality, Settlement


class ProblemError(Exception):
    """An action that cannot be done; the message is for the user, in Russian."""


#: The most recent cases of a problem that a new message is compared with.
MEMBERS_COMPARED = 100
#: How many key lemmas make a problem's signature.
SIGNATURE_SIZE = 12
#: Problems a new message may join (a resolved one too: its new messages show the problem came back).
JOINABLE = (ProblemStatus.CONFIRMED, ProblemStatus.RESOLVED)
#: Problems whose roadmap may be edited.
WITH_ROADMAP = (ProblemStatus.CONFIRMED, ProblemStatus.RESOLVED)


def _lock(problem_id: int) -> Problem:
    try:
        return (
            Problem.objects.select_for_update(of=("self",))
            .select_related("municipality", "topic", "subtopic", "settlement", "locality", "block")
            .get(pk=problem_id)
        )
    except Problem.DoesNotExist:
        raise ProblemError("Проблема не найдена.") from None


def _transition(problem: Problem, target: str) -> dict[str, str]:
    try:
        rules.check_problem_transition(problem.status, target)
    except rules.TransitionError as exc:
        raise ProblemError(str(exc)) from None
    before = problem.status
    problem.status = target
    return {"status": before}


def _case_ids(problem: Problem) -> list[int]:
    return sorted(ProblemCase.objects.filter(problem=problem).values_list("case_id", flat=True))


@lru_cache(maxsize=20_000)
def _lemmas(text: str) -> tuple[str, ...]:
    return tuple(lemmas(text))


#: Words of a letter's form rather than of its subject: left out of a problem's key words.
LETTER_WORDS = frozenset(
    {
        *("уважаемый", "здравствовать", "добрый", "просить", "просьба", "прошу", "спасибо", "благодарить"),
        *("администрация", "глава", "мцу", "адрес", "житель", "жительница", "вопрос", "ответ", "обращение"),
        *("сообщение", "далее", "поступать", "принять", "мера", "решить", "проблема", "год", "месяц"),
        *("неделя", "день", "сегодня", "вчера", "уже", "снова", "опять", "весь", "каждый", "который"),
        *("населить", "пункт", "город", "поселение", "район", "дом"),
    }
)


def signature_of(
    texts: list[str], size: int = SIGNATURE_SIZE, ignore: frozenset[str] = frozenset()
) -> list[list[Any]]:
    """The problem's key lemmas: those found in the most of its messages, with the share of messages
    that have each ([[lemma, share], …], most frequent first). Words shorter than 3 letters, words of a
    letter's form (LETTER_WORDS) and `ignore` (the names of the places) are left out."""
    if not texts:
        return []
    skip = LETTER_WORDS | ignore
    df: Counter[str] = Counter()
    for text in texts:
        df.update({w for w in _lemmas(text) if len(w) >= 3 and w not in skip})
    top = sorted(df.items(), key=lambda kv: (-kv[1], kv[0]))[:size]
    return [[word, round(n / len(texts), 2)] for word, n in top]


def refresh_signature(problem: Problem) -> None:
    texts = list(
        Case.objects.filter(problem_link__problem=problem)
        .order_by("-received_at")
        .values_list("text", flat=True)[:MEMBERS_COMPARED]
    )
    problem.signature = signature_of(texts, ignore=place_words(problem.municipality))
    Problem.objects.filter(pk=problem.pk).update(signature=problem.signature, updated_at=timezone.now())


def _block_for(municipality_id: int, topic_id: int | None) -> Block | None:
    if topic_id is None:
        return None
    return Block.objects.filter(municipality_id=municipality_id, topics__id=topic_id).order_by("id").first()


def _case_note(case_id: int, actor: Any, note: str, data: dict[str, Any]) -> None:
    CaseEvent.objects.create(
        case_id=case_id,
        at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        type=CaseEvent.Type.COMMENT,
        note=note,
        data=data,
    )


# --- candidates -------------------------------------------------------------------------------------

#: Words that name a kind of place rather than a problem.
PLACE_WORDS = frozenset(
    {
        *("х", "хутор", "ст", "ст-ца", "станица", "пос", "посёлок", "поселок", "п", "с", "село"),
        *("д", "деревня", "г", "город", "поселение", "сельский", "городской", "район", "муниципальный"),
        *("ул", "улица", "пер", "переулок", "пр-т", "проспект", "пл", "площадь", "мкр", "микрорайон"),
    }
)


def place_words(municipality: Municipality) -> frozenset[str]:
    """The lemmas of the municipality's settlement and locality names and of words like «хутор»: left out
    when texts are compared (every message of a place has them; they say nothing about the problem)."""
    names = [municipality.name]
    names += list(Settlement.objects.filter(municipality=municipality).values_list("name", flat=True))
    names += list(
        Locality.objects.filter(settlement__municipality=municipality).values_list("name", flat=True)
    )
    found: set[str] = set(PLACE_WORDS) | {lemma(w) for w in PLACE_WORDS}
    for name in names:
        for word in lemmas(name, keep_stopwords=True):
            found.add(word)
            found.update(part for part in word.split("-") if part)
    return frozenset(found)


@dataclass
class ProposeResult:
    created: list[Problem] = field(default_factory=list)
    updated: list[Problem] = field(default_factory=list)
    skipped_dismissed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "skipped_dismissed": self.skipped_dismissed,
        }


def _pool(municipality: Municipality, start: datetime, end: datetime) -> list[Case]:
    """The period's cases with a topic and a place that are free or in a candidate (not in a confirmed,
    resolved or merged problem)."""
    return list(
        Case.objects.filter(municipality=municipality, received_at__gte=start, received_at__lt=end)
        .filter(topic__isnull=False)
        .filter(Q(locality__isnull=False) | Q(settlement__isnull=False))
        .filter(Q(problem_link__isnull=True) | Q(problem_link__problem__status=ProblemStatus.CANDIDATE))
        .select_related("problem_link", "topic", "subtopic", "settlement", "locality__settlement")
        .only(
            "id",
            "text",
            "received_at",
            "topic_id",
            "subtopic_id",
            "settlement_id",
            "locality_id",
            "block_id",
            "topic__name",
            "subtopic__name",
            "settlement__name",
            "locality__name",
            "locality__kind",
            "locality__settlement_id",
            "locality__settlement__name",
            "problem_link__problem_id",
            "problem_link__id",
        )
        .order_by("received_at", "id")
    )


def _link(case: Case) -> ProblemCase | None:
    try:
        return case.problem_link
    except ProblemCase.DoesNotExist:
        return None


def _mode(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return Counter(present).most_common(1)[0][0] if present else None


@transaction.atomic
def propose_candidates(
    municipality: Municipality, *, now: datetime | None = None, period_days: int | None = None
) -> ProposeResult:
    """Find groups of similar messages (same topic, same place, similar text) in the period and store
    each new one as a candidate problem.

    Idempotent: a group that overlaps a candidate adds its free cases to that candidate instead of making
    another; a group that repeats a dismissed candidate is skipped unless it has grown by at least
    `min_group_size` new cases (`rules.should_repropose`). Cases already in a confirmed problem are not
    considered: new messages join those through `attach_matching_cases`.
    """
    now = now or timezone.now()
    policy = policy_for(municipality.pk)
    start = now - timedelta(days=period_days or policy.candidate_period_days)
    result = ProposeResult()
    pool = _pool(municipality, start, now)
    if len(pool) < policy.min_group_size:
        return result
    background = list(
        Case.objects.filter(
            municipality=municipality, received_at__gte=start, received_at__lt=now
        ).values_list("text", flat=True)
    )
    space = ProblemSpace(background, char_weight=policy.char_weight, ignore=place_words(municipality))
    groups = candidate_groups(
        pool,
        threshold=policy.group_similarity,
        min_size=policy.min_group_size,
        space=space,
        subtopic_weight=policy.subtopic_weight,
        method="average",
    )
    dismissed = [
        set(ids)
        for ids in Problem.objects.filter(
            municipality=municipality, status=ProblemStatus.DISMISSED
        ).values_list("dismissed_case_ids", flat=True)
    ]
    for group in groups:
        ids = {c.pk for c in group}
        links = {c.pk: _link(c) for c in group}
        overlap = Counter(link.problem_id for link in links.values() if link is not None)
        if overlap:
            target_id = min(overlap, key=lambda pid: (-overlap[pid], pid))
            free = [c for c in group if links[c.pk] is None]
            if free:
                problem = Problem.objects.select_for_update().get(pk=target_id)
                _add_links(problem, free, ProblemCase.Source.PROPOSED, actor=None, now=now)
                refresh_signature(problem)
                record(
                    "problem.candidate_grow",
                    obj=problem,
                    after={"added": sorted(c.pk for c in free)},
                    actor_label="поиск повторяющихся проблем",
                )
                result.updated.append(problem)
            continue
        if any(not rules.should_repropose(ids, d, policy.min_group_size) for d in dismissed if ids & d):
            result.skipped_dismissed += 1
            continue
        result.created.append(_create_candidate(municipality, group, now))
    return result


def propose_everywhere(now: datetime | None = None) -> dict[str, int]:
    """The periodic job: `propose_candidates` for every municipality."""
    totals: Counter[str] = Counter()
    for municipality in Municipality.objects.order_by("pk"):
        totals.update(propose_candidates(municipality, now=now).as_dict())
    return dict(totals)


def _create_candidate(municipality: Municipality, group: list[Case], now: datetime) -> Problem:
    first = group[0]
    subtopic_id = _mode([c.subtopic_id for c in group])
    subtopic = next((c.subtopic for c in group if c.subtopic_id == subtopic_id), None)
    settlement_id = _mode(
        [c.settlement_id or (c.locality.settlement_id if c.locality else None) for c in group]
    )
    localities = {c.locality_id for c in group}
    locality = first.locality if len(localities) == 1 and first.locality_id else None
    settlement = next((c.settlement for c in group if c.settlement_id == settlement_id), None)
    if settlement is None and locality is not None:
        settlement = locality.settlement
    place = str(locality) if locality is not None else (settlement.name if settlement else "")
    topic = first.topic
    problem = Problem.objects.create(
        municipality=municipality,
        title=rules.title_for(topic.name if topic else "", subtopic.name if subtopic else "", place)[:300],
        topic=topic,
        subtopic=subtopic,
        settlement=settlement,
        locality=locality,
        block=_block_for(municipality.pk, first.topic_id),
        status=ProblemStatus.CANDIDATE,
    )
    _add_links(problem, group, ProblemCase.Source.PROPOSED, actor=None, now=now)
    refresh_signature(problem)
    record(
        "problem.propose",
        obj=problem,
        after={"title": problem.title, "cases": sorted(c.pk for c in group)},
        actor_label="поиск повторяющихся проблем",
    )
    return problem


def _add_links(
    problem: Problem,
    cases: list[Case],
    source: str,
    *,
    actor: Any,
    now: datetime,
    scores: dict[int, float] | None = None,
) -> None:
    ProblemCase.objects.bulk_create(
        [
            ProblemCase(
                problem=problem,
                case_id=c.pk,
                source=source,
                score=(scores or {}).get(c.pk),
                added_by=actor if getattr(actor, "is_authenticated", False) else None,
                added_at=now,
            )
            for c in cases
        ]
    )


# --- decisions on a problem --------------------------------------------------------------------------


def _snapshot(problem: Problem) -> dict[str, Any]:
    return {
        "status": problem.status,
        "title": problem.title,
        "cause_category": problem.cause_category,
        "root_cause": problem.root_cause,
    }


@transaction.atomic
def confirm(problem_id: int, *, actor: Any, title: str = "") -> Problem:
    """The owner agrees: this is a recurring problem to work on."""
    problem = _lock(problem_id)
    before = _snapshot(problem)
    _transition(problem, ProblemStatus.CONFIRMED)
    if title.strip():
        problem.title = title.strip()[:300]
    problem.confirmed_by = actor
    problem.confirmed_at = timezone.now()
    problem.save(update_fields=["status", "title", "confirmed_by", "confirmed_at", "updated_at"])
    record("problem.confirm", actor=actor, obj=problem, before=before, after=_snapshot(problem))
    return problem


@transaction.atomic
def dismiss(problem_id: int, reason: str, *, actor: Any) -> Problem:
    """Not a problem (a coincidence, already known, not ours): the cases are released, and the same
    group is not proposed again."""
    reason = (reason or "").strip()
    if not reason:
        raise ProblemError("Укажите, почему это не проблема.")
    problem = _lock(problem_id)
    before = _snapshot(problem)
    _transition(problem, ProblemStatus.DISMISSED)
    ids = _case_ids(problem)
    ProblemCase.objects.filter(problem=problem).delete()
    problem.dismissed_reason = reason
    problem.dismissed_by = actor
    problem.dismissed_at = timezone.now()
    problem.dismissed_case_ids = ids
    problem.save(
        update_fields=[
            "status",
            "dismissed_reason",
            "dismissed_by",
            "dismissed_at",
            "dismissed_case_ids",
            "updated_at",
        ]
    )
    record(
        "problem.dismiss",
        actor=actor,
        obj=problem,
        before=before,
        after={**_snapshot(problem), "reason": reason, "cases": ids},
    )
    return problem


@transaction.atomic
def merge(target_id: int, source_ids: list[int], *, actor: Any) -> Problem:
    """Several problems are one: their cases and measures move to the target; the others are marked
    «merged» and point to it. A confirmed source makes a candidate target confirmed."""
    sources_ids = sorted({pk for pk in source_ids if pk != target_id})
    if not sources_ids:
        raise ProblemError("Выберите хотя бы одну проблему, которую нужно присоединить.")
    target = _lock(target_id)
    if target.status not in (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED, ProblemStatus.RESOLVED):
        raise ProblemError("К отклонённой или объединённой проблеме присоединять нельзя.")
    sources = [_lock(pk) for pk in sources_ids]
    for s in sources:
        if s.municipality_id != target.municipality_id:
            raise ProblemError("Объединять можно только проблемы одного муниципального образования.")
        if s.status not in (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED):
            raise ProblemError(f"Проблему «{s.title}» объединить нельзя: она {s.get_status_display()}.")
    before = _snapshot(target)
    last = Measure.objects.filter(problem=target).aggregate(m=Max("order"))["m"] or 0
    for s in sources:
        moved = _case_ids(s)
        ProblemCase.objects.filter(problem=s).update(problem=target)
        for measure in Measure.objects.filter(problem=s).order_by("order", "id"):
            last += 1
            measure.problem = target
            measure.order = last
            measure.save(update_fields=["problem", "order", "updated_at"])
        if not target.root_cause and s.root_cause:
            target.root_cause, target.cause_category = s.root_cause, s.cause_category
        if s.status == ProblemStatus.CONFIRMED and target.status == ProblemStatus.CANDIDATE:
            target.status = ProblemStatus.CONFIRMED
            target.confirmed_by, target.confirmed_at = actor, timezone.now()
        source_before = _snapshot(s)
        _transition(s, ProblemStatus.MERGED)
        s.merged_into = target
        s.save(update_fields=["status", "merged_into", "updated_at"])
        record(
            "problem.merged_into",
            actor=actor,
            obj=s,
            before=source_before,
            after={"status": s.status, "merged_into": target.pk, "cases": moved},
        )
    target.save()
    refresh_signature(target)
    record(
        "problem.merge",
        actor=actor,
        obj=target,
        before=before,
        after={**_snapshot(target), "merged": sources_ids},
    )
    return target


@transaction.atomic
def split(problem_id: int, case_ids: list[int], title: str, *, actor: Any) -> Problem:
    """Some of the cases are a different problem: they move to a new problem of the same place and topic,
    in the same status (a candidate stays a candidate; a confirmed one is confirmed by the actor)."""
    title = (title or "").strip()
    if not title:
        raise ProblemError("Назовите новую проблему.")
    problem = _lock(problem_id)
    if problem.status not in (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED):
        raise ProblemError("Разделить можно только кандидата или подтверждённую проблему.")
    chosen = set(case_ids)
    current = set(_case_ids(problem))
    if not chosen or not chosen <= current:
        raise ProblemError("Отметьте обращения этой проблемы, которые нужно выделить.")
    if chosen == current:
        raise ProblemError("В исходной проблеме должно остаться хотя бы одно обращение.")
    now = timezone.now()
    confirmed = problem.status == ProblemStatus.CONFIRMED
    new = Problem.objects.create(
        municipality=problem.municipality,
        title=title[:300],
        topic=problem.topic,
        subtopic=problem.subtopic,
        settlement=problem.settlement,
        locality=problem.locality,
        block=problem.block,
        status=problem.status,
        created_by=actor,
        confirmed_by=actor if confirmed else None,
        confirmed_at=now if confirmed else None,
    )
    ProblemCase.objects.filter(problem=problem, case_id__in=chosen).update(
        problem=new, source=ProblemCase.Source.MANUAL, added_by=actor, added_at=now
    )
    refresh_signature(problem)
    refresh_signature(new)
    record(
        "problem.split",
        actor=actor,
        obj=problem,
        before={"cases": sorted(current)},
        after={"cases": sorted(current - chosen), "new_problem": new.pk},
    )
    record("problem.split_off", actor=actor, obj=new, after={"from": problem.pk, "cases": sorted(chosen)})
    return new


@transaction.atomic
def move_case(
    case_id: int, to_problem_id: int | None, *, actor: Any, municipality_id: int
) -> ProblemCase | None:
    """Put a case into a problem (from none or from another problem), or take it out (to_problem_id None).

    `municipality_id` is the case's municipality as the caller saw it; a problem of another one is refused.
    """
    link = ProblemCase.objects.select_for_update().filter(case_id=case_id).first()
    before = {"problem": link.problem_id if link else None}
    now = timezone.now()
    if to_problem_id is None:
        if link is None:
            raise ProblemError("Обращение не входит ни в одну проблему.")
        old = link.problem
        link.delete()
        refresh_signature(old)
        record(
            "problem.case_remove",
            actor=actor,
            object_type="cases.case",
            object_id=case_id,
            before=before,
            after={"problem": None},
        )
        _case_note(case_id, actor, f"Исключено из проблемы «{old.title}».", {"problem": None})
        return None
    target = _lock(to_problem_id)
    if target.municipality_id != municipality_id:
        raise ProblemError("Проблема относится к другому муниципальному образованию.")
    if target.status not in (ProblemStatus.CANDIDATE, ProblemStatus.CONFIRMED, ProblemStatus.RESOLVED):
        raise ProblemError("В отклонённую или объединённую проблему обращения не добавляются.")
    if link is not None and link.problem_id == target.pk:
        raise ProblemError("Обращение уже входит в эту проблему.")
    old_problem = link.problem if link is not None else None
    if link is None:
        link = ProblemCase(case_id=case_id)
    link.problem = target
    link.source = ProblemCase.Source.MANUAL
    link.score = None
    link.added_by = actor if getattr(actor, "is_authenticated", False) else None
    link.added_at = now
    link.save()
    refresh_signature(target)
    if old_problem is not None:
        refresh_signature(old_problem)
    record(
        "problem.case_move",
        actor=actor,
        object_type="cases.case",
        object_id=case_id,
        before=before,
        after={"problem": target.pk},
    )
    _case_note(case_id, actor, f"Отнесено к проблеме «{target.title}».", {"problem": target.pk})
    return link


@transaction.atomic
def update_problem(
    problem_id: int, *, actor: Any, title: str, cause_category: str, root_cause: str
) -> Problem:
    """The title and the root-cause analysis (category and free text)."""
    title = (title or "").strip()
    if not title:
        raise ProblemError("Название проблемы не может быть пустым.")
    problem = _lock(problem_id)
    if problem.status in (ProblemStatus.DISMISSED, ProblemStatus.MERGED):
        raise ProblemError("Отклонённую или объединённую проблему изменить нельзя.")
    before = _snapshot(problem)
    problem.title = title[:300]
    problem.cause_category = cause_category
    problem.root_cause = (root_cause or "").strip()
    problem.save(update_fields=["title", "cause_category", "root_cause", "updated_at"])
    record("problem.update", actor=actor, obj=problem, before=before, after=_snapshot(problem))
    return problem


@transaction.atomic
def resolve(problem_id: int, note: str, *, actor: Any) -> Problem:
    """Only a person marks a problem resolved, saying what was done; the page then watches whether the
    messages actually stopped."""
    note = (note or "").strip()
    if not note:
        raise ProblemError("Опишите, что сделано для решения проблемы.")
    problem = _lock(problem_id)
    before = _snapshot(problem)
    _transition(problem, ProblemStatus.RESOLVED)
    problem.resolved_by = actor
    problem.resolved_at = timezone.now()
    problem.resolution_note = note
    problem.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note", "updated_at"])
    record(
        "problem.resolve", actor=actor, obj=problem, before=before, after={**_snapshot(problem), "note": note}
    )
    return problem


@transaction.atomic
def reopen(problem_id: int, reason: str, *, actor: Any) -> Problem:
    """The problem came back: it is in work again."""
    reason = (reason or "").strip()
    if not reason:
        raise ProblemError("Укажите, почему проблема снова в работе.")
    problem = _lock(problem_id)
    before = {
        **_snapshot(problem),
        "resolved_at": problem.resolved_at.isoformat() if problem.resolved_at else None,
    }
    _transition(problem, ProblemStatus.CONFIRMED)
    problem.resolved_at = None
    problem.resolved_by = None
    problem.save(update_fields=["status", "resolved_at", "resolved_by", "updated_at"])
    record(
        "problem.reopen",
        actor=actor,
        obj=problem,
        before=before,
        after={**_snapshot(problem), "reason": reason},
    )
    return problem


# --- the roadmap --------------------------------------------------------------------------------------

_MEASURE_FIELDS = (
    "order",
    "title",
    "responsible_name",
    "responsible_position",
    "responsible_user_id",
    "department_id",
    "organisation",
    "start_on",
    "due_on",
    "status",
    "completed_on",
    "evidence",
    "evidence_name",
    "escalation_level",
)


def _measure_snapshot(m: Measure) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in _MEASURE_FIELDS:
        value = getattr(m, name)
        out[name] = value.isoformat() if isinstance(value, date) else value
    return out


@dataclass
class MeasureData:
    """What a person enters for a measure."""

    title: str
    responsible_name: str
    start_on: date
    due_on: date
    responsible_position: str = ""
    responsible_user: User | None = None
    department: Department | None = None
    organisation: str = ""


def _check_measure(problem: Problem, data: MeasureData) -> None:
    if not data.title.strip():
        raise ProblemError("Опишите мероприятие.")
    if not data.responsible_name.strip():
        raise ProblemError("Укажите ответственного (ФИО).")
    if data.due_on < data.start_on:
        raise ProblemError("Срок исполнения раньше срока начала.")
    if data.department is not None and data.department.municipality_id != problem.municipality_id:
        raise ProblemError("Организация относится к другому муниципальному образованию.")
    if problem.status not in WITH_ROADMAP:
        raise ProblemError("Дорожная карта ведётся для подтверждённой проблемы: сначала подтвердите её.")


def _apply(measure: Measure, data: MeasureData) -> None:
    measure.title = data.title.strip()
    measure.responsible_name = data.responsible_name.strip()[:300]
    measure.responsible_position = data.responsible_position.strip()[:300]
    measure.responsible_user = data.responsible_user
    measure.department = data.department
    measure.organisation = data.organisation.strip()[:300]
    measure.start_on = data.start_on
    measure.due_on = data.due_on


@transaction.atomic
def add_measure(problem_id: int, data: MeasureData, *, actor: Any) -> Measure:
    problem = _lock(problem_id)
    _check_measure(problem, data)
    last = Measure.objects.filter(problem=problem).aggregate(m=Max("order"))["m"] or 0
    measure = Measure(
        problem=problem,
        order=last + 1,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _apply(measure, data)
    measure.save()
    record("measure.add", actor=actor, obj=measure, after=_measure_snapshot(measure))
    return measure


def _lock_measure(measure_id: int) -> Measure:
    try:
        return (
            Measure.objects.select_for_update(of=("self",))
            .select_related("problem__municipality")
            .get(pk=measure_id)
        )
    except Measure.DoesNotExist:
        raise ProblemError("Мероприятие не найдено.") from None


@transaction.atomic
def update_measure(measure_id: int, data: MeasureData, *, actor: Any) -> Measure:
    """Edit a measure; a new due date starts its escalation afresh."""
    measure = _lock_measure(measure_id)
    _check_measure(measure.problem, data)
    before = _measure_snapshot(measure)
    old_due = measure.due_on
    _apply(measure, data)
    if measure.due_on != old_due:
        measure.escalation_level = 0
    measure.save()
    record("measure.update", actor=actor, obj=measure, before=before, after=_measure_snapshot(measure))
    return measure


@transaction.atomic
def set_measure_status(
    measure_id: int,
    status: str,
    *,
    actor: Any,
    evidence: str = "",
    completed_on: date | None = None,
    file: Any = None,
    today: date | None = None,
) -> Measure:
    """Move a measure along its graph. «Done» needs evidence of completion (a text, a file or both) and the
    date it was done (today by default, never in the future)."""
    measure = _lock_measure(measure_id)
    if measure.problem.status not in WITH_ROADMAP:
        raise ProblemError("Дорожная карта ведётся для подтверждённой проблемы.")
    try:
        rules.check_measure_transition(measure.status, status)
    except rules.TransitionError as exc:
        raise ProblemError(str(exc)) from None
    before = _measure_snapshot(measure)
    today = today or timezone.localdate(timezone=measure.problem.municipality.tz)
    evidence = (evidence or "").strip()
    if file is not None:
        problem_text = check_upload(file)
        if problem_text:
            raise ProblemError(problem_text)
    if status == MeasureStatus.DONE:
        if not (evidence or file is not None or measure.evidence or measure.evidence_file):
            raise ProblemError("Приложите подтверждение выполнения: опишите результат или приложите файл.")
        done_on = completed_on or today
        if done_on > today:
            raise ProblemError("Дата выполнения не может быть в будущем.")
        if done_on < measure.start_on - timedelta(days=366):
            raise ProblemError("Дата выполнения слишком далеко от сроков мероприятия.")
        measure.completed_on = done_on
    else:
        measure.completed_on = None
    if evidence:
        measure.evidence = evidence
    if file is not None:
        measure.evidence_name = (file.name or "файл")[:255]
        measure.evidence_file.save(measure.evidence_name, file, save=False)
    measure.status = status
    measure.save()
    record("measure.status", actor=actor, obj=measure, before=before, after=_measure_snapshot(measure))
    return measure


# --- the periodic job: new messages join confirmed problems -------------------------------------------


def attach_matching_cases(now: datetime | None = None) -> dict[str, int]:
    """Join the recent cases that are in no problem to a confirmed (or resolved) problem of the same
    municipality, topic and settlement (and locality, when both have one) whose messages they resemble:
    mean similarity to the problem's latest messages at or above the policy's `join_similarity`. The best
    problem wins. A message joining a resolved problem tells its owner that the problem came back."""
    now = now or timezone.now()
    totals: Counter[str] = Counter()
    muni_ids = (
        Problem.objects.filter(status__in=JOINABLE)
        .values_list("municipality_id", flat=True)
        .distinct()
        .order_by()
    )
    for municipality in Municipality.objects.filter(pk__in=list(muni_ids)):
        totals.update(_attach_in(municipality, now))
    return dict(totals)


def _attach_in(municipality: Municipality, now: datetime) -> dict[str, int]:
    policy = policy_for(municipality.pk)
    counts = {"checked": 0, "joined": 0, "recurred": 0}
    problems = list(
        Problem.objects.filter(
            municipality=municipality, status__in=JOINABLE, topic__isnull=False
        ).select_related("block", "locality")
    )
    by_place: dict[tuple[int, int | None], list[Problem]] = {}
    for p in problems:
        by_place.setdefault((p.topic_id, p.settlement_id), []).append(p)  # type: ignore[arg-type]
    fresh = list(
        Case.objects.filter(
            municipality=municipality,
            problem_link__isnull=True,
            received_at__gte=now - timedelta(days=policy.join_window_days),
            received_at__lte=now,
            topic__isnull=False,
            settlement__isnull=False,
        )
        .only("id", "text", "topic_id", "subtopic_id", "settlement_id", "locality_id", "received_at")
        .order_by("received_at", "id")
    )
    fresh = [c for c in fresh if (c.topic_id, c.settlement_id) in by_place]
    if not fresh:
        return counts
    background = list(
        Case.objects.filter(
            municipality=municipality,
            received_at__gte=now - timedelta(days=policy.candidate_period_days),
            received_at__lte=now,
        ).values_list("text", flat=True)
    )
    space = ProblemSpace(background, char_weight=policy.char_weight, ignore=place_words(municipality))
    members: dict[int, tuple[list[str], list[Any]]] = {}
    for case in fresh:
        counts["checked"] += 1
        best: tuple[float, Problem] | None = None
        for p in by_place[(case.topic_id, case.settlement_id)]:  # type: ignore[index]
            if p.locality_id and case.locality_id and p.locality_id != case.locality_id:
                continue
            if p.pk not in members:
                rows = list(
                    Case.objects.filter(problem_link__problem=p)
                    .order_by("-received_at", "-id")
                    .values_list("text", "subtopic_id")[:MEMBERS_COMPARED]
                )
                members[p.pk] = ([r[0] for r in rows], [r[1] for r in rows])
            texts, subtopics = members[p.pk]
            if not texts:
                continue
            score = float(
                problem_similarity(
                    space,
                    [case.text],
                    [case.subtopic_id],
                    subtopic_weight=policy.subtopic_weight,
                    others=(texts, subtopics),
                ).mean()
            )
            if score >= policy.join_similarity and (best is None or score > best[0]):
                best = (score, p)
        if best is None:
            continue
        score, problem = best
        if _join(problem, case, score, now):
            counts["joined"] += 1
            counts["recurred"] += problem.status == ProblemStatus.RESOLVED
            texts, subtopics = members[problem.pk]
            members[problem.pk] = (
                [case.text, *texts][:MEMBERS_COMPARED],
                [case.subtopic_id, *subtopics][:MEMBERS_COMPARED],
            )
    return counts


@transaction.atomic
def _join(problem: Problem, case: Case, score: float, now: datetime) -> bool:
    if ProblemCase.objects.filter(case_id=case.pk).exists():  # joined meanwhile by hand or another worker
        return False
    _add_links(
        problem, [case], ProblemCase.Source.AUTO, actor=None, now=now, scores={case.pk: round(score, 3)}
    )
    refresh_signature(problem)
    record(
        "problem.auto_join",
        obj=problem,
        after={"case": case.pk, "score": round(score, 3)},
        actor_label="присоединение к проблемам",
    )
    _case_note(
        case.pk,
        None,
        f"Присоединено к проблеме «{problem.title}» (сходство {score:.2f}).",
        {"problem": problem.pk, "score": round(score, 3)},
    )
    if problem.status == ProblemStatus.RESOLVED:
        from otklik.problems.watch import notify_recurrence

        notify_recurrence(problem, case)
    return True
