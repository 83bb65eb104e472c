"""`otklik import pos|incident FILE`: the report of rejected rows, then the JSON summary as the last line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

EMPTY = json.dumps({"created": 0, "updated": 0, "unchanged": 0, "rejected": 0})


def cmd_import(args: argparse.Namespace) -> int:
    from otklik.core.processes import default_processes
    from otklik.intake.imports.services import ImportFileError, import_file
    from otklik.territory.models import Municipality

    raw = getattr(args, "workers", None)
    if raw is None:
        raw = os.environ.get("OTKLIK_IMPORT_WORKERS") or default_processes()
    workers = int(raw) if str(raw).strip().isdigit() else 0
    if not 1 <= workers <= 32:
        print(f"otklik: ошибка: процессов приёма — от 1 до 32, а не «{raw}»", file=sys.stderr)
        print(EMPTY)
        return 1
    municipality = None
    if args.municipality:
        municipality = Municipality.objects.filter(code=args.municipality).first()
        if municipality is None:
            print(
                f"otklik: ошибка: муниципальное образование «{args.municipality}» не найдено", file=sys.stderr
            )
            print(EMPTY)
            return 1
    try:
        batch = import_file(Path(args.file), args.channel, municipality=municipality, workers=workers)
    except ImportFileError as exc:
        print(f"otklik: ошибка: {exc}", file=sys.stderr)
        print(EMPTY)
        return 1
    for warning in batch.warnings:
        print(f"предупреждение: {warning}")
    for rejection in batch.rejections.all().order_by("row", "id"):
        print(f"строка {rejection.row}: {rejection.reason}")
    print(f"Импорт № {batch.pk}: строк {batch.rows}, кодировка {batch.encoding}.")
    print(json.dumps(batch.summary()))
    return 0
