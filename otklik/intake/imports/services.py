"""Importing a channel's export file through the intake service, batch by batch.

Each batch of rows is one transaction together with its rejected rows and the batch's progress, so a
crash or a kill mid-file leaves whole rows only; importing the file again finds the rows already
taken in unchanged and finishes the job.

On PostgreSQL a file's batches may be taken in by several processes at once (`workers`, the CLI's
`--workers`): this process reads and checks the rows, forked worker processes place, register and
write them, each batch still one transaction. They wait for one another only while a batch holds its
registration counter (from its numbers to its commit), so numbers stay without gaps or repeats.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
from collections import Counter, defaultdict, deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import F
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases.deadline_engine import production_calendar
from otklik.core.processes import die_with_parent
from otklik.intake.enrich import get_enricher
from otklik.intake.imports.reader import FileError, Table, read_table
from otklik.intake.mapping import sync_default_mappings
from otklik.intake.models import ImportBatch, ImportRejection, SourceMapping
from otklik.intake.moments import strptime
from otklik.intake.services import IntakeError, IntakeItem, intake
from otklik.intake.text import normalise_line
from otklik.quality.rules import UnknownRating, parse_rating
from otklik.territory.models import Municipality

BATCH_SIZE = 500
#: A batch's accepted rows: (row number, the item, its municipality).
Pending = list[tuple[int, IntakeItem, Municipality]]
#: Longest accepted value per field; longer ones are rejected, never cut silently.
MAX_LENGTHS = {
    "external_id": 100,
    "external_url": 1000,
    "title": 300,
    "text": 20000,
    "address": 500,
    "settlement": 200,
    "author_name": 300,
    "author_email": 254,
    "author_phone": 40,
    "answer": 20000,
    "category": 200,
    "subcategory": 200,
    "status": 100,
    "network": 100,
    "region": 200,
    "tonality": 50,
}
FIELD_LABELS = {
    "external_id": "идентификатор",
    "external_url": "ссылка",
    "received_at": "дата",
    "text": "текст",
    "title": "заголовок",
    "address": "адрес",
    "settlement": "населённый пункт",
    "author_name": "автор",
    "author_email": "эл. почта",
    "author_phone": "телефон",
    "answer": "ответ",
    "answered_at": "дата ответа",
    "category": "категория",
    "subcategory": "подкатегория",
    "status": "статус",
    "rating": "оценка",
    "network": "соцсеть",
    "region": "регион",
    "tonality": "тональность",
}
EARLIEST = datetime(2000, 1, 1)
#: Row warnings kept in a batch's report (an unreadable rating, …); the rest are only counted.
MAX_ROW_WARNINGS = 200


#: Bytes the reader could not decode (surrogate escapes).
_UNDECODABLE = re.compile("[\udc80-\udcff]")


def _storable(text: str) -> str:
    """Undecodable bytes (surrogates from the reader) and NULs become «�», which any database stores."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").replace("\x00", "�")


class ImportFileError(ValueError):
    pass


class ImportBatchError(RuntimeError):
    """A batch of rows a worker process could not take in (its rows and the reason)."""


def _key(header: str) -> str:
    return " ".join(header.replace("ё", "е").replace("Ё", "Е").casefold().split())


@dataclass
class Columns:
    index: dict[str, int]  # canonical field → column position
    unknown: list[str]


def match_columns(headers: list[str], mapping: SourceMapping) -> Columns:
    aliases = {_key(alias): name for name, names in mapping.columns.items() for alias in [name, *names]}
    index: dict[str, int] = {}
    unknown = []
    for position, header in enumerate(headers):
        name = aliases.get(_key(header))
        if name is None:
            if header:
                unknown.append(header)
        elif name not in index:
            index[name] = position
    missing = [name for name in mapping.required if name not in index]
    for group in mapping.required_one_of:
        if not any(name in index for name in group):
            missing.append(" или ".join(group))
    if missing:
        wanted = "; ".join(
            f"«{FIELD_LABELS.get(m, m)}» ({', '.join(mapping.columns.get(m, [m])[:3])}…)" for m in missing
        )
        raise ImportFileError(f"В файле нет обязательных колонок: {wanted}. Проверьте сопоставление колонок.")
    return Columns(index, unknown)


