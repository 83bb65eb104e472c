"""Personal data in free text: find and mask phone numbers, e-mail addresses, SNILS and passport numbers.

Names and postal addresses of private persons are found by natasha's NER (see `mask_names`); the
patterns here are the cheap part that needs no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MASK = {
    "phone": "[телефон]",
    "email": "[эл. почта]",
    "snils": "[СНИЛС]",
    "passport": "[паспорт]",
    "name": "[ФИО]",
    "address": "[адрес]",
}

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)),
    ("snils", re.compile(r"(?<!\d)\d{3}[- ]?\d{3}[- ]?\d{3}[- ]\d{2}(?!\d)")),
    (
        "passport",
        re.compile(r"(?i)(?:паспорт\w*|серия)[^\d\n]{0,20}\d{2}\s?\d{2}[\s№no]{0,6}\d{6}(?!\d)"),
    ),
    (
        "phone",
        re.compile(r"(?<![\w+])(?:\+7|8)[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}(?!\d)"),
    ),
    ("phone", re.compile(r"(?<![\d-])\d{1,2}-\d{2}-\d{2}(?![\d-])")),  # local numbers: 3-15-27
]


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    stop: int
    text: str


def find_contacts(text: str) -> list[Finding]:
    """Phones, e-mails, SNILS and passport numbers, without overlaps, in order."""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < b and a < m.end() for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(Finding(kind, m.start(), m.end(), m.group()))
    return sorted(found, key=lambda f: f.start)


def apply_masks(text: str, findings: list[Finding]) -> str:
    out, last = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < last:
            continue
        out.append(text[last : f.start])
        out.append(MASK[f.kind])
        last = f.stop
    out.append(text[last:])
    return "".join(out)


def mask_contacts(text: str) -> str:
    """The text with phones, e-mails, SNILS and passport numbers replaced by placeholders."""
    return apply_masks(text, find_contacts(text)) if text else text
