"""The identity rules: one spelling per mailbox and per phone, masks, and when a code can be checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from otklik.participation import identity
from otklik.participation.identity import CodeState, ContactError

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("ivanova@mail.ru", "ivanova@mail.ru"),
        ("  Ivanova@Mail.RU ", "ivanova@mail.ru"),
        ("iva nova@mail.ru", "ivanova@mail.ru"),
        ("ivanova+vote@mail.ru", "ivanova@mail.ru"),
        ("ivanova@mail.ru.", "ivanova@mail.ru"),
        ("Ivan.Petrov@gmail.com", "ivanpetrov@gmail.com"),
        ("i.v.a.n.petrov+poll@GoogleMail.com", "ivanpetrov@gmail.com"),
        ("ivan-petrov@ya.ru", "ivan.petrov@yandex.ru"),
        ("Ivan.Petrov@yandex.ru", "ivan.petrov@yandex.ru"),
        ("ivan.petrov@mail.ru", "ivan.petrov@mail.ru"),  # dots matter at mail.ru
        ("житель@почта.рф", "житель@xn--80a1acny.xn--p1ai"),
    ],
)
def test_an_e_mail_address_has_one_spelling(typed, normalised):
    assert identity.normalise_email(typed) == normalised


@pytest.mark.parametrize(
    "typed", ["", "ivanova", "ivanova@", "@mail.ru", "ivanova@mail", "a@b@c.ru", "+x@mail.ru"]
)
def test_a_malformed_address_is_refused(typed):
    with pytest.raises(ContactError):
        identity.normalise_email(typed)


@pytest.mark.parametrize(
    "typed", ["+7 904 123-45-67", "8 (904) 123-45-67", "89041234567", "9041234567", "7-904-123-45-67"]
)
def test_a_mobile_number_has_one_spelling(typed):
    assert identity.normalise_phone(typed) == "+79041234567"


@pytest.mark.parametrize("typed", ["123", "+7 8442 12-34-56", "+1 904 123 45 67", "+7904123456789"])
def test_a_number_that_is_not_a_russian_mobile_is_refused(typed):
    with pytest.raises(ContactError):
        identity.normalise_phone(typed)


@pytest.mark.parametrize(
    ("typed", "phones", "expected"),
    [
        ("Ivanova@Mail.ru", True, ("email", "ivanova@mail.ru")),
        ("8 904 123 45 67", True, ("phone", "+79041234567")),
        ("Ivanova@Mail.ru", False, ("email", "ivanova@mail.ru")),
    ],
)
def test_parse_contact_tells_an_address_from_a_phone(typed, phones, expected):
    assert identity.parse_contact(typed, phones=phones) == expected


def test_a_phone_is_refused_where_only_e_mail_is_taken():
    with pytest.raises(ContactError, match="электронной почты"):
        identity.parse_contact("8 904 123 45 67", phones=False)


def test_equal_contacts_give_equal_hashes_and_the_key_matters():
    a = identity.contact_hash("email", identity.normalise_email("Ivan.Petrov@gmail.com"), "k1")
    b = identity.contact_hash("email", identity.normalise_email("ivanpetrov+x@googlemail.com"), "k1")
    assert a == b
    assert identity.contact_hash("email", "ivanpetrov@gmail.com", "k2") != a
    assert identity.contact_hash("platform", "ivanpetrov@gmail.com", "k1") != a


@pytest.mark.parametrize(
    ("kind", "contact", "masked"),
    [("email", "ivanova@mail.ru", "iv•••@mail.ru"), ("phone", "+79041234567", "+7 904 •••-••-67")],
)
def test_the_page_shows_a_masked_contact(kind, contact, masked):
    assert identity.mask_contact(kind, contact) == masked


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("123456", "123456"),
        ("123 456", "123456"),
        ("123-456", "123456"),
        ("12345", ""),
        ("1234567", ""),
        ("12345a", ""),
        ("١٢٣٤٥٦", ""),
    ],
)
def test_the_typed_code_is_six_ascii_digits(typed, clean):
    assert identity.clean_code(typed) == clean


def test_a_new_code_is_six_digits():
    codes = {identity.new_code() for _ in range(50)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 1


@pytest.mark.parametrize(
    ("expires_in", "attempts", "used", "problem"),
    [
        (timedelta(minutes=14), 0, False, ""),
        (timedelta(minutes=1), 4, False, ""),
        (timedelta(0), 0, False, "15 минут"),
        (timedelta(minutes=-1), 0, False, "15 минут"),
        (timedelta(minutes=10), 5, False, "неверно 5 раз"),
        (timedelta(minutes=10), 0, True, "уже использован"),
    ],
)
def test_when_a_code_can_still_be_checked(expires_in, attempts, used, problem):
    text = identity.code_problem(CodeState(NOW + expires_in, attempts, used), NOW)
    assert (problem in text) if problem else text == ""


def test_attempts_left_never_goes_below_zero():
    assert [identity.attempts_left(n) for n in (0, 4, 5, 9)] == [5, 1, 0, 0]
