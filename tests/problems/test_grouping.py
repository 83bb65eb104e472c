"""Candidate problems on a seeded data set where the right groups are known: purity and completeness,
ranking by size and growth, idempotency, dismissed candidates, and new messages joining confirmed ones."""

from __future__ import annotations

from datetime import timedelta

import pytest

from otklik.audit.models import AuditEvent
from otklik.cases.models import CaseEvent
from otklik.notifications.models import Notification
from otklik.problems import services
from otklik.problems.models import Problem, ProblemCase, ProblemPolicy, ProblemStatus
from otklik.problems.selectors import problem_rows
from otklik.problems.services import ProblemError
from tests.factories import RoleFactory
from tests.problems.dataset import NOW, make_case, seed


@pytest.fixture
def data(db):
    return seed()


def found_groups(muni) -> dict[int, set[int]]:
    return {
        p.pk: set(p.links.values_list("case_id", flat=True))
        for p in Problem.objects.filter(municipality=muni, status=ProblemStatus.CANDIDATE)
    }


def test_candidates_are_exactly_the_known_groups(data):
    result = services.propose_candidates(data.municipality, now=NOW)
    found = sorted(found_groups(data.municipality).values(), key=min)
    expected = sorted(data.group_ids().values(), key=min)
    assert len(result.created) == len(data.groups) == 5
    # Purity and completeness: every found group is one known group, whole, and nothing else.
    assert found == expected


def test_hard_negatives_decoys_old_and_noise_stay_out(data):
    services.propose_candidates(data.municipality, now=NOW)
    outside = data.hard_negatives + data.decoys + data.old + data.noise
    assert not ProblemCase.objects.filter(case__in=outside).exists()


def test_a_candidate_knows_its_topic_place_block_and_key_words(data):
    services.propose_candidates(data.municipality, now=NOW)
    a = ProblemCase.objects.get(case=data.groups["A"][0]).problem
    assert a.topic.code == "waste"
    assert a.subtopic.code == "waste.collection"
    assert a.locality == data.localities["mayorovsky"]
    assert a.settlement == data.localities["mayorovsky"].settlement
    assert a.block.code == "block-waste"
    assert a.title == "Вывоз ТКО — х. Майоровский"
    words = [w for w, _ in a.signature]
    assert words[:2] == ["мусор", "вывозить"] and a.signature[0][1] == 0.75  # in 6 of 8 messages
    assert "майоровский" not in words and "хутор" not in words  # the place is not what the problem is about
    assert AuditEvent.objects.filter(action="problem.propose", object_id=str(a.pk)).exists()


def test_candidates_are_ranked_by_size_and_growth(data):
    services.propose_candidates(data.municipality, now=NOW)
    head = RoleFactory(municipality=data.municipality).user
    ranked = list(problem_rows(head, tab="candidates", now=NOW))
    by_group = {
        label: ProblemCase.objects.get(case=cases[0]).problem_id for label, cases in data.groups.items()
    }
    # Size + growth (last four weeks against the four before, not below zero):
    # A 8 + (6 − 2) = 12; D 5 + 5 = 10; C 6 + (3 − 1) = 8; B 7 + 0 = 7; E 5 + (3 − 2) = 6.
    # D, smaller than B and C, stands above them because it is growing fast.
    assert [p.pk for p in ranked] == [by_group[k] for k in "ADCBE"]
    assert [(p.n_cases, p.recent, p.previous, p.score) for p in ranked] == [
        (8, 6, 2, 12),
        (5, 5, 0, 10),
        (6, 3, 1, 8),
        (7, 2, 2, 7),
        (5, 3, 2, 6),
    ]


def test_running_again_creates_nothing_new(data):
    services.propose_candidates(data.municipality, now=NOW)
    before = found_groups(data.municipality)
    again = services.propose_candidates(data.municipality, now=NOW + timedelta(hours=1))
    assert again.created == [] and again.updated == []
    assert found_groups(data.municipality) == before


def test_a_new_similar_message_grows_its_candidate_instead_of_making_another(data):
    services.propose_candidates(data.municipality, now=NOW)
    later = NOW + timedelta(days=1)
    new = make_case(
        data.municipality,
        data.localities["zakharov"],
        "energy.outage",
        0,
        "В Захарове опять отключили электричество на весь день, без света сидим.",
        now=later,
    )
    result = services.propose_candidates(data.municipality, now=later + timedelta(minutes=5))
    assert result.created == []
    c = ProblemCase.objects.get(case=data.groups["C"][0]).problem
    assert ProblemCase.objects.get(case=new).problem == c


def test_a_dismissed_candidate_is_not_proposed_again(data):
    services.propose_candidates(data.municipality, now=NOW)
    head = RoleFactory(municipality=data.municipality).user
    b = ProblemCase.objects.get(case=data.groups["B"][0]).problem
    services.dismiss(
        b.pk, "Дорога включена в план ремонта на этот год, отдельная работа не нужна.", actor=head
    )
    b.refresh_from_db()
    assert b.status == ProblemStatus.DISMISSED
    assert set(b.dismissed_case_ids) == data.group_ids()["B"]
    assert not ProblemCase.objects.filter(case__in=data.groups["B"]).exists()

    again = services.propose_candidates(data.municipality, now=NOW + timedelta(hours=1))
    assert again.created == [] and again.skipped_dismissed == 1
    assert not ProblemCase.objects.filter(case__in=data.groups["B"]).exists()


