"""The report as a document: headings, tables of numbers and charts, independent of the file format.

XLSX, DOCX and PDF are written from the same `Document` (otklik/reports/writers.py), so the three formats
hold the same figures. A table keeps raw numbers (shares 0…1, days, counts; None = undefined); each writer
formats them its own way — XLSX as numbers with display formats, DOCX and PDF as text rounded like the
ratings pages (`analytics.ratings_views.fmt`). No personal data enters here: only counts, shares, times
and the names of blocks, municipalities, settlements, topics, departments, problems and polls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from otklik.analytics.ratings_views import fmt, fmt_delta
from otklik.cases.models import Channel, Kind
from otklik.reports import charts
from otklik.reports.selectors import PERIOD_KEYS, Report, Section

#: Units of a column: how a value is shown. "auto" takes the row's unit (the summary table), "d_…" is a
#: change (of a share: in percentage points).
UNITS = ("text", "count", "rate", "share", "days", "index", "date", "month")


@dataclass(frozen=True)
class Column:
    label: str
    unit: str = "text"
    width: float = 2.2  # relative width in the DOCX and PDF tables


@dataclass
class Table:
    key: str
    title: str
    sheet: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    row_units: list[str] = field(default_factory=list)  # for "auto" columns
    bold: set[int] = field(default_factory=set)  # indices of total rows
    note: str = ""
    in_document: bool = True  # False: XLSX only

    def add(self, values: list[Any], *, unit: str = "", bold: bool = False) -> None:
        if bold:
            self.bold.add(len(self.rows))
        self.rows.append(values)
        self.row_units.append(unit)

    def unit_of(self, row: int, col: int) -> str:
        unit = self.columns[col].unit
        if unit == "auto":
            return self.row_units[row]
        if unit == "d_auto":
            return "d_" + self.row_units[row]
        return unit

    def text(self, row: int, col: int) -> str:
        return format_value(self.rows[row][col], self.unit_of(row, col))


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Chart:
    """A drawn chart: its PNG, or a function that waits for it while it is being drawn
    (`charts.drawing`)."""

    title: str
    image: bytes | charts.Pending

    @property
    def png(self) -> bytes:
        return self.image if isinstance(self.image, bytes) else self.image()


@dataclass(frozen=True)
class ChartJob:
    """A chart still to draw: `otklik.reports.charts.<drawer>(**arguments)`; the document's charts are
    drawn together at its end (`charts.draw_all`: by several processes for a region's report)."""

    title: str
    drawer: str
    arguments: dict[str, Any]


Part = Heading | Paragraph | Table | Chart | ChartJob  # no ChartJob is left once a document is built


@dataclass
class Document:
    title: str
    subtitle: str
    meta: list[tuple[str, str]]
    parts: list[Part] = field(default_factory=list)
    file_stem: str = "otchet"

    @property
    def tables(self) -> list[Table]:
        return [p for p in self.parts if isinstance(p, Table)]

    def table(self, key: str, section: int = 0) -> Table:
        """The `section`-th table of this key (tests and the writers' checks)."""
        return [t for t in self.tables if t.key == key][section]


def format_value(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    if unit.startswith("d_"):
        base = unit[2:]
        return fmt_delta(value, "count" if base == "count" else base) or "—"
    if unit == "text":
        return str(value)
    if unit == "date":
        return f"{value:%d.%m.%Y}"
    if unit == "month":
        return f"{value:%m.%Y}"
    return fmt(value, unit)


# --- the quarterly (and monthly block) report -----------------------------------------------------------

SUMMARY = (
    ("received", "Поступило обращений и сообщений", "count"),
    ("per_1000", "На 1 000 жителей", "rate"),
    ("on_time_share", "Доля ответов в срок", "share"),
    ("reaction_median", "Время до первой реакции, медиана, дней", "days"),
    ("answer_median", "Время до ответа, медиана, дней", "days"),
    ("answer_p90", "Время до ответа, 90-й процентиль, дней", "days"),
    ("reopened_share", "Доля возобновлённых", "share"),
    ("review_share", "Доля ответов, принятых с первой проверки", "share"),
    ("satisfied_share", "Доля довольных ответом", "share"),
    ("index", "Сводный индекс, 0–100", "index"),
    ("fast_share", "Ускоренное решение: доля обращений с ответом менее чем за 30 дней", "share"),
)
POLL_SUMMARY = (
    ("polls_held", "Проведено опросов и голосований", "count"),
    ("participants", "Участников опросов и голосований", "count"),
    ("turnout", "Явка на опросы и голосования", "share"),
)
#: The main table's figures: key, column head, unit.
FIGURE_COLUMNS = (
    ("received", "Поступило", "count"),
    ("per_1000", "На 1 000 жит.", "rate"),
    ("on_time_share", "В срок", "share"),
    ("reaction_median", "Реакция: медиана, дн.", "days"),
    ("answer_median", "Ответ: медиана, дн.", "days"),
    ("answer_p90", "Ответ: 90 %, дн.", "days"),
    ("reopened_share", "Возобновлено", "share"),
    ("review_share", "С первой проверки", "share"),
    ("satisfied_share", "Довольны", "share"),
    ("index", "Индекс", "index"),
    ("fast_share", "Ускоренное решение", "share"),
)
CHANGE_FIGURES = (
    ("received", "Поступило", "count"),
    ("on_time_share", "В срок", "share"),
    ("satisfied_share", "Довольны", "share"),
    ("index", "Индекс", "index"),
)
KIND_LABELS = {Kind.APPEAL: "Обращения (59-ФЗ)", Kind.MESSAGE: "Сообщения (ПОС)", Kind.INCIDENT: "Инциденты"}
NO_POLLS_TEXT = "опросы: нет данных"


def quarterly_document(
    report: Report, *, with_charts: bool = True, start: charts.Starter | None = None
) -> Document:
    """The document of a report: the header, then a part per section (the region first when consolidated).
    Its charts are drawn before it is returned; with `start` (of `charts.drawing`) they are only started,
    each drawn by the time its `png` is read."""
    generated = timezone.localtime(timezone.now(), report.tz)
    asof = timezone.localtime(report.asof, report.tz)
    periods = report.periods
    meta = [
        ("Период", periods["now"].full_label),
        ("Муниципальное образование", report.scope_label),
        ("Сравнение", f"{periods['before'].full_label}; {periods['year'].full_label}"),
        ("Данные на", f"{asof:%d.%m.%Y %H:%M}"),
        ("Сформировано", f"{generated:%d.%m.%Y %H:%M}"),
        ("Определения показателей", "docs/reports.md, docs/ratings.md"),
    ]
    subtitle = (
        "местной администрации и подведомственных организаций по социально значимым блокам"
        if report.block is None
        else f"за {periods['now'].label}"
    )
    stem = (
        f"otchet-{periods['now'].start:%Y}-q{(periods['now'].start.month - 1) // 3 + 1}"
        if report.kind == "quarterly"
        else f"otchet-bloka-{report.block.code if report.block else ''}-{periods['now'].start:%Y-%m}"
    )
    doc = Document(report.title, subtitle, meta, file_stem=stem)
    if not report.sections:
        doc.parts.append(Paragraph("За период нет ни одного доступного обращения или сообщения."))
        return doc
    for number, section in enumerate(report.sections, start=1):
        _section(doc, report, section, number if len(report.sections) > 1 else 0, with_charts=with_charts)
    jobs = [(i, part) for i, part in enumerate(doc.parts) if isinstance(part, ChartJob)]
    todo = [(job.drawer, job.arguments) for _, job in jobs]
    drawn: list[bytes] | list[charts.Pending] = start(todo) if start else charts.draw_all(todo)
    for (i, job), image in zip(jobs, drawn, strict=True):
        doc.parts[i] = Chart(job.title, image)
    doc.parts.append(
        Paragraph(
            "«—» — показатель не определён (не из чего считать). Изменения долей — в процентных пунктах. "
            "Персональные данные жителей в отчёт не включаются."
        )
    )
    return doc


def _heading(text: str, number: int, sub: int | None = None) -> str:
    if not number:
        return text if sub is None else f"{sub}. {text}"
    return f"{number}. {text}" if sub is None else f"{number}.{sub}. {text}"


def _section(doc: Document, report: Report, section: Section, number: int, *, with_charts: bool) -> None:
    periods = report.periods
    now, before, year = (periods[k] for k in PERIOD_KEYS)
    unit_name = "Муниципальное образование" if section.is_region else "Отраслевой блок"
    where = f" — {section.title}"
    doc.parts.append(Heading(_heading(section.title, number) if number else section.title, 1))
    sub = 0

    def heading(text: str) -> None:
        nonlocal sub
        sub += 1
        doc.parts.append(Heading(_heading(text, number, sub), 2))

    # Summary
    heading("Основные показатели")
    summary = Table(
        "summary",
        f"Основные показатели{where}",
        "Сводка",
        [
            Column("Показатель", "text", 7.0),
            Column(now.label, "auto"),
            Column(before.label, "auto"),
            Column("Изменение", "d_auto"),
            Column(year.label, "auto"),
            Column("Изменение", "d_auto"),
        ],
    )
    figures = list(SUMMARY)
    if report.block is None and report.participation:
        figures += POLL_SUMMARY
    for key, label, unit in figures:
        line = section.total
        summary.add(
            [
                label,
                line.value(key),
                line.value(key, "before"),
                line.delta(key, "before"),
                line.value(key, "year"),
                line.delta(key, "year"),
            ],
            unit=unit,
        )
    if report.block is None and not report.participation:
        summary.add([NO_POLLS_TEXT, None, None, None, None, None], unit="count")
    doc.parts.append(summary)

    # The figures by block (or municipality)
    heading(
        "Показатели по муниципальным образованиям" if section.is_region else "Показатели по отраслевым блокам"
    )
    for key, label in (("now", now.full_label), ("before", before.full_label), ("year", year.full_label)):
        table = Table(
            "groups" if key == "now" else f"groups_{key}",
            f"{'Показатели по муниципальным образованиям' if section.is_region else 'Показатели по блокам'}"
            f"{where}, {label}",
            {"now": "Блоки", "before": "Блоки — пред. период", "year": "Блоки — год назад"}[key],
            [Column(unit_name, "text", 5.0)] + [Column(head, unit, 1.9) for _, head, unit in FIGURE_COLUMNS],
            in_document=key == "now",
        )
        for line in [*section.lines, section.total]:
            table.add(
                [line.label] + [line.value(f, key) for f, _, _ in FIGURE_COLUMNS], bold=line is section.total
            )
        doc.parts.append(table)

    changes = Table(
        "changes",
        f"Изменение к {before.label} и к {year.label}{where}",
        "Изменения",
        [Column(unit_name, "text", 4.5)],
    )
    for _, head, unit in CHANGE_FIGURES:
        changes.columns += [
            Column(head, unit, 1.6),
            Column(f"к {before.label}", f"d_{unit}", 2.0),
            Column(f"к {year.label}", f"d_{unit}", 2.0),
        ]
    for line in [*section.lines, section.total]:
        values: list[Any] = [line.label]
        for f, _, _ in CHANGE_FIGURES:
            values += [line.value(f), line.delta(f, "before"), line.delta(f, "year")]
        changes.add(values, bold=line is section.total)
    doc.parts.append(changes)
    if with_charts and section.lines:
        doc.parts.append(
            ChartJob(
                f"Поступило: {now.label} и {before.label}",
                "grouped_bars",
                {
                    "labels": [ln.label for ln in section.lines],
                    "series": {
                        now.label: [ln.value("received") or 0 for ln in section.lines],
                        before.label: [ln.value("received", "before") or 0 for ln in section.lines],
                    },
                    "title": "Поступило по "
                    + ("муниципальным образованиям" if section.is_region else "блокам"),
                },
            )
        )
        doc.parts.append(
            ChartJob(
                f"Доля ответов в срок, {now.label}",
                "share_bars",
                {
                    "labels": [ln.label for ln in section.lines],
                    "shares": [ln.value("on_time_share") for ln in section.lines],
                    "total": section.total.value("on_time_share"),
                    "title": f"Доля ответов в срок, {now.label}",
                },
            )
        )

    # Received by kind and channel
    heading("Поступление по видам и каналам")
    kinds = section.kinds or [Kind.APPEAL, Kind.MESSAGE, Kind.INCIDENT]
    by_kind = Table(
        "kinds",
        f"Поступление по видам{where}, {now.label}",
        "Виды и каналы",
        [Column(unit_name, "text", 5.0)]
        + [Column(KIND_LABELS[Kind(k)], "count") for k in kinds]
        + [Column("Всего", "count")],
    )
    for line in [*section.lines, section.total]:
        by_kind.add(
            [line.label] + [line.by_kind.get(k, 0) for k in kinds] + [line.value("received")],
            bold=line is section.total,
        )
    doc.parts.append(by_kind)
    channels = section.channels or [Channel.POS]
    by_channel = Table(
        "channels",
        f"Поступление по каналам{where}, {now.label}",
        "Виды и каналы",
        [Column(unit_name, "text", 5.0)]
        + [Column(str(Channel(c).label), "count", 1.8) for c in channels]
        + [Column("Всего", "count", 1.6)],
    )
    for line in [*section.lines, section.total]:
        by_channel.add(
            [line.label] + [line.by_channel.get(c, 0) for c in channels] + [line.value("received")],
            bold=line is section.total,
        )
    doc.parts.append(by_channel)

    heading("Поступление по темам" + ("" if section.is_region else " и поселениям"))
    topics = Table(
        "topics",
        f"Поступление по темам{where}",
        "Темы",
        [
            Column("Тема", "text", 6.0),
            Column(now.label, "count"),
            Column(before.label, "count"),
            Column(year.label, "count"),
        ],
    )
    for t in section.topics:
        topics.add([t.label, t.counts["now"], t.counts["before"], t.counts["year"]])
    topics.add(
        [
            "Итого",
            section.total.value("received"),
            section.total.value("received", "before"),
            section.total.value("received", "year"),
        ],
        bold=True,
    )
    doc.parts.append(topics)
    if not section.is_region:
        areas = Table(
            "settlements",
            f"Поступление по поселениям (тепловая карта){where}, {now.label}",
            "Поселения",
            [
                Column("Поселение", "text", 6.0),
                Column("Население", "count"),
                Column("Поступило", "count"),
                Column("На 1 000 жит.", "rate"),
            ],
        )
        for a in section.areas:
            areas.add([a.label, a.population, a.received, a.per_1000])
        areas.add(
            [
                "Итого",
                section.total.now.population,
                section.total.value("received"),
                section.total.value("per_1000"),
            ],
            bold=True,
        )
        doc.parts.append(areas)
    if section.departments:
        departments = Table(
            "departments",
            f"Подразделения и организации блока, {now.label}",
            "Подразделения",
            [Column("Подразделение или организация", "text", 5.0)]
            + [Column(head, unit, 1.9) for key, head, unit in FIGURE_COLUMNS if key != "fast_share"],
        )
        for row in section.departments:
            departments.add(
                [row.label] + [row.value(key) for key, _, _ in FIGURE_COLUMNS if key != "fast_share"]
            )
        doc.parts.append(departments)

    heading("Ускоренное решение")
    fast = Table(
        "fast",
        f"Механизм ускоренного решения{where}: обращения (59-ФЗ) с ответом менее чем за 30 дней",
        "Ускоренное решение",
        [
            Column(unit_name, "text", 5.0),
            Column("Отвечено в периоде", "count"),
            Column("Менее 30 дней", "count"),
            Column("Доля", "share"),
            Column(f"Доля, {before.label}", "share"),
            Column(f"Доля, {year.label}", "share"),
        ],
    )
    for line in [*section.lines, section.total]:
        current = line.fast.get("now")
        fast.add(
            [
                line.label,
                current.answered if current else None,
                current.fast if current else None,
                line.value("fast_share"),
                line.value("fast_share", "before"),
                line.value("fast_share", "year"),
            ],
            bold=line is section.total,
        )
    fast.note = "Строка «не назначено» по блоку не считается: её обращения учтены в итоге."
    doc.parts.append(fast)

    heading("Повторяющиеся проблемы и дорожные карты")
    problems = Table(
        "problems",
        f"Проблемы с наибольшим числом обращений за период{where}",
        "Проблемы",
        [Column("№", "count", 0.8), Column("Проблема", "text", 6.0)]
        + ([Column("Муниципальное образование", "text", 3.5)] if section.is_region else [])
        + [
            Column("Блок", "text", 3.0),
            Column("Статус", "text", 2.2),
            Column("Обращений за период", "count"),
            Column("Мероприятий", "count", 1.8),
            Column("Выполнено", "count", 1.8),
            Column("Просрочено", "count", 1.8),
            Column("Состояние дорожной карты", "text", 4.0),
        ],
    )
    for i, p in enumerate(section.problems, start=1):
        problems.add(
            [i, p.title]
            + ([p.municipality_name] if section.is_region else [])
            + [p.block, p.status_label, p.cases, p.measures, p.done, p.overdue, p.roadmap]
        )
    if not section.problems:
        problems.note = "Подтверждённых проблем с обращениями за период нет."
    doc.parts.append(problems)

    if report.block is None:
        heading("Опросы и голосования")
        if not report.participation:
            doc.parts.append(Paragraph(NO_POLLS_TEXT.capitalize() + "."))
        else:
            polls = Table(
                "polls",
                f"Опросы и голосования{where}, {now.label}",
                "Опросы",
                [
                    Column("Опрос или голосование", "text", 6.0),
                    Column("Вид", "text", 2.0),
                    Column("Начало", "date"),
                    Column("Окончание", "date"),
                    Column("Участников", "count"),
                    Column("Жителей", "count"),
                    Column("Явка", "share"),
                ],
            )
            for poll in section.polls:
                polls.add(
                    [
                        poll.title,
                        poll.kind,
                        poll.starts,
                        poll.ends,
                        poll.participants,
                        poll.population,
                        poll.turnout,
                    ]
                )
            figures_now = section.total.polls["now"] if section.total.polls else None
            if figures_now is not None:
                polls.add(
                    [
                        f"Итого: {figures_now.held}",
                        "",
                        None,
                        None,
                        figures_now.participants,
                        figures_now.population or None,
                        figures_now.turnout,
                    ],
                    bold=True,
                )
            if not section.polls:
                polls.note = "Опросов и голосований в периоде не было."
            doc.parts.append(polls)

    heading("Динамика по месяцам")
    months = Table(
        "months",
        f"Поступление по месяцам{where}",
        "Динамика",
        [Column("Месяц", "month"), Column("Поступило", "count")],
    )
    for month, n in section.months:
        months.add([month, n])
    doc.parts.append(months)
    if with_charts and section.months:
        doc.parts.append(
            ChartJob(
                "Поступление по месяцам",
                "monthly_trend",
                {
                    "labels": [f"{m:%m.%y}" for m, _ in section.months],
                    "values": [n for _, n in section.months],
                    "highlight_from": now.start,
                    "months": [m for m, _ in section.months],
                    "title": "Поступление по месяцам",
                },
            )
        )


def xlsx_header(doc: Document) -> list[tuple[str, str]]:
    return [("Отчёт", f"{doc.title} {doc.subtitle}".strip()), *doc.meta]
