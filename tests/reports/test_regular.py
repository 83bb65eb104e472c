"""The regular reports: the head's weekly summary (kept, notified in the app and by e-mail once per week and
person, shown on a page) and the monthly block reports (queued on the first worker pass of a month, built
in the background, announced to the block's owner, listed for the owner and the head)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core import mail
from django.test import Client
from openpyxl import load_workbook

from otklik.cases.models import Channel, Kind, Status
from otklik.notifications.models import Notification
from otklik.notifications.services import send_pending_emails
from otklik.notifications.worker import enqueue_due_jobs
from otklik.org.models import Topic
from otklik.problems.models import ProblemCase
from otklik.quality.models import Rating
from otklik.reports import services
from otklik.reports.models import ReportRun, RunStatus, WeeklySummary
from otklik.reports.tasks import build_report_task
from otklik.reports.weekly import week_of
from tests.reports.dataset import DAY, TZ, case, local

MONDAY = datetime(2026, 4, 6, 9, 0, tzinfo=TZ)


@pytest.fixture
def week(region):
    """Last week (30.03–05.04.2026) in A, as seen on Monday 06.04 09:00:

    * w1 B1 message received 31.03, due 10.04, open — joins the problem (1 case in the last 4 weeks, 0 in
      the 4 before);
    * w2 B2 appeal received 02.04, due 07.04 10:00, open — within the 2 working days: at risk;
    * w4, w5 B2 messages about roads in «Село» received 03.04 and 04.04, no term, not yet answered — with w2
      three about roads in «Село» this week against none the week before: a growing pair;
    * w3 B2 (Отдел дорожного хозяйства) received 12.03, due 20.03, answered 25.03 (13 days, late), rated not
      satisfied: of the department's 5 cases of the 4 weeks 09.03–05.04 (a6, w2–w5) only w3 is answered or
      due, so its index is
      100·(0.3·0 + 0.15·(1 − 13/30) + 0.15·1 + 0.25·0) / 0.85 = 27.647 (no reviews: the weight drops out);
      Отдел ЖКХ has no index (nothing answered or due in the 4 weeks) but one case overdue now (a4).

    New last week: 4 (appeals 1, messages 3). Overdue now: a4. At risk: w2.
    """
    a, b1, b2, town, village = (region[k] for k in ("a", "b1", "b2", "town", "village"))
    d1 = region["cases"]["a1"].department
    d2 = region["cases"]["a5"].department
    w1, _ = case(
        a,
        b1,
        Kind.MESSAGE,
        Channel.POS,
        "housing",
        town,
        local(2026, 3, 31),
        due=local(2026, 4, 10),
        department=d1,
    )
    ProblemCase.objects.create(problem=region["problem"], case=w1, source="auto", added_at=w1.received_at)
    case(
        a,
        b2,
        Kind.APPEAL,
        Channel.EMAIL,
        "roads",
        village,
        local(2026, 4, 2),
        due=local(2026, 4, 7),
        department=d2,
    )
    for day in (3, 4):
        case(a, b2, Kind.MESSAGE, Channel.POS, "roads", village, local(2026, 4, day), department=d2)
    t = local(2026, 3, 12)
    w3, _ = case(
        a,
        b2,
        Kind.MESSAGE,
        Channel.POS,
        "roads",
        village,
        t,
        due=local(2026, 3, 20),
        answers=[t + 13 * DAY],
        department=d2,
    )
    Rating.objects.create(case=w3, satisfied=False, source="tracking", created_at=t + 14 * DAY)
    return region


def test_the_week_is_the_last_complete_monday_to_sunday():
    assert week_of(MONDAY.date()) == (datetime(2026, 3, 30).date(), datetime(2026, 4, 5).date())
    assert week_of(datetime(2026, 4, 12).date()) == (
        datetime(2026, 3, 30).date(),
        datetime(2026, 4, 5).date(),
    )


def test_the_heads_summary_has_the_hand_computed_figures(week):
    services.send_weekly_summaries(MONDAY)
    data = WeeklySummary.objects.get(user=week["head_a"]).data
    assert (data["week_start"], data["week_end"]) == ("2026-03-30", "2026-04-05")
    assert data["municipalities"] == ["Котельниковский район"]
    assert data["new"] == 4 and data["new_by_kind"] == {"appeal": 1, "message": 3}
    assert (data["overdue"], data["at_risk"], data["at_risk_days"]) == (1, 1, 2)
    worst = [(w["label"], w["index"], w["overdue"]) for w in data["worst"]]
    assert worst == [
        ("Отдел дорожного хозяйства", pytest.approx(27.647, abs=1e-3), 0),
        ("Отдел ЖКХ", None, 1),
    ]
    assert [(p["title"], p["recent"], p["previous"]) for p in data["problems"]] == [
        ("Нет вывоза ТКО, ул. Ленина", 1, 0)
    ]
    roads = Topic.objects.get(code="roads").name
    assert data["pairs"] == [{"topic": roads, "settlement": "Село", "now": 3, "before": 0}]


def test_the_summary_is_notified_and_emailed_once_per_week_and_person(week, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    first = services.send_weekly_summaries(MONDAY)
    assert first == {"summaries": 3, "notified": 3}  # two heads and the region-wide curator
    assert services.send_weekly_summaries(MONDAY.replace(hour=15)) == {"summaries": 0, "notified": 0}
    note = Notification.objects.get(user=week["head_a"])
    summary = WeeklySummary.objects.get(user=week["head_a"])
    assert (note.kind, note.key) == ("weekly_summary", "weekly_summary:2026-03-30")
    assert note.url == f"/reports/weekly/{summary.pk}/"
    assert note.title == "Сводка за неделю 30.03–05.04.2026: новых 4, просрочено 1, под угрозой 1"
    send_pending_emails()
    (message,) = [m for m in mail.outbox if m.to == ["head-a@example.ru"]]
    assert message.subject == f"[Отклик] {note.title}"
    assert "Отдел дорожного хозяйства — индекс 27,6, поступило 5, просрочено сейчас 0" in message.body
    assert "Нет вывоза ТКО, ул. Ленина — 1 (было 0)" in message.body
    assert message.body.endswith(f"/reports/weekly/{summary.pk}/")
    # the next week: a new summary
    later = services.send_weekly_summaries(datetime(2026, 4, 13, 9, 0, tzinfo=TZ))
    assert later == {"summaries": 3, "notified": 3}


def test_the_summary_page_is_its_persons_only(week, client):
    services.send_weekly_summaries(MONDAY)
    summary = WeeklySummary.objects.get(user=week["head_a"])
    client.force_login(week["head_a"])
    page = client.get(f"/reports/weekly/{summary.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Сводка за неделю 30.03.2026 — 05.04.2026" in html and "Отдел дорожного хозяйства" in html
    assert client.get("/reports/weekly/").status_code == 200
    other = Client()
    other.force_login(week["head_b"])
    assert other.get(f"/reports/weekly/{summary.pk}/").status_code == 404


def test_the_worker_queues_the_weekly_and_monthly_jobs_once_per_slot(db, settings):
    settings.OTKLIK_DIGEST_HOUR = 8
    early = datetime(2026, 4, 6, 7, 0, tzinfo=TZ)
    assert not {"weekly_summary", "monthly_reports"} & set(enqueue_due_jobs(early))  # before the hour
    assert {"weekly_summary", "monthly_reports"} <= set(enqueue_due_jobs(MONDAY))
    assert not {"weekly_summary", "monthly_reports"} & set(enqueue_due_jobs(MONDAY.replace(day=8)))
    next_week = set(enqueue_due_jobs(datetime(2026, 4, 14, 10, 0, tzinfo=TZ)))
    assert "weekly_summary" in next_week and "monthly_reports" not in next_week
    assert "monthly_reports" in enqueue_due_jobs(datetime(2026, 5, 1, 9, 0, tzinfo=TZ))


@pytest.fixture
def monthly(region, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.queue_monthly_block_reports(datetime(2026, 4, 1, 9, 0, tzinfo=TZ))
    return {**region, "queued": queued}


def test_each_block_gets_last_months_report_once(monthly, django_capture_on_commit_callbacks):
    assert monthly["queued"] == {"queued": 3}
    runs = ReportRun.objects.order_by("pk")
    assert {r.block.pk for r in runs} == {monthly["b1"].pk, monthly["b2"].pk, monthly["b3"].pk}
    assert all(r.parameters == {"year": 2026, "month": 3} and r.requested_by is None for r in runs)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.queue_monthly_block_reports(datetime(2026, 4, 2, 9, 0, tzinfo=TZ)) == {"queued": 0}


def test_the_block_report_is_built_with_the_blocks_figures(monthly):
    run = ReportRun.objects.get(block=monthly["b1"])
    build_report_task.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.file_name == "otchet-bloka-housing-2026-03-kot.xlsx"
    assert run.title == "Отчёт блока «Жилищно-коммунальное хозяйство» за 03.2026"
    wb = load_workbook(io.BytesIO(run.file.read()))
    assert "Подразделения" in wb.sheetnames and "Опросы" not in wb.sheetnames
    rows = list(wb["Сводка"].iter_rows(values_only=True))
    # March 2026: a4; February: a3; March 2025: none.
    assert next(r for r in rows if r[0] == "Поступило обращений и сообщений")[1:6] == (1, 1, 0, 0, 1)
    assert next(r for r in rows if r[0] == "Период")[1] == "март 2026 (01.03.2026 — 31.03.2026)"
    departments = list(wb["Подразделения"].iter_rows(values_only=True))
    assert next(r for r in departments if r[0] == "Отдел ЖКХ")[1] == 1
    (note,) = Notification.objects.filter(kind="report_ready")
    assert note.user == monthly["owner_b1"]


def test_the_block_report_is_listed_for_its_owner_and_the_head_only(monthly, client):
    run = ReportRun.objects.get(block=monthly["b1"])
    build_report_task.call(run.pk)
    url = f"/reports/runs/{run.pk}/download/"
    for user, status in (
        (monthly["owner_b1"], 200),
        (monthly["head_a"], 200),
        (monthly["owner_b2"], 404),
        (monthly["head_b"], 404),
    ):
        viewer = Client()
        viewer.force_login(user)
        assert viewer.get(url).status_code == status, user
    client.force_login(monthly["owner_b1"])
    html = client.get("/reports/").content.decode()
    assert "Отчёт блока «Жилищно-коммунальное хозяйство» за 03.2026" in html
    assert "Отчёт блока «Дороги»" not in html
    assert "Квартальный отчёт в региональный ЦУР" not in html  # a block owner does not order it


def test_the_block_report_counts_only_the_blocks_cases(monthly):
    """The monthly report reads the block's cases only: another block's case changes nothing."""
    run = ReportRun.objects.get(block=monthly["b2"])
    case(
        monthly["a"],
        monthly["b1"],
        Kind.MESSAGE,
        Channel.POS,
        "housing",
        None,
        local(2026, 3, 5),
        status=Status.REGISTERED,
    )
    build_report_task.call(run.pk)
    run.refresh_from_db()
    assert run.summary == {"received": 1, "municipalities": 1}  # a6 only