def parse_moment(value: Any, formats: list[str], tz: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        text = normalise_line(str(value))
        if not text:
            raise ValueError("пустая дата")
        moment = None
        for fmt in formats:
            try:
                moment = strptime(text, fmt)
                break
            except ValueError:
                continue
        if moment is None:
            try:
                moment = datetime.fromisoformat(text)
            except ValueError:
                raise ValueError(f"неверная дата «{text[:40]}»") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if moment.replace(tzinfo=None) < EARLIEST:
        raise ValueError(f"дата «{moment:%d.%m.%Y}» раньше 2000 года")
    if moment > timezone.now() + timedelta(days=1):
        raise ValueError(f"дата «{moment:%d.%m.%Y %H:%M}» в будущем")
    return moment


class MunicipalityIndex:
    def __init__(self, default: Municipality | None, fixed: bool) -> None:
        self.default = default
        self.fixed = fixed
        self.by_name: dict[str, Municipality] = {}
        for m in Municipality.objects.all():
            self.by_name[_key(m.name)] = m
            self.by_name[_key(m.code)] = m
            short = _key(m.name.replace("муниципальный район", "").replace("муниципальный округ", ""))
            self.by_name.setdefault(short, m)

    def pick(self, *names: str) -> Municipality | None:
        if self.fixed:
            return self.default
        for name in names:
            if name and (found := self.by_name.get(_key(name))) is not None:
                return found
        return self.default


def _row_to_item(
    channel: str,
    values: dict[str, Any],
    mapping: SourceMapping,
    tz: Any,
    years: set[int],
    statuses: dict[str, str],
) -> IntakeItem:
    """One row as an item. `years`: those of the production calendar; `statuses`: the mapping's source
    statuses by `_key` — both made once per import."""
    for name, limit in MAX_LENGTHS.items():
        value = values.get(name)
        if isinstance(value, str) and len(value) > limit:
            raise IntakeError(
                f"поле «{FIELD_LABELS.get(name, name)}» длиннее {limit} символов ({len(value)})"
            )
    for name, value in values.items():
        if isinstance(value, str) and _UNDECODABLE.search(value):
            raise IntakeError(f"неверная кодировка в поле «{FIELD_LABELS.get(name, name)}»")
    text = str(values.get("text", "")).strip()
    if not text:
        raise IntakeError("нет текста")
    try:
        received = parse_moment(values.get("received_at", ""), mapping.date_formats, tz)
    except ValueError as exc:
        raise IntakeError(str(exc)) from exc
    if received.year not in years:
        raise IntakeError(
            f"нет производственного календаря на {received.year} год: сроки не вычислить "
            "(файл календаря года добавляют в папку OTKLIK_CALENDAR_DIR)"
        )
    answered = None
    if str(values.get("answered_at", "")).strip():
        try:
            answered = parse_moment(values["answered_at"], mapping.date_formats, tz)
        except ValueError as exc:
            raise IntakeError(f"дата ответа: {exc}") from exc
    source_status = normalise_line(str(values.get("status", "")))
    status = statuses.get(_key(source_status), "") if source_status else ""
    external_id = normalise_line(str(values.get("external_id", ""))) or None
    url = normalise_line(str(values.get("external_url", "")))
    if external_id is None and url:
        external_id = "url:" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:32]
    if external_id is None:
        raise IntakeError("нет идентификатора")
    raw = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}
    rating, warnings = None, []
    try:
        rating = parse_rating(values.get("rating"))
    except UnknownRating as exc:
        warnings.append(f"{exc} — строка импортирована без оценки")
    return IntakeItem(
        channel=channel,
        text=text,
        received_at=received,
        external_id=external_id,
        external_url=url,
        title=str(values.get("title", "")),
        author_name=str(values.get("author_name", "")),
        author_email=str(values.get("author_email", "")),
        author_phone=str(values.get("author_phone", "")),
        address=str(values.get("address", "")),
        settlement=str(values.get("settlement", "")),
        category=str(values.get("category", "")),
        subcategory=str(values.get("subcategory", "")),
        source_status=source_status,
        status=status,
        answer_text=str(values.get("answer", "")),
        answered_at=answered,
        raw=raw,
        rating=rating,
        warnings=warnings,
    ).normalised()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_file(
    path: Path,
    channel: str,
    *,
    municipality: Municipality | None = None,
    actor: Any = None,
    batch_size: int = BATCH_SIZE,
    workers: int = 1,
) -> ImportBatch:
    """Import an export file of `channel` ("pos" or "incident"); returns the finished batch.

    `workers` > 1: the batches are taken in by that many processes at once — on PostgreSQL, outside a
    transaction only (elsewhere one process does it all)."""
    if channel not in ("pos", "incident"):
        raise ImportFileError(f"Неизвестный канал «{channel}»")
    if not path.is_file():
        raise ImportFileError(f"Файл не найден: {path}")
    sync_default_mappings()
    mapping = SourceMapping.objects.get(channel=channel)
    default = municipality or _default_municipality()
    if default is None:
        raise ImportFileError("В системе нет ни одного муниципального образования: сначала заведите его.")
    batch = ImportBatch.objects.create(
        channel=channel,
        municipality=municipality,
        file_name=path.name[:500],
        file_sha256=_file_sha256(path),
        started_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        table = read_table(path)
        columns = match_columns(table.headers, mapping)
    except (FileError, ImportFileError) as exc:
        batch.status, batch.error, batch.finished_at = ImportBatch.Status.FAILED, str(exc), timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
        raise ImportFileError(str(exc)) from exc
    batch.encoding = table.encoding
    batch.warnings = [f"неизвестная колонка «{h}» не импортируется" for h in columns.unknown] + table.notes
    batch.save(update_fields=["encoding", "warnings"])
    munis = MunicipalityIndex(default, fixed=municipality is not None)
    try:
        if _parallel_possible(workers):
            with _ParallelSink(batch, actor, workers) as sink:
                _run(batch, table, columns, mapping, munis, batch_size, sink)
            batch.refresh_from_db()
        else:
            _run(batch, table, columns, mapping, munis, batch_size, _Sink(batch, actor))
    except Exception as exc:
        if not connection.in_atomic_block:  # the batches committed stay; the import says it stopped
            ImportBatch.objects.filter(pk=batch.pk).update(
                status=ImportBatch.Status.FAILED,
                error=f"Импорт прерван: {exc}"[:2000],
                finished_at=timezone.now(),
            )
        raise
    batch.status, batch.finished_at = ImportBatch.Status.DONE, timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    record(
        "intake.import",
        actor=actor,
        obj=batch,
        after=batch.summary(),
        actor_label="" if actor else f"otklik import {channel}",
    )
    return batch


def _default_municipality() -> Municipality | None:
    code = getattr(settings, "OTKLIK_DEFAULT_MUNICIPALITY", "")
    return Municipality.objects.filter(code=code).first() or Municipality.objects.order_by("id").first()


def _run(
    batch: ImportBatch,
    table: Table,
    columns: Columns,
    mapping: SourceMapping,
    munis: MunicipalityIndex,
    batch_size: int,
    sink: _Sink,
) -> None:
    seen: dict[str, int] = {}
    row_warnings = 0
    pending: Pending = []
    rejections: list[ImportRejection] = []
    width = len(table.headers)
    years = set(production_calendar().years())
    statuses = {_key(k): v for k, v in mapping.statuses.items()}
    for number, cells in table.rows:
        batch.rows += 1
        values = {name: (cells[pos] if pos < len(cells) else "") for name, pos in columns.index.items()}
        reason = None
        if cells and isinstance(cells[0], str) and cells[0].startswith("\x00csv-error:"):
            reason = "строка не читается как CSV: " + cells[0].split(":", 1)[1]
        elif len(cells) > width and any(str(c).strip() for c in cells[width:]):
            reason = "лишние значения за пределами колонок (неизвестная колонка без заголовка)"
        item = None
        muni = None
        if reason is None:
            muni = munis.pick(str(values.get("settlement", "")), str(values.get("region", "")))
            try:
                tz = (muni or munis.default).tz  # type: ignore[union-attr]
                item = _row_to_item(batch.channel, values, mapping, tz, years, statuses)
            except IntakeError as exc:
                reason = str(exc)
        if item is not None and item.external_id in seen:
            reason = f"повтор идентификатора «{item.external_id}» из строки {seen[item.external_id]}"
            item = None
        if item is None:
            rejections.append(
                ImportRejection(
                    batch=batch,
                    row=number,
                    external_id=_storable(str(values.get("external_id", "")))[:100],
                    reason=_storable(reason or "строка отклонена")[:500],
                    raw={
                        k: (v.isoformat() if isinstance(v, datetime) else _storable(str(v))[:2000])
                        for k, v in values.items()
                    },
                )
            )
        else:
            seen[item.external_id or ""] = number
            pending.append((number, item, muni or munis.default))  # type: ignore[arg-type]
            for text in item.warnings:
                row_warnings += 1
                if row_warnings <= MAX_ROW_WARNINGS:
                    batch.warnings.append(f"строка {number}: {text}")
                elif row_warnings == MAX_ROW_WARNINGS + 1:
                    batch.warnings.append(
                        f"и в других строках: показаны первые {MAX_ROW_WARNINGS} предупреждений"
                    )
        if len(pending) >= batch_size:
            sink.put(pending, rejections, number)
            pending, rejections = [], []
    sink.put(pending, rejections, batch.rows + 1)


def _take_in(pending: Pending, actor: Any) -> Counter[str]:
    """The batch's rows through the intake, municipality by municipality (always in the order of their
    ids: two batches never lock their registration counters crosswise); outcomes counted."""
    by_muni: dict[int, list[IntakeItem]] = defaultdict(list)
    munis: dict[int, Municipality] = {}
    for _, item, muni in pending:
        by_muni[muni.pk].append(item)
        munis[muni.pk] = muni
    counts: Counter[str] = Counter()
    for muni_id in sorted(by_muni):
        result = intake(by_muni[muni_id], municipality=munis[muni_id], actor=actor)
        counts.update(outcome for outcome, _ in result.outcomes)
    return counts


class _Sink:
    """Takes in each batch of rows as it is read, in this process."""

    def __init__(self, batch: ImportBatch, actor: Any) -> None:
        self.batch, self.actor = batch, actor

    def put(self, pending: Pending, rejections: list[ImportRejection], last: int) -> None:
        batch = self.batch
        with transaction.atomic():
            counts = _take_in(pending, self.actor)
            batch.created += counts["created"]
            batch.updated += counts["updated"]
            batch.unchanged += counts["unchanged"]
            ImportRejection.objects.bulk_create(rejections)
            batch.rejected += len(rejections)
            batch.next_row = last
            batch.save(
                update_fields=["rows", "created", "updated", "unchanged", "rejected", "next_row", "warnings"]
            )


def _parallel_possible(workers: int) -> bool:
    """Several processes need PostgreSQL (SQLite takes one writer at a time) and no open transaction
    (the workers could not see what it holds, and forking would cut its connection)."""
    return workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block


class _ParallelSink(_Sink):
    """Hands each batch of rows to a pool of forked processes; at most two batches a process wait.

    The batch's counters are added to by the workers (`F()` increments in each batch's transaction);
    this process writes only the rows read and the warnings. A batch that fails stops the import: what
    was committed stays, as after a crash, and the error goes to the caller."""

    def __init__(self, batch: ImportBatch, actor: Any, workers: int) -> None:
        super().__init__(batch, actor)
        self.workers = workers
        self.futures: deque[Future[None]] = deque()

    def __enter__(self) -> _ParallelSink:
        get_enricher()  # the NLP modules imported once, before the fork, and shared
        connections.close_all()  # no connection may be inherited: each worker opens its own
        self.pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=die_with_parent,  # a killed import leaves no worker committing behind it
            initargs=(os.getpid(),),
        )
        self.pool.submit(int).result()  # every worker forked now, before this process connects again
        return self

    def put(self, pending: Pending, rejections: list[ImportRejection], last: int) -> None:
        batch = self.batch
        ImportBatch.objects.filter(pk=batch.pk).update(rows=batch.rows, warnings=batch.warnings)
        failed = [
            {"row": r.row, "external_id": r.external_id, "reason": r.reason, "raw": r.raw} for r in rejections
        ]
        processed = len(pending) + len(failed)
        future = self.pool.submit(_take_in_worker, batch.pk, pending, failed, self.actor, processed)
        self.futures.append(future)
        while len(self.futures) > 2 * self.workers or (self.futures and self.futures[0].done()):
            self.futures.popleft().result()

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        try:
            while self.futures and kind is None:
                self.futures.popleft().result()
        finally:
            self.pool.shutdown(wait=True, cancel_futures=True)
        batch = self.batch
        ImportBatch.objects.filter(pk=batch.pk).update(rows=batch.rows, warnings=batch.warnings)


def _take_in_worker(
    batch_pk: int,
    pending: Pending,
    rejections: list[dict[str, Any]],
    actor: Any,
    processed: int,
) -> None:
    """One batch in a worker process: its rows, its rejections and the counters, one transaction.

    Whatever fails here goes back to the reading process as an `ImportBatchError` with the batch's rows
    and the reason in words (the database driver's own exceptions do not always survive the trip)."""
    try:
        with transaction.atomic():
            counts = _take_in(pending, actor)
            ImportRejection.objects.bulk_create([ImportRejection(batch_id=batch_pk, **r) for r in rejections])
            ImportBatch.objects.filter(pk=batch_pk).update(
                created=F("created") + counts["created"],
                updated=F("updated") + counts["updated"],
                unchanged=F("unchanged") + counts["unchanged"],
                rejected=F("rejected") + len(rejections),
                next_row=F("next_row") + processed,
            )
    except Exception as exc:
        rows = sorted([number for number, _, _ in pending] + [r["row"] for r in rejections])
        where = f"строки {rows[0]}–{rows[-1]}" if rows else "пустая порция"
        raise ImportBatchError(f"{where}: {type(exc).__name__}: {exc}") from None
