"""Hostile and broken export files: each gets a clear Russian reason, and the good rows still come in."""

from __future__ import annotations

import io
import json
import time
import zipfile
from datetime import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from otklik import cli
from otklik.cases.models import Case
from otklik.intake.imports.report import rejections_xlsx
from otklik.intake.models import ImportBatch
from otklik.org.models import Role
from tests.factories import MunicipalityFactory, RoleFactory

HEADER = ["ID", "Дата создания", "Категория", "Текст", "Населённый пункт", "Статус", "Ответ"]


@pytest.fixture
def muni(db):
    return MunicipalityFactory(code="kotelnikovo")


def row(n, text="Нет отопления в доме по ул. Ленина, 5", date="12.03.2026 10:15"):
    return [str(n), date, "Отопление", text, "", "В работе", ""]


def csv_bytes(rows, encoding="utf-8"):
    lines = [";".join(HEADER)] + [";".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def run_import(capsys, path, channel="pos"):
    code = cli.main(["import", channel, str(path)])
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    return code, lines, out.err


def summary(lines):
    return json.loads(lines[-1])


def test_windows_1251_file_is_read_with_its_letters(muni, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes([row(1, "Во дворе яма, ёлки-палки, щебень"), row(2)], "cp1251"))
    code, lines, _ = run_import(capsys, path)
    assert code == 0 and summary(lines)["created"] == 2
    assert Case.objects.get(external_id="1").text == "Во дворе яма, ёлки-палки, щебень"
    assert ImportBatch.objects.get().encoding == "windows-1251"


def test_broken_utf8_row_is_rejected_and_the_rest_imported(muni, tmp_path, capsys):
    good = [row(n) for n in range(1, 20)]
    data = csv_bytes(good)
    data += (
        ";".join(row(99, "Сломанная строка")).encode("utf-8").replace("Сломанная".encode(), b"\xd0\xff\xfe")
        + b"\r\n"
    )
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    code, lines, _ = run_import(capsys, path)
    assert code == 0
    assert summary(lines) == {"created": 19, "updated": 0, "unchanged": 0, "rejected": 1}
    assert any("неверная кодировка" in line for line in lines)


def test_file_in_an_unknown_encoding_is_refused_clearly(muni, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(";".join(HEADER).encode("utf-16"))
    code, lines, err = run_import(capsys, path)
    assert code == 1
    assert "otklik: ошибка:" in err and summary(lines)["created"] == 0


def test_30_mb_file_is_refused_before_reading(muni, tmp_path, capsys):
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.write(csv_bytes([row(1)]))
        fh.write(b"x" * (30 * 1024 * 1024))
    started = time.monotonic()
    code, _, err = run_import(capsys, path)
    assert code == 1
    assert "больше 25 МБ" in err and "OTKLIK_IMPORT_MAX_MB" in err
    assert time.monotonic() - started < 10
    assert not Case.objects.exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.FAILED


@override_settings(OTKLIK_IMPORT_MAX_MB=40)
def test_size_limit_comes_from_the_setting(muni, tmp_path, capsys):
    path = tmp_path / "big.csv"
    # A good row, then one line of 30 MB that is no CSV row (rejected on its own).
    path.write_bytes(csv_bytes([row(1)]) + b" " * (30 * 1024 * 1024) + b"\r\n")
    code, lines, err = run_import(capsys, path)
    assert code == 0, err
    assert summary(lines) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}


def test_upload_page_refuses_a_30_mb_file_with_a_clear_error(muni, client, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    role = RoleFactory(role=Role.HEAD, municipality=muni)
    client.force_login(role.user)
    upload = SimpleUploadedFile("huge.csv", csv_bytes([row(1)]) + b"x" * (30 * 1024 * 1024), "text/csv")
    response = client.post(
        reverse("imports:list"), {"channel": "pos", "municipality": muni.code, "file": upload}
    )
    assert response.status_code == 400
    assert "больше 25 МБ" in response.content.decode()
    assert not Case.objects.exists()


def xlsx_bytes(rows):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_by_its_declared_size(muni, tmp_path, capsys):
    data = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([row(1)]))) as src, zipfile.ZipFile(data, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename), compress_type=zipfile.ZIP_DEFLATED)
        # 300 MB of blanks pack into a few hundred kilobytes.
        padding = zipfile.ZipInfo("xl/padding.xml")
        padding.compress_type = zipfile.ZIP_DEFLATED
        with dst.open(padding, "w") as fh:
            chunk = b" " * (1024 * 1024)
            for _ in range(300):
                fh.write(chunk)
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(data.getvalue())
    assert path.stat().st_size < 2 * 1024 * 1024
    code, _, err = run_import(capsys, path)
    assert code == 1
    assert "zip-бомба" in err
    assert not Case.objects.exists()


