"""otklik.intake.moments.strptime is datetime.strptime: the same moment or a ValueError for every text."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from otklik.intake import moments

SHIPPED = [
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
]
#: formats an operator may type into a mapping: other separators, regex characters, a literal %,
#: whitespace runs, and ones only strptime reads (names, a missing year, a repeated directive)
OTHER = [
    "%d/%m/%Y",
    "%m/%d/%Y %H.%M",
    "%d%m%Y%H%M%S",
    "(%d) [%m] {%Y}+",
    "%d %m  %Y",
    "%Y%%%m%%%d",
    "%d.%m.%Y г.",
    "%d %b %Y",
    "%d.%m",
    "%d.%m.%Y %d",
    "%Y-%m-%d %I:%M %p",
    "%d.%m.%Y %",
    "%d.%m.%Y %H:%M:%S.%f",
]


def outcome(fn: Callable[[str, str], datetime], text: str, fmt: str) -> tuple[str, object]:
    """The moment, or the error's kind and words (a repeated directive makes strptime raise re.error)."""
    try:
        return ("value", fn(text, fmt))
    except Exception as exc:
        return (type(exc).__name__, str(exc))


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("01.02.2025 10:20:30", "%d.%m.%Y %H:%M:%S", datetime(2025, 2, 1, 10, 20, 30)),
        ("1.2.2025 9:05", "%d.%m.%Y %H:%M", datetime(2025, 2, 1, 9, 5)),
        (" 1.02.2025", "%d.%m.%Y", datetime(2025, 2, 1)),
        ("2025-02-01T00:00:59", "%Y-%m-%dT%H:%M:%S", datetime(2025, 2, 1, 0, 0, 59)),
        ("2025-02-01 \t 23:59", "%Y-%m-%d %H:%M", datetime(2025, 2, 1, 23, 59)),
        ("29.02.2024", "%d.%m.%Y", datetime(2024, 2, 29)),
        ("29.02.2025", "%d.%m.%Y", "day is out of range for month"),
        ("31.04.2025", "%d.%m.%Y", "day is out of range for month"),
        ("01.01.2025 10:00:60", "%d.%m.%Y %H:%M:%S", "second must be in 0..59"),
        ("01.01.0000", "%d.%m.%Y", "year 0 is out of range"),
        ("01.13.2025", "%d.%m.%Y", "time data '01.13.2025' does not match format '%d.%m.%Y'"),
        ("01.01.2025 10:00", "%d.%m.%Y", "unconverted data remains:  10:00"),
        ("2025-01-01", "%d.%m.%Y", "time data '2025-01-01' does not match format '%d.%m.%Y'"),
        ("", "%d.%m.%Y", "time data '' does not match format '%d.%m.%Y'"),
        ("(05) [06] {2025}+", "(%d) [%m] {%Y}+", datetime(2025, 6, 5)),
        ("2025%06%05", "%Y%%%m%%%d", datetime(2025, 6, 5)),
        ("05.06.2025 Г.", "%d.%m.%Y г.", datetime(2025, 6, 5)),  # strptime ignores case
        (
            "1٥.06.2٠2٥",
            "%d.%m.%Y",
            datetime(2025, 6, 15),
        ),  # other digits where \d stands
        ("05 июн 2025", "%d %b %Y", "time data '05 июн 2025' does not match format '%d %b %Y'"),
    ],
)
def test_table(text: str, fmt: str, expected: object) -> None:
    got = outcome(moments.strptime, text, fmt)
    assert got == outcome(datetime.strptime, text, fmt)
    assert got == (("value", expected) if isinstance(expected, datetime) else ("ValueError", expected))


def test_only_numeric_date_formats_are_matched_here() -> None:
    """The fast path is taken exactly for the formats it can read; the rest go to strptime."""
    for fmt in SHIPPED + OTHER[:7]:
        assert moments._matcher(fmt) is not None, fmt
    for fmt in OTHER[7:]:
        assert moments._matcher(fmt) is None, fmt


#: texts made of what such values are made of: digits, separators, spaces, the odd letter
_ALPHABET = st.sampled_from(list("0123456789") * 4 + list(".:-/ T\t%()[]{}+г") + ["٣", "\u00a0"])


@settings(max_examples=3000, deadline=None)
@given(fmt=st.sampled_from(SHIPPED + OTHER), text=st.text(_ALPHABET, max_size=22))
@example(fmt="%d%m%Y%H%M%S", text="1112202512")
@example(fmt="%d%m%Y%H%M%S", text="311220252359599")
def test_same_as_strptime_for_any_text(fmt: str, text: str) -> None:
    assert outcome(moments.strptime, text, fmt) == outcome(datetime.strptime, text, fmt)


@settings(max_examples=2000, deadline=None)
@given(fmt=st.sampled_from(SHIPPED + OTHER), moment=st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31)))
def test_same_as_strptime_for_formatted_moments(fmt: str, moment: datetime) -> None:
    try:
        text = moment.strftime(fmt)
    except ValueError:
        return
    assert outcome(moments.strptime, text, fmt) == outcome(datetime.strptime, text, fmt)
