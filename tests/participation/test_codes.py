"""The one-time code: sent by e-mail (or SMS through the backend), 6 digits, 15 minutes, 5 attempts,
rate-limited; a failed mail server gives a clear message and stores nothing."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from otklik.intake.webform.services import RateLimited
from otklik.participation import codes
from otklik.participation.codes import CodeError
from otklik.participation.identity import ContactError
from otklik.participation.models import ContactCode

pytestmark = pytest.mark.django_db


def sent_code() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def request(contact="Ivanova@Mail.ru", ip="ip-1", **kw):
    return codes.request_code(contact, ip_hash=ip, municipality_name="Котельниковский район", **kw)


def test_the_code_goes_by_e_mail_and_only_its_digest_is_kept():
    pending = request()
    assert mail.outbox[-1].to == ["ivanova@mail.ru"]
    code = sent_code()
    row = ContactCode.objects.get(pk=pending.pk)
    assert code not in row.digest and "ivanova" not in row.contact_hash
    assert row.expires_at - row.created_at == timedelta(minutes=15)
    verified = codes.check_code(pending, code)
    assert verified.hash == codes.hash_of("email", "ivanova@mail.ru")
    assert verified.masked == "iv•••@mail.ru"


def test_a_code_works_once():
    pending = request()
    code = sent_code()
    codes.check_code(pending, code)
    with pytest.raises(CodeError, match="уже использован"):
        codes.check_code(pending, code)


def test_a_code_typed_with_spaces_is_accepted():
    pending = request()
    code = sent_code()
    codes.check_code(pending, f"{code[:3]} {code[3:]}")


def test_a_code_expires_after_15_minutes():
    pending = request()
    code = sent_code()
    later = timezone.now() + timedelta(minutes=15, seconds=1)
    with pytest.raises(CodeError, match="15 минут"):
        codes.check_code(pending, code, now=later)


def test_five_wrong_attempts_spend_the_code():
    pending = request()
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(CodeError, match=f"осталось попыток: {left}"):
            codes.check_code(pending, wrong)
    with pytest.raises(CodeError, match="неверно 5 раз"):
        codes.check_code(pending, wrong)
    with pytest.raises(CodeError, match="неверно 5 раз"):
        codes.check_code(pending, code)  # even the right one now
    assert ContactCode.objects.get(pk=pending.pk).attempts == 5


def test_not_six_digits_counts_as_an_attempt():
    pending = request()
    with pytest.raises(CodeError, match="шесть цифр"):
        codes.check_code(pending, "12")
    assert ContactCode.objects.get(pk=pending.pk).attempts == 1


def test_three_codes_an_hour_per_contact():
    for _ in range(3):
        request("ivanova@mail.ru")
    with pytest.raises(CodeError, match="уже отправлено кодов: 3"):
        request("IVANOVA@mail.ru", ip="ip-2")
    assert len(mail.outbox) == 3


def test_code_requests_from_one_address_are_limited(settings):
    settings.OTKLIK_CODE_PER_HOUR = 2
    request("a@mail.ru")
    request("b@mail.ru")
    with pytest.raises(RateLimited, match="запросов кода"):
        request("c@mail.ru")
    request("c@mail.ru", ip="ip-other")  # another address is not held back
    assert len(mail.outbox) == 3


def test_a_mail_server_failure_gives_a_clear_message_and_stores_nothing(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(codes, "send_mail", broken)
    with pytest.raises(CodeError, match="почтовый сервер администрации сейчас недоступен"):
        request()
    assert not ContactCode.objects.exists()


def test_a_bad_address_is_refused_before_anything_is_sent():
    with pytest.raises(ContactError):
        request("ivanova-mail.ru")
    assert not mail.outbox and not ContactCode.objects.exists()


def test_a_phone_gets_the_code_through_the_sms_backend(settings, tmp_path):
    settings.OTKLIK_SMS_DIR = str(tmp_path)
    pending = request("8 904 123-45-67")
    (message,) = [json.loads(p.read_text(encoding="utf-8")) for p in tmp_path.glob("*.json")]
    assert message["to"] == "+79041234567"
    code = re.search(r"\d{6}", message["text"]).group(0)
    assert codes.check_code(pending, code).kind == "phone"
    assert not mail.outbox


def test_phones_are_refused_when_sms_is_off(settings):
    settings.OTKLIK_SMS_BACKEND = ""
    with pytest.raises(ContactError, match="электронной почты"):
        request("8 904 123-45-67")


def test_a_gateway_failure_gives_a_clear_message(settings):
    settings.OTKLIK_SMS_BACKEND = "tests.participation.test_codes.BrokenGateway"
    with pytest.raises(CodeError, match="Не удалось отправить SMS"):
        request("+7 904 123 45 67")
    assert not ContactCode.objects.exists()


class BrokenGateway:
    def send(self, phone, text):
        from otklik.participation.sms import SmsError

        raise SmsError("gateway said 500")


class FakeSession(dict):
    def cycle_key(self):
        self["cycled"] = True


def test_the_session_keeps_a_verified_contact_for_two_hours():
    session = FakeSession()
    pending = request()
    codes.remember_pending(session, pending)
    assert codes.pending_code(session) == pending
    verified = codes.check_code(pending, sent_code())
    now = timezone.now()
    codes.remember_verified(session, verified, now=now)
    assert session["cycled"] and codes.pending_code(session) is None
    assert codes.verified_contact(session, now=now + timedelta(hours=1, minutes=59)) == verified
    assert codes.verified_contact(session, now=now + timedelta(hours=2, minutes=1)) is None


def test_old_codes_and_request_marks_are_forgotten():
    from otklik.participation.models import Hit
    from otklik.participation.services import forget_old_requests

    request("a@mail.ru")
    now = timezone.now()
    assert forget_old_requests(now) == {"hits": 0, "codes": 0}
    assert forget_old_requests(now + timedelta(days=1, minutes=1)) == {"hits": 0, "codes": 1}
    assert forget_old_requests(now + timedelta(days=2, minutes=1)) == {"hits": 1, "codes": 0}
    assert not Hit.objects.exists()
