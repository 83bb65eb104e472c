"""Normalising texts: the shortcut for values already normal gives what the full normalisation gives."""

from hypothesis import given, settings
from hypothesis import strategies as st

from otklik.intake.text import _normalised, normalise_line, normalise_text

#: Characters every rule of the normalisation is about, among ordinary letters.
TRICKY = st.sampled_from(
    [*"аеёй иab.,\n\r\t\x00\x07\x85\x1c\u00a0\u200b\u2003\u2028\u0301\ufeff", "е\u0301", "\r\n", "\n\n\n"]
)


def full_line(value: str) -> str:
    return " ".join(_normalised(value).split()) if value else ""


@settings(max_examples=3000, deadline=None)
@given(st.lists(TRICKY, max_size=14).map("".join))
def test_shortcut_agrees_with_the_full_normalisation(value):
    assert normalise_text(value) == (_normalised(value) if value else "")
    assert normalise_line(value) == full_line(value)


@settings(max_examples=1000, deadline=None)
@given(st.text())
def test_shortcut_agrees_on_any_text(value):
    assert normalise_text(value) == (_normalised(value) if value else "")
    assert normalise_line(value) == full_line(value)
    assert normalise_text(normalise_text(value)) == normalise_text(value)


def test_a_normal_value_is_returned_as_it_is():
    value = "Не вывозят мусор на ул. Ленина, 5\n\nвторую неделю"
    assert normalise_text(value) is value
    assert normalise_line("ул. Ленина, 5") == "ул. Ленина, 5"
