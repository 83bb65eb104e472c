"""The one intake service every channel calls: normalise, dedupe by channel + external id, store the raw
payload, place (topic, territory), register (number, deadlines, routing), audit — set-based, in batches.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases import deadline_engine
from otklik.cases.models import (
    Answer,
    Attachment,
    Case,
    CaseDeadline,
    CaseEvent,
    DeadlineRule,
    RegistrationCounter,
    Status,
)
from otklik.cases.routing import Router
from otklik.cases.rules import compute_deadlines
from otklik.core.batch import StatementBatch
from otklik.core.fastsql import COPY_FROM, insert_returning_pk, new, prepared_cursor, take_ids
from otklik.intake.enrich import Enricher, Placement, get_enricher, topics_by_id
from otklik.intake.text import normalise_line, normalise_text
from otklik.quality.rules import ParsedRating
from otklik.quality.services import record_platform_ratings
from otklik.territory.models import Municipality
from otklik.territory.numbering import format_registration_number, number_parts

KIND_BY_CHANNEL = {
    "pos": "message",
    "incident": "incident",
    "web": "appeal",
    "email": "appeal",
    "paper": "appeal",
    "phone": "appeal",
    "reception": "appeal",
    "open311": "message",
    "api": "message",
}
REGISTRATION_PREFIX = {"appeal": "ОГ", "message": "ПОС", "incident": "ИНЦ"}
#: Statuses a source may report for an item it has already answered or closed.
SOURCE_FINAL = {Status.ANSWERED, Status.CLOSED}


class IntakeError(ValueError):
    """An item that cannot be taken in; the message is for people, in Russian."""


def _storable_str(value: str) -> str:
    if "\x00" in value:
        value = value.replace("\x00", "")
    if value.isascii():
        return value
    try:
        value.encode("utf-8")  # a lone surrogate fails here; nearly every value passes as it is
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return value


def _storable_json(value: Any) -> Any:
    """The raw payload as it came, less NUL characters and lone surrogates, which PostgreSQL's jsonb
    refuses (one such character would fail the whole batch there)."""
    if isinstance(value, str):
        return _storable_str(value)
    if isinstance(value, dict):
        return {
            _storable_str(str(k)): _storable_str(v) if type(v) is str else _storable_json(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_storable_json(v) for v in value]
    return value


@dataclass
class IntakeItem:
    """What a channel received, in plain fields. Only `text` and `received_at` are required."""

    channel: str
    text: str
    received_at: datetime
    kind: str = ""
    external_id: str | None = None
    external_url: str = ""
    title: str = ""
    author_name: str = ""
    author_email: str = ""
    author_phone: str = ""
    author_address: str = ""
    is_anonymous: bool = False
    co_authors: list[dict[str, str]] = field(default_factory=list)
    address: str = ""
    settlement: str = ""
    category: str = ""
    subcategory: str = ""
    topic_code: str = ""
    location: dict[str, Any] | None = None
    source_status: str = ""
    status: str = ""  # a status of ours the source's status maps to (answered/closed), if any
    answer_text: str = ""
    answered_at: datetime | None = None
    attachments: list[tuple[str, bytes]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    #: The author's rating of the source's answer (ПОС exports); recorded for the case's latest answer.
    rating: ParsedRating | None = None
    #: What the channel could not read but did not reject the item for (shown in the import report).
    warnings: list[str] = field(default_factory=list)

    def normalised(self) -> IntakeItem:
        self.text = normalise_text(self.text)
        self.title = normalise_line(self.title)[:300]
        for name in (
            "author_name",
            "author_email",
            "author_phone",
            "author_address",
            "address",
            "settlement",
            "category",
            "subcategory",
            "source_status",
        ):
            setattr(self, name, normalise_line(getattr(self, name)))
        self.answer_text = normalise_text(self.answer_text)
        self.raw = _storable_json(self.raw)
        self.kind = self.kind or KIND_BY_CHANNEL.get(self.channel, "message")
        if self.external_id is not None:
            self.external_id = normalise_line(self.external_id) or None
        if not self.text:
            raise IntakeError("Пустой текст обращения.")
        if self.received_at.tzinfo is None:
            raise IntakeError("Момент поступления без часового пояса.")
        return self

    def content_hash(self) -> str:
        payload = {
            k: getattr(self, k)
            for k in (
                "text",
                "title",
                "author_name",
                "author_email",
                "author_phone",
                "author_address",
                "address",
                "settlement",
                "category",
                "subcategory",
                "source_status",
                "answer_text",
                "external_url",
            )
        }
        payload["received_at"] = self.received_at.isoformat()
        payload["answered_at"] = self.answered_at.isoformat() if self.answered_at else ""
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@dataclass
class IntakeResult:
    outcomes: list[tuple[str, Case]] = field(default_factory=list)  # ("created"|"updated"|"unchanged", case)

    def count(self, outcome: str) -> int:
        return sum(1 for o, _ in self.outcomes if o == outcome)


class _DeadlineCache:
    def __init__(self, municipality: Municipality) -> None:
        self.municipality = municipality
        self.calendar = deadline_engine.production_calendar()
        self.schedule = deadline_engine.schedule_for(municipality)
        self.rules: dict[tuple[str, str], dict[str, DeadlineRule]] = {}

    def text(self, rule: DeadlineRule) -> str:
        """The rule as the deadline keeps it (its str() reads choices' labels: once per rule, kept on the
        process's cached rule — see deadline_engine.rules_cache)."""
        text = getattr(rule, "_deadline_text", None)
        if text is None:
            text = rule._deadline_text = str(rule)[:300]  # type: ignore[attr-defined]
        return text  # type: ignore[no-any-return]

    def compute(self, case: Case, topic_code: str) -> dict[str, tuple[datetime, DeadlineRule]]:
        key = (case.kind, topic_code)
        if key not in self.rules:
            self.rules[key] = deadline_engine.winning_rules(case.kind, topic_code, self.municipality)
        rules = self.rules[key]
        moments = {"received": case.received_at, "registered": case.registered_at or case.received_at}
        dues = compute_deadlines(self.calendar, self.schedule, rules, moments)
        return {stage: (due, rules[stage]) for stage, due in dues.items()}


def _reserve_numbers(municipality: Municipality, kind: str, year: int, n: int) -> range:
    """N consecutive numbers of the series, taken under the counter row's lock (held to the end of the
    transaction, so numbers are never given twice nor skipped by a rolled-back batch). One
    `UPDATE … RETURNING` when the series exists; its first number of a year creates it."""
    prefix = REGISTRATION_PREFIX[kind]
    qn = connection.ops.quote_name
    table, last_ = qn(RegistrationCounter._meta.db_table), qn("last")
    with prepared_cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last_} = {last_} + %s "
            f"WHERE {qn('municipality_id')} = %s AND {qn('prefix')} = %s AND {qn('year')} = %s "
            f"RETURNING {last_}",
            [n, municipality.pk, prefix, year],
        )
        row = cursor.fetchone()
    if row is None:
        counter, _ = RegistrationCounter.objects.select_for_update().get_or_create(
            municipality=municipality, prefix=prefix, year=year
        )
        counter.last += n
        counter.save(update_fields=["last"])
        last = counter.last
    else:
        last = row[0]
    return range(last - n + 1, last + 1)


