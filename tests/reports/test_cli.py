"""`otklik report quarterly` — a public contract: the arguments, one JSON line on stdout, exit 0; Russian
errors on stderr with exit 1 for a bad quarter or format, an unknown municipality, a path it cannot write."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook

from otklik import cli


def run(capsys, *args):
    code = cli.main(["report", "quarterly", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_consolidated_report_of_the_installation(region, capsys, tmp_path):
    target = tmp_path / "q1.xlsx"
    code, out, err = run(capsys, "--year", "2026", "--quarter", "1", "--format", "xlsx", "--out", str(target))
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == {"file": str(target), "format": "xlsx", "municipalities": 2, "received": 9}
    wb = load_workbook(io.BytesIO(target.read_bytes()))
    assert "Блоки" in wb.sheetnames


@pytest.mark.parametrize("fmt, magic", [("docx", b"PK"), ("pdf", b"%PDF-")])
def test_one_municipality_in_each_format(region, capsys, tmp_path, fmt, magic):
    target = tmp_path / f"kot.{fmt}"
    code, out, err = run(
        capsys,
        "--year",
        "2026",
        "--quarter",
        "1",
        "--municipality",
        "kot",
        "--format",
        fmt,
        "--out",
        str(target),
    )
    assert code == 0, err
    assert json.loads(out) == {"file": str(target), "format": fmt, "municipalities": 1, "received": 7}
    assert target.read_bytes().startswith(magic)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--quarter", "5"], "неверный квартал «5»: нужно число от 1 до 4"),
        (["--quarter", "II"], "неверный квартал «II»"),
        (["--year", "двадцать"], "неверный год «двадцать»"),
        (["--year", "1999"], "год должен быть от 2000 до 2100"),
        (["--format", "odt"], "неверный формат «odt»: нужен xlsx, docx или pdf"),
        (["--municipality", "nowhere"], "муниципальное образование с кодом «nowhere» не найдено"),
    ],
)
def test_bad_arguments_are_refused_in_russian(region, capsys, tmp_path, args, message):
    values = {"--year": "2026", "--quarter": "1", "--format": "xlsx", "--out": str(tmp_path / "r.xlsx")}
    values.update(dict(zip(args[::2], args[1::2], strict=True)))
    code, out, err = run(capsys, *[x for pair in values.items() for x in pair])
    assert code == 1
    assert out == ""
    assert err.startswith("otklik: ошибка: ") and message in err
    assert not (tmp_path / "r.xlsx").exists()


def test_a_missing_folder_is_refused(region, capsys, tmp_path):
    target = tmp_path / "no" / "such" / "r.xlsx"
    code, _, err = run(capsys, "--year", "2026", "--quarter", "1", "--format", "xlsx", "--out", str(target))
    assert code == 1 and f"папки «{target.parent}» нет" in err


def test_a_folder_as_the_file_is_refused(region, capsys, tmp_path):
    code, _, err = run(capsys, "--year", "2026", "--quarter", "1", "--format", "xlsx", "--out", str(tmp_path))
    assert code == 1 and "это папка" in err


def test_a_file_that_cannot_be_written_is_refused(region, capsys, tmp_path, monkeypatch):
    target = tmp_path / "r.xlsx"

    def refuse(self, data):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(type(target), "write_bytes", refuse)
    code, out, err = run(capsys, "--year", "2026", "--quarter", "1", "--format", "xlsx", "--out", str(target))
    assert code == 1 and out == ""
    assert f"не удалось записать «{target}»: Permission denied" in err
    assert list(tmp_path.iterdir()) == []  # no partial file left behind


def test_help_names_the_contract(capsys):
    with pytest.raises(SystemExit):
        cli.main(["report", "quarterly", "--help"])
    out = capsys.readouterr().out
    for option in ("--year", "--quarter", "--municipality", "--format", "--out"):
        assert option in out
