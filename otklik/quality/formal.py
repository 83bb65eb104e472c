"""Warnings that an answer may be a formal reply («отписка»), and the reviewer's checklist.

Pure functions over texts (the one database-backed check — the same template sent to many different
questions — is in `review_selectors.template_reuse`, which hands its count to `warnings_for`). The
thresholds are a `FormalConfig`; docs/quality.md lists them. A warning is a hint for the reviewer, not
a verdict: the reviewer decides.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from otklik.nlp.text import tagged, words

#: The reviewer's checklist: code → what the reviewer confirms. Every item must be confirmed to approve.
CHECKLIST: tuple[tuple[str, str], ...] = (
    ("all_questions", "Дан ответ на каждый вопрос автора"),
    ("concrete_action", "Указаны конкретные меры: что сделано или будет сделано"),
    ("responsible_and_date", "Названы ответственный (должность, организация) и срок"),
    ("not_formal", "Ответ не формальный (не «отписка»)"),
    ("polite", "Тон вежливый и уважительный"),
    ("no_foreign_pd", "Нет персональных данных других лиц"),
)
CHECKLIST_CODES = tuple(code for code, _ in CHECKLIST)


@dataclass(frozen=True)
class FormalConfig:
    #: An answer shorter than `short_ratio` × the question's words is flagged, once the question has
    #: at least `short_min_question_words` words; any answer under `short_min_words` words is flagged.
    short_ratio: float = 0.5
    short_min_question_words: int = 40
    short_min_words: int = 15
    #: How many of the question's most frequent nouns are its key nouns, and the share of them the
    #: answer must contain.
    key_nouns: int = 5
    key_nouns_min_share: float = 0.3
    #: The same text sent to this many *other*, different questions marks a template.
    template_min_other_questions: int = 2


DEFAULT_CONFIG = FormalConfig()


@dataclass(frozen=True)
class FormalWarning:
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


# --- dates and deadlines ----------------------------------------------------------------------------

_MONTH = (
    r"(?:январ[ьяеюё]|феврал[ьяеюё]|март[ае]?|апрел[ьяеюё]|ма[йяею]|июн[ьяеюё]|июл[ьяеюё]|"
    r"август[ае]?|сентябр[ьяеюё]|октябр[ьяеюё]|ноябр[ьяеюё]|декабр[ьяеюё])"
)
_DATE_PATTERNS = (
    r"\b\d{1,2}\.\d{1,2}(?:\.\d{2,4})?\b",  # 12.05, 12.05.2026
    r"\b\d{4}-\d{2}-\d{2}\b",
    rf"\b\d{{1,2}}\s+{_MONTH}\b",  # 12 мая
    rf"\b(?:в|до|к|с|по|на|конц[еау]|середин[еуы]|начал[еау]|течение)\s+{_MONTH}\b",  # до мая, в мае
    r"\bв\s+течение\s+(?:\d+|одного|одной|двух|трех|трёх|пяти|семи|десяти|\w+)?\s*"
    r"(?:рабоч\w+\s+|календарн\w+\s+)?(?:дн|день|дня|недел|месяц|час|суток)",
    r"\b(?:до|к|не\s+позднее)\s+(?:конца|начала|середины|\d)",
    r"\b(?:сегодня|завтра|послезавтра)\b",
    r"\b(?:[1-4]|i{1,3}|iv)\s*(?:-?м|-?го|-?ом)?\s+квартал",
    r"\b20\d\d\s*(?:г\b|г\.|год)",
    r"\bна\s+(?:этой|следующей|текущей)\s+неделе\b",
)
_DATE_RE = re.compile("|".join(_DATE_PATTERNS), re.IGNORECASE)


def has_date(text: str) -> bool:
    """Whether the text names a date or a term («до 15.06», «в течение 10 дней», «во II квартале»)."""
    return bool(_DATE_RE.search(text.lower().replace("ё", "е")))


# --- concrete action ---------------------------------------------------------------------------------

#: Verbs of correspondence, not of action: «рассмотрено», «направлено», «сообщаем», «разъяснено»…
PAPER_VERBS = frozenset(
    [
        "рассмотреть",
        "рассматривать",
        "направить",
        "направлять",
        "сообщить",
        "сообщать",
        "информировать",
        "проинформировать",
        "разъяснить",
        "разъяснять",
        "принять",
        "принимать",
        "взять",
        "брать",
        "учесть",
        "учитывать",
        "довести",
        "доводить",
        "поручить",
        "поручать",
        "рекомендовать",
        "предложить",
        "предлагать",
        "обратиться",
        "обращаться",
        "уведомить",
        "уведомлять",
        "ответить",
        "отвечать",
        "сказать",
        "указать",
        "указывать",
        "получить",
        "получать",
        "поступить",
        "поступать",
        "зарегистрировать",
        "являться",
        "являть",
        "быть",
        "стать",
        "мочь",
        "иметь",
        "находиться",
        "сообщение",
        "благодарить",
        "поблагодарить",
        "включить",
        "включать",
        "изучить",
        "изучать",
        "рассмотрение",
        "поставить",
        "ставить",
    ]
)
#: Full participles are left out: mostly adjectival («в установленном порядке»).
_ACTION_POS = frozenset({"VERB", "INFN", "PRTS", "GRND"})
#: Nouns of work done or planned: «ремонт», «вывоз», «замена»… (paired with a date they are concrete).
ACTION_NOUNS = frozenset(
    [
        "ремонт",
        "вывоз",
        "замена",
        "установка",
        "устранение",
        "уборка",
        "покос",
        "опиловка",
        "обрезка",
        "подсыпка",
        "грейдирование",
        "асфальтирование",
        "прочистка",
        "промывка",
        "подключение",
        "восстановление",
        "строительство",
        "реконструкция",
        "капремонт",
        "откачка",
        "очистка",
        "демонтаж",
        "монтаж",
        "укладка",
        "обследование",
        "проверка",
        "выезд",
        "перерасчёт",
        "перерасчет",
    ]
)


def has_action(text: str) -> bool:
    """Whether the text states a concrete action: a perfective verb or participle other than the verbs
    of correspondence («устранена», «выполним», «вывезли»), or a noun of work («ремонт», «вывоз»)."""
    for lemma, pos, aspect in tagged(text):
        if pos in _ACTION_POS and aspect == "perf" and lemma not in PAPER_VERBS:
            return True
        if lemma in ACTION_NOUNS:
            return True
    return False


# --- responsible --------------------------------------------------------------------------------------

_RESPONSIBLE_RE = re.compile(
    r"\b(?:начальник\w*|директор\w*|глав[аыеу]|заместител\w*|мастер\w*|инженер\w*|прораб\w*|"
    r"ответственн\w*|подрядчик\w*|подрядн\w+\s+организаци\w*|управляющ\w+\s+компани\w*|"
    r"регионал\w+\s+оператор\w*|отдел\w*|управлени[еяю]|комитет\w*|служб[аыуе]|"
    r"ресурсоснабжающ\w+|специалист\w*|участков\w+|бригад\w*)\b"
    r"|\b(?:МУП|МБУ|МКУ|МАУ|ГБУ|ГКУ|ГУП|ООО|ОАО|ЗАО|ПАО|АО|ИП|ТСЖ|УК|ЖКХ|ЦРБ)\b"
    r"|\b[А-ЯЁ][а-яё]+\s+[А-ЯЁ]\.\s?[А-ЯЁ]\."
    r"|\b[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?[А-ЯЁ][а-яё]+",
)


def has_responsible(text: str) -> bool:
    """Whether the text names who does it: an official's position, a unit or organisation, a name."""
    return bool(_RESPONSIBLE_RE.search(text))