def test_a_dismissed_candidate_comes_back_when_it_grew_by_a_whole_group(data):
    services.propose_candidates(data.municipality, now=NOW)
    head = RoleFactory(municipality=data.municipality).user
    b = ProblemCase.objects.get(case=data.groups["B"][0]).problem
    services.dismiss(b.pk, "Разовые жалобы.", actor=head)
    pimeno = data.localities["pimeno"]
    texts = [
        "На Школьной в Пимено-Черни снова ямы, после ремонта всё развалилось.",
        "Дорога по улице Школьной опять в ямах, машину не проехать.",
    ]
    for text in texts:
        make_case(data.municipality, pimeno, "roads.repair", 0, text, now=NOW + timedelta(days=2))
    two_new = services.propose_candidates(data.municipality, now=NOW + timedelta(days=2, hours=1))
    assert two_new.created == []  # two new messages are not yet a new group (min 3)
    make_case(
        data.municipality,
        pimeno,
        "roads.repair",
        0,
        "Ямы на улице Школьной в Пимено-Черни так и не заделали, прошу отремонтировать дорогу.",
        now=NOW + timedelta(days=3),
    )
    three_new = services.propose_candidates(data.municipality, now=NOW + timedelta(days=3, hours=1))
    assert len(three_new.created) == 1
    assert three_new.created[0].links.count() >= 3 + 5


def test_dismissing_needs_a_reason(data):
    services.propose_candidates(data.municipality, now=NOW)
    b = ProblemCase.objects.get(case=data.groups["B"][0]).problem
    with pytest.raises(ProblemError, match="почему"):
        services.dismiss(b.pk, "  ", actor=None)


def test_the_minimum_group_size_is_data(data):
    ProblemPolicy.objects.create(municipality=data.municipality, min_group_size=6)
    services.propose_candidates(data.municipality, now=NOW)
    found = sorted(found_groups(data.municipality).values(), key=min)
    assert found == sorted([data.group_ids()[k] for k in "ABC"], key=min)


def test_cases_in_a_confirmed_problem_are_not_proposed_again(data):
    services.propose_candidates(data.municipality, now=NOW)
    a = ProblemCase.objects.get(case=data.groups["A"][0]).problem
    services.confirm(a.pk, actor=None)
    again = services.propose_candidates(data.municipality, now=NOW + timedelta(hours=1))
    assert again.created == []
    assert set(a.links.values_list("case_id", flat=True)) == data.group_ids()["A"]


# --- new messages join confirmed problems -------------------------------------------------------------


@pytest.fixture
def confirmed(data):
    services.propose_candidates(data.municipality, now=NOW)
    problems = {}
    for label, cases in data.groups.items():
        p = ProblemCase.objects.get(case=cases[0]).problem
        problems[label] = services.confirm(p.pk, actor=None)
    return data, problems


def test_a_new_matching_message_joins_its_problem(confirmed):
    data, problems = confirmed
    later = NOW + timedelta(days=2)
    new = make_case(
        data.municipality,
        data.localities["mayorovsky"],
        "waste.collection",
        0,
        "Мусор в хуторе Майоровский так и не вывезли, контейнеры стоят переполненные.",
        now=later,
    )
    counts = services.attach_matching_cases(later + timedelta(minutes=1))
    link = ProblemCase.objects.get(case=new)
    assert link.problem == problems["A"]
    assert link.source == ProblemCase.Source.AUTO and link.score >= 0.25
    assert counts["joined"] == 1
    assert CaseEvent.objects.filter(case=new, note__contains="Присоединено к проблеме").exists()


def test_a_message_about_something_else_does_not_join(confirmed):
    data, _ = confirmed
    later = NOW + timedelta(days=2)
    billing = make_case(
        data.municipality,
        data.localities["mayorovsky"],
        "waste.billing",
        0,
        "Пришла квитанция за ТКО с долгом, хотя мы оплатили всё вовремя, прошу проверить начисления.",
        now=later,
    )
    elsewhere = make_case(
        data.municipality,
        data.localities["pugachevsky"],
        "waste.collection",
        0,
        "Не вывозят мусор в хуторе Пугачёвский, контейнеры переполнены.",
        now=later,
    )
    services.attach_matching_cases(later + timedelta(minutes=1))
    assert not ProblemCase.objects.filter(case__in=[billing, elsewhere]).exists()


def test_old_messages_are_not_joined_and_joining_twice_does_nothing(confirmed):
    data, _ = confirmed
    services.attach_matching_cases(NOW)
    assert not ProblemCase.objects.filter(case__in=data.old).exists()  # older than the join window
    later = NOW + timedelta(days=1)
    make_case(
        data.municipality,
        data.localities["nagavskaya"],
        "housing.water",
        0,
        "В Нагавской опять нет воды с утра, когда восстановят водоснабжение?",
        now=later,
    )
    first = services.attach_matching_cases(later)
    second = services.attach_matching_cases(later + timedelta(hours=1))
    assert first["joined"] == 1 and second.get("joined", 0) == 0


def test_a_message_joining_a_resolved_problem_tells_its_owner(confirmed):
    data, problems = confirmed
    owner = RoleFactory(role="block_owner", municipality=data.municipality, block=problems["C"].block).user
    services.resolve(problems["C"].pk, "Заменён трансформатор.", actor=owner)
    later = NOW + timedelta(days=3)
    new = make_case(
        data.municipality,
        data.localities["zakharov"],
        "energy.outage",
        0,
        "В хуторе Захаров снова отключили свет, третий раз за неделю.",
        now=later,
    )
    counts = services.attach_matching_cases(later + timedelta(minutes=1))
    assert counts["recurred"] == 1 and ProblemCase.objects.get(case=new).problem == problems["C"]
    note = Notification.objects.get(user=owner)
    assert note.title.startswith("Проблема снова проявилась") and note.case == new
    services.attach_matching_cases(later + timedelta(minutes=2))
    assert Notification.objects.filter(user=owner).count() == 1
