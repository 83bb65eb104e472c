"""Charts of the report as PNG images (matplotlib, the Agg renderer: no display, no pyplot global state).

DejaVu Sans, shipped inside matplotlib, draws Cyrillic; the same font is embedded into the PDF.
"""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from datetime import date
from typing import Any, cast

import numpy
import PIL.Image
from django.conf import settings
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from otklik.core.processes import die_with_parent

WIDTH, HEIGHT, DPI = 9.0, 3.6, 120
COLOURS = ("#0b4f8a", "#9bb7d4", "#c45a00")
TEXT = "#1b1f24"
FONT: dict[str, Any] = {"family": "DejaVu Sans", "size": 9}


def _figure() -> tuple[Figure, Axes]:
    fig = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=TEXT, labelsize=8)
    ax.grid(axis="y", color="#dde3ea", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _png(fig: Figure, *, bottom: float = 0.12) -> bytes:
    # Fixed margins: tight_layout would measure every text again and costs as much as the drawing.
    fig.subplots_adjust(left=0.07, right=0.99, top=0.9, bottom=bottom)
    canvas = cast(FigureCanvasAgg, fig.canvas)  # made by _figure
    canvas.draw()  # type: ignore[no-untyped-call]
    # A chart is opaque (a white figure): kept as RGB. With the alpha channel Agg draws, the PDF would
    # carry every chart twice — the picture and its alpha as a soft mask, each decoded, hashed and
    # compressed again by reportlab in the report's own process (half of its time for the charts).
    rgba = numpy.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
    image = PIL.Image.fromarray(rgba, "RGBA").convert("RGB")
    out = io.BytesIO()
    # zlib's fastest level: half the encoding time of its default for 5 % more bytes (flat colours);
    # the PDF writer decodes the pixels and compresses them itself, so its file is the same either way.
    image.save(out, format="png", dpi=(DPI, DPI), compress_level=1)
    return out.getvalue()


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def grouped_bars(labels: Sequence[str], series: dict[str, Sequence[float]], *, title: str) -> bytes:
    """Bars of each label for each series (this period and the previous one), the values above them."""
    fig, ax = _figure()
    n = max(len(series), 1)
    width = 0.8 / n
    positions = range(len(labels))
    for i, (name, values) in enumerate(series.items()):
        xs = [p - 0.4 + width * (i + 0.5) for p in positions]
        bars = ax.bar(xs, values, width, label=name, color=COLOURS[i % len(COLOURS)])
        ax.bar_label(bars, labels=[f"{v:g}" for v in values], fontsize=7, padding=1, color=TEXT)
    ax.set_xticks(
        list(positions),
        [_short(lb) for lb in labels],
        rotation=20 if len(labels) > 4 else 0,
        ha="right" if len(labels) > 4 else "center",
        fontsize=8,
    )
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title, fontdict={**FONT, "size": 10}, color=TEXT, loc="left")
    ax.legend(prop=FONT, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2)
    return _png(fig, bottom=0.3 if len(labels) > 4 else 0.12)


def share_bars(
    labels: Sequence[str], shares: Sequence[float | None], *, total: float | None, title: str
) -> bytes:
    """Shares (0…1) as per cent bars; an undefined share is an empty place marked «—»; the total a line."""
    fig, ax = _figure()
    values = [100 * s if s is not None else 0 for s in shares]
    bars = ax.bar(range(len(labels)), values, 0.6, color=COLOURS[0])
    ax.bar_label(
        bars,
        labels=[f"{100 * s:.1f} %".replace(".", ",") if s is not None else "—" for s in shares],
        fontsize=7,
        padding=1,
        color=TEXT,
    )
    if total is not None:
        ax.axhline(
            100 * total,
            color=COLOURS[2],
            linewidth=1.2,
            linestyle="--",
            label=f"в целом {100 * total:.1f} %".replace(".", ","),
        )
        ax.legend(prop=FONT, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0))
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    ax.set_xticks(
        range(len(labels)),
        [_short(lb) for lb in labels],
        rotation=20 if len(labels) > 4 else 0,
        ha="right" if len(labels) > 4 else "center",
        fontsize=8,
    )
    ax.set_title(title, fontdict={**FONT, "size": 10}, color=TEXT, loc="left")
    return _png(fig, bottom=0.3 if len(labels) > 4 else 0.12)