# --- formal phrases -----------------------------------------------------------------------------------

FORMAL_PHRASES = (
    "по возможности",
    "при наличии финансирования",
    "при поступлении финансирования",
    "при наличии средств",
    "при выделении средств",
    "в рамках компетенции",
    "в пределах компетенции",
    "принято к сведению",
    "принята к сведению",
    "взято на контроль",
    "взят на контроль",
    "будет рассмотрен",
    "будет рассмотрена",
    "в установленном порядке",
    "в плановом порядке",
    "по мере возможности",
    "по мере финансирования",
)


def formal_phrases(text: str) -> list[str]:
    lowered = " ".join(text.lower().replace("ё", "е").split())
    return [p for p in FORMAL_PHRASES if p in lowered]


# --- the question's key nouns -----------------------------------------------------------------------

#: Nouns every appeal has; they say nothing about its subject.
GENERIC_NOUNS = frozenset(
    [
        "обращение",
        "вопрос",
        "просьба",
        "жалоба",
        "администрация",
        "житель",
        "ответ",
        "день",
        "год",
        "время",
        "человек",
        "помощь",
        "ситуация",
        "проблема",
        "мера",
        "меры",
        "город",
        "район",
        "поселение",
        "хутор",
        "станица",
        "село",
        "посёлок",
        "поселок",
        "улица",
        "дом",
        "адрес",
        "месяц",
        "неделя",
        "раз",
        "сторона",
        "случай",
        "момент",
        "внимание",
        "глава",
        "уважение",
        "спасибо",
        "заявление",
        "письмо",
    ]
)


