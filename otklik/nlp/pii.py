"""Personal data in free text: find and mask phone numbers, e-mail addresses, SNILS and passport numbers.

Names and postal addresses of private persons are found by natasha's NER (see `mask_names`); the
patterns here are the cheap part that needs no model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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


_APARTMENT = re.compile(
    r"(?i)(?:прожива\w*|зарегистрирован\w*)\s+(?:по\s+адресу)?:?\s*[^.\n]{0,120}?кв(?:артира|\.)?\s*\d+\w?"
    r"|(?:ул\.|улица|пер\.|переулок|пр-т|проспект)\s*[^,.\n]{1,40},\s*(?:д\.|дом)\s*\d+\w?(?:/\d+)?,?\s*кв(?:артира|\.)?\s*\d+\w?"
)


#: A "name" right after these words is a place or a street named after a person: «х. Майоровский».
_PLACE_BEFORE = re.compile(
    r"(?i)(?:(?<!\w)(?:х|г|с|п|пос|ст|ст-ца|ул|пер|пр-т|пр|им|пл|б-р|мкр)\.|(?<!\w)(?:хутор|станиц|улиц|переул|"
    r"проспект|площад|бульвар|посел|посёл|сел|город|деревн|имени)\w*)\s*$"
)


@lru_cache(maxsize=1)
def _ner() -> tuple[Any, Any]:
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


def find_names(text: str) -> list[Finding]:
    """Names of people (natasha's NER, PER spans)."""
    from natasha import Doc

    segmenter, tagger = _ner()
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    return [
        Finding("name", s.start, s.stop, s.text)
        for s in doc.spans
        if s.type == "PER" and not _PLACE_BEFORE.search(text[max(0, s.start - 20) : s.start])
    ]


def find_personal_data(text: str) -> list[Finding]:
    """Contacts, documents, home addresses down to the flat, and people's names — without overlaps."""
    found = find_contacts(text)
    found += [Finding("address", m.start(), m.end(), m.group()) for m in _APARTMENT.finditer(text)]
    found += find_names(text)
    found.sort(key=lambda f: (f.start, -(f.stop - f.start)))
    kept: list[Finding] = []
    for f in found:
        if kept and f.start < kept[-1].stop:
            continue
        kept.append(f)
    return kept


def mask_personal_data(text: str) -> str:
    """The text as people without access to personal data see it."""
    return apply_masks(text, find_personal_data(text)) if text and text.strip() else text


def mask_contacts(text: str) -> str:
    """The text with phones, e-mails, SNILS and passport numbers replaced by placeholders."""
    return apply_masks(text, find_contacts(text)) if text else text
