"""A seeded, reproducible generator of a district's case history (pure Python, no database).

The same seed, size and `now` always give the same cases. Volumes are skewed by settlement size,
topic popularity, season, weekday and a gentle growth over the period; statuses follow each case's age.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, tzinfo

from otklik.demo import texts

#: (kind, subtopic code, received) → (first reaction due or None, answer due)
DeadlineFn = Callable[[str, str, datetime], tuple[datetime | None, datetime]]


@dataclass(frozen=True)
class Place:
    """A populated place the generator may put a case in."""

    settlement_code: str
    settlement_name: str
    label: str  # "х. Майоровский"
    population: int
    is_town: bool
    lon: float
    lat: float


@dataclass
class DemoEvent:
    type: str
    at: datetime
    from_status: str = ""
    to_status: str = ""
    note: str = ""


@dataclass
class DemoCase:
    kind: str
    channel: str
    received_at: datetime
    topic: str
    subtopic: str
    place: Place | None
    title: str
    text: str
    address: str
    location: dict[str, object] | None
    status: str
    external_id: str | None = None
    external_url: str = ""
    author_name: str = ""
    author_email: str = ""
    author_phone: str = ""
    author_address: str = ""
    is_anonymous: bool = False
    no_answer_reason: str = ""
    registered_at: datetime | None = None
    first_reaction_due_at: datetime | None = None
    due_at: datetime | None = None
    is_extended: bool = False
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    needs_owner: bool = False
    answer_text: str = ""
    events: list[DemoEvent] = field(default_factory=list)


#: channel → (share of traffic, kind of the item, text style)
CHANNELS: dict[str, tuple[float, str, str]] = {
    "pos": (0.40, "message", "neutral"),
    "incident": (0.20, "incident", "social"),
    "web": (0.10, "appeal", "formal"),
    "email": (0.10, "appeal", "formal"),
    "paper": (0.08, "appeal", "formal"),
    "phone": (0.07, "appeal", "neutral"),
    "reception": (0.03, "appeal", "formal"),
    "open311": (0.01, "message", "neutral"),
    "api": (0.01, "message", "neutral"),
}

#: topic → share of traffic
TOPIC_WEIGHTS: dict[str, float] = {
    "housing": 20,
    "roads": 14,
    "waste": 12,
    "improvement": 12,
    "energy": 9,
    "health": 8,
    "transport": 7,
    "education": 7,
    "social": 7,
    "other": 4,
}

#: subtopic → month multipliers (1..12); missing months count 1.0. Heating in the cold season, etc.
SEASONS: dict[str, dict[int, float]] = {
    "housing.heating": {
        1: 3,
        2: 3,
        3: 2,
        4: 0.6,
        5: 0.1,
        6: 0.05,
        7: 0.05,
        8: 0.05,
        9: 0.3,
        10: 2.5,
        11: 3,
        12: 3,
    },
    "housing.water": {6: 1.8, 7: 2.2, 8: 2.0},
    "roads.winter": {
        1: 4,
        2: 3.5,
        3: 0.8,
        4: 0.05,
        5: 0.02,
        6: 0.02,
        7: 0.02,
        8: 0.02,
        9: 0.05,
        10: 0.2,
        11: 1.5,
        12: 4,
    },
    "roads.repair": {3: 1.6, 4: 1.8, 5: 1.5},
    "waste.collection": {6: 1.5, 7: 1.8, 8: 1.6},
    "improvement.greenery": {1: 0.2, 2: 0.2, 5: 2.0, 6: 2.5, 7: 2.0, 11: 0.4, 12: 0.2},
    "improvement.lighting": {11: 1.6, 12: 1.8, 1: 1.6},
    "energy.outage": {7: 1.8, 8: 1.6, 1: 1.4},
    "education.kindergarten": {8: 1.8, 9: 1.6},
    "education.school_bus": {9: 2.0, 10: 1.3},
}

#: A few hot spots that make the heat map and the recurring problems visible in the demo.
HOT_SPOTS: dict[tuple[str, str], float] = {
    ("mayorovskoe", "waste"): 4.0,
    ("pimeno-chernyanskoe", "roads"): 3.0,
    ("zakharovskoe", "energy"): 3.0,
    ("nagavskoe", "housing"): 2.0,
    ("kotelnikovskoe", "transport"): 1.5,
}

NICKS = (
    "Наталья К.",
    "Сергей Петров",
    "Виктория",
    "Алексей_34",
    "мама двоих детей",
    "Житель хутора",
    "Иван Степанович",
    "Оксана М.",
    "Дмитрий",
    "Татьяна Васильевна",
    "Рома",
    "Галина Н.",
)
NETWORKS = (
    ("vk", "https://vk.com/wall-{a}_{b}"),
    ("ok", "https://ok.ru/group/{a}/topic/{b}"),
    ("tg", "https://t.me/kotelnikovo_chat/{b}"),
)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def _received_moments(
    rng: random.Random, n: int, start: datetime, now: datetime, tz: tzinfo
) -> list[datetime]:
    """n moments in [start, now]: more on weekdays and in working hours, slowly growing over time."""
    days = max(1, (now.date() - start.date()).days)
    day_weights = []
    for i in range(days + 1):
        d = start.date() + timedelta(days=i)
        w = 1.0 if d.weekday() < 5 else 0.55
        w *= 0.8 + 0.4 * i / days
        day_weights.append(w)
    picks = rng.choices(range(days + 1), weights=day_weights, k=n)
    moments = []
    for i in picks:
        d = start.date() + timedelta(days=i)
        hour = min(23, max(0, int(rng.gauss(13, 4))))
        local = datetime.combine(d, time(hour, rng.randrange(60), rng.randrange(60)), tzinfo=tz)
        moments.append(min(local, now - timedelta(minutes=rng.randrange(5, 180))))
    return sorted(moments)


def _pick_subtopic(rng: random.Random, topic: str, subtopics: dict[str, list[str]], month: int) -> str:
    subs = subtopics[topic]
    weights = {s: SEASONS.get(s, {}).get(month, 1.0) for s in subs}
    return _weighted(rng, weights)


def _pick_topic(rng: random.Random, month: int, settlement_code: str, subtopics: dict[str, list[str]]) -> str:
    weights = {}
    for topic, base in TOPIC_WEIGHTS.items():
        season = sum(SEASONS.get(s, {}).get(month, 1.0) for s in subtopics[topic]) / len(subtopics[topic])
        weights[topic] = base * season * HOT_SPOTS.get((settlement_code, topic), 1.0)
    return _weighted(rng, weights)


def _status_for_age(rng: random.Random, kind: str, age: timedelta, due: timedelta) -> str:
    days = age.total_seconds() / 86400
    if days < 0.5:
        return rng.choices(["received", "registered", "assigned"], [4, 4, 2])[0]
    if days < 5:
        return rng.choices(["registered", "assigned", "in_progress", "answered"], [1.5, 3, 4.5, 1])[0]
    if days < due.days + 5:
        return rng.choices(
            ["in_progress", "answered", "closed", "reopened", "redirected"], [4, 2.5, 3, 0.4, 0.3]
        )[0]
    weights = {"closed": 88.0, "answered": 1.0, "redirected": 4.0, "in_progress": 0.6, "no_answer": 0.0}
    if kind == "appeal":
        weights["no_answer"] = 3.0
    return _weighted(rng, weights)


def generate_cases(
    seed: int,
    n: int,
    now: datetime,
    places: list[Place],
    subtopics: dict[str, list[str]],
    deadlines: DeadlineFn,
    *,
    years: int = 2,
) -> list[DemoCase]:
    """Generate n cases received over the `years` before `now` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    missing = set(TOPIC_WEIGHTS) - set(subtopics)
    if missing:
        raise ValueError(f"topic tree lacks topics: {sorted(missing)}")
    rng = random.Random(seed)
    tz = now.tzinfo
    start = now - timedelta(days=365 * years)
    place_weights = [p.population**0.9 for p in places]
    cases = []
    channel_weights = {c: v[0] for c, v in CHANNELS.items()}
    for seq, received in enumerate(_received_moments(rng, n, start, now, tz), start=1):
        channel = _weighted(rng, channel_weights)
        _, kind, style = CHANNELS[channel]
        place = rng.choices(places, weights=place_weights, k=1)[0] if places else None
        settlement_code = place.settlement_code if place else ""
        topic = _pick_topic(rng, received.month, settlement_code, subtopics)
        subtopic = _pick_subtopic(rng, topic, subtopics, received.month)
        case = _one_case(rng, seq, channel, kind, style, received, now, place, topic, subtopic, deadlines)
        cases.append(case)
    return cases


