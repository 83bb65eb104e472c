"""The report files: XLSX and DOCX opened and their figures checked against the hand-computed data set;
the PDF's first page rendered to PNG (var/screenshots/report-quarterly-page1.png) and its text read; no
personal data in any of them."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
import zipfile

import pytest
from docx import Document as read_docx
from openpyxl import load_workbook

from otklik.reports.document import Column, Document, Table, quarterly_document
from otklik.reports.scope import SystemScope
from otklik.reports.selectors import build_report, quarter_period
from otklik.reports.writers import to_docx, to_pdf, to_xlsx
from tests.reports.dataset import ASOF, AUTHOR, PHONE, RESPONSIBLE, SECRET

Q1 = quarter_period(2026, 1)


@pytest.fixture
def doc_a(region):
    return quarterly_document(build_report(region["head_a"], period=Q1, municipality=region["a"], asof=ASOF))


@pytest.fixture
def doc_region(region):
    return quarterly_document(build_report(SystemScope(), period=Q1, asof=ASOF))


def rows_of(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def find_row(rows, first, after=0):
    return next(r for r in rows[after:] if r and r[0] == first)


def test_xlsx_has_a_sheet_per_section_with_the_header(doc_a):
    wb = load_workbook(io.BytesIO(to_xlsx(doc_a)))
    assert wb.sheetnames == [
        "Сводка",
        "Блоки",
        "Блоки — пред. период",
        "Блоки — год назад",
        "Изменения",
        "Виды и каналы",
        "Темы",
        "Поселения",
        "Ускоренное решение",
        "Проблемы",
        "Опросы",
        "Динамика",
    ]
    for ws in wb.worksheets:
        header = {r[0]: r[1] for r in rows_of(ws)[:8] if r[0]}
        assert header["Период"] == "I квартал 2026 (01.01.2026 — 31.03.2026)"
        assert header["Муниципальное образование"] == "Котельниковский район"
        assert header["Данные на"] == "10.04.2026 12:00"
        assert "Сформировано" in header


def test_xlsx_summary_holds_numbers_for_the_quarter_and_the_changes(doc_a):
    ws = load_workbook(io.BytesIO(to_xlsx(doc_a)))["Сводка"]
    rows = rows_of(ws)
    assert find_row(rows, "Поступило обращений и сообщений")[1:6] == [7, 2, 5, 1, 6]
    on_time = find_row(rows, "Доля ответов в срок")
    assert (
        on_time[1] == pytest.approx(0.4)
        and on_time[2] == pytest.approx(1.0)
        and on_time[3] == pytest.approx(-0.6)
    )
    assert find_row(rows, "Время до ответа, медиана, дней")[1] == pytest.approx(8.5)
    assert find_row(rows, "Время до ответа, 90-й процентиль, дней")[1] == pytest.approx(31.6)
    assert find_row(rows, "Доля возобновлённых")[1] == pytest.approx(0.25)
    assert find_row(rows, "Сводный индекс, 0–100")[1] == pytest.approx(60.6667, abs=1e-3)
    fast = find_row(rows, "Ускоренное решение: доля обращений с ответом менее чем за 30 дней")
    assert fast[1] == pytest.approx(0.5)
    assert find_row(rows, "Проведено опросов и голосований")[1:3] == [1, 0]
    assert find_row(rows, "Явка на опросы и голосования")[1] == pytest.approx(0.0015)
    row = next(i for i, r in enumerate(rows, start=1) if r and r[0] == "Доля ответов в срок")
    assert ws.cell(row=row, column=2).number_format == "0.0%"
    assert ws.cell(row=row, column=4).number_format == "+0.0%;-0.0%;0.0%"


def test_xlsx_blocks_sheet_holds_each_blocks_figures(doc_a):
    rows = rows_of(load_workbook(io.BytesIO(to_xlsx(doc_a)))["Блоки"])
    head = find_row(rows, "Отраслевой блок")
    col = {name: i for i, name in enumerate(head)}
    b1 = find_row(rows, "Жилищно-коммунальное хозяйство")
    assert b1[col["Поступило"]] == 4
    assert b1[col["На 1 000 жит."]] == pytest.approx(0.4)
    assert b1[col["В срок"]] == pytest.approx(0.5)
    assert b1[col["Ответ: 90 %, дн."]] == pytest.approx(10.6)
    assert b1[col["Индекс"]] == pytest.approx(57.5)
    assert b1[col["Ускоренное решение"]] == pytest.approx(1.0)
    b2 = find_row(rows, "Дороги")
    assert (b2[col["Поступило"]], b2[col["Индекс"]]) == (2, pytest.approx(55.0))
    unassigned = find_row(rows, "не назначено")
    assert unassigned[col["Поступило"]] == 1 and unassigned[col["В срок"]] is None  # undefined: empty
    assert find_row(rows, "Итого")[col["Поступило"]] == 7


def test_xlsx_kinds_channels_problems_and_polls(doc_a):
    wb = load_workbook(io.BytesIO(to_xlsx(doc_a)))
    rows = rows_of(wb["Виды и каналы"])
    head = find_row(rows, "Отраслевой блок")
    total = find_row(rows, "Итого")
    assert {k: v for k, v in zip(head[1:], total[1:], strict=True) if k} == {
        "Обращения (59-ФЗ)": 2,
        "Сообщения (ПОС)": 4,
        "Инциденты": 1,
        "Всего": 7,
    }
    problems = rows_of(wb["Проблемы"])
    line = find_row(problems, 1)
    assert line[1:10] == [
        "Нет вывоза ТКО, ул. Ленина",
        "Жилищно-коммунальное хозяйство",
        "подтверждена",
        3,
        3,
        1,
        1,
        "выполнено 1 из 3, просрочено 1",
    ]
    polls = rows_of(wb["Опросы"])
    assert find_row(polls, "Благоустройство парка")[4:7] == [3, 2000, pytest.approx(0.0015)]


def test_xlsx_of_the_region_has_every_municipality_on_the_same_sheets(doc_region):
    rows = rows_of(load_workbook(io.BytesIO(to_xlsx(doc_region)))["Блоки"])
    titles = [r[0] for r in rows if r and isinstance(r[0], str) and r[0].startswith("Показатели по")]
    assert len(titles) == 3 and "Регион в целом" in titles[0]
    assert find_row(rows, "Соседний район")[1] == 2
    assert find_row(rows, "Итого по региону")[1] == 9


def docx_tables(content):
    doc = read_docx(io.BytesIO(content))
    return doc, [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def test_docx_has_headings_tables_with_the_figures_and_charts(doc_a):
    doc, tables = docx_tables(to_docx(doc_a))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert "1. Основные показатели" in headings and "2. Показатели по отраслевым блокам" in headings
    summary = next(t for t in tables if t[0][0] == "Показатель")
    assert summary[0][1:] == ["I квартал 2026", "IV квартал 2025", "Изменение", "I квартал 2025", "Изменение"]
    received = next(r for r in summary if r[0] == "Поступило обращений и сообщений")
    assert received[1:] == ["7", "2", "+5", "1", "+6"]
    on_time = next(r for r in summary if r[0] == "Доля ответов в срок")
    assert on_time[1:4] == ["40,0\u00a0%", "100,0\u00a0%", "−60,0\u00a0п.\u00a0п."]
    blocks = next(t for t in tables if t[0][0] == "Отраслевой блок" and t[0][2] == "На 1 000 жит.")
    b1 = next(r for r in blocks if r[0] == "Жилищно-коммунальное хозяйство")
    assert b1[1:4] == ["4", "0,40", "50,0\u00a0%"] and b1[10] == "57,5"
    assert next(r for r in blocks if r[0] == "не назначено")[3] == "—"
    # received by block (this and the previous quarter), on-time share by block, the monthly trend
    assert len(doc.inline_shapes) == 3


def test_docx_leaves_out_the_earlier_periods_full_tables(doc_a):
    _, tables = docx_tables(to_docx(doc_a))
    assert sum(1 for t in tables if t[0][0] == "Отраслевой блок" and t[0][2] == "На 1 000 жит.") == 1


@pytest.mark.parametrize("writer", [to_xlsx, to_docx, to_pdf])
def test_no_personal_data_in_the_files(doc_region, writer):
    content = writer(doc_region)
    if writer is to_pdf:
        text = pdf_text(content)
    else:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            xml = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
        text = html.unescape(xml)  # openpyxl writes Cyrillic as character references
    assert "Благоустройство парка" in text  # the check reads the real text
    for secret in (AUTHOR, "Петров", PHONE, SECRET, "Кузькин", RESPONSIBLE, "Сидорова"):
        assert secret not in text


def pdf_text(content, *, first_page=False):
    args = ["pdftotext", "-layout"] + (["-f", "1", "-l", "1"] if first_page else []) + ["-", "-"]
    return subprocess.run(args, input=content, capture_output=True, check=True).stdout.decode()


def test_pdf_page_one_rendered_to_png(doc_a, screenshots_dir):
    from PIL import Image

    assert shutil.which("pdftoppm"), "poppler-utils: scripts/system-deps.sh installs it"
    content = to_pdf(doc_a)
    assert content.startswith(b"%PDF-")
    text = pdf_text(content, first_page=True)
    assert "Отчёт об эффективности работы с обращениями" in text
    assert "I квартал 2026 (01.01.2026 — 31.03.2026)" in text
    assert "Доля ответов в срок" in text and "40,0 %" in text
    target = screenshots_dir / "report-quarterly-page1"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", "-", str(target)],
        input=content,
        check=True,
    )
    png = target.with_suffix(".png")
    with Image.open(png) as image:
        assert image.width > image.height  # landscape A4
        grey = image.convert("L")
        dark = sum(grey.histogram()[:128])
        assert dark > 0.005 * image.width * image.height  # text was drawn, not a blank page


def _words(content):
    """The PDF's words with their boxes (pdftotext -bbox): [(text, x_min, y_min, x_max, y_max)]."""
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=content, capture_output=True, check=True)
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        out.stdout.decode(),
    )
    return [(html.unescape(w), float(a), float(b), float(c), float(d)) for a, b, c, d, w in found]


