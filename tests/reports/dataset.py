"""A small region whose quarterly report is computed by hand (docs/reports.md, docs/ratings.md).

Europe/Volgograd (UTC+3). The report: I quarter 2026, seen as of 10.04.2026 12:00; compared with
IV quarter 2025 and I quarter 2025.

Municipality A «Котельниковский район» (10 000 residents; settlements «Город» 2 000, «Село» 500), blocks
B1 «Жилищно-коммунальное хозяйство» and B2 «Дороги». Municipality B «Соседний район» (5 000; settlement
«Хутор» 5 000), block B3 «Жилищно-коммунальное хозяйство». «+N d» = N days after receipt, 10:00 local.

| case  | block | kind/channel  | topic   | settl. | received   | due         | answered     | notes        |
|-------|-------|---------------|---------|--------|------------|-------------|--------------|--------------|
| A: a1 | B1    | appeal/email  | housing | Город  | 10.01.2026 | +30 d       | +5 d         | rev. ok; ☺   |
| A: a2 | B1    | message/pos   | housing | Город  | 20.01.2026 | +10 d       | +12 d (late) | rev. ✗,ok; ☹ |
| A: a3 | B1    | message/pos   | housing | Город  | 01.02.2026 | +16 d (new) | +4 d, +8 d   | reopened +6d |
| A: a4 | B1    | incident/inc. | waste   | Город  | 01.03.2026 | 11.03.2026  | —            | open, late   |
| A: a5 | B2    | appeal/paper  | roads   | Село   | 15.02.2026 | +30 d       | +40 d (late) | rev. ok; ☺   |
| A: a6 | B2    | message/web   | roads   | Село   | 20.03.2026 | 20.04.2026  | —            | not yet due  |
| A: a7 | —     | message/pos   | —       | —      | 25.02.2026 | —           | —            | no block     |
| A: p1 | B1    | message/pos   | housing | Город  | 10.11.2025 | +10 d       | +3 d         | prev. qtr    |
| A: p2 | B2    | appeal/email  | roads   | Село   | 01.12.2025 | +30 d       | +10 d        | prev. qtr    |
| A: y1 | B1    | appeal/paper  | housing | Город  | 15.01.2025 | +30 d       | +20 d        | year before  |
| B: b1 | B3    | message/pos   | housing | Хутор  | 05.01.2026 | +10 d       | +2 d         | ☺            |
| B: b2 | B3    | appeal/email  | housing | Хутор  | 10.03.2026 | +30 d       | +6 d         |              |

rev. ok / ✗ — the answer's review approved / rejected; ☺ / ☹ — the resident's latest rating satisfied /
not; a3 is reopened by the resident (an event with no staff actor: not a reaction).
Every case's author, phone and text are personal data that must not reach the report (checked).

A problem of A, block B1, confirmed: «Нет вывоза ТКО, ул. Ленина» with a1, a2, a3; its roadmap: m1 done
01.03.2026, m2 in progress due 01.04.2026 (overdue on 10.04), m3 planned due 30.06.2026.
A poll of A (published, 01.02–15.02.2026, targeting «Город»: 2 000 residents) with 3 ballots; a draft
poll (not counted).

Hand-computed figures, I quarter 2026 (FIGURES below):

* B1 (a1–a4): received 4; per 1 000 = 4·1000/10 000 = 0.4; on time a1, a3 — late a2, a4 (open, due
  11.03 < as-of) → 2/4 = 0.5; answer days 5, 12, 4 → median 5, P90 at 1.8: 5 + 0.8·(12 − 5) = 10.6;
  reactions = the first answers (no staff events) → median 5; reopened 1 of 3 answered; reviews: a1
  approved, a2 rejected first → 1/2; ratings: a1 satisfied, a2 not → 1/2; speed 1 − 5/30; index
  100·(0.3·0.5 + 0.15·(5/6) + 0.15·(2/3) + 0.15·0.5 + 0.25·0.5) = 57.5.
* B2 (a5, a6): received 2; 0.2 per 1 000; a5 late, a6 not yet due → 0/1 = 0; answer 40 d (median and
  P90); reopened 0/1; review 1/1; satisfied 1/1; speed max(0, 1 − 40/30) = 0; index
  100·(0.3·0 + 0.15·0 + 0.15·1 + 0.15·1 + 0.25·1) = 55.
* «не назначено» (a7): received 1, every other figure undefined.
* A in total (7 cases): per 1 000 0.7; on time 2, late 3 → 0.4; answers 4, 5, 12, 40 → median 8.5,
  P90 at 2.7: 12 + 0.7·28 = 31.6; reopened 1/4; review 2/3; satisfied 2/3; speed 1 − 8.5/30;
  index 100·(0.12 + 0.15·(1 − 8.5/30) + 0.15·0.75 + 0.15·(2/3) + 0.25·(2/3)) = 60.6667.
  By kind: appeals 2 (a1, a5), messages 4 (a2, a3, a6, a7), incidents 1 (a4). By channel: email 1, pos 3,
  incident 1, paper 1, web 1. By topic: housing 3, roads 2, waste 1, not determined 1. By settlement:
  Город 4 (2.0 per 1 000), Село 2 (4.0), not determined 1.
  Previous quarter: 2 received (p1, p2), both on time → 1.0; a year before: 1 (y1).
  Accelerated resolution (appeals answered in the quarter): a1 in 5 d (fast), a5 in 40 d → 1/2; per
  block B1 1/1, B2 0/1; previous quarter p2 in 10 d → 1/1; a year before y1 in 20 d → 1/1.
  Polls: 1 held, 3 participants of 2 000 → turnout 0.0015; none in the earlier quarters.
  The problem: 3 cases in the quarter; measures 3, done 1, overdue 1.
* B (b1, b2): received 2; 0.4 per 1 000; on time 2/2; answers 2, 6 → median 4, P90 5.6; no reviews;
  satisfied 1/1; index 100·(0.3·1 + 0.15·(1 − 4/30) + 0.15·1 + 0.25·1) / 0.85 = 97.647.
* The region (9 cases, 15 000 residents): per 1 000 0.6; on time 4, late 3 → 4/7; answers 2, 4, 5, 6, 12,
  40 → median 5.5, P90 at 4.5: 12 + 0.5·28 = 26.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from otklik.cases.models import Answer, CaseEvent, Channel, Kind, Status
from otklik.org.models import Role, Topic
from otklik.participation.models import Ballot, Poll
from otklik.problems.models import Measure, Problem, ProblemCase
from otklik.quality.models import AnswerReview, Rating
from otklik.territory.models import Municipality
from tests.factories import (
    BlockFactory,
    CaseFactory,
    DepartmentFactory,
    RoleFactory,
    SettlementFactory,
)

TZ = zoneinfo.ZoneInfo("Europe/Volgograd")
DAY = timedelta(days=1)
ASOF = datetime(2026, 4, 10, 12, 0, tzinfo=TZ)
#: Personal data put into every case: none of it may appear in a report file.
AUTHOR = "Петров Пётр Петрович"
PHONE = "+7 927 555-12-34"
SECRET = "жалоба на соседа Кузькина"
RESPONSIBLE = "Сидорова Анна Ивановна"


def local(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=TZ)


#: Hand-computed figures of the I quarter 2026 (see the docstring).
FIGURES = {
    "B1": {
        "received": 4,
        "per_1000": 0.4,
        "on_time_share": 0.5,
        "reaction_median": 5.0,
        "answer_median": 5.0,
        "answer_p90": 10.6,
        "reopened_share": 1 / 3,
        "review_share": 0.5,
        "satisfied_share": 0.5,
        "index": 57.5,
        "fast_share": 1.0,
    },
    "B2": {
        "received": 2,
        "per_1000": 0.2,
        "on_time_share": 0.0,
        "answer_median": 40.0,
        "answer_p90": 40.0,
        "reopened_share": 0.0,
        "review_share": 1.0,
        "satisfied_share": 1.0,
        "index": 55.0,
        "fast_share": 0.0,
    },
    "A": {
        "received": 7,
        "per_1000": 0.7,
        "on_time_share": 0.4,
        "answer_median": 8.5,
        "answer_p90": 31.6,
        "reopened_share": 0.25,
        "review_share": 2 / 3,
        "satisfied_share": 2 / 3,
        "index": 100 * (0.12 + 0.15 * (1 - 8.5 / 30) + 0.15 * 0.75 + 0.15 * (2 / 3) + 0.25 * (2 / 3)),
        "fast_share": 0.5,
        "polls_held": 1,
        "participants": 3,
        "turnout": 0.0015,
    },
    "B": {
        "received": 2,
        "per_1000": 0.4,
        "on_time_share": 1.0,
        "answer_median": 4.0,
        "answer_p90": 5.6,
        "reopened_share": 0.0,
        "review_share": None,
        "satisfied_share": 1.0,
        "index": 100 * (0.3 + 0.15 * (1 - 4 / 30) + 0.15 + 0.25) / 0.85,
        "fast_share": 1.0,
    },
    "region": {
        "received": 9,
        "per_1000": 0.6,
        "on_time_share": 4 / 7,
        "answer_median": 5.5,
        "answer_p90": 26.0,
    },
}


def case(muni, block, kind, channel, topic, settlement, received, *, due=None, answers=(), status=None, **kw):
    answered_at = answers[-1] if answers else None
    if status is None:
        status = Status.ANSWERED if answers else Status.IN_PROGRESS
    c = CaseFactory(
        municipality=muni,
        block=block,
        kind=kind,
        channel=channel,
        topic=Topic.objects.get(code=topic) if topic else None,
        settlement=settlement,
        received_at=received,
        due_at=due,
        answered_at=answered_at,
        status=status,
        author_name=AUTHOR,
        author_phone=PHONE,
        text=f"Текст обращения: {SECRET}.",
        title=f"{SECRET} (тема)",
        **kw,
    )
    made = [Answer.objects.create(case=c, text=f"Ответ автору {AUTHOR}.", sent_at=at) for at in answers]
    return c, made


def build() -> dict:
    a = Municipality.objects.create(
        code="kot", name="Котельниковский район", region="Волгоградская область", population=10000
    )
    b = Municipality.objects.create(
        code="sos", name="Соседний район", region="Волгоградская область", population=5000
    )
    town = SettlementFactory(municipality=a, name="Город", population=2000)
    village = SettlementFactory(municipality=a, name="Село", population=500)
    khutor = SettlementFactory(municipality=b, name="Хутор", population=5000)
    d1 = DepartmentFactory(municipality=a, name="Отдел ЖКХ")
    d2 = DepartmentFactory(municipality=a, name="Отдел дорожного хозяйства")
    b1 = BlockFactory(municipality=a, code="housing", name="Жилищно-коммунальное хозяйство")
    b2 = BlockFactory(municipality=a, code="roads", name="Дороги")
    b3 = BlockFactory(municipality=b, code="housing", name="Жилищно-коммунальное хозяйство")
    head_a = RoleFactory(role=Role.HEAD, municipality=a, user__email="head-a@example.ru").user
    head_b = RoleFactory(role=Role.HEAD, municipality=b, user__email="head-b@example.ru").user
    curator = RoleFactory(role=Role.CURATOR, municipality=None).user  # region-wide
    owner_b1 = RoleFactory(role=Role.BLOCK_OWNER, municipality=a, block=b1, user__email="own@example.ru").user
    owner_b2 = RoleFactory(role=Role.BLOCK_OWNER, municipality=a, block=b2).user
    specialist = RoleFactory(role=Role.SPECIALIST, municipality=a, department=d1).user

    t = local(2026, 1, 10)
    a1, (a1x,) = case(
        a,
        b1,
        Kind.APPEAL,
        Channel.EMAIL,
        "housing",
        town,
        t,
        due=t + 30 * DAY,
        answers=[t + 5 * DAY],
        department=d1,
    )
    AnswerReview.objects.create(case=a1, answer=a1x, decision="approved", created_at=t + 4 * DAY)
    Rating.objects.create(case=a1, satisfied=True, source="tracking", created_at=t + 6 * DAY)
    t = local(2026, 1, 20)
    a2, (a2x,) = case(
        a,
        b1,
        Kind.MESSAGE,
        Channel.POS,
        "housing",
        town,
        t,
        due=t + 10 * DAY,
        answers=[t + 12 * DAY],
        department=d1,
    )
    AnswerReview.objects.create(case=a2, answer=a2x, decision="rejected", created_at=t + 11 * DAY)
    AnswerReview.objects.create(case=a2, answer=a2x, decision="approved", created_at=t + 11.5 * DAY)
    Rating.objects.create(case=a2, satisfied=False, source="tracking", created_at=t + 13 * DAY)
    t = local(2026, 2, 1)
    a3, _ = case(
        a,
        b1,
        Kind.MESSAGE,
        Channel.POS,
        "housing",
        town,
        t,
        due=t + 16 * DAY,
        answers=[t + 4 * DAY, t + 8 * DAY],
        department=d1,
    )
    CaseEvent.objects.create(case=a3, at=t + 6 * DAY, type=CaseEvent.Type.STATUS, to_status=Status.REOPENED)
    a4, _ = case(
        a,
        b1,
        Kind.INCIDENT,
        Channel.INCIDENT,
        "waste",
        town,
        local(2026, 3, 1),
        due=local(2026, 3, 11),
        department=d1,
    )
    t = local(2026, 2, 15)
    a5, (a5x,) = case(
        a,
        b2,
        Kind.APPEAL,
        Channel.PAPER,
        "roads",
        village,
        t,
        due=t + 30 * DAY,
        answers=[t + 40 * DAY],
        department=d2,
    )
    AnswerReview.objects.create(case=a5, answer=a5x, decision="approved", created_at=t + 39 * DAY)
    Rating.objects.create(case=a5, satisfied=True, source="tracking", created_at=t + 41 * DAY)
    a6, _ = case(
        a,
        b2,
        Kind.MESSAGE,
        Channel.WEB,
        "roads",
        village,
        local(2026, 3, 20),
        due=local(2026, 4, 20),
        department=d2,
    )
    a7, _ = case(a, None, Kind.MESSAGE, Channel.POS, None, None, local(2026, 2, 25))

    t = local(2025, 11, 10)
    case(
        a,
        b1,
        Kind.MESSAGE,
        Channel.POS,
        "housing",
        town,
        t,
        due=t + 10 * DAY,
        answers=[t + 3 * DAY],
        department=d1,
    )
    t = local(2025, 12, 1)
    case(
        a,
        b2,
        Kind.APPEAL,
        Channel.EMAIL,
        "roads",
        village,
        t,
        due=t + 30 * DAY,
        answers=[t + 10 * DAY],
        department=d2,
    )
    t = local(2025, 1, 15)
    case(
        a,
        b1,
        Kind.APPEAL,
        Channel.PAPER,
        "housing",
        town,
        t,
        due=t + 30 * DAY,
        answers=[t + 20 * DAY],
        department=d1,
    )

    t = local(2026, 1, 5)
    bb1, _ = case(
        b, b3, Kind.MESSAGE, Channel.POS, "housing", khutor, t, due=t + 10 * DAY, answers=[t + 2 * DAY]
    )
    Rating.objects.create(case=bb1, satisfied=True, source="tracking", created_at=t + 3 * DAY)
    t = local(2026, 3, 10)
    case(b, b3, Kind.APPEAL, Channel.EMAIL, "housing", khutor, t, due=t + 30 * DAY, answers=[t + 6 * DAY])

    problem = Problem.objects.create(
        municipality=a,
        title="Нет вывоза ТКО, ул. Ленина",
        topic=Topic.objects.get(code="housing"),
        settlement=town,
        block=b1,
        status="confirmed",
    )
    for c in (a1, a2, a3):
        ProblemCase.objects.create(problem=problem, case=c, source="manual", added_at=c.received_at)
    Measure.objects.create(
        problem=problem,
        order=1,
        title="Заключить договор с региональным оператором",
        responsible_name=RESPONSIBLE,
        start_on=date(2026, 2, 1),
        due_on=date(2026, 3, 1),
        status="done",
        completed_on=date(2026, 3, 1),
        evidence="Договор № 5",
    )
    Measure.objects.create(
        problem=problem,
        order=2,
        title="Поставить контейнеры",
        responsible_name=RESPONSIBLE,
        start_on=date(2026, 3, 1),
        due_on=date(2026, 4, 1),
        status="in_progress",
    )
    Measure.objects.create(
        problem=problem,
        order=3,
        title="Проверить график вывоза",
        responsible_name=RESPONSIBLE,
        start_on=date(2026, 4, 1),
        due_on=date(2026, 6, 30),
    )

    poll = Poll.objects.create(
        municipality=a,
        slug="park",
        title="Благоустройство парка",
        starts_at=local(2026, 2, 1, 0),
        ends_at=local(2026, 2, 15, 0),
        status="published",
    )
    poll.settlements.set([town])
    for i in range(3):
        Ballot.objects.create(
            poll=poll, identity_hash=f"h{i}", identity_kind="email", created_at=local(2026, 2, 2 + i)
        )
    Poll.objects.create(
        municipality=a, slug="draft", title="Черновик", starts_at=local(2026, 2, 1), ends_at=local(2026, 3, 1)
    )
    return {
        "a": a,
        "b": b,
        "b1": b1,
        "b2": b2,
        "b3": b3,
        "town": town,
        "village": village,
        "head_a": head_a,
        "head_b": head_b,
        "curator": curator,
        "owner_b1": owner_b1,
        "owner_b2": owner_b2,
        "specialist": specialist,
        "problem": problem,
        "cases": {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5, "a6": a6, "a7": a7},
    }
