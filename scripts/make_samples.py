"""Write the sample export files in docs/samples/ (seeded: the same files every time).

    .venv/bin/python scripts/make_samples.py

The samples imitate the column layout of the feedback platform («Госуслуги. Решаем вместе») and
«Медиалогия Инцидент» exports as described in docs/import.md; their texts are the demo generator's.
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from otklik.demo import texts  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "samples"
PLACES = [("г. Котельниково", "Котельниково"), ("х. Майоровский", "Майоровский"),
          ("ст-ца Нагавская", "Нагавская"), ("х. Пимено-Черни", "Пимено-Черни"), ("х. Захаров", "Захаров")]
POS_CATEGORIES = [("ЖКХ", "Отопление", "housing.heating"), ("Мусор", "Вывоз мусора", "waste.collection"),
                  ("Дороги", "Ямы на дорогах", "roads.repair"), ("Благоустройство", "Освещение",
                                                                  "improvement.lighting"),
                  ("Образование", "Детские сады", "education.kindergarten"),
                  ("Электроснабжение", "", "energy.outage"), ("Общественный транспорт", "", "transport.schedule")]
POS_HEADERS = ["ID", "Дата создания", "Категория", "Подкатегория", "Текст", "Адрес", "Населённый пункт",
               "Автор", "Email", "Телефон", "Статус", "Ответ", "Дата ответа", "Оценка"]
INC_HEADERS = ["ID инцидента", "Ссылка на публикацию", "Соцсеть", "Автор", "Текст", "Дата публикации",
               "Регион", "Муниципальное образование", "Тональность", "Тема", "Статус"]


def pos_rows(rng: random.Random, n: int, start: datetime) -> list[list[str]]:
    rows = []
    for i in range(n):
        category, subcategory, code = rng.choice(POS_CATEGORIES)
        label, name = rng.choice(PLACES)
        slots = texts.Slots(locality=label, street=rng.choice(texts.STREETS_RURAL), house=str(rng.randint(1, 60)),
                            settlement="")
        last, first, patronymic = texts.person(rng)
        created = start + timedelta(hours=17 * i + rng.randint(0, 9))
        answered = rng.random() < 0.5
        rows.append([
            str(254_100_000 + i * 37), created.strftime("%d.%m.%Y %H:%M"), category, subcategory,
            texts.message_text(rng, code, "neutral", slots), f"{label}, {slots.street}, д. {slots.house}", name,
            f"{last} {first} {patronymic}", texts.email_for(rng, last, first), texts.phone(rng),
            "Решено" if answered else rng.choice(["В работе", "Зарегистрировано"]),
            texts.answer_text(rng, code, slots) if answered else "",
            (created + timedelta(days=rng.randint(1, 9))).strftime("%d.%m.%Y %H:%M") if answered else "",
            str(rng.randint(1, 5)) if answered else "",
        ])
    return rows


def incident_rows(rng: random.Random, n: int, start: datetime) -> list[list[str]]:
    networks = [("ВКонтакте", "https://vk.com/wall-{a}_{b}"), ("Одноклассники", "https://ok.ru/group/{a}/topic/{b}"),
                ("Telegram", "https://t.me/kotelnikovo_chat/{b}")]
    topics = [("ЖКХ", "housing.water"), ("Дороги", "roads.repair"), ("Мусор", "waste.dumps"),
              ("Транспорт", "transport.schedule"), ("Здравоохранение", "health.clinic")]
    rows = []
    for i in range(n):
        network, pattern = rng.choice(networks)
        topic, code = rng.choice(topics)
        label, _ = rng.choice(PLACES)
        slots = texts.Slots(locality=label, street=rng.choice(texts.STREETS_RURAL), house="1", settlement="")
        rows.append([
            str(7_700_000 + i), pattern.format(a=rng.randint(10000, 99999), b=5000 + i), network,
            rng.choice(["Наталья К.", "Сергей", "Житель хутора", "Оксана М."]),
            texts.message_text(rng, code, "social", slots),
            (start + timedelta(hours=11 * i)).strftime("%d.%m.%Y %H:%M"), "Волгоградская область",
            "Котельниковский муниципальный район", rng.choice(["негативная", "нейтральная"]), topic,
            rng.choice(["Новый", "В работе", "Отработан"]),
        ])
    return rows


def write_csv(path: Path, headers: list[str], rows: list[list[str]], encoding: str, delimiter: str) -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(headers)
        writer.writerows(rows)


def write_xlsx(path: Path, headers: list[str], rows: list[list[str]]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    wb.save(path)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(2026)
    start = datetime(2026, 9, 1, 9, 0)
    pos = pos_rows(rng, 40, start)
    write_xlsx(OUT / "pos_export.xlsx", POS_HEADERS, pos)
    write_csv(OUT / "pos_export_cp1251.csv", POS_HEADERS, pos[:20], "cp1251", ";")
    incidents = incident_rows(rng, 30, start)
    write_xlsx(OUT / "incident_export.xlsx", INC_HEADERS, incidents)
    write_csv(OUT / "incident_export.csv", INC_HEADERS, incidents, "utf-8", ",")
    bad = [row[:] for row in pos[:6]]
    bad[1][4] = ""  # no text
    bad[2][1] = "31.02.2026 10:00"  # no such date
    bad[3][0] = bad[0][0]  # the same id twice
    bad[4][6] = "Х" * 300  # an over-long settlement name
    bad[5] = [*bad[5], "лишнее значение"]  # a value outside the columns
    write_csv(OUT / "pos_export_with_errors.csv", POS_HEADERS, bad, "utf-8", ";")
    print(f"samples written to {OUT}")


if __name__ == "__main__":
    main()
