"""One answer per resident: by the verified contact (however the address is written) or by the platform's
resident id; only in the poll's period and settlements."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from otklik.intake.webform.services import RateLimited
from otklik.participation import services
from otklik.participation.codes import VerifiedContact, hash_of
from otklik.participation.models import Ballot, BallotAnswer, Poll
from tests.factories import SettlementFactory
from tests.participation.helpers import answers, officer, poll_with_questions, resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(municipality):
    town = SettlementFactory(municipality=municipality, name="Котельниковское городское поселение")
    village = SettlementFactory(municipality=municipality, name="Майоровское сельское поселение")
    actor = officer(municipality)
    return poll_with_questions(municipality, actor), town, village


def vote(poll, who, settlement, name="", **kw):
    return services.cast_ballot(
        poll,
        who,
        settlement=settlement,
        answers=answers(poll, single="Да", **kw),
        ip_hash="ip-1",
        name=name,
    )


def test_an_anonymous_ballot_keeps_the_hash_not_the_address(setup):
    poll, town, _ = setup
    ballot = vote(
        poll, resident("Ivanova@Mail.ru"), town, multiple=("Парк", "Свет"), scale=4, text="Скамейки"
    )
    assert ballot.identity_hash == hash_of("email", "ivanova@mail.ru")
    assert (ballot.contact, ballot.name, ballot.source, ballot.settlement) == ("", "", "site", town)
    rows = BallotAnswer.objects.filter(ballot=ballot)
    assert rows.count() == 5  # one option, two options, a scale value, a text
    assert sorted(rows.exclude(option=None).values_list("option__text", flat=True)) == ["Да", "Парк", "Свет"]
    assert rows.get(value__isnull=False).value == 4
    assert rows.exclude(text="").get().text == "Скамейки"


@pytest.mark.parametrize(
    "second",
    ["ivanova@mail.ru", "IVANOVA@MAIL.RU", " ivanova @mail.ru ", "ivanova+again@mail.ru", "Ivanova@Mail.Ru."],
)
def test_the_same_address_written_differently_cannot_vote_twice(setup, second):
    poll, town, village = setup
    vote(poll, resident("Ivanova@mail.ru"), town)
    with pytest.raises(services.AlreadyVoted, match="Вы уже проголосовали в этом опросе"):
        vote(poll, resident(second), village)
    assert Ballot.objects.filter(poll=poll).count() == 1


def test_gmail_dots_do_not_make_a_new_resident(setup):
    poll, town, _ = setup
    vote(poll, resident("ivan.petrov@gmail.com"), town)
    with pytest.raises(services.AlreadyVoted):
        vote(poll, resident("i.van.petrov@googlemail.com"), town)


def test_another_resident_votes_and_the_message_says_when(setup):
    poll, town, _ = setup
    first = vote(poll, resident("ivanova@mail.ru"), town)
    vote(poll, resident("petrov@mail.ru"), town)
    with pytest.raises(services.AlreadyVoted) as refused:
        vote(poll, resident("ivanova@mail.ru"), town)
    local = timezone.localtime(first.created_at, poll.municipality.tz)
    assert f"{local:%d.%m.%Y в %H:%M}" in str(refused.value)
    assert "один голос от одного жителя" in str(refused.value)


def test_a_vote_says_golosovanie(municipality):
    SettlementFactory(municipality=municipality)
    poll = poll_with_questions(municipality, officer(municipality), kind="vote")
    settlement = services.allowed_settlements(poll)[0]
    vote(poll, resident(), settlement)
    with pytest.raises(services.AlreadyVoted, match="в этом голосовании"):
        vote(poll, resident(), settlement)


def test_a_platform_resident_who_voted_there_is_refused_by_the_same_identity(setup):
    poll, town, _ = setup
    platform = VerifiedContact("platform", "12345", hash_of("platform", "12345"), "")
    Ballot.objects.create(
        poll=poll,
        identity_hash=platform.hash,
        identity_kind="platform",
        source="platform",
        created_at=timezone.now(),
    )
    with pytest.raises(services.AlreadyVoted, match="Решаем вместе"):
        vote(poll, platform, town)


def test_a_phone_is_an_identity_too(setup):
    poll, town, _ = setup
    phone = VerifiedContact("phone", "+79041234567", hash_of("phone", "+79041234567"), "")
    vote(poll, phone, town)
    with pytest.raises(services.AlreadyVoted):
        vote(poll, VerifiedContact("phone", "+79041234567", hash_of("phone", "+79041234567"), ""), town)
    vote(poll, resident("ivanova@mail.ru"), town)  # the same person's e-mail is another identity


def test_a_targeted_poll_takes_only_its_settlements(municipality):
    town = SettlementFactory(municipality=municipality, name="Котельниковское")
    village = SettlementFactory(municipality=municipality, name="Майоровское")
    poll = poll_with_questions(municipality, officer(municipality), settlements=[village])
    assert services.allowed_settlements(poll) == [village]
    with pytest.raises(services.ParticipationError, match="других поселениях"):
        vote(poll, resident(), town)
    vote(poll, resident(), village)


def test_answers_are_taken_only_in_the_period(setup):
    poll, town, _ = setup
    Poll.objects.filter(pk=poll.pk).update(starts_at=timezone.now() + timedelta(hours=1))
    poll.refresh_from_db()
    with pytest.raises(services.ParticipationError, match="ещё не начался"):
        vote(poll, resident(), town)
    Poll.objects.filter(pk=poll.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now()
    )
    poll.refresh_from_db()
    with pytest.raises(services.ParticipationError, match="завершён"):
        vote(poll, resident(), town)
    assert not Ballot.objects.exists()


def test_a_required_question_must_be_answered(setup):
    poll, town, _ = setup
    with pytest.raises(services.ParticipationError, match="обязательный вопрос"):
        services.cast_ballot(poll, resident(), settlement=town, answers=answers(poll), ip_hash="ip")


def test_a_single_choice_takes_one_option(setup):
    poll, town, _ = setup
    q1 = poll.questions.get(order=1)
    two = tuple(q1.options.all()[:2])
    with pytest.raises(services.ParticipationError, match="один вариант"):
        services.cast_ballot(
            poll, resident(), settlement=town, answers=[services.Answer(q1, options=two)], ip_hash="ip"
        )


def test_a_named_poll_keeps_the_name_and_the_address(municipality):
    town = SettlementFactory(municipality=municipality)
    poll = poll_with_questions(municipality, officer(municipality), anonymous=False)
    with pytest.raises(services.ParticipationError, match="фамилию и имя"):
        vote(poll, resident("Ivanova@mail.ru"), town)
    ballot = vote(poll, resident("Ivanova@mail.ru"), town, name="Иванова Анна")
    assert (ballot.name, ballot.contact) == ("Иванова Анна", "ivanova@mail.ru")


def test_votes_from_one_address_are_limited(setup, settings):
    settings.OTKLIK_VOTE_PER_HOUR = 2
    poll, town, _ = setup
    for email in ("a@mail.ru", "b@mail.ru"):
        vote(poll, resident(email), town)
    with pytest.raises(RateLimited, match="голосов"):
        vote(poll, resident("c@mail.ru"), town)
    assert Ballot.objects.count() == 2
