"""Normalising residents' texts before they are stored (pure functions)."""

from __future__ import annotations

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n{3,}")
#: What normalising could change: a control or zero-width character, whitespace other than a space or a
#: line end, a run of spaces, a space at a line's edge, three line ends in a row. A value with none of
#: these, in NFC and not starting or ending with a space or a line end, is already normal — most values
#: of an import are, and checking costs a fraction of normalising.
_CHANGES = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\u200b-\u200f\ufeff]|[^\S \n]|  | \n|\n |\n\n\n")


def _is_normal(text: str) -> bool:
    return (
        text[0] not in " \n"
        and text[-1] not in " \n"
        and _CHANGES.search(text) is None
        and unicodedata.is_normalized("NFC", text)
    )


def normalise_text(value: str | None) -> str:
    """NFC, unified line ends, no control or zero-width characters, collapsed spaces and blank lines."""
    if not value:
        return ""
    value = str(value)
    return value if _is_normal(value) else _normalised(value)


def _normalised(value: str) -> str:
    """The normalisation itself, whatever the value holds."""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def normalise_line(value: str | None) -> str:
    """A one-line field (name, address): normalised text on one line."""
    if value and "\n" not in value and _is_normal(str(value)):
        return str(value)
    return " ".join(normalise_text(value).split())
