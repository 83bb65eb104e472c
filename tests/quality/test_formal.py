"""The formal-reply («отписка») detectors: pure functions over texts, table-driven."""

from __future__ import annotations

import pytest

from otklik.quality.formal import (
    FormalConfig,
    formal_phrases,
    has_action,
    has_date,
    has_responsible,
    jaccard,
    key_nouns,
    missing_key_nouns,
    shingles,
    warnings_for,
)

QUESTION = (
    "Уже третью неделю не вывозят мусор с контейнерной площадки на улице Ленина в хуторе Майоровский. "
    "Контейнеры переполнены, мусор разносит ветер, бродячие собаки. Просим принять меры и организовать "
    "регулярный вывоз отходов."
)
GOOD = (
    "Вывоз ТКО с контейнерной площадки на ул. Ленина в х. Майоровский выполнен 12.05.2026 региональным "
    "оператором ООО «Эко». График вывоза восстановлен: по вторникам и пятницам. Контроль возложен на "
    "начальника отдела ЖКХ Петрова И. С."
)
FORMAL = (
    "Ваше обращение рассмотрено. Информация принята к сведению и будет рассмотрена в установленном порядке."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ремонт будет выполнен до 15.06.2026.", True),
        ("Работы пройдут 3 июня.", True),
        ("Срок — до конца месяца.", True),
        ("Устраним в течение 10 рабочих дней.", True),
        ("Включено в план на II квартал.", True),
        ("Запланировано на 2027 год.", True),
        ("Бригада выедет завтра.", True),
        ("Работы выполнят в мае.", True),
        ("Ваше обращение рассмотрено.", False),
        ("Вопрос будет решён по мере финансирования.", False),
        ("Дом 15 по улице Мира.", False),
    ],
)
def test_has_date(text, expected):
    assert has_date(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Яма будет отремонтирована до конца июня.", True),
        ("Специалисты выехали и устранили протечку.", True),
        ("Проведём покос травы на детской площадке.", True),
        ("Ремонт дороги включён в план.", True),  # a noun of work
        ("Ваше обращение рассмотрено и направлено в управляющую компанию.", False),
        ("Сообщаем, что вопрос будет рассмотрен.", False),
        ("Информация принята к сведению.", False),
    ],
)
def test_has_action(text, expected):
    assert has_action(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ответственный — начальник отдела ЖКХ.", True),
        ("Работы выполнит МУП «Водоканал».", True),
        ("Контроль — Петров И. С.", True),
        ("Контроль — И. С. Петров.", True),
        ("Вопрос решается подрядной организацией.", True),
        ("Вопрос будет решён.", False),
    ],
)
def test_has_responsible(text, expected):
    assert has_responsible(text) is expected


def test_formal_phrases_found_case_and_space_insensitively():
    assert formal_phrases("Будет сделано ПО  ВОЗМОЖНОСТИ, при наличии финансирования.") == [
        "по возможности",
        "при наличии финансирования",
    ]
    assert formal_phrases(GOOD) == []


def test_key_nouns_rank_by_frequency_and_skip_generic_nouns():
    keys = key_nouns(QUESTION, 5)
    assert keys[0] == "мусор"  # twice
    assert "улица" not in keys and "хутор" not in keys  # generic words of any appeal
    assert "контейнер" in keys and "площадка" in keys


def test_missing_key_nouns():
    assert missing_key_nouns(QUESTION, GOOD) == []
    missing = missing_key_nouns(QUESTION, "Сообщаем, что работы по благоустройству запланированы.")
    assert "мусор" in missing
    # too few key nouns in the question to judge
    assert missing_key_nouns("Помогите!", "Ответ.") == []


def test_good_answer_has_no_warnings():
    assert warnings_for(GOOD, QUESTION) == []


def test_formal_answer_gets_every_textual_warning():
    codes = {w.code for w in warnings_for(FORMAL, QUESTION)}
    assert codes == {"no_action", "no_date", "no_responsible", "formal_phrases", "too_short", "off_topic"}


@pytest.mark.parametrize(
    ("answer_words", "question_words", "flagged"),
    [
        (14, 10, True),  # under the absolute minimum of 15 words
        (15, 10, False),
        (19, 40, True),  # under half of a long question
        (20, 40, False),
        (19, 39, False),  # a question under 40 words is not "long"
    ],
)
def test_too_short_thresholds(answer_words, question_words, flagged):
    answer = ["ремонт", "выполнен", "начальником", "отдела"]
    answer = " ".join((answer * 10)[:answer_words])
    question = " ".join(["слово"] * question_words)
    codes = {w.code for w in warnings_for(answer, question)}
    assert ("too_short" in codes) is flagged


def test_template_warning_from_count_and_threshold():
    assert "template" not in {w.code for w in warnings_for(GOOD, QUESTION, template_uses=1)}
    found = [w for w in warnings_for(GOOD, QUESTION, template_uses=2) if w.code == "template"]
    assert found and "2 других" in found[0].message
    strict = FormalConfig(template_min_other_questions=1)
    assert "template" in {w.code for w in warnings_for(GOOD, QUESTION, template_uses=1, config=strict)}


def test_shingles_ignore_numbers_and_jaccard_bounds():
    a = shingles("Ремонт выполнен 12.05.2026 в доме 5 по улице Мира")
    b = shingles("Ремонт выполнен 01.06.2026 в доме 17 по улице Мира")
    assert a == b
    assert jaccard(a, b) == 1.0
    assert jaccard(frozenset(), frozenset()) == 0.0
    assert jaccard(a, shingles("Совсем другой текст ответа жителю")) == 0.0