def key_nouns(question: str, limit: int) -> list[str]:
    """The question's most frequent subject nouns (ties by first occurrence)."""
    counts: Counter[str] = Counter()
    order: dict[str, int] = {}
    for lemma, pos, _ in tagged(question):
        if pos == "NOUN" and len(lemma) > 2 and lemma not in GENERIC_NOUNS:
            counts[lemma] += 1
            order.setdefault(lemma, len(order))
    ranked = sorted(counts, key=lambda w: (-counts[w], order[w]))
    return ranked[:limit]


def missing_key_nouns(question: str, answer: str, config: FormalConfig = DEFAULT_CONFIG) -> list[str]:
    """The key nouns absent from the answer, when too few of them are present (else [])."""
    keys = key_nouns(question, config.key_nouns)
    if len(keys) < 2:
        return []
    present = {lemma for lemma, _, _ in tagged(answer)}
    found = [k for k in keys if k in present]
    if len(found) / len(keys) >= config.key_nouns_min_share:
        return []
    return [k for k in keys if k not in present]


# --- all together -------------------------------------------------------------------------------------


def warnings_for(
    answer: str, question: str, *, template_uses: int = 0, config: FormalConfig = DEFAULT_CONFIG
) -> list[FormalWarning]:
    """Every automatic warning for `answer` given to `question`; `template_uses` is the number of other,
    different questions that already got the same text."""
    found: list[FormalWarning] = []
    dated = has_date(answer)
    acted = has_action(answer)
    if not acted:
        found.append(
            FormalWarning(
                "no_action",
                "Не видно конкретных мер: что сделано или будет сделано (только «рассмотрено», "
                "«направлено», «сообщаем»).",
            )
        )
    if not dated:
        found.append(FormalWarning("no_date", "Не указан срок: дата или период выполнения."))
    if not has_responsible(answer):
        found.append(
            FormalWarning(
                "no_responsible", "Не назван ответственный: должность, подразделение или организация."
            )
        )
    phrases = formal_phrases(answer)
    if phrases:
        quoted = ", ".join(f"«{p}»" for p in phrases)
        found.append(FormalWarning("formal_phrases", f"Формулировки, типичные для отписки: {quoted}."))
    a_words, q_words = len(words(answer)), len(words(question))
    if a_words < config.short_min_words or (
        q_words >= config.short_min_question_words and a_words < config.short_ratio * q_words
    ):
        found.append(
            FormalWarning("too_short", f"Ответ намного короче вопроса: {a_words} сл. против {q_words} сл.")
        )
    missing = missing_key_nouns(question, answer, config)
    if missing:
        found.append(
            FormalWarning(
                "off_topic",
                "В ответе нет ключевых слов вопроса: " + ", ".join(missing) + ".",
            )
        )
    if template_uses >= config.template_min_other_questions:
        found.append(
            FormalWarning(
                "template",
                f"Такой же текст уже отправлен в ответ на {template_uses} других, непохожих вопросов.",
            )
        )
    return found


# --- near-identical texts (for the template check) -------------------------------------------------

_NUMBER_RE = re.compile(r"\d+")


def shingles(text: str, size: int = 3) -> frozenset[str]:
    """Word `size`-grams of the text with numbers removed (dates and house numbers differ in templates)."""
    tokens = words(_NUMBER_RE.sub(" ", text))
    if len(tokens) < size:
        return frozenset({" ".join(tokens)}) if tokens else frozenset()
    return frozenset(" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 0.0
    return len(a & b) / len(a | b)