def new_tracking_token() -> str:
    return secrets.token_urlsafe(18)


def intake(
    items: list[IntakeItem],
    *,
    municipality: Municipality,
    actor: Any = None,
    enricher: Enricher | None = None,
    register: bool = True,
    tracking: bool = False,
    batch: StatementBatch | None = None,
) -> IntakeResult:
    """Take a batch of items in, in one transaction. Items must be valid (see `IntakeItem.normalised`).

    New (channel, external id) pairs become cases; known ones are updated when the source's content
    changed and left alone otherwise. Registration numbers, deadlines and routing are given to new cases.

    The new cases' events, deadlines and answers and the audit record are written together at the end
    (otklik.core.batch); a caller inside its own transaction may pass its `batch` to add rows of its own
    and write them all with one `flush()` before the commit.
    """
    now = timezone.now()
    result = IntakeResult()
    if not items:
        return result
    enricher = enricher or get_enricher()
    # Within a caller's transaction (an import's batch, an API call) no savepoint of its own: a failure
    # here fails the caller's whole transaction, which every caller wants.
    with transaction.atomic(savepoint=False):
        keys = [(i.channel, i.external_id) for i in items if i.external_id]
        existing: dict[tuple[str, str], Case] = {}
        if keys:
            by_channel: dict[str, list[str]] = defaultdict(list)
            for channel, ext in keys:
                by_channel[channel].append(ext)  # type: ignore[arg-type]
            for channel, ids in by_channel.items():
                for case in Case.objects.filter(channel=channel, external_id__in=ids).select_for_update():
                    existing[(case.channel, case.external_id)] = case  # type: ignore[index]
        new_items = [i for i in items if not i.external_id or (i.channel, i.external_id) not in existing]
        placements = enricher.place(new_items, municipality) if new_items else []
        rows = batch if batch is not None else StatementBatch()
        created = _create(new_items, placements, municipality, actor, now, register, tracking, rows)
        created_iter = iter(created)
        updated_cases: list[Case] = []
        for item in items:
            case = existing.get((item.channel, item.external_id)) if item.external_id else None
            if case is None:
                result.outcomes.append(("created", next(created_iter)))
            elif case.content_hash == item.content_hash():
                result.outcomes.append(("unchanged", case))
            else:
                _apply_update(case, item, now)
                updated_cases.append(case)
                result.outcomes.append(("updated", case))
        if updated_cases:
            _save_updates(updated_cases, now)
        if any(item.rating is not None for item in items):
            rows.flush()  # the ratings are of the answers just written
        _record_ratings(items, result, now)
        record(
            "intake.batch",
            actor=actor,
            object_type="territory.municipality",
            object_id=municipality.pk,
            after={
                "channels": sorted({i.channel for i in items}),
                "created": [c.pk for c in created],
                "updated": [c.pk for c in updated_cases],
                "unchanged": result.count("unchanged"),
            },
            actor_label="" if actor else "приём обращений",
            batch=rows,
        )
        if batch is None:
            rows.flush()
    return result


