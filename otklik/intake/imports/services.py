"""Importing a channel's export file through the intake service, batch by batch.

Each batch of rows is one transaction together with its rejected rows and the batch's progress, so a
crash or a kill mid-file leaves whole rows only; importing the file again finds the rows already
taken in unchanged and finishes the job.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases.deadline_engine import production_calendar
from otklik.intake.imports.reader import FileError, Table, read_table
from otklik.intake.mapping import sync_default_mappings
from otklik.intake.models import ImportBatch, ImportRejection, SourceMapping
from otklik.intake.services import IntakeError, IntakeItem, intake
from otklik.intake.text import normalise_line
from otklik.quality.rules import UnknownRating, parse_rating
from otklik.territory.models import Municipality

BATCH_SIZE = 500
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
                moment = datetime.strptime(text, fmt)
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
    channel: str, values: dict[str, Any], mapping: SourceMapping, tz: Any, years: set[int] | None = None
) -> IntakeItem:
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
    if years is not None and received.year not in years:
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
    status_map = {_key(k): v for k, v in mapping.statuses.items()}
    status = status_map.get(_key(source_status), "") if source_status else ""
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
) -> ImportBatch:
    """Import an export file of `channel` ("pos" or "incident"); returns the finished batch."""
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
    _run(
        batch,
        table,
        columns,
        mapping,
        MunicipalityIndex(default, fixed=municipality is not None),
        actor,
        batch_size,
    )
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
    actor: Any,
    batch_size: int,
) -> None:
    seen: dict[str, int] = {}
    row_warnings = 0
    pending: list[tuple[int, IntakeItem, Municipality]] = []
    rejections: list[ImportRejection] = []
    width = len(table.headers)
    years = set(production_calendar().years())
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
                item = _row_to_item(batch.channel, values, mapping, (muni or munis.default).tz, years)  # type: ignore[union-attr]
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
            _commit(batch, pending, rejections, actor, number)
            pending, rejections = [], []
    _commit(batch, pending, rejections, actor, batch.rows + 1)


def _commit(
    batch: ImportBatch,
    pending: list[tuple[int, IntakeItem, Municipality]],
    rejections: list[ImportRejection],
    actor: Any,
    last_row: int,
) -> None:
    by_muni: dict[int, list[IntakeItem]] = defaultdict(list)
    munis: dict[int, Municipality] = {}
    for _, item, muni in pending:
        by_muni[muni.pk].append(item)
        munis[muni.pk] = muni
    with transaction.atomic():
        for muni_id, items in by_muni.items():
            result = intake(items, municipality=munis[muni_id], actor=actor)
            batch.created += result.count("created")
            batch.updated += result.count("updated")
            batch.unchanged += result.count("unchanged")
        ImportRejection.objects.bulk_create(rejections)
        batch.rejected += len(rejections)
        batch.next_row = last_row
        batch.save(
            update_fields=["rows", "created", "updated", "unchanged", "rejected", "next_row", "warnings"]
        )