def test_xlsx_with_a_stray_cell_in_the_last_column_is_read_quickly(muni, tmp_path, capsys):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for n in range(1, 3001):
        ws.append(row(n))
    ws.cell(row=2, column=16384, value="x")  # XFD: the sheet's dimension becomes 16 384 columns wide
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    started = time.monotonic()
    code, lines, _ = run_import(capsys, path)
    assert code == 0
    assert summary(lines)["created"] == 3000
    assert "предупреждение: лист размечен до колонки XFD: значения правее колонки AA не читаются" in lines
    assert time.monotonic() - started < 60


def test_megabyte_text_cell_rejects_that_row_only(muni, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes([row(1), row(2, "а" * (1024 * 1024)), row(3)]))
    code, lines, _ = run_import(capsys, path)
    assert code == 0
    assert summary(lines) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert any(line.startswith("строка 3:") and "длиннее 20000 символов" in line for line in lines)


def test_megabyte_text_cell_in_xlsx_rejects_that_row_only(muni, tmp_path, capsys):
    path = tmp_path / "export.xlsx"
    path.write_bytes(xlsx_bytes([row(1), row(2, "б" * (1024 * 1024)), row(3)]))
    _, lines, _ = run_import(capsys, path)
    assert summary(lines) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert any("длиннее 20000 символов" in line for line in lines)


def test_control_characters_are_removed_from_texts_and_never_stored(muni, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes([row(1, "Яма\x00 во дворе\x1b[31m, \x07опасно"), row(2)]))
    _, lines, _ = run_import(capsys, path)
    assert summary(lines)["created"] == 2
    case = Case.objects.get(external_id="1")
    assert case.text == "Яма во дворе[31m, опасно"
    assert "\x00" not in json.dumps(case.raw_payload, ensure_ascii=False).replace("\\u0000", "\x00")


def test_dates_in_1900_and_2300_are_rejected_with_the_reason(muni, tmp_path, capsys):
    path = tmp_path / "export.csv"
    rows = [row(1), row(2, date="01.01.1900 00:00"), row(3, date="01.01.2300 12:00"), row(4)]
    path.write_bytes(csv_bytes(rows))
    _, lines, _ = run_import(capsys, path)
    assert summary(lines) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    report = "\n".join(lines)
    assert "строка 3: дата «01.01.1900» раньше 2000 года" in report
    assert "строка 4: дата «01.01.2300 12:00» в будущем" in report


def test_xlsx_dates_in_1900_and_2300_are_rejected_with_the_reason(muni, tmp_path, capsys):
    path = tmp_path / "export.xlsx"
    rows = [row(1), row(2, date=datetime(1900, 3, 1)), row(3, date=datetime(2300, 1, 1)), row(4)]
    path.write_bytes(xlsx_bytes(rows))
    _, lines, _ = run_import(capsys, path)
    assert summary(lines) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}


def test_formulas_in_cells_stay_text_and_the_report_neutralises_them(muni, tmp_path, capsys):
    formula = "=cmd|' /C calc'!A0"
    path = tmp_path / "export.csv"
    rows = [row(1, formula), ["@SUM(1+1)", "не дата", "", "+7 (900) 000-00-00", "", "", ""]]
    path.write_bytes(csv_bytes(rows))
    _, lines, _ = run_import(capsys, path)
    assert summary(lines) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert Case.objects.get(external_id="1").text == formula  # nothing lost
    sheet = load_workbook(io.BytesIO(rejections_xlsx(ImportBatch.objects.get()))).active
    cells = [c for r in sheet.iter_rows() for c in r if isinstance(c.value, str)]
    assert all(c.data_type != "f" for c in cells)
    texts = {c.value for c in cells}
    assert "'@SUM(1+1)" in texts and "'+7 (900) 000-00-00" in texts


def test_year_without_a_production_calendar_rejects_the_row_not_the_file(muni, tmp_path, capsys):
    path = tmp_path / "export.csv"
    path.write_bytes(csv_bytes([row(1), row(2, date="15.06.2015 09:00"), row(3)]))
    code, lines, _ = run_import(capsys, path)
    assert code == 0
    assert summary(lines) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert any(line.startswith("строка 3: нет производственного календаря на 2015 год") for line in lines)
