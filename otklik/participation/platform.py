"""Merging the federal feedback platform's result file («Госуслуги. Решаем вместе») into a poll's results.

The file (XLSX or CSV, read by the imports' reader) has a header row; columns are found by their names:

* «Вопрос» — the question's number in the poll (1, 2, …) or its text;
* «Ответ» / «Вариант» — the option's text or number, a scale value, or (with a resident id) a free answer;
* «Поселение» (optional) — the settlement's name;
* «Количество» / «Голосов» (optional) — how many answers the row stands for;
* «ID участника» (optional) — the platform's resident id.

A row with a resident id is one resident's answer: the resident's rows become one ballot from the platform,
known by the keyed hash of the id — one ballot per resident and poll, so a re-import adds nothing. A row
without one is an aggregated count: (question, answer, settlement) → count; the file is the platform's
whole result so far, so a re-import replaces the earlier counts instead of adding to them. Every rejected
row is reported with its reason; a bad row never stops the good ones.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from otklik.audit.services import record
from otklik.intake.imports.reader import MAX_FILE_BYTES, FileError, Table, read_csv, read_xlsx
from otklik.participation import identity
from otklik.participation.codes import hash_of
from otklik.participation.models import (
    Ballot,
    BallotAnswer,
    Option,
    PlatformCount,
    PlatformImport,
    Poll,
    Question,
    Status,
)
from otklik.participation.services import allowed_settlements
from otklik.territory.models import Settlement

COLUMNS: dict[str, tuple[str, ...]] = {
    "question": ("вопрос", "номер вопроса", "№ вопроса", "question"),
    "answer": ("ответ", "вариант", "вариант ответа", "answer", "option"),
    "settlement": ("поселение", "муниципальное образование (поселение)", "settlement"),
    "count": ("количество", "голосов", "число голосов", "количество голосов", "count", "votes"),
    "resident": (
        "id участника",
        "идентификатор участника",
        "id пользователя",
        "идентификатор пользователя",
        "resident_id",
        "user_id",
    ),
}
MAX_REJECTIONS = 1000


class PlatformFileError(Exception):
    """The file as a whole cannot be merged; the message is for people."""


def _norm(text: Any) -> str:
    return " ".join(str(text).replace("ё", "е").replace("Ё", "Е").split()).casefold()


def find_columns(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, head in enumerate(headers):
        name = _norm(head)
        for key, names in COLUMNS.items():
            if key not in found and name in names:
                found[key] = i
    missing = [k for k in ("question", "answer") if k not in found]
    if missing:
        raise PlatformFileError(
            "В файле нет колонок «Вопрос» и «Ответ» (или «Вариант»): проверьте строку заголовков."
        )
    return found


def read_upload(data: bytes) -> Table:
    if len(data) > MAX_FILE_BYTES:
        raise PlatformFileError("Файл слишком большой.")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise PlatformFileError("Старый формат XLS не поддерживается: сохраните файл как XLSX или CSV.")
    try:
        return read_xlsx(data) if data[:4] == b"PK\x03\x04" else read_csv(data)
    except FileError as exc:
        raise PlatformFileError(str(exc)) from exc


@dataclass(frozen=True)
class ParsedRow:
    number: int
    question: Question
    option: Option | None
    value: int | None
    text: str
    settlement: Settlement | None
    count: int
    resident: str


@dataclass
class Outcome:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, number: int, reason: str) -> None:
        if len(self.rejections) < MAX_REJECTIONS:
            self.rejections.append({"row": number, "reason": reason})


class _Resolver:
    def __init__(self, poll: Poll) -> None:
        self.questions = list(poll.questions.prefetch_related("options"))
        self.settlements = allowed_settlements(poll)

    def question(self, raw: Any) -> Question:
        text = _norm(raw)
        if re.fullmatch(r"\d+", text):
            n = int(text)
            for q in self.questions:
                if q.order == n:
                    return q
            raise ValueError(f"в опросе нет вопроса № {n}")
        for q in self.questions:
            if _norm(q.text) == text:
                return q
        raise ValueError(f"вопрос «{str(raw).strip()[:80]}» не найден в опросе")

    def answer(self, q: Question, raw: Any) -> tuple[Option | None, int | None, str]:
        text = _norm(raw)
        if not text:
            raise ValueError("пустой ответ")
        if q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            options = list(q.options.all())
            for o in options:
                if _norm(o.text) == text:
                    return o, None, ""
            if re.fullmatch(r"\d+", text):
                for o in options:
                    if o.order == int(text):
                        return o, None, ""
            raise ValueError(f"вариант «{str(raw).strip()[:80]}» не найден в вопросе № {q.order}")
        if q.kind == Question.Kind.SCALE:
            if re.fullmatch(r"-?\d+", text) and int(text) in q.scale_values:
                return None, int(text), ""
            raise ValueError(f"оценка «{str(raw).strip()[:20]}» вне шкалы {q.scale_min}–{q.scale_max}")
        return None, None, str(raw).strip()[:5000]

    def settlement(self, raw: Any) -> Settlement | None:
        text = _norm(raw)
        if not text:
            return None
        exact = [s for s in self.settlements if _norm(s.name) == text]
        prefix = [s for s in self.settlements if _norm(s.name).startswith(text + " ")]
        match = exact or prefix
        if len(match) != 1:
            raise ValueError(f"поселение «{str(raw).strip()[:80]}» не участвует в опросе")
        return match[0]


def _count(raw: Any, has_resident: bool) -> int:
    text = _norm(raw)
    if not text:
        if has_resident:
            return 1
        raise ValueError("нет количества (и нет идентификатора участника)")
    if re.fullmatch(r"\d+(\.0+)?", text):
        n = int(float(text))
        if has_resident and n != 1:
            raise ValueError("строка участника — это один ответ: количество должно быть 1 или пусто")
        return n
    raise ValueError(f"количество «{str(raw).strip()[:20]}» — не целое неотрицательное число")


def _cell(values: list[Any], columns: dict[str, int], key: str) -> Any:
    i = columns.get(key)
    return values[i] if i is not None and i < len(values) else ""


def parse_rows(poll: Poll, table: Table, outcome: Outcome) -> list[ParsedRow]:
    columns = find_columns(table.headers)
    resolve = _Resolver(poll)
    parsed = []
    for number, values in table.rows:
        outcome.rows += 1
        if values and isinstance(values[0], str) and values[0].startswith("\x00csv-error:"):
            outcome.reject(number, "строка не читается как CSV")
            continue
        resident = identity.platform_id(_cell(values, columns, "resident"))
        try:
            q = resolve.question(_cell(values, columns, "question"))
            option, value, text = resolve.answer(q, _cell(values, columns, "answer"))
            if q.kind == Question.Kind.TEXT and not resident:
                raise ValueError("свободный ответ принимается только со строкой участника (ID участника)")
            settlement = resolve.settlement(_cell(values, columns, "settlement"))
            count = _count(_cell(values, columns, "count"), bool(resident))
        except ValueError as exc:
            outcome.reject(number, str(exc))
            continue
        parsed.append(ParsedRow(number, q, option, value, text, settlement, count, resident))
    return parsed


def _merge_residents(
    poll: Poll, rows: list[ParsedRow], batch: PlatformImport, outcome: Outcome, now: Any
) -> None:
    by_resident: dict[str, list[ParsedRow]] = defaultdict(list)
    for row in rows:
        by_resident[row.resident].append(row)
    hashes = {rid: hash_of(identity.PLATFORM, rid) for rid in by_resident}
    existing = set(
        Ballot.objects.filter(poll=poll, identity_hash__in=hashes.values()).values_list(
            "identity_hash", flat=True
        )
    )
    for rid, own in by_resident.items():
        if hashes[rid] in existing:
            outcome.unchanged += 1  # merged by an earlier import: one ballot per resident
            continue
        answers: list[BallotAnswer] = []
        seen: dict[int, int] = {}
        chosen: set[tuple[int, int]] = set()
        settlement: Settlement | None = None
        for row in own:
            q = row.question
            if q.kind != Question.Kind.MULTIPLE and q.pk in seen:
                outcome.reject(
                    row.number, f"участник уже ответил на вопрос № {q.order} (строка {seen[q.pk]})"
                )
                continue
            if row.option is not None and (q.pk, row.option.pk) in chosen:
                outcome.reject(row.number, "этот вариант участника уже учтён выше")
                continue
            if row.settlement is not None:
                if settlement is not None and settlement.pk != row.settlement.pk:
                    outcome.reject(row.number, "у участника в другой строке указано другое поселение")
                    continue
                settlement = row.settlement
            seen.setdefault(q.pk, row.number)
            if row.option is not None:
                chosen.add((q.pk, row.option.pk))
            answers.append(BallotAnswer(question=q, option=row.option, value=row.value, text=row.text))
        if not answers:
            continue
        ballot = Ballot.objects.create(
            poll=poll,
            identity_hash=hashes[rid],
            identity_kind=Ballot.IdentityKind.PLATFORM,
            source=Ballot.Source.PLATFORM,
            settlement=settlement,
            created_at=now,
            import_batch=batch,
        )
        for a in answers:
            a.ballot = ballot
        BallotAnswer.objects.bulk_create(answers)
        outcome.created += 1


def count_key(row: ParsedRow) -> str:
    option = row.option.pk if row.option is not None else ""
    value = row.value if row.value is not None else ""
    settlement = row.settlement.pk if row.settlement is not None else ""
    return f"{row.question.pk}:{option}:{value}:{settlement}"


def _merge_counts(poll: Poll, rows: list[ParsedRow], batch: PlatformImport, outcome: Outcome) -> None:
    if not rows:
        return
    totals: dict[str, int] = defaultdict(int)
    first: dict[str, ParsedRow] = {}
    for row in rows:
        key = count_key(row)
        totals[key] += row.count
        first.setdefault(key, row)
    existing = {c.key: c for c in PlatformCount.objects.filter(poll=poll)}
    for key, total in totals.items():
        row = first[key]
        current = existing.pop(key, None)
        if current is None:
            PlatformCount.objects.create(
                poll=poll,
                key=key,
                question=row.question,
                option=row.option,
                value=row.value,
                settlement=row.settlement,
                count=total,
                import_batch=batch,
            )
            outcome.created += 1
        elif current.count != total:
            PlatformCount.objects.filter(pk=current.pk).update(count=total, import_batch=batch)
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    # The file is the platform's whole result: counts it no longer has are taken out.
    if existing:
        PlatformCount.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
        outcome.removed += len(existing)


def import_results(poll: Poll, data: bytes, *, file_name: str, actor: Any) -> PlatformImport:
    """Merge the platform's result file into the poll's results (see the module's description)."""
    if poll.status == Status.DRAFT:
        raise PlatformFileError(
            "Опрос ещё не опубликован: итоги платформы загружаются в опубликованный опрос."
        )
    table = read_upload(data)
    outcome = Outcome()
    rows = parse_rows(poll, table, outcome)
    now = timezone.now()
    with transaction.atomic():
        batch = PlatformImport.objects.create(
            poll=poll,
            file_name=file_name[:255],
            imported_by=actor if getattr(actor, "is_authenticated", False) else None,
            imported_at=now,
        )
        _merge_residents(poll, [r for r in rows if r.resident], batch, outcome, now)
        _merge_counts(poll, [r for r in rows if not r.resident], batch, outcome)
        batch.rows = outcome.rows
        batch.created = outcome.created
        batch.updated = outcome.updated
        batch.unchanged = outcome.unchanged
        batch.removed = outcome.removed
        batch.rejected = len(outcome.rejections)
        batch.rejections = outcome.rejections
        batch.save()
        record(
            "participation.platform_imported",
            actor=actor,
            obj=poll,
            after={
                "import": batch.pk,
                "file": batch.file_name,
                "rows": batch.rows,
                "created": batch.created,
                "updated": batch.updated,
                "unchanged": batch.unchanged,
                "removed": batch.removed,
                "rejected": batch.rejected,
            },
        )
    return batch
