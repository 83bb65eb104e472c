"""Import benchmark: `python -m bench.intake [--rows 100000] [--municipality CODE] [--seed N]`.

Builds a feedback-platform («Госуслуги. Решаем вместе», ПОС) export of N realistic rows — the columns of
docs/import.md, a CSV in UTF-8 separated by «;» as the platform gives it; texts by the demo generator's
text module (otklik.demo.texts) about the municipality's own localities and streets; 85 % with the
platform's category (the mapping gives the topic), 15 % without (the classifier decides); half of them
already answered by the platform, with an answer and a rating — and imports it through the full intake
path exactly as `otklik import pos FILE --municipality CODE` does (`import_file`, with as many worker
processes as the command takes by default — `--workers`: classification,
territory, dedupe, deadlines, registration numbers, routing, ratings, audit) into the current database
(DATABASE_URL), timed in messages per second.

The reference, in the same run: the same file loaded with a plain COPY (PostgreSQL: psycopg's
`cursor.copy` into a temporary table with the file's columns, all text) or, on SQLite, an `executemany`
into a temporary table — what the database alone does for these rows. Prints both rates, their ratio and
a JSON line `{"bench": "intake_pos", …, "goal_met": messages/s ≥ 2000}`. Beside it, on PostgreSQL, the
database's own floor for this work: the run's case rows INSERTed once more into the cases table with all
its indexes (`case_insert_rows_per_second`) — no import can take cases in faster than that.

A file over the upload limit (OTKLIK_IMPORT_MAX_MB) has the limit raised for the bench's process only.
The rows go into an existing municipality (`--municipality`, by default the one with most localities)
so that its real gazetteer, blocks and routing rules are used; afterwards the imported cases (and all
that hangs on them: events, deadlines, answers, ratings), the import batch and its rejected rows are
deleted and the registration counters put back, so the database stays as it was — except the audit log,
which is append-only (PostgreSQL refuses deletes there): the run's «intake.batch» and «intake.import»
records stay, labelled «otklik import pos».
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench._common import (
    database_cpu_seconds,
    emit,
    per_unit_ms,
    rusage_seconds,
    setup_django,
    vacuum,
    vendor,
)

GOAL = 2000
HEADERS = [
    "ID",
    "Дата создания",
    "Категория",
    "Подкатегория",
    "Заголовок",
    "Текст",
    "Адрес",
    "Населённый пункт",
    "Автор",
    "Email",
    "Телефон",
    "Статус",
    "Ответ",
    "Дата ответа",
    "Оценка",
    "Ссылка",
]
#: (platform category, subcategory, our subtopic) — labels the shipped ПОС mapping knows.
CATEGORIES = [
    ("ЖКХ", "Отопление", "housing.heating"),
    ("ЖКХ", "Водоснабжение", "housing.water"),
    ("Мусор", "Вывоз мусора", "waste.collection"),
    ("Дороги", "Ямы на дорогах", "roads.repair"),
    ("Благоустройство", "Освещение", "improvement.lighting"),
    ("Образование", "Детские сады", "education.kindergarten"),
    ("Электроснабжение", "", "energy.outage"),
    ("Общественный транспорт", "", "transport.schedule"),
]
#: Distinct texts generated per subtopic; rows draw from these pools (generating every text is slow).
POOL = 300
ID_BASE = 900_000_000


def _places(municipality: Any) -> list[tuple[str, str, list[str]]]:
    """(label «х. Захаров», name, its streets) of the municipality's localities."""
    from otklik.demo import texts
    from otklik.territory.models import Locality, Street

    streets: dict[int, list[str]] = {}
    for locality_id, kind, name in Street.objects.filter(
        locality__settlement__municipality=municipality
    ).values_list("locality_id", "kind", "name"):
        streets.setdefault(locality_id, []).append(f"{kind} {name}")
    places = []
    for loc in Locality.objects.filter(settlement__municipality=municipality).order_by("pk"):
        places.append((f"{loc.get_kind_display()} {loc.name}", loc.name, streets.get(loc.pk) or []))
    if not places:
        places = [("г. Котельниково", "Котельниково", [])]
    return [(label, name, s or list(texts.STREETS_RURAL)) for label, name, s in places]