def _record_ratings(items: list[IntakeItem], result: IntakeResult, now: datetime) -> None:
    """The platform's ratings of its answers, as ordinary ratings (they count in every satisfaction
    figure). Only ПОС ratings: they never reopen a case here — the platform reconsiders by itself."""
    rated = [
        (case, item.rating)
        for item, (_, case) in zip(items, result.outcomes, strict=True)
        if item.rating is not None and item.channel == "pos"
    ]
    if rated:
        record_platform_ratings(rated, now=now)


def intake_one(
    item: IntakeItem,
    *,
    municipality: Municipality,
    actor: Any = None,
    register: bool = True,
    tracking: bool = False,
    enricher: Enricher | None = None,
) -> Case:
    """Take one item in (a form, a letter, an API call); returns the case, new or already known."""
    item.normalised()
    return intake(
        [item],
        municipality=municipality,
        actor=actor,
        register=register,
        tracking=tracking,
        enricher=enricher,
    ).outcomes[0][1]


def _create(
    items: list[IntakeItem],
    placements: list[Placement],
    municipality: Municipality,
    actor: Any,
    now: datetime,
    register: bool,
    tracking: bool,
    rows: StatementBatch,
) -> list[Case]:
    if not items:
        return []
    cases = []
    for item, place in zip(items, placements, strict=True):
        case = new(
            Case,
            {
                "kind": item.kind,
                "channel": item.channel,
                "external_id": item.external_id,
                "external_url": item.external_url[:1000],
                "title": item.title,
                "text": item.text,
                "author_name": item.author_name[:300],
                "author_email": item.author_email[:254],
                "author_phone": item.author_phone[:40],
                "author_address": item.author_address[:500],
                "is_anonymous": item.is_anonymous
                or not (item.author_name or item.author_email or item.author_address),
                "co_authors": item.co_authors,
                "address": item.address[:500],
                "location": item.location,
                "topic_id": place.topic_id,
                "subtopic_id": place.subtopic_id,
                "topic_confidence": place.topic_confidence if place.topic_id else None,
                "topic_source": place.topic_source,
                "review_reasons": place.review_reasons,
                "needs_review": bool(place.review_reasons),
                "settlement_id": place.settlement_id,
                "locality_id": place.locality_id,
                "status": Status.RECEIVED,
                "received_at": item.received_at,
                "source_status": item.source_status[:100],
                "content_hash": item.content_hash(),
                "raw_payload": item.raw,
                "tracking_token": new_tracking_token() if tracking else None,
            },
            {"municipality": municipality},
        )
        cases.append(case)
    deadlines: list[CaseDeadline] = []
    events: list[CaseEvent] = []
    per_series = _register_all(cases, items, municipality, now, deadlines) if register else {}
    answers = []
    for case, item in zip(cases, items, strict=True):  # rows that need no id yet: before the numbers
        first_event = len(events)
        events.append(
            new(
                CaseEvent,
                {
                    "at": case.received_at,
                    "type": CaseEvent.Type.RECEIVED,
                    "to_status": Status.RECEIVED,
                    "note": f"Канал: {case.get_channel_display()}",
                },
                {"case": case},
            )
        )
        if register:
            routed = case._routing_note  # type: ignore[attr-defined]
            events.append(
                new(
                    CaseEvent,
                    {
                        "at": case.registered_at,
                        "type": CaseEvent.Type.REGISTERED,
                        "from_status": Status.RECEIVED,
                        "to_status": case._registered_status,  # type: ignore[attr-defined]
                        "note": routed,
                    },
                    {"case": case, "actor": actor},
                )
            )
        if item.status in SOURCE_FINAL and item.answer_text:
            answer = {"text": item.answer_text, "sent_at": case.answered_at}
            answers.append(new(Answer, answer, {"case": case}))
            events.append(
                new(
                    CaseEvent,
                    {
                        "at": case.answered_at or now,
                        "type": CaseEvent.Type.ANSWERED,
                        "from_status": Status.IN_PROGRESS,
                        "to_status": case.status,
                        "note": "Ответ по данным источника",
                    },
                    {"case": case},
                )
            )
        deadlines.extend(getattr(case, "_deadlines", ()))
        case._intake_events = events[first_event:]  # type: ignore[attr-defined]
    at_flush = _numbered_at_flush(per_series, municipality, items)
    if at_flush is not None:
        # The database gives the numbers as it writes the cases, by the flush's last statement: their
        # counter's row is locked only from there to the commit (otklik.core.batch).
        take_ids(cases)
        rows.add_numbered(cases, *at_flush)
    else:
        # The registration numbers as late as possible: their counter rows stay locked to the commit,
        # and parallel imports (otklik.intake.imports) wait for one another only from here on.
        _number_all(per_series, municipality)
        insert_returning_pk(cases)
    for case, item in zip(cases, items, strict=True):
        for name, content in item.attachments:
            attachment = Attachment(case=case, name=name[:255])
            attachment.file.save(name, ContentFile(content), save=False)
            attachment.save()
    rows.add(events)
    rows.add(deadlines)
    rows.add(answers)
    return cases