def _street(rng: random.Random, place: Place) -> str:
    return rng.choice(texts.STREETS_TOWN if place.is_town else texts.STREETS_RURAL)


def _one_case(
    rng: random.Random,
    seq: int,
    channel: str,
    kind: str,
    style: str,
    received: datetime,
    now: datetime,
    place: Place | None,
    topic: str,
    subtopic: str,
    deadlines: DeadlineFn,
) -> DemoCase:
    if place is not None:
        slots = texts.Slots(
            locality=place.label,
            street=_street(rng, place),
            house=str(rng.randint(1, 120)),
            settlement=place.settlement_name,
        )
        address = f"{place.label}, {slots.street}, д. {slots.house}"
        jitter = 0.03 if place.is_town else 0.01
        location: dict[str, object] | None = {
            "type": "Point",
            "coordinates": [
                round(place.lon + rng.uniform(-jitter, jitter), 5),
                round(place.lat + rng.uniform(-jitter, jitter), 5),
            ],
        }
    else:
        slots = texts.Slots(locality="", street="", house="", settlement="")
        address, location = "", None
    case = DemoCase(
        kind=kind,
        channel=channel,
        received_at=received,
        topic=topic,
        subtopic=subtopic,
        place=place,
        title=texts.message_title(rng, subtopic),
        text=texts.message_text(rng, subtopic, style, slots),
        address=address if rng.random() > 0.1 else "",
        location=location,
        status="received",
    )
    _author(rng, case, slots)
    if channel == "pos":
        case.external_id = str(100_000_000 + seq * 7919 % 90_000_000)
    elif channel == "incident":
        net, pattern = rng.choice(NETWORKS)
        case.external_id = f"{net}-{seq:07d}"
        case.external_url = pattern.format(a=rng.randint(10_000, 99_999), b=seq)
    elif channel in ("open311", "api"):
        case.external_id = f"{channel}-{seq:07d}"
    first_due, due = deadlines(kind, subtopic, received)
    case.first_reaction_due_at = first_due
    age = now - received
    status = _status_for_age(rng, kind, age, due - received)
    if status == "no_answer" and not case.is_anonymous and rng.random() < 0.5:
        case.is_anonymous = True
        case.author_name = case.author_email = case.author_phone = case.author_address = ""
    _lifecycle(rng, case, status, received, now, due, slots)
    return case


