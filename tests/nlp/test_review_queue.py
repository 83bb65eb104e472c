"""The human queue on the head's home page and the one-click topic correction on the case page."""

from __future__ import annotations

from django.urls import reverse

from otklik.nlp.models import TopicLabel
from otklik.org.models import Role, Topic
from tests.factories import CaseFactory, MunicipalityFactory, RoleFactory


def test_head_sees_the_review_queue_and_corrects_a_topic(client, db):
    muni = MunicipalityFactory()
    head = RoleFactory(role=Role.HEAD, municipality=muni).user
    unsure = CaseFactory(
        municipality=muni,
        text="Разберитесь уже",
        topic=Topic.objects.get(code="other"),
        topic_source="keywords",
        topic_confidence=0.1,
        needs_review=True,
        review_reasons=["topic"],
    )
    client.force_login(head)
    home = client.get(reverse("home")).content.decode()
    assert "Проверить тему или место" in home and (unsure.registration_number or str(unsure.pk)) in home
    page = client.get(reverse("cases:detail", args=[unsure.pk])).content.decode()
    assert (
        "Нужна проверка человеком: тема определена неуверенно" in page
        and "рубрикатор, уверенность 0,10" in page
    )
    assert "Исправить тему" in page
    water = Topic.objects.get(code="housing.water")
    response = client.post(reverse("cases:topic", args=[unsure.pk]), {"topic": water.pk}, follow=True)
    assert "Тема исправлена: " in response.content.decode()
    unsure.refresh_from_db()
    assert (unsure.topic.code, unsure.subtopic, unsure.needs_review) == ("housing", water, False)
    assert TopicLabel.objects.get().previous == "other"
    assert client.post(reverse("cases:topic", args=[unsure.pk]), {"topic": "x"}).status_code == 400


def test_read_only_roles_cannot_correct(client, db):
    muni = MunicipalityFactory()
    case = CaseFactory(municipality=muni)
    client.force_login(RoleFactory(role=Role.ANALYST, municipality=muni).user)
    assert "Исправить тему" not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    water = Topic.objects.get(code="housing.water")
    assert client.post(reverse("cases:topic", args=[case.pk]), {"topic": water.pk}).status_code == 403
    assert not TopicLabel.objects.exists()


def test_operator_corrects_the_place(client, db):
    from otklik.territory.models import Locality
    from tests.factories import SettlementFactory

    muni = MunicipalityFactory()
    settlement = SettlementFactory(municipality=muni, name="Майоровское сельское поселение")
    khutor = Locality.objects.create(settlement=settlement, kind="khutor", name="Майоровский")
    case = CaseFactory(municipality=muni, needs_review=True, review_reasons=["territory"], settlement=None)
    client.force_login(RoleFactory(role=Role.HEAD, municipality=muni).user)
    assert "х. Майоровский" in client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    client.post(reverse("cases:place", args=[case.pk]), {"place": f"l:{khutor.pk}"})
    case.refresh_from_db()
    assert (case.locality, case.settlement, case.needs_review) == (khutor, settlement, False)
    foreign = SettlementFactory()
    refused = client.post(reverse("cases:place", args=[case.pk]), {"place": f"s:{foreign.pk}"})
    assert refused.status_code == 400
    assert client.post(reverse("cases:place", args=[case.pk]), {"place": "x"}).status_code == 400