def test_pdf_numbers_right_aligned_in_the_font_of_their_row_and_kept_in_their_column():
    """The numbers of a table (drawn as strings when they fit, as paragraphs otherwise): right-aligned
    in their column, a total row's in bold (wider glyphs), and one too wide for its column wrapped
    inside it instead of running over the next."""
    table = Table(
        key="check",
        title="Проверка таблицы",
        sheet="check",
        columns=[
            Column("Показатель", width=5),
            Column("Число", unit="count"),
            Column("Узко", unit="count", width=0.35),
            Column("Ещё", unit="count"),
        ],
    )
    table.add(["Поступило", 1111, 12345678901234567890, 7])
    table.add(["Итого", 1111, 5, 777777], bold=True)
    doc = Document(title="Проверка", subtitle="", meta=[], parts=[table])
    words = _words(to_pdf(doc))
    regular, total = [w for w in words if w[0] == "111"]  # "1 111" is two words
    assert regular[3] == pytest.approx(total[3], abs=0.5)  # the same right edge
    assert total[3] - total[1] > regular[3] - regular[1] + 0.3  # bold digits are wider
    (seven,) = [w for w in words if w[0] == "7"]
    sevens = max((w for w in words if w[0] == "777"), key=lambda w: w[3])  # "777 777"
    assert seven[3] == pytest.approx(sevens[3], abs=0.5)
    (narrow,) = [w for w in words if w[0] == "Узко"]
    (next_column,) = [w for w in words if w[0] == "Ещё"]
    pieces = [w for w in words if narrow[1] - 5 < w[1] < next_column[1] and narrow[2] < w[2] < total[2]]
    assert "".join(w[0] for w in pieces) == "12345678901234567890"
    assert len({round(w[2]) for w in pieces}) > 1  # wrapped onto several lines
    assert max(w[3] for w in pieces) < next_column[1]  # not over the next column


def test_reportlab_runs_on_its_c_accelerators():
    """rl-accel (reportlab's own C extension, a dependency): without it reportlab's number formatting,
    string widths and ASCII85 streams run in Python, a fifth of a region's PDF."""
    from reportlab.lib import rl_accel

    for name in ("fp_str", "asciiBase85Encode", "instanceStringWidthTTF", "unicode2T1", "escapePDF"):
        assert type(getattr(rl_accel, name)).__name__ == "builtin_function_or_method", name
