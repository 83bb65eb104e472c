"""Word tokens of residents' texts: the regular expression cuts them as razdel's tokenizer did (the
classifier's models were trained on razdel's tokens)."""

import random

import pytest
from razdel import tokenize

from otklik.demo import texts
from otklik.nlp.text import _WORD, lemma_string, words


def razdel_words(text: str) -> list[str]:
    """How `words` cut texts before: razdel's tokens that are words."""
    return [t.text for t in tokenize(text.lower().replace("ё", "е")) if _WORD.match(t.text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Кто-то сломал северо-западный забор", ["кто-то", "сломал", "северо-западный", "забор"]),
        ("в 8-м классе, в 90-е годы, 2-й этаж", ["в", "классе", "в", "годы", "этаж"]),
        ("5км по ул.Ленина, д.5а", ["км", "по", "ул", "ленина", "д", "а"]),
        ("ЁЛКА «Ёжик» — т.е. e-mail", ["елка", "ежик", "т", "е", "e-mail"]),
        ("abc123 COVID-19", ["abc"]),
        ("", []),
    ],
)
def test_words(text, expected):
    assert words(text) == expected
    assert words(text) == razdel_words(text)


def test_words_agree_with_razdel_on_the_demo_texts():
    rng = random.Random(7)
    slots = texts.Slots(locality="х. Майоровский", street="ул. Ленина", house="12а", settlement="Майоровское")
    checked = 0
    for code in texts.SUBTOPIC_CODES:
        for style in texts.STYLES:
            for _ in range(3):
                message = texts.message_text(rng, code, style, slots)
                for text in (message, texts.answer_text(rng, code, slots)):
                    assert words(text) == razdel_words(text), text
                    checked += 1
    assert checked > 500


def test_lemma_string_drops_function_words_and_normalises():
    assert lemma_string("Не вывозят мусор с площадки") == "вывозить мусор площадка"
