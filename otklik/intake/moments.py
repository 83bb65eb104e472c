"""Dates of export files read by their mapping's strptime formats, the common ones without strptime.

`datetime.strptime` costs ≈ 10 µs a value in Python (the format looked up under a lock, the match
turned into a struct_time, the weekday and the day of the year computed): a fifth of the reading
process's work in an import of 100,000 rows, two dates a row. A format made only of the numeric
directives %d, %m, %Y, %H, %M, %S (the day, month and year among them, each at most once) and literal
text is matched here by the very regular expression strptime builds for it, and the moment built
straight from its groups. Any other format goes to strptime itself; so does a value whose match leaves
text over is refused with strptime's own words.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

#: CPython's own patterns for these directives (Lib/_strptime.py, TimeRE): the same values match.
_DIRECTIVES = {
    "d": r"(?P<d>3[0-1]|[1-2]\d|0[1-9]|[1-9]| [1-9])",
    "m": r"(?P<m>1[0-2]|0[1-9]|[1-9])",
    "Y": r"(?P<Y>\d\d\d\d)",
    "H": r"(?P<H>2[0-3]|[0-1]\d|\d)",
    "M": r"(?P<M>[0-5]\d|\d)",
    "S": r"(?P<S>6[0-1]|[0-5]\d|\d)",
}
_REGEX_CHARS = re.compile(r"([\\.^$*+?\(\){}\[\]|])")
_WHITESPACE = re.compile(r"\s+")


_FIELDS = ("Y", "m", "d", "H", "M", "S")  # datetime's own order


@lru_cache(maxsize=128)
def _matcher(fmt: str) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    """The regular expression strptime would build for `fmt` (TimeRE.pattern: regex characters escaped,
    a run of whitespace matching any run of whitespace) and its directives in datetime's order, or None
    when strptime must read the format."""
    rest = _WHITESPACE.sub(r"\\s+", _REGEX_CHARS.sub(r"\\\1", fmt))
    parts: list[str] = []
    seen: set[str] = set()
    while "%" in rest:
        at = rest.index("%")
        directive = rest[at + 1 : at + 2]
        if directive == "%":
            parts.append(rest[:at] + "%")
        elif directive in _DIRECTIVES and directive not in seen:
            seen.add(directive)
            parts.append(rest[:at] + _DIRECTIVES[directive])
        else:
            return None
        rest = rest[at + 2 :]
    if not {"d", "m", "Y"} <= seen:
        return None  # strptime's defaults and leap-year rules for a missing year stay its own
    return re.compile("".join(parts) + rest, re.IGNORECASE), tuple(f for f in _FIELDS if f in seen)


def strptime(text: str, fmt: str) -> datetime:
    """`datetime.strptime(text, fmt)`: the same moment, or ValueError where it raises one."""
    matcher = _matcher(fmt)
    if matcher is None:
        return datetime.strptime(text, fmt)
    regex, names = matcher
    found = regex.match(text)  # as strptime: the first match, then no text may be left over
    if found is None:
        raise ValueError(f"time data {text!r} does not match format {fmt!r}")
    if found.end() != len(text):
        raise ValueError(f"unconverted data remains: {text[found.end() :]}")
    if names == _FIELDS[: len(names)]:  # the usual case: the year to the last field given
        return datetime(*map(int, found.group(*names)))
    g = found.groupdict()
    return datetime(*(int(g.get(name) or 0) for name in _FIELDS))
