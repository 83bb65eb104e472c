"""`otklik classify`, `otklik nlp train`, `otklik nlp evaluate`."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from otklik.cli import CliError

CHUNK = 2000
csv.field_size_limit(10_000_000)


def _municipality(code: str | None) -> Any:
    if not code:
        return None
    from otklik.territory.models import Municipality

    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        raise CliError(f"муниципальное образование «{code}» не найдено")
    return municipality


def _open_rows(path: str, required: tuple[str, ...]) -> tuple[Any, Iterator[dict[str, str]]]:
    file = Path(path)
    if not file.is_file():
        raise CliError(f"файл {path} не найден")
    try:
        handle = file.open(encoding="utf-8-sig", newline="")
        sample = handle.read(4096)
        handle.seek(0)
    except UnicodeDecodeError:
        raise CliError(f"файл {path} не в кодировке UTF-8") from None
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(handle, dialect=dialect)
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in required if c not in columns]
    if missing:
        handle.close()
        raise CliError(f"в файле {path} нет колонок: {', '.join(missing)} (нужны: {', '.join(required)})")
    reader.fieldnames = columns

    def rows() -> Iterator[dict[str, str]]:
        try:
            for row in reader:
                yield {k: (v or "") for k, v in row.items() if k is not None}
        except UnicodeDecodeError:
            raise CliError(f"файл {path} не в кодировке UTF-8 (строка {reader.line_num})") from None
        finally:
            handle.close()

    return handle, rows()


def _classifier(municipality: Any) -> Any:
    from django.db.utils import DatabaseError

    from otklik.nlp.keywords import KeywordClassifier
    from otklik.nlp.services import classifier_for

    try:
        return classifier_for(municipality)
    except DatabaseError:
        print("otklik: база данных не готова — используется рубрикатор из поставки", file=sys.stderr)
        return KeywordClassifier.from_file()


def cmd_classify(args: argparse.Namespace) -> int:
    from otklik.nlp.text import lemma_string

    classifier = _classifier(_municipality(args.municipality))
    _, rows = _open_rows(args.input, ("id", "text"))
    out_path = Path(args.output)
    tmp = out_path.with_name(out_path.name + ".part")
    started, n = time.perf_counter(), 0
    with tmp.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["id", "topic", "subtopic", "confidence"])
        chunk: list[dict[str, str]] = []

        def flush() -> None:
            predictions = classifier.predict_prepared([lemma_string(r.get("text", "")) for r in chunk])
            for row, p in zip(chunk, predictions, strict=True):
                writer.writerow([row.get("id", ""), p.topic, p.subtopic, f"{p.confidence:.4f}"])
            chunk.clear()

        for row in rows:
            chunk.append(row)
            n += 1
            if len(chunk) >= CHUNK:
                flush()
        if chunk:
            flush()
    tmp.replace(out_path)
    seconds = time.perf_counter() - started
    summary = {"rows": n, "classifier": classifier.source, "seconds": round(seconds, 2)}
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def _format_matrix(labels: list[str], matrix: list[list[int]]) -> str:
    width = max([len(label) for label in labels] + [5])
    buf = io.StringIO()
    buf.write("истина \\ прогноз".ljust(width + 2) + " ".join(label[:6].rjust(6) for label in labels) + "\n")
    for label, row in zip(labels, matrix, strict=True):
        buf.write(label.ljust(width + 2) + " ".join(str(v).rjust(6) for v in row) + "\n")
    return buf.getvalue()


def cmd_evaluate(args: argparse.Namespace) -> int:
    from otklik.nlp.model import evaluate_topics
    from otklik.nlp.text import lemma_string

    classifier = _classifier(_municipality(args.municipality))
    _, rows = _open_rows(args.input, ("id", "text", "topic"))
    texts, truth = [], []
    for number, row in enumerate(rows, start=2):
        topic = row["topic"].strip().split(".")[0]
        if not topic:
            raise CliError(f"строка {number}: пустая тема")
        texts.append(lemma_string(row["text"]))
        truth.append(topic)
    if not texts:
        raise CliError("в файле нет строк для оценки")
    predicted = [p.topic for p in classifier.predict_prepared(texts)]
    result = evaluate_topics(truth, predicted)
    print(f"Классификатор: {'обученная модель' if classifier.source == 'model' else 'рубрикатор'}")
    print(f"Текстов: {result.n}")
    print(f"Точность (accuracy): {result.accuracy:.4f}")
    print(f"Macro-F1: {result.macro_f1:.4f}")
    print("Матрица ошибок:")
    print(_format_matrix(result.labels, result.confusion), end="")
    print(json.dumps(result.as_dict()))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from otklik.nlp.services import TrainingError, train

    municipality = _municipality(args.municipality)
    try:
        report = train(municipality, folds=args.folds, progress=lambda m: print(m, flush=True))
    except TrainingError as exc:
        raise CliError(str(exc)) from exc
    print(f"Примеров: {report.n}")
    print(f"Macro-F1 модели (кросс-валидация): {report.macro_f1:.4f}; точность {report.accuracy:.4f}")
    print(f"Macro-F1 рубрикатора на тех же текстах: {report.baseline_macro_f1:.4f}")
    print(report.reason)
    if report.model is not None:
        print(f"Файл модели: {report.model.path}")
    print(json.dumps(report.as_dict()))
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser(
        "classify",
        help="определить темы текстов из CSV",
        description="Определить тему и подтему каждого текста. Вход: CSV (UTF-8) с колонками id,text; "
        "выход: CSV с колонками id,topic,subtopic,confidence в том же порядке.",
    )
    p.add_argument("--input", required=True, help="входной CSV: id,text")
    p.add_argument("--output", required=True, help="выходной CSV: id,topic,subtopic,confidence")
    p.add_argument("--municipality", help="код МО, чья обученная модель используется")
    p.set_defaults(func=_with_django(cmd_classify))

    p = sub.add_parser("nlp", help="модели анализа текстов", description="Модели анализа текстов.")
    nlp_sub = p.add_subparsers(dest="nlp_command", metavar="ДЕЙСТВИЕ")
    nlp_sub.required = True
    t = nlp_sub.add_parser(
        "train",
        help="обучить модель тем на размеченной истории",
        description="Обучить модель тем на обращениях с известной темой и исправлениях операторов. "
        "Новая модель включается, только если её macro-F1 на кросс-валидации выше, чем у рубрикатора "
        "и у действующей модели.",
    )
    t.add_argument("--municipality", help="код МО (по умолчанию — вся установка)")
    t.add_argument("--folds", type=int, default=5, choices=range(2, 11), metavar="2–10", help="частей (5)")
    t.set_defaults(func=_with_django(cmd_train))
    e = nlp_sub.add_parser(
        "evaluate",
        help="оценить классификатор на размеченном CSV",
        description="Оценить действующий классификатор. Вход: CSV (UTF-8) с колонками id,text,topic. "
        'Печатает точность, macro-F1, матрицу ошибок и последней строкой JSON {"accuracy", "macro_f1", "n"}.',
    )
    e.add_argument("--input", required=True, help="размеченный CSV: id,text,topic")
    e.add_argument("--municipality", help="код МО, чья обученная модель используется")
    e.set_defaults(func=_with_django(cmd_evaluate))


def _with_django(func: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        from otklik.cli import _django

        _django()
        return int(func(args))

    return run
