from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from otklik.cases.models import Case, Channel, NoAnswerReason, Status
from otklik.org.models import Topic
from tests.factories import BlockFactory, CaseFactory, LocalityFactory, MunicipalityFactory, SettlementFactory


@pytest.mark.django_db
def test_channel_and_external_id_identify_a_case_once():
    CaseFactory(channel=Channel.POS, external_id="123456")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(channel=Channel.POS, external_id="123456")
    CaseFactory(channel=Channel.INCIDENT, external_id="123456")  # another channel: allowed


@pytest.mark.django_db
def test_cases_without_external_id_do_not_collide():
    CaseFactory(channel=Channel.PAPER, external_id=None)
    CaseFactory(channel=Channel.PAPER, external_id=None)
    assert Case.objects.filter(channel=Channel.PAPER).count() == 2


@pytest.mark.django_db
def test_database_refuses_no_answer_status_without_a_reason():
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(status=Status.NO_ANSWER, no_answer_reason="")
    case = CaseFactory(status=Status.NO_ANSWER, no_answer_reason=NoAnswerReason.ANONYMOUS)
    assert case.pk


@pytest.mark.django_db
def test_database_refuses_a_deadline_before_receipt():
    case = CaseFactory.build(municipality=MunicipalityFactory())
    case.due_at = case.received_at - timedelta(hours=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        case.save()


@pytest.mark.django_db
def test_database_refuses_registration_before_receipt():
    case = CaseFactory.build(municipality=MunicipalityFactory())
    case.registered_at = case.received_at - timedelta(minutes=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        case.save()


@pytest.mark.django_db
def test_clean_rejects_empty_text_and_a_subtopic_of_another_topic():
    case = CaseFactory.build(
        municipality=MunicipalityFactory(),
        text="   ",
        topic=Topic.objects.get(code="roads"),
        subtopic=Topic.objects.get(code="housing.heating"),
    )
    with pytest.raises(ValidationError) as exc:
        case.full_clean()
    assert {"text", "subtopic"} <= set(exc.value.message_dict)


@pytest.mark.django_db
def test_clean_rejects_territory_of_another_municipality():
    muni = MunicipalityFactory()
    foreign = SettlementFactory()
    case = CaseFactory.build(municipality=muni, settlement=foreign, block=BlockFactory())
    with pytest.raises(ValidationError) as exc:
        case.full_clean()
    assert {"settlement", "block"} <= set(exc.value.message_dict)


@pytest.mark.django_db
def test_clean_rejects_a_locality_outside_the_settlement():
    muni = MunicipalityFactory()
    settlement = SettlementFactory(municipality=muni)
    other = LocalityFactory(settlement=SettlementFactory(municipality=muni))
    case = CaseFactory.build(municipality=muni, settlement=settlement, locality=other)
    with pytest.raises(ValidationError) as exc:
        case.full_clean()
    assert "locality" in exc.value.message_dict


@pytest.mark.django_db
def test_a_consistent_case_passes_validation():
    muni = MunicipalityFactory()
    loc = LocalityFactory(settlement=SettlementFactory(municipality=muni))
    case = CaseFactory.build(
        municipality=muni,
        settlement=loc.settlement,
        locality=loc,
        topic=Topic.objects.get(code="waste"),
        subtopic=Topic.objects.get(code="waste.collection"),
    )
    case.full_clean()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "shown"), [("10", "— 10 рабочих"), ("30", "— 30 рабочих"), ("1.5", "— 1.5 рабочих")]
)
def test_a_deadline_rule_reads_its_amount_as_people_write_it(amount, shown):
    """Not «1E+1 рабочих дней»: the rule's text is kept on every deadline and shown on the case page."""
    from decimal import Decimal

    from otklik.cases.models import DeadlineRule

    rule = DeadlineRule(kind="message", stage="answer", amount=Decimal(amount), unit="working_days")
    assert shown in str(rule)