def monthly_trend(
    labels: Sequence[str], values: Sequence[int], *, months: Sequence[date], highlight_from: date, title: str
) -> bytes:
    """Received per month; the report's own period in the dark colour, the months before it light."""
    fig, ax = _figure()
    colours = [COLOURS[0] if m >= highlight_from else COLOURS[1] for m in months]
    bars = ax.bar(range(len(values)), values, 0.7, color=colours)
    ax.bar_label(bars, labels=[str(v) for v in values], fontsize=7, padding=1, color=TEXT)
    ax.plot(range(len(values)), values, color=COLOURS[2], linewidth=1)
    ax.set_xticks(range(len(labels)), list(labels), fontsize=8)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{int(v)}"))
    ax.set_title(title, fontdict={**FONT, "size": 10}, color=TEXT, loc="left")
    return _png(fig)


#: A report with at least this many charts has them drawn by several processes (a region's: 93).
PARALLEL_FROM = 12


#: A chart to draw: its drawer's name and arguments; and a chart being drawn: a function that waits for it.
Job = tuple[str, dict[str, Any]]
Pending = Callable[[], bytes]
Starter = Callable[[list[Job]], list[Pending]]

#: The charts a report may ask for by name (`otklik.reports.document.ChartJob`).
DRAWERS: dict[str, Any] = {f.__name__: f for f in (grouped_bars, share_bars, monthly_trend)}


def _draw(job: Job) -> bytes:
    drawer, arguments = job
    if drawer not in DRAWERS:
        raise ValueError(f"unknown chart {drawer!r}")
    return DRAWERS[drawer](**arguments)  # type: ignore[no-any-return]


@contextmanager
def drawing() -> Iterator[Starter]:
    """A function that starts drawing charts (drawer name, its arguments) and gives, for each, a function
    that waits for its PNG — so that the caller goes on meanwhile (the PDF is written while the charts are
    drawn: alone it keeps one core and leaves the other idle). Matplotlib draws on one core; a region's
    report has ~100 charts at ~0.1–0.3 s each, so from PARALLEL_FROM charts on they are drawn by
    OTKLIK_REPORT_PROCESSES forked processes (by default the cores, up to 4), which touch nothing but
    matplotlib and stay until the block ends. Should the processes fail to start or die, this process
    draws what they did not."""
    pools: list[ProcessPoolExecutor] = []

    def start(jobs: list[Job]) -> list[Pending]:
        processes = min(settings.OTKLIK_REPORT_PROCESSES, len(jobs))
        if processes > 1 and len(jobs) >= PARALLEL_FROM and "fork" in multiprocessing.get_all_start_methods():
            try:
                pool = ProcessPoolExecutor(
                    processes,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=die_with_parent,
                    initargs=(os.getpid(),),
                )
                pools.append(pool)
                return [_waiting(pool.submit(_draw, job), job) for job in jobs]
            except (BrokenProcessPool, OSError):
                pass
        return [_drawn(_draw(job)) for job in jobs]

    try:
        yield start
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


def _waiting(future: Future[bytes], job: Job) -> Pending:
    def png() -> bytes:
        try:
            return future.result()
        except (BrokenProcessPool, OSError):
            return _draw(job)

    return png


def _drawn(png: bytes) -> Pending:
    return lambda: png


def draw_all(jobs: list[Job]) -> list[bytes]:
    """The charts as PNGs, in order, once all are drawn (`drawing`)."""
    with drawing() as start:
        return [png() for png in start(jobs)]