def build_rows(n: int, municipality: Any, *, seed: int = 2026, run: str = "") -> list[list[str]]:
    """N rows of a ПОС export (the order of HEADERS), received over the last 60 days."""
    from django.utils import timezone

    from otklik.demo import texts

    rng = random.Random(seed)
    places = _places(municipality)
    tz = municipality.tz
    end = timezone.localtime(timezone.now(), tz).replace(tzinfo=None) - timedelta(hours=1)
    start = end - timedelta(days=60)
    pools: dict[tuple[str, int], list[tuple[str, str, str, str]]] = {}
    rows = []
    for i in range(n):
        category, subcategory, code = rng.choice(CATEGORIES)
        place = rng.randrange(len(places))
        label, name, streets = places[place]
        pool = pools.setdefault((code, place), [])
        if len(pool) < POOL // len(places) + 2:
            street = rng.choice(streets)
            slots = texts.Slots(locality=label, street=street, house=str(rng.randint(1, 90)), settlement="")
            style = rng.choice(("neutral", "neutral", "formal", "social"))
            pool.append(
                (
                    texts.message_title(rng, code),
                    texts.message_text(rng, code, style, slots),
                    f"{label}, {street}, д. {slots.house}",
                    texts.answer_text(rng, code, slots),
                )
            )
        title, text, address, answer = rng.choice(pool)
        if rng.random() < 0.15:  # no category: the classifier decides
            category = subcategory = ""
        last, first, patronymic = texts.person(rng)
        created = start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))
        answered = rng.random() < 0.5
        answered_at = min(created + timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 8)), end)
        ext = ID_BASE + i
        rows.append(
            [
                f"{run}{ext}",
                created.strftime("%d.%m.%Y %H:%M"),
                category,
                subcategory,
                title if rng.random() < 0.7 else "",
                text,
                address,
                name,
                f"{last} {first} {patronymic}",
                texts.email_for(rng, last, first),
                texts.phone(rng),
                "Решено" if answered else rng.choice(["В работе", "Зарегистрировано", "На модерации"]),
                answer if answered else "",
                answered_at.strftime("%d.%m.%Y %H:%M") if answered else "",
                str(rng.choice([5, 5, 4, 4, 3, 2, 1])) if answered and rng.random() < 0.55 else "",
                f"https://pos.gosuslugi.ru/lkp/messages/{ext}" if rng.random() < 0.5 else "",
            ]
        )
    return rows


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADERS)
        writer.writerows(rows)


def copy_reference(path: Path) -> float:
    """The file loaded with a plain COPY (PostgreSQL) or executemany (SQLite) into a temporary table
    with the file's columns; seconds, the table dropped afterwards."""
    from django.db import connection, transaction

    cols = ", ".join(f"c{i} text" for i in range(len(HEADERS)))
    with connection.cursor() as cursor:
        raw = cursor.cursor
        started = time.perf_counter()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                cursor.execute(f"CREATE TEMPORARY TABLE bench_intake_copy ({cols})")
                with (
                    path.open("rb") as fh,
                    raw.copy(
                        "COPY bench_intake_copy FROM STDIN (FORMAT csv, DELIMITER ';', HEADER true)"
                    ) as copy,
                ):
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
            else:
                cursor.execute(f"CREATE TEMPORARY TABLE bench_intake_copy ({cols})")
                with path.open(encoding="utf-8", newline="") as fh:
                    reader = csv.reader(fh, delimiter=";")
                    next(reader)
                    marks = ", ".join("?" * len(HEADERS))
                    raw.executemany(f"INSERT INTO bench_intake_copy VALUES ({marks})", reader)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_intake_copy")
    return seconds


