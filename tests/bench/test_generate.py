"""bench.generate on a small region (SQLite): counts, proportions, consistency of statuses with answers,
deadlines and the timeline, and the app's own selectors and pages on the generated data."""

from __future__ import annotations

import io
from collections import Counter
from contextlib import redirect_stdout
from datetime import timedelta

import pytest
from django.db.models import Count, Max, Min, Q
from django.urls import reverse
from django.utils import timezone

from bench.generate import GenerateError, generate, main
from otklik.cases.models import OPEN_STATUSES, Answer, Case, CaseDeadline, CaseEvent, Status
from otklik.org.models import Role, RoleAssignment
from otklik.participation.models import Ballot
from otklik.problems.models import Measure, Problem, ProblemCase
from otklik.quality.models import AnswerReview, Rating
from otklik.territory.models import Municipality, Settlement

N = 2000


@pytest.fixture
def region(db):
    return generate(cases=N, municipalities=3, years=2, seed=7, log=lambda message: None)


def test_counts_and_proportions(region):
    assert region["cases"] == N and region["municipalities"] == 3 and region["years"] == 2
    assert region["rows"]["cases_case"] == Case.objects.count() == N
    assert Municipality.objects.count() == 3 and Settlement.objects.count() > 3
    # Every municipality has cases, the largest (a city okrug) the most.
    per_muni = dict(Case.objects.values_list("municipality__population").annotate(n=Count("id")))
    assert len(per_muni) == 3 and per_muni[max(per_muni)] == max(per_muni.values())
    kinds = Counter(Case.objects.values_list("kind", flat=True))
    assert abs(kinds["message"] / N - 0.42) < 0.06
    assert abs(kinds["incident"] / N - 0.20) < 0.05
    assert abs(kinds["appeal"] / N - 0.38) < 0.06
    statuses = Counter(Case.objects.values_list("status", flat=True))
    assert statuses[Status.CLOSED] / N > 0.8
    assert statuses[Status.REDIRECTED] and statuses[Status.NO_ANSWER]
    assert sum(statuses[s] for s in OPEN_STATUSES) > 0
    now = timezone.now()
    assert Case.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now).exists()  # some overdue
    assert Rating.objects.filter(satisfied=False).exists() and Rating.objects.filter(satisfied=True).exists()
    assert CaseEvent.objects.filter(to_status=Status.REOPENED).exists()
    assert ProblemCase.objects.exists() and Measure.objects.exists() and Problem.objects.exists()
    assert Ballot.objects.exists()
    # Heating in the cold season: more in January than in July.
    heating = Case.objects.filter(subtopic__code="housing.heating")
    assert heating.filter(received_at__month=1).count() > heating.filter(received_at__month=7).count()


def test_the_dashboard_tally_is_counted_at_the_end(region):
    """PostgreSQL: the tally agrees with the generated cases, counted once at the end (no delta left of
    the COPYs); SQLite keeps none."""
    from django.db import connection

    from otklik.analytics.models import CaseTally, CaseTallyDelta
    from otklik.analytics.selectors import tally_check

    assert not CaseTallyDelta.objects.exists()
    if connection.vendor == "postgresql":
        assert tally_check()["differ"] == 0
        assert sum(CaseTally.objects.values_list("total", flat=True)) == N
    else:
        assert not CaseTally.objects.exists()