def _register_all(
    cases: list[Case],
    items: list[IntakeItem],
    municipality: Municipality,
    now: datetime,
    deadlines: list[CaseDeadline],
) -> dict[tuple[str, int], list[Case]]:
    """Deadlines, routing and status of new cases; returns them by registration series (kind, year)
    for `_number_all`."""
    router = Router(municipality.pk)
    cache = _DeadlineCache(municipality)
    by_id = topics_by_id()
    per_series: dict[tuple[str, int], list[Case]] = defaultdict(list)
    for case, item in zip(cases, items, strict=True):
        case.registered_at = (
            max(now, case.received_at) if item.status not in SOURCE_FINAL else case.received_at
        )
        year = timezone.localtime(case.registered_at, municipality.tz).year
        per_series[(case.kind, year)].append(case)
        topic = by_id.get(case.subtopic_id or case.topic_id or 0)
        code = topic.code if topic is not None else ""
        dues = cache.compute(case, code)
        case.due_at = dues["answer"][0] if "answer" in dues else None
        case.first_reaction_due_at = dues["first_reaction"][0] if "first_reaction" in dues else None
        case._deadlines = [  # type: ignore[attr-defined]
            new(
                CaseDeadline,
                {
                    "stage": stage,
                    "due_at": due,
                    "rule_text": cache.text(rule),
                    "computed_at": now,
                    "met_at": case.registered_at if stage == "registration" else None,
                },
                {"case": case, "rule": rule},
            )
            for stage, (due, rule) in dues.items()
        ]
        decision = router.decide(case)
        case.block, case.department = decision.block, decision.department
        case.status = Status.REGISTERED
        if decision.owner is not None:
            case.owner = decision.owner
            case.status = Status.ASSIGNED
        case._registered_status = case.status  # type: ignore[attr-defined]
        case._routing_note = decision.explain()  # type: ignore[attr-defined]
        if item.status in SOURCE_FINAL:
            case.status = item.status
            case.answered_at = item.answered_at or case.received_at
            if item.status == Status.CLOSED:
                case.closed_at = case.answered_at
            for d in case._deadlines:  # type: ignore[attr-defined]
                if d.stage in ("answer", "first_reaction"):
                    d.met_at = case.answered_at
    return per_series