def insert_floor(municipality: Any, run: str, limit: int = 5000) -> tuple[int, float]:
    """What the database alone spends to take the import's cases in: the run's case rows (up to
    `limit`) INSERTed again into the cases table by one `INSERT … SELECT` — every index, the trigram
    ones included, kept up — with their unique values changed; rolled back. (rows, seconds); (0, 0.0)
    off PostgreSQL."""
    from django.db import connection, transaction

    from otklik.cases.models import Case

    if connection.vendor != "postgresql":
        return 0, 0.0
    table = connection.ops.quote_name(Case._meta.db_table)
    ids = list(
        Case.objects.filter(
            municipality=municipality, channel="pos", external_id__startswith=run
        ).values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0, 0.0
    with connection.cursor() as cursor, transaction.atomic():
        cursor.execute(
            f"CREATE TEMPORARY TABLE bench_floor AS SELECT * FROM {table} WHERE id = ANY(%s)", [ids]
        )
        cursor.execute(
            "UPDATE bench_floor SET id = nextval(pg_get_serial_sequence(%s, 'id')), "
            "external_id = 'floor-' || id, registration_number = 'FLOOR-' || id, "
            "tracking_token = NULL",
            [Case._meta.db_table],
        )
        started = time.perf_counter()
        cursor.execute(f"INSERT INTO {table} SELECT * FROM bench_floor")
        seconds = time.perf_counter() - started
        transaction.set_rollback(True)  # the rows and the temporary table go again
    return len(ids), seconds


def _allow_size(path: Path) -> None:
    """A large run's file is over the installation's upload limit (OTKLIK_IMPORT_MAX_MB, 25 MB by
    default): the bench raises the limit for its own process, as an administrator would by the setting."""
    from django.conf import settings

    from otklik.intake.imports.reader import max_file_bytes

    size = path.stat().st_size
    if size > max_file_bytes():
        settings.OTKLIK_IMPORT_MAX_MB = size // (1024 * 1024) + 1
        print(f"Предел размера файла на время замера: OTKLIK_IMPORT_MAX_MB={settings.OTKLIK_IMPORT_MAX_MB}.")


def _counters(municipality: Any) -> dict[int, int]:
    from otklik.cases.models import RegistrationCounter

    return dict(RegistrationCounter.objects.filter(municipality=municipality).values_list("pk", "last"))


def clean_up(municipality: Any, run: str, counters: dict[int, int]) -> int:
    """Delete what the run imported; put the registration counters back. Returns the cases deleted."""
    from django.db import transaction

    from otklik.cases.models import Case, RegistrationCounter
    from otklik.intake.models import ImportBatch

    with transaction.atomic():
        ids = list(
            Case.objects.filter(
                municipality=municipality, channel="pos", external_id__startswith=run
            ).values_list("pk", flat=True)
        )
        for start in range(0, len(ids), 5000):
            Case.objects.filter(pk__in=ids[start : start + 5000]).delete()
        for counter in RegistrationCounter.objects.filter(municipality=municipality):
            if counter.pk not in counters:
                counter.delete()
            elif counter.last != counters[counter.pk]:
                RegistrationCounter.objects.filter(pk=counter.pk).update(last=counters[counter.pk])
        # The run's batch, also when the file was refused (no batch handed back then).
        ImportBatch.objects.filter(file_name__startswith=run).delete()
    vacuum()
    return len(ids)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="строк выгрузки (по умолчанию 100000)")
    parser.add_argument("--municipality", help="код МО (по умолчанию — МО с наибольшим числом пунктов)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--workers", type=int, help="процессов приёма (по умолчанию как у otklik import: ядра, до 4)"
    )
    args = parser.parse_args(argv)
    setup_django()
    from django.db.models import Count

    from otklik.core.processes import default_processes
    from otklik.intake.imports.services import import_file
    from otklik.territory.models import Municipality

    workers = args.workers or default_processes()

    qs = Municipality.objects.annotate(n=Count("settlements__localities")).order_by("-n", "pk")
    municipality = qs.filter(code=args.municipality).first() if args.municipality else qs.first()
    if municipality is None:
        raise SystemExit(
            "Нет муниципального образования"
            + (f" «{args.municipality}»" if args.municipality else "")
            + ": заполните базу (python -m bench.generate)."
        )
    run = f"bench-{os.getpid()}-{int(time.time())}-"
    print(f"База: {vendor()}; МО «{municipality.name}» ({municipality.code}); строк {args.rows}.")
    started = time.perf_counter()
    rows = build_rows(args.rows, municipality, seed=args.seed, run=run)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{run}pos_export.csv"
        write_csv(path, rows)
        del rows
        print(f"Файл выгрузки: {path.stat().st_size / 1e6:.1f} МБ за {time.perf_counter() - started:.1f} с.")
        _allow_size(path)
        counters = _counters(municipality)
        try:
            seconds, cpu, database = time.perf_counter(), rusage_seconds(), database_cpu_seconds()
            batch = import_file(path, "pos", municipality=municipality, workers=workers)
            seconds, cpu = time.perf_counter() - seconds, rusage_seconds() - cpu
            database = None if database is None else (database_cpu_seconds() or 0.0) - database
            summary = batch.summary()
            copy_seconds = copy_reference(path)
            floor_rows, floor_seconds = insert_floor(municipality, run)
        finally:
            cleaning = time.perf_counter()
            removed = clean_up(municipality, run, counters)
            cleaning = time.perf_counter() - cleaning
    mps = summary["created"] / seconds if seconds else 0.0
    copy_rps = args.rows / copy_seconds if copy_seconds else float("inf")
    ratio = copy_rps / mps if mps else None
    floor_rps = floor_rows / floor_seconds if floor_seconds else None
    load = os.getloadavg()
    print(f"Импорт ({workers} проц.): {summary}; {seconds:.1f} с — {mps:.0f} сообщений/с (цель ≥ {GOAL}).")
    print(f"COPY тех же строк: {copy_seconds:.2f} с — {copy_rps:.0f} строк/с; отношение {ratio or 0:.1f}.")
    if floor_rps:
        print(
            f"Сама база: INSERT {floor_rows} тех же обращений в таблицу обращений со всеми индексами — "
            f"{floor_rps:.0f} строк/с; отношение {floor_rps / mps if mps else 0:.1f}."
        )
    per_row = {"import": per_unit_ms(cpu, args.rows), "database": per_unit_ms(database, args.rows)}
    print(
        f"Процессор на строку: импорт (чтение и процессы приёма) {per_row['import']} мс, PostgreSQL "
        + (f"{per_row['database']} мс." if per_row["database"] is not None else "— (не на этой машине).")
    )
    print(f"Удалено импортированных обращений: {removed} за {cleaning:.1f} с; загрузка {load[0]:.2f}.")
    figures = {
        "bench": "intake_pos",
        "vendor": vendor(),
        "rows": args.rows,
        "workers": workers,
        "created": summary["created"],
        "rejected": summary["rejected"],
        "seconds": round(seconds, 2),
        "messages_per_second": round(mps, 1),
        "copy_rows_per_second": round(copy_rps, 1),
        "ratio": round(ratio, 2) if ratio else None,
        "case_insert_rows_per_second": round(floor_rps, 1) if floor_rps else None,
        "case_insert_ratio": round(floor_rps / mps, 2) if floor_rps and mps else None,
        "cpu_ms_per_row": per_row,
        "removed": removed,
        "load_average": round(load[0], 2),
        "goal_mps": GOAL,
        "goal_met": mps >= GOAL,
    }
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
