"""The per-process caches of gazetteers, street indexes and routing tables (otklik.core.stampcache): built
once, and an edit is seen — at once when made through the ORM in this process, within
OTKLIK_CACHE_CHECK_SECONDS when made elsewhere (here: rows written without signals)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otklik.cases.models import Case, DeadlineRule, RoutingRule
from otklik.core import stampcache
from otklik.intake.services import IntakeItem, intake_one
from otklik.nlp.models import TopicModel
from otklik.nlp.services import classifier_cache
from otklik.org.models import Role
from otklik.territory.models import Locality, Street
from tests.factories import BlockFactory, MunicipalityFactory, RoleFactory, SettlementFactory, UserFactory


@pytest.fixture
def muni(db):
    muni = MunicipalityFactory(code="kot")
    settlement = SettlementFactory(municipality=muni, name="Котельниковское городское поселение")
    town = Locality.objects.create(settlement=settlement, kind="town", name="Котельниково", is_centre=True)
    Street.objects.create(locality=town, name="Ленина")
    RoleFactory(role=Role.HEAD, municipality=muni)
    return muni


@pytest.fixture
def clock(monkeypatch):
    """A monotonic clock the test moves by hand."""
    now = [1000.0]
    monkeypatch.setattr(stampcache.time, "monotonic", lambda: now[0])
    return now


def place(muni, text, address=""):
    return intake_one(
        IntakeItem(channel="api", text=text, address=address, received_at=timezone.now()), municipality=muni
    )


def test_the_gazetteer_street_index_and_routing_are_built_once(muni, clock):
    place(muni, "Нет света по улице Ленина")
    with CaptureQueriesContext(connection) as ctx:
        case = place(muni, "Нет света по улице Ленина")
    built = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT") and ("territory_" in q["sql"] or "cases_routingrule" in q["sql"])
    ]
    assert case.locality.name == "Котельниково"
    assert built == []


def test_an_orm_edit_is_seen_at_once(muni, clock):
    assert place(muni, "Нет света в хуторе Пупкин").locality is None
    settlement = muni.settlements.get()
    Locality.objects.create(settlement=settlement, kind="khutor", name="Пупкин")
    assert place(muni, "Нет света в хуторе Пупкин").locality.name == "Пупкин"
    khutor = Locality.objects.get(name="Пупкин")
    Street.objects.create(locality=khutor, name="Вишнёвая")
    assert place(muni, "Яма", address="ул. Вишнёвая, 3").locality == khutor


def test_an_edit_elsewhere_is_seen_within_the_check_interval(muni, clock, settings):
    settings.OTKLIK_CACHE_CHECK_SECONDS = 2
    assert place(muni, "Яма", address="ул. Садовая, 3").locality is None
    town = Locality.objects.get(name="Котельниково")
    # Written as another process would be seen from here: no signal in this process.
    Street.objects.bulk_create([Street(locality=town, name="Садовая")])
    clock[0] += 1
    assert place(muni, "Яма", address="ул. Садовая, 3").locality is None  # still within the interval
    clock[0] += 1.5
    assert place(muni, "Яма", address="ул. Садовая, 3").locality == town
    # A rename (a save elsewhere sets updated_at) and a delete are seen the same way.
    Street.objects.filter(name="Садовая").update(name="Вокзальная", updated_at=timezone.now())
    clock[0] += 2.5
    assert place(muni, "Яма", address="ул. Садовая, 3").locality is None
    assert place(muni, "Яма", address="ул. Вокзальная, 3").locality == town
    Street.objects.filter(name="Вокзальная")._raw_delete("default")
    clock[0] += 2.5
    assert place(muni, "Яма", address="ул. Вокзальная, 3").locality is None


def test_routing_rules_are_cached_and_an_edit_is_seen(muni, clock, settings):
    settings.OTKLIK_CACHE_CHECK_SECONDS = 2
    other = BlockFactory(municipality=muni, name="Снег")
    assert place(muni, "Не вывозят мусор, контейнер переполнен").block is None  # to the head
    block = BlockFactory(municipality=muni, name="Мусор")
    RoutingRule.objects.create(municipality=muni, keywords="мусор", block=block)  # seen at once
    assert place(muni, "Не вывозят мусор, контейнер переполнен").block == block
    RoutingRule.objects.bulk_create(
        [RoutingRule(municipality=muni, keywords="снег", block=other, priority=1)]
    )  # elsewhere: no signal
    clock[0] += 1
    assert place(muni, "Снег не убран").block is None
    clock[0] += 1.5
    assert place(muni, "Снег не убран").block == other


def test_a_router_hands_out_copies_of_the_cached_block_one_per_router(muni, clock):
    from otklik.cases.routing import Router, routing_table

    block = BlockFactory(municipality=muni, name="Мусор")
    RoutingRule.objects.create(municipality=muni, keywords="мусор", block=block)
    router = Router(muni.pk)
    first = router.decide(Case(municipality=muni, text="Не вывозят мусор", channel="api"))
    second = router.decide(Case(municipality=muni, text="Мусор у дома", channel="api"))
    cached = routing_table(muni.pk).rules[0].block
    assert first.block == block and first.block is second.block  # one copy for the router's cases
    assert first.block is not cached
    first.block.name = "изменено вызывающим"
    assert routing_table(muni.pk).rules[0].block.name == "Мусор"
    assert Router(muni.pk).decide(Case(municipality=muni, text="мусор", channel="api")).block.name == "Мусор"


def test_a_deactivated_specialist_is_never_served_from_the_cache(muni, clock):
    specialist = UserFactory()
    RoutingRule.objects.create(municipality=muni, keywords="фонарь", specialist=specialist)
    assert place(muni, "Не горит фонарь").owner == specialist
    type(specialist).objects.filter(pk=specialist.pk).update(is_active=False)  # no signal, no stamp
    assert place(muni, "Не горит фонарь").owner != specialist


def test_the_classifier_and_the_deadline_rules_come_from_the_cache(muni, clock):
    place(muni, "Не вывозят мусор")
    with CaptureQueriesContext(connection) as ctx:
        place(muni, "Не вывозят мусор")
    tables = ("nlp_topicmodel", "nlp_topickeyword", "cases_deadlinerule")
    assert [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in tables)] == []


def test_a_deadline_rule_edited_is_seen_at_once(muni, clock):
    before = place(muni, "Не вывозят мусор")
    for rule in DeadlineRule.objects.filter(kind="message", stage="answer", is_active=True):
        rule.amount += 5
        rule.save()
    after = place(muni, "Не вывозят мусор")
    assert after.due_at > before.due_at


def test_a_model_switched_on_or_off_elsewhere_changes_the_stamp(muni, settings):
    """TopicModel has no updated_at: a flag flipped by another process still changes the stamp."""
    model = TopicModel.objects.create(
        municipality=muni,
        path="/nonexistent.joblib",
        trained_at=timezone.now(),
        n_samples=1,
        n_classes=1,
        macro_f1=0.9,
        accuracy=0.9,
        baseline_macro_f1=0.5,
    )
    stamp = classifier_cache.stamp()
    TopicModel.objects.filter(pk=model.pk).update(is_active=True)  # no signal
    assert classifier_cache.stamp() != stamp


def test_the_topic_index_is_built_once_and_an_edit_of_the_topics_is_seen(muni, clock):
    from otklik.intake.enrich import topic_index
    from otklik.org.models import Topic

    first = topic_index({"Мусор": "waste"})
    assert topic_index({"Мусор": "waste"}) is first and topic_index() is not first  # per set of labels
    waste = Topic.objects.get(code="waste")
    assert first.resolve("Мусор") == (waste.pk, None)
    waste.name = "Обращение с отходами"
    waste.save()
    again = topic_index({"Мусор": "waste"})
    assert again is not first and again.resolve("обращение с отходами") == (waste.pk, None)