def test_statuses_agree_with_answers_deadlines_and_timeline(region):
    now = timezone.now()
    # No moment in the future.
    for field in ("received_at", "registered_at", "answered_at", "closed_at"):
        assert not Case.objects.filter(**{f"{field}__gt": now}).exists(), field
    assert not CaseEvent.objects.filter(at__gt=now).exists()
    assert not Answer.objects.filter(sent_at__gt=now).exists()
    assert not Rating.objects.filter(created_at__gt=now).exists()
    # Answered and closed cases have their sent answer, at the case's answer moment.
    answered = Case.objects.filter(status__in=(Status.ANSWERED, Status.CLOSED)).annotate(
        last_sent=Max("answers__sent_at")
    )
    assert answered.exists()
    for case in answered:
        assert case.last_sent is not None and case.answered_at == case.last_sent, case.pk
    assert not Case.objects.filter(status=Status.CLOSED, closed_at__isnull=True).exists()
    # Open cases have no answer moment; overdue ones are open past their deadline.
    assert not Case.objects.filter(status__in=OPEN_STATUSES, answered_at__isnull=False).exists()
    assert not Case.objects.filter(status=Status.NO_ANSWER, no_answer_reason="").exists()
    assert not Answer.objects.filter(case__status__in=(Status.REDIRECTED, Status.NO_ANSWER)).exists()
    # Registered cases have a number, an answer deadline (stored) and the registration event.
    registered = Case.objects.exclude(status=Status.RECEIVED)
    assert not registered.filter(registration_number="").exists()
    assert not registered.filter(due_at__isnull=True).exists()
    with_answer_term = CaseDeadline.objects.filter(stage="answer").values("case")
    assert not registered.exclude(pk__in=with_answer_term).exists()
    assert not registered.exclude(
        pk__in=CaseDeadline.objects.filter(stage="registration").values("case")
    ).exists()
    for d in CaseDeadline.objects.filter(stage="answer").select_related("case")[:300]:
        expected = d.case.due_at if not d.case.is_extended else None
        if expected is not None:
            assert d.due_at == expected, d.case_id
    assert not registered.exclude(
        pk__in=CaseEvent.objects.filter(type=CaseEvent.Type.REGISTERED).values("case")
    ).exists()
    assert not Case.objects.exclude(pk__in=CaseEvent.objects.filter(type="received").values("case")).exists()
    assert not Case.objects.filter(registered_at__lt=models_f("received_at")).exists()
    # Events of a case are in order: the first is its receipt.
    firsts = Case.objects.annotate(first=Min("events__at")).filter(~Q(first=models_f("received_at")))
    assert not firsts.exists()
    # Ratings only on answered cases, after the answer; reviews only in blocks that check answers.
    for rating in Rating.objects.select_related("case", "answer"):
        assert rating.answer is not None and rating.answer.sent_at is not None
        assert rating.created_at >= rating.answer.sent_at
        assert rating.case.status in (Status.ANSWERED, Status.CLOSED, Status.REOPENED)
    assert AnswerReview.objects.exists()
    assert not AnswerReview.objects.filter(case__block__answer_review_required=False).exists()
    # Incidents carry their first-reaction deadline.
    incidents = registered.filter(kind="incident")
    assert not incidents.filter(first_reaction_due_at__isnull=True).exists()


def models_f(name):
    from django.db.models import F

    return F(name)


def test_the_apps_selectors_and_pages_work_on_it(region, client):
    from otklik.analytics.ratings import ratings_table
    from otklik.analytics.selectors import dashboard

    curator = RoleAssignment.objects.get(role=Role.CURATOR).user
    today = timezone.localdate()
    start = today - timedelta(days=365)
    table = ratings_table(curator, group_by="municipality", start=start, end=today)
    assert len(table.rows) == 3
    assert all(r.received > 0 and r.answered > 0 for r in table.rows)
    assert any(r.rated and r.satisfied_share is not None for r in table.rows)
    blocks = ratings_table(curator, group_by="block", start=start, end=today)
    assert sum(r.received for r in blocks.rows) > 0
    board = dashboard(
        curator, municipality=None, topic=None, start=start, end=today, tz=timezone.get_current_timezone()
    )
    assert board.kpi["total"] > 0 and board.kpi["answered"] > 0 and board.kpi["ratings"] > 0
    assert board.kpi["on_time_share"] is not None
    head = RoleAssignment.objects.filter(role=Role.HEAD).select_related("user", "municipality").first()
    client.force_login(head.user)
    response = client.get(reverse("cases:inbox"), {"sort": "-received_at"})
    assert response.status_code == 200
    latest = (
        Case.objects.filter(municipality=head.municipality)
        .exclude(registration_number="")
        .order_by("-received_at", "-id")
        .first()
    )
    assert latest is not None and latest.registration_number in response.content.decode()
    assert client.get(reverse("cases:detail", args=[latest.pk])).status_code == 200
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_refuses_a_database_with_cases_unless_told(capsys):
    from tests.factories import CaseFactory

    CaseFactory()
    with pytest.raises(GenerateError, match="--append"):
        generate(cases=10, municipalities=1, years=1, log=lambda message: None)
    result = generate(cases=50, municipalities=1, years=1, append=True, log=lambda message: None)
    assert result["rows"]["cases_case"] == 51


@pytest.mark.django_db
def test_command_line_prints_one_json_line(capsys):
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["--cases", "30", "--municipalities", "1", "--years", "1", "--seed", "3"]) == 0
    import json

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert result["cases"] == 30 and result["rows"]["cases_case"] == 30 and result["seconds"] >= 0
    assert "обращения:" in capsys.readouterr().err
    assert main(["--cases", "30", "--municipalities", "1", "--years", "1"]) == 2  # refused: cases exist
