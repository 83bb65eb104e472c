"""The report's charts: a large report's are drawn by several processes, the same PNGs in the same order
as one process draws them."""

from __future__ import annotations

import os
from datetime import date

import pytest

from otklik.reports import charts


def _jobs(n: int) -> list[tuple[str, dict]]:
    jobs = []
    for i in range(n):
        labels = [f"Блок {k}" for k in range(3 + i % 4)]
        if i % 3 == 0:
            jobs.append(
                (
                    "grouped_bars",
                    {
                        "labels": labels,
                        "series": {"III кв.": [i, 2, 3, 4, 5, 6][: len(labels)]},
                        "title": f"№ {i}",
                    },
                )
            )
        elif i % 3 == 1:
            jobs.append(
                (
                    "share_bars",
                    {
                        "labels": labels,
                        "shares": [0.5, None, 0.9, 1.0, 0.1, 0.2][: len(labels)],
                        "total": 0.6,
                        "title": f"№ {i}",
                    },
                )
            )
        else:
            months = [date(2026, m, 1) for m in range(1, 7)]
            jobs.append(
                (
                    "monthly_trend",
                    {
                        "labels": [f"{m:%m.%y}" for m in months],
                        "values": [i, 5, 3, 8, 2, 9],
                        "months": months,
                        "highlight_from": months[3],
                        "title": f"№ {i}",
                    },
                )
            )
    return jobs


def test_many_charts_are_drawn_by_several_processes_as_one_draws_them(settings, monkeypatch):
    jobs = _jobs(charts.PARALLEL_FROM + 1)
    settings.OTKLIK_REPORT_PROCESSES = 1
    alone = charts.draw_all(jobs)
    pools = []
    real_pool = charts.ProcessPoolExecutor

    def counting(*args, **kwargs):
        pools.append(args[0] if args else kwargs.get("max_workers"))
        return real_pool(*args, **kwargs)

    monkeypatch.setattr(charts, "ProcessPoolExecutor", counting)
    settings.OTKLIK_REPORT_PROCESSES = 2
    together = charts.draw_all(jobs)
    assert pools == [2]
    assert together == alone and all(png.startswith(b"\x89PNG") for png in together)
    assert len(set(together)) == len(jobs)  # each chart its own, in order
    assert charts.draw_all(jobs[:3]) == alone[:3] and pools == [2]  # a few: no processes


def test_an_unknown_chart_is_refused():
    with pytest.raises(ValueError, match="unknown chart"):
        charts.draw_all([("os.system", {})])


@pytest.mark.parametrize("job", _jobs(3), ids=["grouped_bars", "share_bars", "monthly_trend"])
def test_a_chart_is_an_opaque_rgb_png_of_its_size(job):
    """No alpha channel: the PDF would carry it as a second image (a soft mask) of every chart. The
    picture is drawn (not blank), on white."""
    import io

    from PIL import Image

    png = charts._draw(job)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        assert image.size == (round(charts.WIDTH * charts.DPI), round(charts.HEIGHT * charts.DPI))
        assert image.getpixel((0, 0)) == (255, 255, 255)
        dark = sum(image.convert("L").histogram()[:128])
        assert dark > 0.002 * image.width * image.height  # bars and text drawn


def test_the_pdf_embeds_each_chart_once_without_a_mask():
    from otklik.reports.document import Chart, Document
    from otklik.reports.writers import to_pdf

    pngs = charts.draw_all(_jobs(2))
    pdf = to_pdf(
        Document(
            title="Диаграммы", subtitle="", meta=[], parts=[Chart(f"№ {i}", p) for i, p in enumerate(pngs)]
        )
    )
    assert pdf.count(b"/Subtype /Image") == 2
    assert b"/SMask" not in pdf


def test_charts_being_drawn_are_waited_for_one_by_one_and_the_pdf_is_the_same(settings, monkeypatch):
    """`drawing` hands back, before the charts are drawn, a function a chart that waits for its PNG; the
    PDF writer reads each only where it draws it, once, in order — and writes the same file as from
    charts drawn beforehand."""
    from reportlab import rl_config
    from reportlab.pdfgen.canvas import Canvas

    from otklik.reports.document import Chart, Document, Paragraph
    from otklik.reports.writers import to_pdf

    monkeypatch.setattr(rl_config, "invariant", 1)  # no creation time or random id: files comparable
    settings.OTKLIK_REPORT_PROCESSES = 2
    jobs = _jobs(charts.PARALLEL_FROM)
    drawn = charts.draw_all(jobs)
    read: list[int | str] = []
    show_page = Canvas.showPage
    monkeypatch.setattr(Canvas, "showPage", lambda self: read.append("page") or show_page(self))
    with charts.drawing() as start:
        pending = start(jobs)
        assert all(callable(p) for p in pending)

        def reading(i: int):
            def png() -> bytes:
                read.append(i)
                return pending[i]()

            return png

        def document(images: list) -> Document:
            parts: list = []
            for i, image in enumerate(images):
                parts += [Paragraph(f"Раздел {i}"), Chart(f"№ {i}", image)]
            return Document(title="Диаграммы", subtitle="", meta=[], parts=parts)

        lazy = to_pdf(document([reading(i) for i in range(len(jobs))]))
    assert [e for e in read if e != "page"] == list(range(len(jobs)))
    assert read.index("page") < read.index(len(jobs) - 1)  # read page by page, not all before the layout
    read.clear()
    assert lazy == to_pdf(document(drawn))
    assert lazy.count(b"/Subtype /Image") == len(jobs)


def test_a_chart_whose_process_died_is_drawn_by_the_caller(settings, monkeypatch):
    parent = os.getpid()

    def dying(**arguments) -> bytes:
        if os.getpid() != parent:
            os._exit(1)  # the drawing process dies (killed, out of memory)
        return charts.share_bars(**arguments)

    monkeypatch.setitem(charts.DRAWERS, "dying", dying)
    settings.OTKLIK_REPORT_PROCESSES = 2
    jobs = _jobs(charts.PARALLEL_FROM)
    expected = charts.draw_all(jobs)
    jobs[1] = ("dying", jobs[1][1])
    assert jobs[1][1]["shares"]  # a share_bars job's arguments
    assert charts.draw_all(jobs) == expected