def _author(rng: random.Random, case: DemoCase, slots: texts.Slots) -> None:
    if case.channel == "incident":
        case.author_name = rng.choice(NICKS)
        return
    if case.kind == "appeal" and rng.random() < 0.04:
        case.is_anonymous = True
        return
    last, first, patronymic = texts.person(rng)
    case.author_name = f"{last} {first} {patronymic}"
    if case.channel in ("email", "web", "pos") or rng.random() < 0.3:
        case.author_email = texts.email_for(rng, last, first)
    if case.channel in ("phone", "pos", "reception") or rng.random() < 0.4:
        case.author_phone = texts.phone(rng)
    if case.kind == "appeal" and slots.locality:
        case.author_address = f"{slots.locality}, {slots.street}, д. {slots.house}"


def _lifecycle(
    rng: random.Random,
    case: DemoCase,
    status: str,
    received: datetime,
    now: datetime,
    due: datetime,
    slots: texts.Slots,
) -> None:
    """Fill the timeline and moments consistent with the final status."""
    events = case.events
    events.append(DemoEvent("received", received, "", "received"))
    case.due_at = due
    if status == "received":
        case.status = status
        return
    reg = min(
        now, received + timedelta(minutes=rng.randint(10, 60 * 24 * (3 if case.kind == "appeal" else 1)))
    )
    case.registered_at = reg
    events.append(DemoEvent("registered", reg, "received", "registered"))
    if status == "registered":
        case.status = status
        return
    if status == "no_answer":
        reason = "anonymous" if case.is_anonymous else rng.choice(["repeated", "obscene", "unreadable"])
        at = min(now, reg + timedelta(days=rng.randint(1, 10)))
        case.no_answer_reason = reason
        case.closed_at = at
        events.append(DemoEvent("status", at, "registered", "no_answer", "Оставлено без ответа по существу"))
        case.status = status
        return
    if status == "redirected":
        at = min(now, reg + timedelta(days=rng.randint(1, 6)))
        case.closed_at = at
        events.append(
            DemoEvent(
                "redirected",
                at,
                "registered",
                "redirected",
                "Направлено по компетенции в орган, в ведении которого находится вопрос",
            )
        )
        case.status = status
        return
    case.needs_owner = True
    assigned = min(now, reg + timedelta(hours=rng.randint(1, 30)))
    events.append(DemoEvent("assigned", assigned, "registered", "assigned"))
    if status == "assigned":
        case.status = status
        return
    started = min(now, assigned + timedelta(hours=rng.randint(1, 24)))
    events.append(DemoEvent("status", started, "assigned", "in_progress"))
    if status == "in_progress":
        if case.kind == "appeal" and now > due - timedelta(days=5) and rng.random() < 0.3:
            case.is_extended = True
            case.due_at = due + timedelta(days=30)
            events.append(
                DemoEvent("extended", min(now, due - timedelta(days=3)), note="Продлено на 30 дней")
            )
        case.status = status
        return
    # answered, closed or reopened: the answer time is log-normal around a third of the period, some late.
    period = (due - received).total_seconds()
    late = rng.random() < 0.08
    fraction = rng.uniform(1.0, 1.6) if late else min(0.98, math.exp(rng.gauss(math.log(0.35), 0.6)))
    answered = max(started + timedelta(minutes=30), received + timedelta(seconds=period * fraction))
    answered = min(answered, now)
    formal = rng.random() < 0.1
    case.answer_text = texts.answer_text(rng, case.subtopic, slots, formal_reply=formal)
    case.answered_at = answered
    events.append(DemoEvent("answered", answered, "in_progress", "answered"))
    if status == "answered":
        case.status = status
        return
    closed = min(now, answered + timedelta(hours=rng.randint(1, 72)))
    case.closed_at = closed
    events.append(DemoEvent("status", closed, "answered", "closed"))
    if status == "reopened":
        reopened = min(now, closed + timedelta(hours=rng.randint(1, 48)))
        case.closed_at = None
        events.append(DemoEvent("status", reopened, "closed", "reopened", REOPENED_NOTE))
    elif status == "closed":
        _reopened_before(case, closed, now)
    case.status = status


#: A closed case was reopened once on the way this often (its author not satisfied, a second answer).
REOPENED_BEFORE = 0.05
REOPENED_NOTE = "Автор не удовлетворён ответом: обращение возобновлено"


def _reopened_before(case: DemoCase, closed: datetime, now: datetime) -> None:
    """Some closed cases went through a reopening: closed, reopened a day or two later, answered again,
    closed again — as the older cases of a real centre, whose reopened share is never zero. Decided by a
    generator of the case's own (seeded by its text and moment), so the demo's other cases stay as they
    were."""
    own = random.Random(f"{case.received_at.isoformat()}|{case.text}")
    if own.random() >= REOPENED_BEFORE:
        return
    reopened = closed + timedelta(hours=own.randint(4, 48))
    answered = reopened + timedelta(days=own.randint(2, 12))
    closed_again = answered + timedelta(hours=own.randint(1, 72))
    if closed_again > now:
        return
    case.events += [
        DemoEvent("status", reopened, "closed", "reopened", REOPENED_NOTE),
        DemoEvent("answered", answered, "reopened", "answered"),
        DemoEvent("status", closed_again, "answered", "closed"),
    ]
    case.closed_at = closed_again
