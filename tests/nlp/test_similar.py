"""Similar messages: near-duplicates across channels and the same problem in the same place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from otklik.nlp.similar import candidate_groups, minhash, similar_to
from otklik.org.models import Role, Topic
from tests.factories import CaseFactory, LocalityFactory, MunicipalityFactory, RoleFactory

LETTER = (
    "Уважаемая администрация! На улице Ленина возле дома 5 уже третью неделю не горят фонари, "
    "вечером идти от остановки страшно, дети возвращаются из школы в темноте. Прошу принять меры."
)


@pytest.fixture
def place(db):
    muni = MunicipalityFactory()
    locality = LocalityFactory(settlement__municipality=muni, name="Котельниково")
    return muni, locality


def case(place, text, days=0, **kw):
    muni, locality = place
    kw.setdefault("topic", Topic.objects.get(code="improvement"))
    kw.setdefault("locality", locality)
    kw.setdefault("settlement", locality.settlement)
    return CaseFactory(municipality=muni, text=text, received_at=timezone.now() - timedelta(days=days), **kw)


def test_minhash_estimates_text_overlap():
    assert minhash(LETTER).jaccard(minhash(LETTER + " Спасибо.")) > 0.8
    assert minhash(LETTER).jaccard(minhash("Мусор не вывозят с площадки на Мира")) < 0.2


def test_the_same_letter_through_two_channels_is_a_duplicate(place):
    email = case(place, LETTER, channel="email", author_email="petrov@example.ru")
    # The same text from the web form, placed differently (no locality): still found.
    web = case(
        place, LETTER.replace("Прошу принять меры.", "Примите меры!"), days=1, channel="web", locality=None
    )
    [found] = similar_to(email)
    assert found.case == web and found.kind == "duplicate" and found.label == "повтор"


def test_different_words_about_the_same_problem_in_the_same_place(place):
    first = case(place, "Не горят фонари на улице Ленина, темно вечером")
    second = case(place, "На улице Ленина темно: фонари не горят уже неделю", days=3)
    elsewhere = case(
        place, "Не горят фонари на улице Ленина, темно вечером", locality=LocalityFactory(), settlement=None
    )
    other_topic = case(place, "На улице Ленина яма на дороге", topic=Topic.objects.get(code="roads"))
    long_ago = case(place, "Не горят фонари на улице Ленина", days=90)
    found = {s.case.pk: s.kind for s in similar_to(first)}
    assert found.get(second.pk) == "same_problem"
    assert elsewhere.pk in found and found[elsewhere.pk] == "duplicate"  # the same text elsewhere is a repeat
    assert other_topic.pk not in found and long_ago.pk not in found


def test_candidate_groups_for_recurring_problems(place):
    lights = [
        case(place, "Не горят фонари на улице Ленина"),
        case(place, "На Ленина опять не горят фонари", days=2),
        case(place, "Фонари на улице Ленина не горят, темно", days=5),
    ]
    case(place, "Собаки стаями бегают у школы", topic=Topic.objects.get(code="improvement"))
    groups = candidate_groups(list(type(lights[0]).objects.all()))
    assert [sorted(c.pk for c in g) for g in groups] == [sorted(c.pk for c in lights)]


def test_case_page_lists_only_similar_cases_the_user_may_see(client, place):
    muni, _ = place
    first = case(place, LETTER)
    twin = case(place, LETTER, days=1)
    analyst = RoleFactory(role=Role.ANALYST, municipality=muni).user
    client.force_login(analyst)
    body = client.get(reverse("cases:detail", args=[first.pk])).content.decode()
    assert (
        "Похожие обращения" in body and reverse("cases:detail", args=[twin.pk]) in body and "повтор" in body
    )
    specialist = RoleFactory(role=Role.SPECIALIST, municipality=muni).user
    first.owner = specialist
    first.save()
    client.force_login(specialist)
    body = client.get(reverse("cases:detail", args=[first.pk])).content.decode()
    assert reverse("cases:detail", args=[twin.pk]) not in body and "Похожих обращений" in body
