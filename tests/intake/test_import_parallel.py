"""`otklik import … --workers N`: a file's batches taken in by several processes (PostgreSQL, outside a
transaction) — the same cases, numbers, counters and rejections as one process gives; on SQLite (or
inside a transaction) one process does it all."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection

from otklik import cli
from otklik.cases.models import Case
from otklik.intake.imports import services as import_services
from otklik.intake.models import ImportBatch
from tests.factories import MunicipalityFactory

HEADER = "ID;Дата создания;Категория;Текст;Населённый пункт;Статус;Ответ"
ROWS = 47


@pytest.fixture
def muni(transactional_db):
    return MunicipalityFactory(code="kotelnikovo", registration_number_format="{prefix}/{n:04d}-{yyyy}")


def export(tmp_path, *, bad=(), name="big.csv"):
    lines = [HEADER]
    for i in range(1, ROWS + 1):
        text = "" if i in bad else f"Не вывозят мусор, обращение номер {i}"
        lines.append(f"{i};01.10.2026 10:{i % 60:02d};Мусор;{text};;В работе;")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def forks(monkeypatch):
    """How many times an import handed its batches to worker processes."""
    calls = []
    real = import_services._ParallelSink.__enter__

    def spy(self):
        calls.append(self.workers)
        return real(self)

    monkeypatch.setattr(import_services._ParallelSink, "__enter__", spy)
    return calls


def test_workers_take_in_the_same_cases_numbers_and_counters(muni, tmp_path, forks):
    path = export(tmp_path, bad={5, 31})
    batch = import_services.import_file(path, "pos", batch_size=10, workers=2)
    assert forks == ([2] if connection.vendor == "postgresql" else [])  # SQLite: one process
    assert batch.summary() == {"created": ROWS - 2, "updated": 0, "unchanged": 0, "rejected": 2}
    assert batch.status == "done" and batch.rows == ROWS and batch.next_row >= ROWS
    assert sorted(batch.rejections.values_list("row", flat=True)) == [6, 32]  # the file's line numbers
    numbers = sorted(
        int(re.match(r"ПОС/(\d+)-2026", n).group(1))
        for n in Case.objects.values_list("registration_number", flat=True)
    )
    assert numbers == list(range(1, ROWS - 1))  # no gaps, no repeats, whichever worker took which batch
    assert Case.objects.filter(due_at__isnull=True).count() == 0
    again = import_services.import_file(path, "pos", batch_size=10, workers=2)
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": ROWS - 2, "rejected": 2}


def test_a_failing_batch_stops_the_import_and_a_rerun_finishes_it(muni, tmp_path, forks, monkeypatch):
    path = export(tmp_path)
    real_intake = import_services.intake

    def failing(items, **kwargs):  # the worker processes are forked with this in place
        if any(item.external_id == "13" for item in items):
            raise RuntimeError("сбой базы данных")
        return real_intake(items, **kwargs)

    monkeypatch.setattr(import_services, "intake", failing)
    with pytest.raises(RuntimeError, match="сбой базы данных") as raised:
        import_services.import_file(path, "pos", batch_size=10, workers=2)
    if connection.vendor == "postgresql":  # from a worker process: which rows, and why
        assert isinstance(raised.value, import_services.ImportBatchError)
        assert str(raised.value).startswith("строки 12–21: RuntimeError")  # the file's lines
    taken = set(Case.objects.values_list("external_id", flat=True))
    batches = [{str(i) for i in range(start, min(start + 10, ROWS + 1))} for start in range(1, ROWS + 1, 10)]
    assert all(b <= taken or not b & taken for b in batches)  # whole batches only
    assert not batches[1] & taken  # the failed one not at all
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and "сбой базы данных" in batch.error
    monkeypatch.setattr(import_services, "intake", real_intake)
    rerun = import_services.import_file(path, "pos", batch_size=10, workers=2)
    assert rerun.summary()["created"] == ROWS - len(taken)
    assert Case.objects.count() == ROWS


def test_inside_a_transaction_one_process_does_it_all(muni, tmp_path, forks):
    from django.db import transaction

    with transaction.atomic():
        batch = import_services.import_file(export(tmp_path), "pos", batch_size=10, workers=4)
    assert forks == [] and batch.summary()["created"] == ROWS


def test_the_cli_takes_the_number_of_workers(muni, tmp_path, capsys, forks, monkeypatch):
    assert cli.main(["import", "pos", str(export(tmp_path)), "--workers", "2"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["created"] == ROWS
    assert forks == ([2] if connection.vendor == "postgresql" else [])
    monkeypatch.setenv("OTKLIK_IMPORT_WORKERS", "много")
    assert cli.main(["import", "pos", str(export(tmp_path, name="b.csv"))]) == 1
    out = capsys.readouterr()
    assert "от 1 до 32, а не «много»" in out.err
    assert json.loads(out.out.strip().splitlines()[-1]) == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert cli.main(["import", "pos", str(export(tmp_path, name="c.csv")), "--workers", "0"]) == 1
