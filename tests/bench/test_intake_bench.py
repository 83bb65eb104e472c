"""bench.intake on SQLite with a few hundred rows: the JSON line, the rows really became cases (placed,
registered, routed, with deadlines) during the run, and everything was removed afterwards."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout

import pytest
from django.db import connection

import bench.intake as bench_intake
from bench.generate import generate
from otklik.cases.models import Case, CaseDeadline, CaseEvent, RegistrationCounter
from otklik.intake.models import ImportBatch
from otklik.quality.models import Rating

ROWS = 300


@pytest.fixture
def region(db):
    return generate(cases=200, municipalities=2, years=1, seed=3, log=lambda message: None)


def test_the_import_bench_imports_reports_and_cleans_up(region, monkeypatch):
    counts = (Case.objects.count(), CaseEvent.objects.count(), CaseDeadline.objects.count())
    ratings = Rating.objects.count()
    counters = list(RegistrationCounter.objects.order_by("pk").values_list("pk", "last"))
    seen = {}
    clean_up = bench_intake.clean_up

    def look_then_clean(municipality, run, before):
        imported = Case.objects.filter(channel="pos", external_id__startswith=run)
        seen["cases"] = imported.count()
        seen["registered"] = imported.exclude(registration_number="").count()
        seen["placed"] = imported.exclude(topic=None).count()
        seen["located"] = imported.exclude(locality=None).count()
        seen["deadlines"] = CaseDeadline.objects.filter(case__in=imported).count()
        seen["answered"] = imported.filter(status__in=["answered", "closed"]).count()
        return clean_up(municipality, run, before)

    monkeypatch.setattr(bench_intake, "clean_up", look_then_clean)
    out = io.StringIO()
    with redirect_stdout(out):
        figures = bench_intake.main(["--rows", str(ROWS)])
    line = json.loads(out.getvalue().strip().splitlines()[-1])
    assert line == figures
    assert line["bench"] == "intake_pos" and line["vendor"] == connection.vendor and line["rows"] == ROWS
    assert line["created"] == ROWS and line["rejected"] == 0 and line["removed"] == ROWS
    assert line["messages_per_second"] > 0 and line["copy_rows_per_second"] > 0 and line["ratio"] > 0
    assert line["goal_met"] is (line["messages_per_second"] >= 2000)
    # CPU a row: this process and its workers always; the database's only when it is PostgreSQL here.
    assert line["cpu_ms_per_row"]["import"] > 0
    if connection.vendor == "postgresql":  # the database's own floor: the cases inserted again, rolled back
        assert line["case_insert_rows_per_second"] > 0 and line["case_insert_ratio"] > 0
        assert line["cpu_ms_per_row"]["database"] > 0
    else:
        assert line["case_insert_rows_per_second"] is None
        assert line["cpu_ms_per_row"]["database"] is None
    # During the run: real cases, registered, placed, with deadlines; about half answered by the source.
    assert seen["cases"] == seen["registered"] == ROWS
    assert seen["placed"] > ROWS * 0.9 and seen["located"] > ROWS / 2
    assert seen["deadlines"] >= ROWS * 2 and ROWS * 0.3 < seen["answered"] < ROWS * 0.7
    # Afterwards: as it was.
    assert (Case.objects.count(), CaseEvent.objects.count(), CaseDeadline.objects.count()) == counts
    assert Rating.objects.count() == ratings
    assert list(RegistrationCounter.objects.order_by("pk").values_list("pk", "last")) == counters
    assert not ImportBatch.objects.exists()
