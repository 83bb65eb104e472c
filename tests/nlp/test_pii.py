import pytest

from otklik.nlp.pii import mask_contacts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("звоните 8 (902) 123-45-67", "звоните [телефон]"),
        ("тел +7 900 1234567!", "тел [телефон]!"),
        ("почта ivan.petrov@mail.ru.", "почта [эл. почта]."),
        ("СНИЛС 123-456-789 01", "СНИЛС [СНИЛС]"),
        ("паспорт серия 18 04 № 123456 выдан", "[паспорт] выдан"),
        ("тел. 3-15-27", "тел. [телефон]"),
        ("в 2024 году 15 семей, дом 5-12", "в 2024 году 15 семей, дом 5-12"),
        ("", ""),
    ],
)
def test_contacts_are_masked_and_ordinary_numbers_are_not(text, expected):
    assert mask_contacts(text) == expected


# --- names and home addresses, and who sees what ------------------------------------------------------

import json  # noqa: E402

from django.urls import reverse  # noqa: E402

from otklik.api.services import issue_token  # noqa: E402
from otklik.cases.models import Case  # noqa: E402
from otklik.nlp.pii import mask_personal_data  # noqa: E402
from otklik.org.models import Role  # noqa: E402
from tests.factories import CaseFactory, MunicipalityFactory, RoleFactory  # noqa: E402

PRIVATE = (
    "Прошу помочь Ивановой Марии Петровне, проживающей по адресу ул. Ленина, д. 5, кв. 12. "
    "Её телефон 8 902 123-45-67, почта maria@example.ru."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            PRIVATE,
            "Прошу помочь [ФИО], проживающей по адресу [адрес]. Её телефон [телефон], почта [эл. почта].",
        ),
        ("Мой адрес: ул. Мира, д. 3, кв. 7, паспорт 18 04 123456", "Мой адрес: [адрес], [паспорт]"),
        (
            "На улице Ленина у дома 5 яма, пишет Сергей Иванович.",
            "На улице Ленина у дома 5 яма, пишет [ФИО].",
        ),
        ("Не горят фонари в х. Майоровский", "Не горят фонари в х. Майоровский"),
    ],
)
def test_names_and_home_addresses_are_masked_but_places_of_problems_are_not(text, expected):
    assert mask_personal_data(text) == expected


@pytest.fixture
def private_case(db):
    muni = MunicipalityFactory()
    case = CaseFactory(
        municipality=muni,
        text=PRIVATE,
        author_name="Петров Иван",
        author_email="petrov@example.ru",
        author_phone="+7 900 1",
    )
    return muni, case


def test_case_page_masks_for_an_analyst_and_not_for_the_head(client, private_case):
    muni, case = private_case
    client.force_login(RoleFactory(role=Role.ANALYST, municipality=muni).user)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Марии Петровне" not in body and "123-45-67" not in body and "petrov@example.ru" not in body
    assert "[ФИО]" in body and "Персональные данные скрыты" in body
    assert Case.objects.get(pk=case.pk).text_masked.startswith("Прошу помочь [ФИО]")  # computed once, kept
    client.force_login(RoleFactory(role=Role.HEAD, municipality=muni).user)
    body = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Ивановой Марии Петровне" in body and "petrov@example.ru" in body


def test_api_masks_for_roles_without_personal_data_access(client, private_case):
    muni, case = private_case
    observer = RoleFactory(role=Role.OBSERVER, municipality=muni).user
    integration = RoleFactory(role=Role.INTEGRATION, municipality=muni).user
    for user, masked in ((observer, True), (integration, False)):
        token = issue_token("t", user)[1]
        response = client.get(f"/api/v1/cases/{case.pk}", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.content
        data = response.json()
        body = json.dumps(data, ensure_ascii=False)
        if masked:
            assert data["author"] is None and "Марии" not in body and "[ФИО]" in data["text"]
        else:
            assert data["author"]["email"] == "petrov@example.ru" and data["text"] == PRIVATE