def _numbered_at_flush(
    per_series: dict[tuple[str, int], list[Case]], municipality: Municipality, items: list[IntakeItem]
) -> tuple[tuple[int, str, int], tuple[str, str, int, str]] | None:
    """The series (municipality id, prefix, year) and the number's parts when the new cases can be
    numbered by the database at the flush: PostgreSQL, a few cases (not an import's COPY) of one series,
    no attachments (written before the flush), and a municipality's format the database can put
    together."""
    if connection.vendor != "postgresql" or len(per_series) != 1:
        return None
    [((kind, year), series)] = per_series.items()
    if len(series) >= COPY_FROM or any(item.attachments for item in items):
        return None
    prefix = REGISTRATION_PREFIX[kind]
    parts = number_parts(
        municipality.registration_number_format, prefix=prefix, year=year, code=municipality.code
    )
    return None if parts is None else ((municipality.pk, prefix, year), parts)


def _number_all(per_series: dict[tuple[str, int], list[Case]], municipality: Municipality) -> None:
    """Registration numbers, series by series in one order (kind, year): two transactions that take
    the same series never wait for each other crosswise."""
    for (kind, year), series in sorted(per_series.items()):
        numbers = _reserve_numbers(municipality, kind, year, len(series))
        for case, n in zip(series, numbers, strict=True):
            case.registration_number = format_registration_number(
                municipality.registration_number_format,
                prefix=REGISTRATION_PREFIX[kind],
                year=year,
                n=n,
                code=municipality.code,
            )


_UPDATABLE = (
    "title",
    "text",
    "author_name",
    "author_email",
    "author_phone",
    "author_address",
    "address",
    "external_url",
    "source_status",
)


def _apply_update(case: Case, item: IntakeItem, now: datetime) -> None:
    changed = [name for name in _UPDATABLE if getattr(case, name) != getattr(item, name)]
    for name in _UPDATABLE:
        setattr(case, name, getattr(item, name))
    case.raw_payload = item.raw
    if "text" in changed:
        case.text_masked = ""
    case.content_hash = item.content_hash()
    case.version += 1
    case.updated_at = now
    case._changed_fields = changed  # type: ignore[attr-defined]
    case._source_item = item  # type: ignore[attr-defined]


def _save_updates(cases: list[Case], now: datetime) -> None:
    Case.objects.bulk_update(
        cases, [*_UPDATABLE, "raw_payload", "text_masked", "content_hash", "version", "updated_at"]
    )
    events, answers = [], []
    known_answers = set(Answer.objects.filter(case__in=cases).values_list("case_id", "text"))
    for case in cases:
        item = case._source_item  # type: ignore[attr-defined]
        fields = ", ".join(case._changed_fields) or "служебные данные"  # type: ignore[attr-defined]
        events.append(
            CaseEvent(
                case=case,
                at=now,
                type=CaseEvent.Type.COMMENT,
                note=f"Обновлено из источника: {fields}.",
                data={"fields": case._changed_fields},
            )
        )  # type: ignore[attr-defined]
        if item.answer_text and (case.pk, item.answer_text) not in known_answers:
            answers.append(Answer(case=case, text=item.answer_text, sent_at=item.answered_at or now))
    CaseEvent.objects.bulk_create(events)
    Answer.objects.bulk_create(answers)
