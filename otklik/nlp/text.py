"""Tokens and lemmas of Russian text: a regular expression splits, pymorphy3 normalises (with a cache: the
vocabulary of residents' messages is small, so nearly every word after the first thousand texts is a
cache hit)."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"^[а-яёa-z][а-яёa-z-]*$")
#: Tokens as razdel's tokenizer cuts them where it matters here (a run of digits or of letters, with its
#: hyphenated parts: «кто-то», «северо-западный», «8-м» — which is then not a word), at a quarter of its
#: cost (razdel was a tenth of an imported row's time). Tested against razdel on the demo's texts.
_TOKEN = re.compile(r"\d+(?:-\w+)*|[^\W\d_]+(?:-\w+)*")
#: Function words that carry no topic.
_STOPWORDS_TEXT = """
а и в во на не но по под при про с со у к ко о об от до из за для же ли бы то это этот эта эти тот
та те как так что чтобы кто где когда уже еще ещё или да нет ни был быть есть весь вся все всё мы вы
он она они оно я ты его её ее их наш ваш свой который очень также тоже только просить прошу
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@lru_cache(maxsize=1)
def _morph():  # type: ignore[no-untyped-def]
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    if not _WORD.match(word):
        return word
    if word.isascii():
        return word
    return str(_morph().parse(word)[0].normal_form).replace("ё", "е")


def words(text: str) -> list[str]:
    """Lower-case word tokens (letters only), ё folded to е."""
    return [t for t in _TOKEN.findall(text.lower().replace("ё", "е")) if _WORD.match(t)]


def lemmas(text: str, *, keep_stopwords: bool = False) -> list[str]:
    out = [lemma(w) for w in words(text)]
    return out if keep_stopwords else [w for w in out if w not in STOPWORDS]


def lemma_string(text: str) -> str:
    """Lemmas joined by spaces: the input of the word-level features and of the keyword rubricator."""
    return " ".join(lemmas(text))


@lru_cache(maxsize=200_000)
def tag(word: str) -> tuple[str, str, str]:
    """(lemma, part of speech, aspect) of a lower-case word by pymorphy3's most probable parse; part of
    speech and aspect are OpenCorpora tags ("NOUN", "VERB", "PRTS"…; "perf"/"impf") or "" when unknown."""
    if not _WORD.match(word) or word.isascii():
        return word, "", ""
    parse = _morph().parse(word)[0]
    return (
        str(parse.normal_form).replace("ё", "е"),
        str(parse.tag.POS or ""),
        str(parse.tag.aspect or ""),
    )


def tagged(text: str) -> list[tuple[str, str, str]]:
    """`tag()` of every word of the text, in order."""
    return [tag(w) for w in words(text)]
