"""Territory from text: inflected locality names, streets of one locality, ambiguity left to a person."""

from __future__ import annotations

import pytest
from django.utils import timezone

from otklik.intake.services import IntakeItem, intake_one
from otklik.nlp.territory import StreetIndex, street_key, street_names
from otklik.territory.models import Locality, Street
from tests.factories import MunicipalityFactory, SettlementFactory


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Яма по улице Ленина у дома 5", ["Ленина"]),
        ("на Молодёжной улице нет света", ["Молодёжной"]),
        ("г. Котельниково, пер. Западный, 4", ["Западный"]),
        ("Не горят фонари", []),
    ],
)
def test_street_names(text, names):
    assert street_names(text) == names


def test_street_keys_compare_forms():
    assert street_key("Молодёжной") == street_key("Молодёжная") == "молодежный"
    assert street_key("Ленина") == street_key("ленина")


@pytest.fixture
def district(db):
    muni = MunicipalityFactory(code="kot")
    town_s = SettlementFactory(municipality=muni, name="Котельниковское городское поселение")
    rural = SettlementFactory(municipality=muni, name="Пимено-Чернянское сельское поселение")
    town = Locality.objects.create(settlement=town_s, kind="town", name="Котельниково", is_centre=True)
    khutor = Locality.objects.create(settlement=rural, kind="khutor", name="Пимено-Черни", is_centre=True)
    other = Locality.objects.create(settlement=rural, kind="khutor", name="Нижние Черни")
    Street.objects.create(locality=town, name="Ленина")
    for loc in (town, khutor, other):
        Street.objects.create(locality=loc, name="Центральная")
    Street.objects.create(locality=khutor, name="Молодёжная")
    return muni, town, khutor


def place(muni, text, address=""):
    item = IntakeItem(channel="api", text=text, address=address, received_at=timezone.now())
    return intake_one(item, municipality=muni)


def test_inflected_names_and_unique_streets_resolve(district):
    muni, town, khutor = district
    assert place(muni, "В Котельникове не вывозят мусор").locality == town
    assert place(muni, "В х. Пимено-Черни нет воды").locality == khutor
    by_street = place(muni, "Яма по улице Ленина у дома 5")
    assert by_street.locality == town and by_street.settlement == town.settlement
    assert place(muni, "Нет света", address="Молодёжная улица, 4").locality == khutor


def test_a_shared_street_is_not_guessed(district):
    muni, _, _ = district
    case = place(muni, "Нет воды", address="ул. Центральная, 3")
    assert case.locality is None and case.settlement is None
    assert case.needs_review and "territory" in case.review_reasons


def test_street_index_within_a_known_settlement(district):
    muni, _, khutor = district
    index = StreetIndex(muni)
    assert index.locality_for("ул. Центральная") is None
    assert index.locality_for("ул. Центральная", settlement_id=khutor.settlement_id) is None  # two khutors
    assert index.locality_for("ул. Молодёжная", settlement_id=khutor.settlement_id) == khutor
