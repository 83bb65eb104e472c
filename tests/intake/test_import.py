"""`otklik import pos|incident FILE`: idempotent, row-by-row rejections, whole rows only after a crash."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from otklik import cli
from otklik.cases.models import Case, Status
from otklik.intake.imports import services as import_services
from otklik.intake.models import ImportBatch
from tests.factories import MunicipalityFactory

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
HEADER = "ID;Дата создания;Категория;Текст;Населённый пункт;Статус;Ответ"


@pytest.fixture
def muni(db):
    return MunicipalityFactory(code="kotelnikovo")


def run(capsys, *args):
    code = cli.main(["import", *args])
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    return code, lines, out.err


def summary(lines):
    data = json.loads(lines[-1])
    assert list(data) == ["created", "updated", "unchanged", "rejected"]
    return data


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_pos_xlsx_sample_then_the_same_rows_as_cp1251_csv_change_nothing(muni, capsys):
    code, lines, _ = run(capsys, "pos", str(SAMPLES / "pos_export.xlsx"))
    assert code == 0 and summary(lines) == {"created": 40, "updated": 0, "unchanged": 0, "rejected": 0}
    code, lines, _ = run(capsys, "pos", str(SAMPLES / "pos_export_cp1251.csv"))
    assert code == 0 and summary(lines) == {"created": 0, "updated": 0, "unchanged": 20, "rejected": 0}
    assert Case.objects.filter(channel="pos").count() == 40
    batch = ImportBatch.objects.order_by("-id").first()
    assert batch.encoding == "windows-1251"


def test_imported_rows_are_registered_placed_and_answered_as_the_source_says(muni, capsys):
    run(capsys, "pos", str(SAMPLES / "pos_export.xlsx"))
    case = Case.objects.get(external_id="254100000")
    assert case.registration_number.startswith("ПОС-") and case.due_at is not None
    assert case.subtopic.code == "housing.heating"
    closed = Case.objects.filter(channel="pos", source_status="Решено")
    assert closed.exists() and all(c.status == Status.CLOSED and c.answers.exists() for c in closed)


def test_incident_samples_xlsx_and_csv(muni, capsys):
    code, lines, _ = run(capsys, "incident", str(SAMPLES / "incident_export.xlsx"))
    assert code == 0 and summary(lines)["created"] == 30
    code, lines, _ = run(capsys, "incident", str(SAMPLES / "incident_export.csv"))
    assert summary(lines) == {"created": 0, "updated": 0, "unchanged": 30, "rejected": 0}
    case = Case.objects.filter(channel="incident").first()
    assert case.kind == "incident" and case.external_url.startswith("https://")
    assert case.first_reaction_due_at is not None
    assert case.raw_payload["network"] in ("ВКонтакте", "Одноклассники", "Telegram")


def test_bad_rows_are_rejected_with_row_number_and_reason_and_good_rows_kept(muni, capsys):
    code, lines, _ = run(capsys, "pos", str(SAMPLES / "pos_export_with_errors.csv"))
    assert code == 0
    assert summary(lines) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 5}
    report = "\n".join(lines)
    assert "строка 3: нет текста" in report
    assert "строка 4: неверная дата «31.02.2026 10:00»" in report
    assert "строка 5: повтор идентификатора «254100000» из строки 2" in report
    assert "строка 6: поле «населённый пункт» длиннее 200 символов" in report
    assert "строка 7: лишние значения" in report
    batch = ImportBatch.objects.get()
    assert batch.rejections.count() == 5 and batch.status == "done"


def test_changed_row_is_updated(muni, tmp_path, capsys):
    first = write(tmp_path, "a.csv", f"{HEADER}\n1;01.10.2026 10:00;ЖКХ;Нет воды;;В работе;\n")
    run(capsys, "pos", str(first))
    second = write(
        tmp_path,
        "b.csv",
        f"{HEADER}\n1;01.10.2026 10:00;ЖКХ;Нет воды третий день;;Решено;Подача воды восстановлена\n",
    )
    _, lines, _ = run(capsys, "pos", str(second))
    assert summary(lines) == {"created": 0, "updated": 1, "unchanged": 0, "rejected": 0}
    case = Case.objects.get(external_id="1")
    assert case.text == "Нет воды третий день" and case.source_status == "Решено"
    assert case.answers.get().text == "Подача воды восстановлена"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2;01.10.2026 10:00;ЖКХ;;;;", "нет текста"),
        (";01.10.2026 10:00;ЖКХ;Текст;;;", "нет идентификатора"),
        ("3;вчера;ЖКХ;Текст;;;", "неверная дата «вчера»"),
        ("4;01.10.2099 10:00;ЖКХ;Текст;;;", "в будущем"),
        ("5;01.10.1990 10:00;ЖКХ;Текст;;;", "раньше 2000 года"),
        ("6;01.10.2026 10:00;ЖКХ;" + "Я" * 20001 + ";;;", "длиннее 20000"),
    ],
)
def test_row_rules(muni, tmp_path, capsys, row, reason):
    path = write(tmp_path, "x.csv", f"{HEADER}\n{row}\n7;01.10.2026 10:00;ЖКХ;Хорошая строка;;;\n")
    _, lines, _ = run(capsys, "pos", str(path))
    assert summary(lines) == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert reason in lines[0]


def test_a_line_in_a_wrong_encoding_is_rejected_alone(muni, tmp_path, capsys):
    good = f"{HEADER}\n1;01.10.2026 10:00;ЖКХ;Нет воды;;;\n".encode()
    bad = "2;01.10.2026 10:00;ЖКХ;Нет света;;;\n".encode("cp1251")
    rest = "3;01.10.2026 11:00;ЖКХ;Нет газа;;;\n".encode()
    path = tmp_path / "mixed.csv"
    path.write_bytes(
        good + bad + rest + b"".join(f"{i};01.10.2026 12:00;x;t{i};;;\n".encode() for i in range(4, 30))
    )
    _, lines, _ = run(capsys, "pos", str(path))
    data = summary(lines)
    assert data["rejected"] == 1 and data["created"] == 28
    assert any("строка 3:" in line and "кодировк" in line for line in lines)


def test_unknown_column_is_reported_and_ignored(muni, tmp_path, capsys):
    path = write(tmp_path, "u.csv", "ID,Дата создания,Текст,Секретная колонка\n1,01.10.2026 10:00,Текст,x\n")
    code, lines, _ = run(capsys, "pos", str(path))
    assert code == 0 and summary(lines)["created"] == 1
    assert "предупреждение: неизвестная колонка «Секретная колонка» не импортируется" in lines


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "нет строки заголовков"),
        ("nocols.csv", "Что-то;Другое\n1;2\n".encode(), "нет обязательных колонок"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "XLS не поддерживается"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "повреждён"),
    ],
)
def test_unreadable_files_fail_with_a_reason_and_import_nothing(
    muni, tmp_path, capsys, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content)
    code, lines, err = run(capsys, "pos", str(path))
    assert code == 1 and message in err
    assert summary(lines) == {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    assert not Case.objects.exists()
    assert ImportBatch.objects.get().status == "failed"


def test_zip_bomb_xlsx_is_refused(muni, tmp_path, capsys):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    code, _, err = run(capsys, "pos", str(path))
    assert code == 1 and "zip-бомба" in err


def test_crash_mid_file_leaves_whole_batches_and_a_rerun_finishes(muni, tmp_path, capsys, monkeypatch):
    rows = "".join(f"{i};01.10.2026 10:{i % 60:02d};ЖКХ;Текст обращения номер {i};;;\n" for i in range(1, 26))
    path = write(tmp_path, "big.csv", f"{HEADER}\n{rows}")
    real_intake = import_services.intake
    calls = {"n": 0}

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("процесс убит")
        return real_intake(*args, **kwargs)

    monkeypatch.setattr(import_services, "intake", crashing)
    with pytest.raises(RuntimeError):
        import_services.import_file(path, "pos", batch_size=10)
    assert Case.objects.count() == 10  # the first batch whole, nothing of the second
    monkeypatch.setattr(import_services, "intake", real_intake)
    batch = import_services.import_file(path, "pos", batch_size=10)
    assert batch.summary() == {"created": 15, "updated": 0, "unchanged": 10, "rejected": 0}
    assert Case.objects.count() == 25


def test_unknown_municipality_option(muni, capsys):
    code, lines, err = run(capsys, "pos", str(SAMPLES / "pos_export.xlsx"), "--municipality", "nowhere")
    assert code == 1 and "не найдено" in err
    assert summary(lines) == {"created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
