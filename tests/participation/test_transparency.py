"""The transparency page shows the analytics' own figures for all the municipality's cases — and nothing
personal: no names, contacts, addresses or texts."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from otklik.analytics.ratings import ratings_table
from otklik.analytics.selectors import dashboard
from otklik.cases.models import Answer, Status
from otklik.org.models import Role
from otklik.participation import transparency
from otklik.quality.models import Rating
from tests.factories import CaseFactory, MunicipalityFactory, RoleFactory, SettlementFactory, topic

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Europe/Volgograd")
DAY = timedelta(days=1)
START, END = date(2026, 1, 1), date(2026, 3, 31)
ASOF = datetime(2026, 4, 10, 12, tzinfo=TZ)
SECRET = "Петров Иван Сергеевич"


def make(muni, received, *, settlement=None, code="housing", due=None, answered=None, satisfied=None, **kw):
    case = CaseFactory(
        municipality=muni,
        received_at=received,
        due_at=due,
        settlement=settlement,
        topic=topic(code),
        status=Status.ANSWERED if answered else Status.IN_PROGRESS,
        answered_at=answered,
        author_name=SECRET,
        author_email="petrov@example.ru",
        author_address="ул. Ленина, 5, кв. 12",
        text=f"Тайный текст обращения {received:%d%m}",
        **kw,
    )
    if answered:
        Answer.objects.create(case=case, text="Ответ", sent_at=answered)
    if satisfied is not None:
        Rating.objects.create(
            case=case, satisfied=satisfied, source="tracking", created_at=(answered or received) + DAY
        )
    return case


@pytest.fixture
def district():
    muni = MunicipalityFactory(code="kot", name="Котельниковский район", population=10000)
    town = SettlementFactory(municipality=muni, name="Город", population=2000)
    village = SettlementFactory(municipality=muni, name="Село", population=500)
    t = datetime(2026, 1, 15, 10, tzinfo=TZ)
    make(muni, t, settlement=town, due=t + 10 * DAY, answered=t + 2 * DAY, satisfied=True)
    make(muni, t + DAY, settlement=town, code="roads", due=t + 5 * DAY, answered=t + 9 * DAY, satisfied=False)
    make(
        muni,
        t + 2 * DAY,
        settlement=village,
        code="roads",
        due=t + 12 * DAY,
        answered=t + 3 * DAY,
        satisfied=True,
    )
    make(muni, t + 3 * DAY, settlement=village, due=t + 5 * DAY)  # unanswered past its due date: late
    make(muni, t + 4 * DAY, due=t + 100 * DAY)  # no settlement, not due yet
    make(muni, datetime(2025, 12, 20, tzinfo=TZ), settlement=town)  # the previous quarter
    other = MunicipalityFactory(code="other")
    make(other, t, settlement=SettlementFactory(municipality=other), satisfied=True)  # another district
    head = RoleFactory(role=Role.HEAD, municipality=muni).user
    return muni, town, village, head


def test_the_figures_equal_the_analytics_selectors(district):
    muni, _, _, head = district
    data = transparency.figures(muni, START, END, asof=ASOF)
    table = ratings_table(head, group_by="settlement", start=START, end=END, municipality=muni, asof=ASOF)
    board = dashboard(head, municipality=muni, topic=None, start=START, end=END, tz=muni.tz)
    assert (data.received, data.answered, data.on_time_share, data.satisfied_share, data.rated) == (
        table.total.received,
        table.total.answered,
        table.total.on_time_share,
        table.total.satisfied_share,
        table.total.rated,
    )
    assert data.received == board.kpi["total"] == 5
    by_name = {r.label: r for r in table.rows}
    for s in data.settlements:
        row = by_name[s.name]
        assert (s.received, s.on_time_share, s.satisfied_share) == (
            row.received,
            row.on_time_share,
            row.satisfied_share,
        )
    assert data.topics == [t.name for t in board.matrix_topics]
    assert data.rows == [
        (r["area"].name, [c["n"] for c in r["cells"]], r["area"].count) for r in board.matrix
    ]


def test_the_figures_by_hand(district):
    muni, *_ = district
    data = transparency.figures(muni, START, END, asof=ASOF)
    # answered in time: 1st and 3rd; late: 2nd (answered after due) and 4th (no answer, due passed)
    assert (data.received, data.answered, data.on_time_share) == (5, 3, 0.5)
    assert (data.rated, data.satisfied_share) == (3, 2 / 3)
    settlements = {s.name: (s.received, s.per_1000, s.on_time_share) for s in data.settlements}
    assert settlements["Город"] == (2, 1.0, 0.5)
    assert settlements["Село"] == (2, 4.0, 0.5)
    assert settlements["поселение не определено"] == (1, None, None)
    roads = data.topics.index(topic("roads").name)
    housing = data.topics.index(topic("housing").name)
    assert dict((name, (counts[housing], counts[roads], total)) for name, counts, total in data.rows) == {
        "Город": (1, 1, 2),
        "Село": (1, 1, 2),
    }
    assert data.label == "I квартал 2026"


def test_the_page_shows_this_quarter_and_nothing_personal(client, district):
    muni, town, _, _ = district
    now = timezone.now()
    make(muni, now - timedelta(minutes=1), settlement=town, due=now + 10 * DAY)
    response = client.get("/transparency/", {"mo": "kot"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Итоги квартала" in page and 'id="transparency-data"' in page and "Город" in page
    for secret in (SECRET, "petrov@example.ru", "Ленина, 5", "Тайный текст", "/cases/"):
        assert secret not in page
    assert client.get("/transparency/", {"mo": "kot", "q": "2026-1"}).status_code == 200


def test_an_unknown_municipality_is_404(client, district):
    assert client.get("/transparency/", {"mo": "nowhere"}).status_code == 404
