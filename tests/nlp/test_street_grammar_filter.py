"""The cheap look before natasha's address grammar never hides a street the grammar would find."""

from __future__ import annotations

import random

import pytest

from otklik.demo import texts
from otklik.nlp.territory import _addr_extractor, _grammar_may_find


def grammar_streets(window: str) -> list[str]:
    found = []
    for match in _addr_extractor()(window):
        fact = match.fact
        found += [p.value for p in getattr(fact, "parts", [fact]) if p.value]
    return found


@pytest.mark.parametrize(
    "window",
    [
        "по ул Мира яма",
        "на Западном переулке",
        "Улица 8 Марта разбита",
        "по улице 40 лет Победы яма",
        "ул.Садовая 5",
        "улица большая Садовая",
        "улица им. Ленина",
        "переулок Западный",
    ],
)
def test_streets_the_grammar_reads_pass(window):
    assert grammar_streets(window)
    assert _grammar_may_find(window)


@pytest.mark.parametrize(
    "window", ["на нашей улице нет фонарей", "после дождя на улицу не заехать, месим грязь по колено"]
)
def test_a_street_word_without_a_name_skips_the_grammar(window):
    assert not grammar_streets(window)
    assert not _grammar_may_find(window)


def test_no_street_of_the_demo_texts_is_lost():
    rng = random.Random(4)
    windows = []
    for code in ("roads.repair", "improvement.lighting", "waste.collection", "housing.water"):
        for style in ("neutral", "social", "formal"):
            for _ in range(40):
                slots = texts.Slots(
                    locality="х. Захаров", street=rng.choice(texts.STREETS_RURAL), house="5", settlement=""
                )
                text = texts.message_text(rng, code, style, slots)
                windows += [
                    text[max(0, i - 40) : i + 64] for i in range(len(text)) if text[i : i + 3] == "ули"
                ]
    assert windows
    for window in windows[:150]:
        if grammar_streets(window):
            assert _grammar_may_find(window), window
