"""Registration numbers in a municipality's own format: a pure formatter and its validator."""

from __future__ import annotations

import re
import string

from django.core.exceptions import ValidationError

DEFAULT_REGISTRATION_FORMAT = "{prefix}-{yy}-{n:05d}"
_FIELDS = {"prefix", "yy", "yyyy", "n", "code"}


def _fields(prefix: str, year: int, code: str) -> dict[str, str]:
    """The values of a format's fields other than the sequence number."""
    return {"prefix": prefix, "yy": f"{year % 100:02d}", "yyyy": f"{year:04d}", "code": code}


def format_registration_number(fmt: str, *, prefix: str, year: int, n: int, code: str = "") -> str:
    """E.g. ("{prefix}-{yy}-{n:05d}", prefix="ОГ", year=2026, n=42) → "ОГ-26-00042"."""
    return fmt.format(n=n, **_fields(prefix, year, code))


def validate_registration_format(fmt: str) -> None:
    """A format must use only the known fields, include the sequence number, and be formattable."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(fmt) if name is not None}
    except ValueError as exc:
        raise ValidationError(f"Ошибка в формате номера: {exc}.") from exc
    unknown = names - _FIELDS
    if unknown:
        raise ValidationError(
            "Неизвестные подстановки: {}. Допустимы: {{prefix}}, {{yy}}, {{yyyy}}, {{n}}, {{code}}.".format(
                ", ".join("{" + u + "}" for u in sorted(unknown))
            )
        )
    if "n" not in names:
        raise ValidationError("В формате номера должен быть порядковый номер {n}.")
    if not ({"yy", "yyyy"} & names):
        raise ValidationError("Нумерация ведётся по годам: добавьте в формат год {yy} или {yyyy}.")
    try:
        sample = format_registration_number(fmt, prefix="ОГ", year=2026, n=1, code="mo")
    except (ValueError, IndexError, KeyError) as exc:
        raise ValidationError(f"Ошибка в формате номера: {exc}.") from exc
    if len(sample) > 50:
        raise ValidationError("Номер по такому формату получается слишком длинным (больше 50 знаков).")


_N_SPEC = re.compile(r"(0?)(\d*)d?")
_MARK = "\x00n\x00"


def number_parts(fmt: str, *, prefix: str, year: int, code: str = "") -> tuple[str, str, int, str] | None:
    """The number of `format_registration_number` as (head, padding character, width, tail): head + the
    sequence number padded on the left to width + tail — for a database to put the number together
    itself (`lpad`). None when the format is not of that shape: the sequence number not exactly once, or
    with a format of its own other than a width (`{n}`, `{n:5d}`, `{n:05d}`)."""
    pieces: list[str] = []
    padding, width, seen = " ", 0, 0
    try:
        parsed = list(string.Formatter().parse(fmt))
    except ValueError:
        return None
    for literal, name, spec, conversion in parsed:
        pieces.append(literal.replace("{", "{{").replace("}", "}}"))
        if name is None:
            continue
        if name == "n":
            match = _N_SPEC.fullmatch(spec or "")
            if conversion or match is None:
                return None
            seen += 1
            padding, width = ("0" if match.group(1) else " "), int(match.group(2) or 0)
            pieces.append(_MARK)
            continue
        pieces.append(
            "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        )
    if seen != 1:
        return None
    try:
        whole = "".join(pieces).format(**_fields(prefix, year, code))
    except (ValueError, IndexError, KeyError):
        return None
    head, _, tail = whole.partition(_MARK)
    return head, padding, width, tail
