"""The intake service all channels share: normalise, dedupe, place, register, audit — in batches."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from otklik.audit.models import AuditEvent
from otklik.cases.models import Case, CaseDeadline, CaseEvent, Status
from otklik.intake.services import IntakeError, IntakeItem, intake, intake_one
from otklik.intake.text import normalise_text
from otklik.org.models import Role, Topic
from tests.factories import BlockFactory, LocalityFactory, MunicipalityFactory, RoleFactory, SettlementFactory

VLG = ZoneInfo("Europe/Volgograd")
RECEIVED = timezone.now().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def muni(db):
    m = MunicipalityFactory()
    settlement = SettlementFactory(municipality=m, name="Майоровское сельское поселение")
    LocalityFactory(settlement=settlement, name="Майоровский")
    town = SettlementFactory(municipality=m, name="Котельниковское городское поселение", kind="urban")
    LocalityFactory(settlement=town, name="Котельниково", kind="town")
    block = BlockFactory(municipality=m, name="ТКО")
    block.topics.add(Topic.objects.get(code="waste"))
    RoleFactory(role=Role.HEAD, municipality=m)
    return m


def item(**kw) -> IntakeItem:
    defaults = {
        "channel": "pos",
        "text": "Не вывозят мусор в х. Майоровском вторую неделю",
        "received_at": RECEIVED,
        "external_id": "1001",
        "category": "Твёрдые коммунальные отходы",
    }
    defaults.update(kw)
    return IntakeItem(**defaults).normalised()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Текст\r\nвторая\u00a0 строка  ", "Текст\nвторая строка"),
        ("a\x00b\x07c\u200b", "abc"),
        ("один\n\n\n\n два", "один\n\nдва"),
        ("е\u0301", "е\u0301"),  # NFC keeps a combining accent that has no precomposed form
        (None, ""),
    ],
)
def test_normalise_text(raw, clean):
    assert normalise_text(raw) == clean


def test_empty_text_is_refused():
    with pytest.raises(IntakeError, match="Пустой текст"):
        IntakeItem(channel="web", text=" \n ", received_at=timezone.now()).normalised()


def test_new_item_is_placed_registered_routed_and_audited(muni):
    case = intake_one(item(), municipality=muni)
    case.refresh_from_db()
    assert case.kind == "message" and case.status == Status.REGISTERED
    assert case.topic.code == "waste" and case.block.name == "ТКО"
    assert case.locality.name == "Майоровский" and case.settlement.name.startswith("Майоровское")
    assert case.registration_number.startswith("ПОС-")
    assert set(CaseDeadline.objects.filter(case=case).values_list("stage", flat=True)) >= {"answer"}
    assert list(CaseEvent.objects.filter(case=case).values_list("type", flat=True)) == [
        "received",
        "registered",
    ]
    assert AuditEvent.objects.filter(action="intake.batch").exists()


def test_same_external_id_again_is_unchanged_and_a_changed_one_is_updated(muni):
    first = intake([item()], municipality=muni)
    assert first.count("created") == 1
    again = intake([item()], municipality=muni)
    assert again.count("unchanged") == 1 and Case.objects.count() == 1
    changed = intake([item(text="Не вывозят мусор в х. Майоровском третью неделю")], municipality=muni)
    assert changed.count("updated") == 1 and Case.objects.count() == 1
    case = Case.objects.get()
    assert "третью" in case.text
    assert CaseEvent.objects.filter(case=case, type="comment", note__contains="text").exists()


def test_ambiguous_or_unknown_place_is_left_empty(muni):
    both = intake_one(
        item(external_id="2", text="Из Котельниково в Майоровский не ходит автобус"), municipality=muni
    )
    nowhere = intake_one(item(external_id="3", text="Мусор не вывозят", category=""), municipality=muni)
    district = intake_one(
        item(external_id="4", text="В Котельниковском районе плохие дороги"), municipality=muni
    )
    assert both.locality_id is None and nowhere.locality_id is None
    # No category from the source: the rubricator places the text, and says how sure it is.
    assert (nowhere.topic.code, nowhere.topic_source) == ("waste", "keywords")
    assert 0 < nowhere.topic_confidence < 1
    assert district.locality_id is None
    assert nowhere.block is not None or nowhere.owner is not None  # routed: to a block or to the head


def test_inflected_place_names_are_found(muni):
    case = intake_one(item(external_id="5", text="В Котельникове на ул. Ленина яма"), municipality=muni)
    assert case.locality.name == "Котельниково"


def test_batch_numbers_are_consecutive(muni):
    result = intake([item(external_id=str(i)) for i in range(10, 15)], municipality=muni)
    numbers = sorted(int(c.registration_number[-5:]) for _, c in result.outcomes)
    assert numbers == list(range(numbers[0], numbers[0] + 5))


def test_items_answered_at_the_source_keep_their_answer(muni):
    received = datetime(2025, 10, 1, 10, tzinfo=VLG)
    case = intake_one(
        item(
            external_id="7",
            received_at=received,
            status="closed",
            source_status="Решено",
            answer_text="Мусор вывезен 02.10.2025",
            answered_at=received + timedelta(days=1),
        ),
        municipality=muni,
    )
    case.refresh_from_db()
    assert case.status == Status.CLOSED and case.answers.get().text == "Мусор вывезен 02.10.2025"
    assert CaseDeadline.objects.get(case=case, stage="answer").met_at == received + timedelta(days=1)


def test_tracking_link_token_is_issued_on_request(muni):
    case = intake_one(item(channel="web", external_id=None), municipality=muni, tracking=True)
    assert case.tracking_token and len(case.tracking_token) >= 20
    assert case.kind == "appeal"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Майорский", "Майорский"),  # the name as it is, though «Майорская» shares its stem
        ("Не вывозят мусор в ст-це Майорская", "Майорская"),
        ("Не вывозят мусор в Майорской", None),  # inflected: both stems match, neither name as it is
        ("Из Майорского в Майорскую не ходит автобус", None),
        ("Вишнёвский", None),  # two localities of that very name: never guessed
        ("Котельниково", "Котельниково"),
    ],
)
def test_localities_of_one_stem_are_told_apart_by_the_name_as_written(muni, text, expected):
    from otklik.intake.enrich import Gazetteer

    other = SettlementFactory(municipality=muni, name="Майорское сельское поселение")
    LocalityFactory(settlement=other, name="Майорский")
    LocalityFactory(settlement=other, name="Майорская", kind="stanitsa")
    LocalityFactory(settlement=other, name="Вишнёвский")
    LocalityFactory(settlement=SettlementFactory(municipality=muni), name="Вишнёвский")
    found = Gazetteer(muni).find(text)
    assert (found.name if found else None) == expected


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ({"Текст": "Яма\x00 на дороге", "n": 1}, {"Текст": "Яма на дороге", "n": 1}),
        ({"a\x00": "x\udcff", "b": ["\udc80ё", {"c": None}]}, {"a": "x?", "b": ["?ё", {"c": None}]}),
        ({"ascii": "plain", "кириллица": "обычный текст"}, {"ascii": "plain", "кириллица": "обычный текст"}),
        ("\x00", ""),
        ((1, "\ud800"), [1, "?"]),
    ],
)
def test_raw_payload_is_kept_as_it_came_less_what_jsonb_refuses(raw, stored):
    from otklik.intake.services import _storable_json

    assert _storable_json(raw) == stored


@pytest.mark.parametrize(
    "fmt", ["{prefix}-{yy}-{n:05d}", "{code}/{yyyy}/{n}", "{prefix}{n:3d}-{yy}", "{n:x}/{yy}"]
)
def test_numbers_given_at_the_write_follow_the_format_the_series_and_the_rollbacks(muni, fmt):
    """On PostgreSQL a few new cases of one series are numbered by the database as it writes them (the
    counter raised by the same statement); a format it cannot put together, SQLite, and several series
    take the numbers first. Either way: the municipality's format, consecutive, and a rolled-back intake
    gives its numbers back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from otklik.cases.models import RegistrationCounter
    from otklik.territory.numbering import format_registration_number

    muni.registration_number_format = fmt
    muni.save()
    RegistrationCounter.objects.filter(municipality=muni).delete()  # the year's first: the counter is made
    with CaptureQueriesContext(connection) as ctx:
        first = intake([item(external_id="n1"), item(external_id="n2")], municipality=muni)
    at_write = any(
        'WITH n AS (INSERT INTO "cases_registrationcounter"' in q["sql"] for q in ctx.captured_queries
    )
    assert at_write == (connection.vendor == "postgresql" and fmt != "{n:x}/{yy}")
    with pytest.raises(RuntimeError), transaction.atomic():
        intake([item(external_id="n3")], municipality=muni)
        raise RuntimeError  # rolled back: its number is not used up
    second = intake_one(item(external_id="n4"), municipality=muni)
    year = timezone.localtime(second.registered_at, muni.tz).year
    expected = [
        format_registration_number(fmt, prefix="ПОС", year=year, n=n, code=muni.code) for n in (1, 2, 3)
    ]
    given = [c.registration_number for _, c in first.outcomes] + [second.registration_number]
    assert given == expected
    stored = list(
        Case.objects.filter(municipality=muni).order_by("pk").values_list("registration_number", flat=True)
    )
    assert stored == expected
    assert RegistrationCounter.objects.get(municipality=muni, prefix="ПОС", year=year).last == 3
