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
