"""Tests of the demo text generator (pure Python, no Django)."""

import json
import random
import re
import string
from pathlib import Path

import pytest

from otklik.demo import texts

TOPICS_JSON = Path(__file__).resolve().parents[2] / "otklik" / "org" / "data" / "topics.json"
TREE = json.loads(TOPICS_JSON.read_text(encoding="utf-8"))
TOP_CODES = [node["code"] for node in TREE]
SUB_CODES = [code for node in TREE for code, _ in node["subtopics"]]

RURAL = texts.Slots("х. Майоровский", "ул. Садовая", "5а", "Майоровское сельское поселение")
TOWN = texts.Slots("г. Котельниково", "ул. Ленина", "12", "Котельниковское городское поселение")
STANITSA = texts.Slots("ст-ца Нагавская", "ул. Казачья", "3", "Нагавское сельское поселение")
NOWHERE = texts.Slots("", "", "", "")
ALL_SLOTS = (RURAL, TOWN, STANITSA, NOWHERE)

ABBREVIATION = re.compile(r"(?<!\w)(ул|д|х|г|кв|пер|пос|п|с|мкр)\.\s", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
PERIOD_WORD = re.compile(
    r"\d|январ|феврал|март|апрел|ма[йея]|июн|июл|август|сентябр|октябр|ноябр|декабр"
    r"|квартал|месяц|недел|дн[яе]й|период|год",
    re.IGNORECASE,
)
DEADLINE_MARKERS = ("рабочих дней", "числа текущего месяца", "квартале", "не позднее", "до конца текущего")


def sentences(text: str) -> int:
    return len(SENTENCE_END.findall(ABBREVIATION.sub(" ", text)))


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def untag(template: str) -> str:
    return template[2:] if template[:2] in ("R|", "T|") else template


# --- coverage -------------------------------------------------------------------------------


def test_every_subtopic_of_the_topic_tree_is_covered_and_nothing_else():
    assert SUB_CODES, "topics.json has no subtopics"
    assert set(texts.SUBTOPIC_CODES) == set(SUB_CODES)
    assert {code.split(".")[0] for code in texts.SUBTOPIC_CODES} == set(TOP_CODES)


@pytest.mark.parametrize("code", SUB_CODES)
def test_enough_templates_for_each_subtopic(code):
    sub = texts._SUBTOPICS[code]
    for style in texts.STYLES:
        templates = getattr(sub, style)
        assert len(set(templates)) >= 5, (code, style)
        assert len(set(templates)) == len(templates), (code, style)
    assert len(set(sub.titles)) >= 4
    for title in sub.titles:
        assert 0 < len(title) <= 120
        assert "{" not in title and "}" not in title


@pytest.mark.parametrize("top", TOP_CODES)
def test_enough_answers_for_each_top_topic(top):
    topic = texts._TOPICS[top]
    assert len(set(topic.answers)) >= 4
    assert len(set(topic.formal_replies)) >= 3
    assert topic.orgs and topic.roles


def test_answer_scopes_name_real_subtopics():
    for top, topic in texts._TOPICS.items():
        for template in (*topic.answers, *topic.formal_replies):
            if template.startswith("@"):
                scope = template[1:].partition("|")[0].split(",")
                assert {f"{top}.{leaf}" for leaf in scope} <= set(SUB_CODES), template
    for code in SUB_CODES:
        sub = texts._SUBTOPICS[code]
        pool = len(sub.answers) + (len(texts._topic_answers(code)) if sub.topic_answers else 0)
        pool += len(texts._common_answers(sub)) if sub.common_answers else 0
        assert pool >= 4, code
        assert all(not t.startswith("@") for t in texts._topic_answers(code))


def test_every_placeholder_is_known():
    known = set(texts._values(random.Random(0), RURAL)) | {"org", "role", "Role"}
    groups: list[str] = []
    for sub in texts._SUBTOPICS.values():
        groups += [*sub.titles, *sub.formal, *sub.neutral, *sub.social, *sub.answers]
    for topic in texts._TOPICS.values():
        groups += [*topic.answers, *topic.formal_replies]
    groups += [
        *texts._COMMON_ANSWERS,
        *texts._COMMON_FORMAL_REPLIES,
        *texts._INTROS_ADDRESS,
        *texts._INTROS_PLAIN,
        *texts._NEUTRAL_ADDRESS,
        *texts._SOCIAL_PREFIXES,
    ]
    for template in groups:
        assert fields(untag(template)) <= known, template


# --- messages -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", SUB_CODES)
def test_messages_in_every_style_are_filled_and_shaped(code):
    for style in texts.STYLES:
        seen = set()
        for seed in range(40):
            slots = ALL_SLOTS[seed % len(ALL_SLOTS)]
            text = texts.message_text(random.Random(seed), code, style, slots)
            seen.add(text)
            assert text.strip() == text and text
            assert not set(text) & set("{}|@"), text
            assert "  " not in text, text
            if slots is NOWHERE:
                assert ", ," not in text and "д. ." not in text, text
            if style == "formal":
                assert text.startswith("Уважаем"), text
                assert 2 <= sentences(text) <= 6, text
            elif style == "neutral":
                assert not text.startswith("Уважаем"), text
                assert 1 <= sentences(text) <= 3, text
            else:
                assert "Уважаем" not in text, text
        assert len(seen) >= 10, (code, style)


def test_address_slots_appear_in_nominative_positions():
    texts_with_address = [
        texts.message_text(random.Random(seed), code, "formal", STANITSA)
        for code in SUB_CODES
        for seed in range(5)
    ]
    assert any("ст-ца Нагавская, ул. Казачья, д. 3" in t for t in texts_with_address)
    assert any("(Нагавское сельское поселение)" in t for t in texts_with_address)
    joined = " ".join(texts_with_address)
    assert "в станице" in joined and "нашей станицы" in joined
    assert "в хуторе" not in joined and "нашего хутора" not in joined


def test_town_messages_do_not_talk_about_the_hamlet():
    for code in SUB_CODES:
        for style in texts.STYLES:
            for seed in range(10):
                text = texts.message_text(random.Random(seed), code, style, TOWN)
                assert "в хуторе" not in text.lower() and "нашего хутора" not in text.lower(), text


def test_styles_differ_in_length():
    def mean_len(style: str) -> float:
        items = [
            texts.message_text(random.Random(seed), code, style, RURAL)
            for code in SUB_CODES
            for seed in range(3)
        ]
        return sum(map(len, items)) / len(items)

    assert mean_len("formal") > mean_len("neutral") > mean_len("social") * 0.8


def test_titles_come_from_the_subtopic():
    for code in SUB_CODES:
        title = texts.message_title(random.Random(1), code)
        assert title in texts._SUBTOPICS[code].titles


# --- determinism ----------------------------------------------------------------------------


def _sample(seed: int) -> list[object]:
    rng = random.Random(seed)
    out: list[object] = []
    for code in SUB_CODES:
        out.append(texts.message_title(rng, code))
        for style in texts.STYLES:
            out.append(texts.message_text(rng, code, style, RURAL))
        out.append(texts.answer_text(rng, code, TOWN))
        out.append(texts.answer_text(rng, code, TOWN, formal_reply=True))
        last, first, patronymic = texts.person(rng)
        out += [last, first, patronymic, texts.email_for(rng, last, first), texts.phone(rng)]
    return out


def test_same_seed_gives_the_same_texts():
    assert _sample(42) == _sample(42)


def test_another_seed_gives_other_texts():
    assert _sample(42) != _sample(43)


# --- answers --------------------------------------------------------------------------------


@pytest.mark.parametrize("code", SUB_CODES)
def test_concrete_answers_name_a_term_and_formal_replies_do_not(code):
    concrete, formal = set(), set()
    for seed in range(30):
        slots = ALL_SLOTS[seed % len(ALL_SLOTS)]
        answer = texts.answer_text(random.Random(seed), code, slots)
        reply = texts.answer_text(random.Random(seed), code, slots, formal_reply=True)
        for text in (answer, reply):
            assert text and not set(text) & set("{}|@"), text
        assert PERIOD_WORD.search(answer), answer
        assert not any(marker in reply for marker in DEADLINE_MARKERS), reply
        concrete.add(answer)
        formal.add(reply)
    assert not concrete & formal
    assert len(concrete) >= 10 and len(formal) >= 5


def test_thanks_are_not_wrapped_as_complaints():
    complaint = (
        "Вынуждены",
        "Ранее жители",
        "Сколько можно",
        "Позор",
        "Доколе",
        "отзовитесь",
        "принятых мерах",
    )
    for seed in range(60):
        slots = ALL_SLOTS[seed % len(ALL_SLOTS)]
        for style in texts.STYLES:
            text = texts.message_text(random.Random(seed), "other.thanks", style, slots)
            assert not any(word.lower() in text.lower() for word in complaint), text
        answer = texts.answer_text(random.Random(seed), "other.thanks", slots)
        assert "неудобства" not in answer and "обследование" not in answer, answer


def test_formal_replies_are_typical_non_answers():
    replies = [
        texts.answer_text(random.Random(seed), code, RURAL, formal_reply=True)
        for code in SUB_CODES
        for seed in range(5)
    ]
    assert any("принята к сведению" in r for r in replies)
    assert any("при наличии финансирования" in r for r in replies)


# --- people ---------------------------------------------------------------------------------


def test_name_lists_are_big_enough():
    assert len(set(texts.SURNAMES)) >= 40
    assert len(set(texts.MALE_FIRST_NAMES)) >= 25
    assert len(set(texts.FEMALE_FIRST_NAMES)) >= 25
    assert not set(texts.MALE_FIRST_NAMES) & set(texts.FEMALE_FIRST_NAMES)


def test_person_is_gender_consistent():
    genders = set()
    for seed in range(600):
        last, first, patronymic = texts.person(random.Random(seed))
        if first in texts.FEMALE_FIRST_NAMES:
            genders.add("f")
            assert patronymic.endswith(("вна", "чна")), (last, first, patronymic)
            assert not last.endswith(("ов", "ев", "ёв", "ин", "ский")), (last, first, patronymic)
        else:
            genders.add("m")
            assert first in texts.MALE_FIRST_NAMES
            assert patronymic.endswith("ич"), (last, first, patronymic)
            assert last in texts.SURNAMES
    assert genders == {"f", "m"}


def test_email_is_transliterated_on_example_domains():
    pattern = re.compile(r"^[a-z0-9._]+@(example\.(ru|com|org|net)|[a-z]+\.example)$")
    for seed in range(300):
        rng = random.Random(seed)
        last, first, _ = texts.person(rng)
        email = texts.email_for(rng, last, first)
        assert pattern.match(email), email


def test_email_for_known_name():
    emails = {texts.email_for(random.Random(seed), "Щукина", "Юлия") for seed in range(50)}
    assert all("shchukina" in e or "yuliya" in e for e in emails)
    assert any("shchukina" in e for e in emails)


def test_phone_format():
    for seed in range(200):
        assert re.fullmatch(r"\+7 9\d\d \d{3}-\d\d-\d\d", texts.phone(random.Random(seed)))


# --- streets --------------------------------------------------------------------------------


def test_streets():
    assert len(texts.STREETS_TOWN) >= 30
    assert len(texts.STREETS_RURAL) >= 15
    for streets in (texts.STREETS_TOWN, texts.STREETS_RURAL):
        assert len(set(streets)) == len(streets)
        assert all(s.startswith(("ул. ", "пер. ")) for s in streets)


# --- errors ---------------------------------------------------------------------------------


def test_unknown_subtopic_raises_key_error():
    rng = random.Random(0)
    with pytest.raises(KeyError, match=r"housing\.nothing"):
        texts.message_text(rng, "housing.nothing", "formal", RURAL)
    with pytest.raises(KeyError):
        texts.message_title(rng, "nothing")
    with pytest.raises(KeyError):
        texts.answer_text(rng, "health", RURAL)


def test_unknown_style_raises_value_error():
    with pytest.raises(ValueError, match="poetic"):
        texts.message_text(random.Random(0), "housing.heating", "poetic", RURAL)
