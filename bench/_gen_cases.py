"""The cases of `python -m bench.generate`, one lifecycle per case in plain Python (seeded `random`), written
a month at a time by the caller's writer (COPY on PostgreSQL, executemany on SQLite).

Each case is drawn, then lived through to `now`: registration, assignment, work, the answer, closure, the
author's rating, sometimes a reopening and a second answer. A moment later than `now` is never written:
the case simply stops in the status it has reached, so statuses always agree with the answers, the
timeline and the deadlines (an open case past its answer deadline is overdue and has no answer date).

Deadlines are the app's own: the rule table (`deadline_engine.winning_rules`) and the production calendar
(`otklik.core.calendar`) through `cases.rules.due`. For years the shipped calendar does not cover, a
year is synthesised from the fixed public holidays of ст. 112 ТК РФ without the government's transfers
(an approximation, documented in bench/README.md).
"""

from __future__ import annotations

import json
import math
import random
import time
import zoneinfo
from bisect import bisect
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

from bench._gen_region import TIMEZONE, Place, Region
from otklik.demo import texts
from otklik.demo.generator import CHANNELS, NETWORKS, NICKS, SEASONS, TOPIC_WEIGHTS
from otklik.demo.services import RATED_SHARE, REGISTRATION_PREFIX, REJECTED_FIRST, SATISFIED_SHARE

DAY = 86_400
HOUR = 3_600
#: Subtopics whose clusters become recurring problems (hot spots: a place and a period with many cases).
HOT_SUBTOPICS = (
    "waste.collection",
    "roads.repair",
    "housing.water",
    "housing.heating",
    "energy.outage",
    "energy.gasification",
    "roads.safety",
    "transport.schedule",
    "improvement.lighting",
    "waste.dumps",
)
#: Final outcomes other than an answer, by kind: (redirected, left without answer, never answered).
OTHER_OUTCOMES = {
    "appeal": (0.04, 0.03, 0.004),
    "message": (0.02, 0.0, 0.004),
    "incident": (0.02, 0.0, 0.004),
}
#: Answers late on the merits; appeals late get an extension half the time.
LATE_SHARE = 0.08
#: Closed cases reopened after a quality check by the head (any kind), besides reopenings by rating.
QUALITY_REOPEN = 0.012
SAT_COMMENTS = ("", "", "", "Спасибо!", "Спасибо, всё сделали быстро.", "Вопрос решён.")
UNSAT_COMMENTS = (
    "Проблема не решена.",
    "Ответ формальный, ничего не сделано.",
    "Обещали, но так и не выполнили.",
    "Ответ не по существу вопроса.",
    "",
)
STYLE = {c: v[2] for c, v in CHANNELS.items()}
KIND = {c: v[1] for c, v in CHANNELS.items()}
CHANNEL_NOTE = {
    "pos": "Канал: ПОС «Госуслуги. Решаем вместе»",
    "incident": "Канал: «Медиалогия Инцидент»",
    "web": "Канал: сайт",
    "email": "Канал: электронная почта",
    "phone": "Канал: телефон",
    "paper": "Канал: письмо",
    "reception": "Канал: личный приём",
    "open311": "Канал: Open311",
    "api": "Канал: API",
}
TOKENS = ("⟦1⟧", "⟦2⟧", "⟦3⟧", "⟦4⟧")  # locality, street, house, settlement in pooled texts


def _slots(place: Any) -> Any:
    """The text generator's slots of a place: tokens a row's own locality, street, … replace later
    (none for a place without a locality)."""
    return texts.Slots(
        locality=f"{place.prefix} {TOKENS[0]}" if place.prefix else "",
        street=TOKENS[1] if place.prefix else "",
        house=TOKENS[2] if place.prefix else "",
        settlement=TOKENS[3] if place.prefix else "",
    )


def synthetic_calendar(years: range) -> Any:
    """The shipped production calendar, completed for the years it lacks by the fixed holidays alone."""
    from otklik.core.calendar import ProductionCalendar, YearCalendar

    shipped = ProductionCalendar.load()
    have = set(shipped.years())
    made = [shipped.year(y) for y in sorted(have)]
    for y in years:
        if y in have:
            continue
        holidays = [date(y, 1, d) for d in range(1, 9)]
        holidays += [
            date(y, 2, 23),
            date(y, 3, 8),
            date(y, 5, 1),
            date(y, 5, 9),
            date(y, 6, 12),
            date(y, 11, 4),
        ]
        made.append(
            YearCalendar(
                year=y,
                decree="приближение генератора bench.generate: праздники ст. 112 ТК РФ без переносов",
                holidays=frozenset(holidays),
                transferred_days_off=frozenset(),
                working_weekend_days=frozenset(),
                short_days=frozenset(),
            )
        )
    return ProductionCalendar(made)


class Deadlines:
    """Due moments (epoch seconds) by the app's rules and calendar, cached per rule and local date."""

    def __init__(self, years: range) -> None:
        from otklik.cases import deadline_engine
        from otklik.cases.rules import due
        from otklik.core.calendar import WorkSchedule

        self.tz = zoneinfo.ZoneInfo(TIMEZONE)
        self.calendar = synthetic_calendar(years)
        self.schedule = WorkSchedule(tz=self.tz)
        self._due = due
        self._winning = deadline_engine.winning_rules
        self._rules: dict[tuple[str, str], dict[str, Any]] = {}
        self._cache: dict[tuple[int, int], int] = {}
        self._offset = int(datetime(2025, 1, 1, tzinfo=self.tz).utcoffset().total_seconds())  # type: ignore[union-attr]

    def rules(self, kind: str, subtopic: str) -> dict[str, Any]:
        key = (kind, subtopic)
        if key not in self._rules:
            self._rules[key] = {
                stage: (rule, str(rule)[:300]) for stage, rule in self._winning(kind, subtopic, None).items()
            }
        return self._rules[key]

    def due(self, rule: Any, start: int) -> int:
        if rule.unit == "working_hours":
            moment = datetime.fromtimestamp(start, self.tz)
            return int(self._due(self.calendar, self.schedule, rule, moment).timestamp())
        local_day = (start + self._offset) // DAY  # day terms depend on the local date only
        key = (rule.pk, local_day)
        hit = self._cache.get(key)
        if hit is None:
            moment = datetime.fromtimestamp(local_day * DAY - self._offset + 12 * HOUR, self.tz)
            hit = self._cache[key] = int(self._due(self.calendar, self.schedule, rule, moment).timestamp())
        return hit


@dataclass
class HotSpot:
    muni: int
    settlement_id: int
    settlement_name: str
    subtopic: str
    start: int
    end: int
    share: float  # of the settlement's cases in the period, forced to this subtopic


def fmt(
    ts: int | None, _strftime: Callable[..., str] = time.strftime, _gm: Callable[..., Any] = time.gmtime
) -> Any:
    """Epoch seconds → 'YYYY-MM-DD HH:MM:SS' in UTC (the writer sets the session to UTC on PostgreSQL)."""
    return None if ts is None else _strftime("%Y-%m-%d %H:%M:%S", _gm(ts))


class CaseGenerator:
    """Draws and lives through the cases; `month(...)` returns the rows of one month for each table."""

    def __init__(
        self,
        region: Region,
        topics: dict[str, Any],
        n_cases: int,
        years: int,
        now: int,
        seed: int,
        ids: dict[str, int],
    ) -> None:
        self.rng = random.Random(seed)
        self.region = region
        self.now = now
        self.n = n_cases
        self.ids = ids
        self.topic_id = {code: t.pk for code, t in topics.items()}
        self.subs: dict[str, list[str]] = defaultdict(list)
        for code, t in topics.items():
            if t.parent_id is not None:
                self.subs[code.split(".")[0]].append(code)
        self.sub_codes = [s for topic in TOPIC_WEIGHTS for s in sorted(self.subs[topic])]
        # Joint topic/subtopic weights per month: the topic's share, spread over its subtopics by season.
        self.sub_cum: dict[int, list[float]] = {}
        self.month_factor: dict[int, float] = {}
        base = sum(TOPIC_WEIGHTS.values())
        for month in range(1, 13):
            w = [
                TOPIC_WEIGHTS[s.split(".")[0]]
                * SEASONS.get(s, {}).get(month, 1.0)
                / len(self.subs[s.split(".")[0]])
                for s in self.sub_codes
            ]
            self.sub_cum[month] = list(accumulate(w))
            self.month_factor[month] = sum(w) / base
        self.channels = list(CHANNELS)
        self.channel_cum = list(accumulate(CHANNELS[c][0] for c in self.channels))
        self.place_cum = list(accumulate(p.weight for p in region.places))
        self.tz = zoneinfo.ZoneInfo(TIMEZONE)
        start_year = datetime.fromtimestamp(now - years * 365 * DAY, self.tz).year
        self.deadlines = Deadlines(range(start_year - 1, datetime.fromtimestamp(now, self.tz).year + 3))
        self.start = now - years * 365 * DAY
        self.counters: dict[tuple[int, str, int], int] = defaultdict(int)
        self.people = [self._person() for _ in range(4000)]
        self._text_pool: dict[tuple[str, str, str], list[str]] = {}
        self._answer_pool: dict[tuple[str, str, bool], list[str]] = {}
        self.hot = self._hot_spots()
        self.hot_by_settlement: dict[int, list[HotSpot]] = defaultdict(list)
        for h in self.hot:
            self.hot_by_settlement[h.settlement_id].append(h)
        from otklik.quality.formal import CHECKLIST_CODES

        self.checklist_ok = json.dumps(dict.fromkeys(CHECKLIST_CODES, True), ensure_ascii=False)
        self.checklist_bad = json.dumps(
            {**dict.fromkeys(CHECKLIST_CODES, True), "responsible_and_date": False}, ensure_ascii=False
        )
        self.warnings_bad = json.dumps(
            [{"code": "no_date", "message": "Не указан срок: дата или период выполнения."}],
            ensure_ascii=False,
        )
        self.formats = [m.obj.registration_number_format for m in region.munis]
        self.codes = [m.obj.code for m in region.munis]
        self._slots = ("", "", "", "")

    # --- pools ---------------------------------------------------------------------------------------

    def _person(self) -> tuple[str, str, str]:
        rng = self.rng
        last, first, patronymic = texts.person(rng)
        return f"{last} {first} {patronymic}", texts.email_for(rng, last, first), texts.phone(rng)

    def _text(self, subtopic: str, style: str, place: Place) -> str:
        key = (subtopic, style, place.prefix)
        pool = self._text_pool.get(key)
        if pool is None:
            slots = _slots(place)
            pool = self._text_pool[key] = [
                texts.message_text(self.rng, subtopic, style, slots) for _ in range(48)
            ]
        return self.rng.choice(pool)

    def _answer(self, subtopic: str, place: Place, formal: bool) -> str:
        key = (subtopic, place.prefix, formal)
        pool = self._answer_pool.get(key)
        if pool is None:
            slots = _slots(place)
            pool = self._answer_pool[key] = [
                texts.answer_text(self.rng, subtopic, slots, formal_reply=formal) for _ in range(32)
            ]
        return self.rng.choice(pool)

    # --- the period ----------------------------------------------------------------------------------

    def day_counts(self) -> list[tuple[int, int]]:
        """(local midnight as epoch seconds, number of cases) for every day of the period: weekdays busier,
        winter busier (the seasons of the topics), a gentle growth over the years."""
        rng = self.rng
        first = datetime.fromtimestamp(self.start, self.tz).date()
        last = datetime.fromtimestamp(self.now, self.tz).date()
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        weights = [
            (1.0 if d.weekday() < 5 else 0.55) * self.month_factor[d.month] * (0.8 + 0.4 * i / len(days))
            for i, d in enumerate(days)
        ]
        picks = rng.choices(range(len(days)), cum_weights=list(accumulate(weights)), k=self.n)
        counts = [0] * len(days)
        for i in picks:
            counts[i] += 1
        return [
            (int(datetime(d.year, d.month, d.day, tzinfo=self.tz).timestamp()), c)
            for d, c in zip(days, counts, strict=True)
        ]

    def _hot_spots(self) -> list[HotSpot]:
        rng = self.rng
        total_w = self.place_cum[-1]
        days = (self.now - self.start) / DAY
        by_settlement: dict[int, tuple[float, Place]] = {}
        for p in self.region.places:
            if p.settlement_id is not None:
                w, first = by_settlement.get(p.settlement_id, (0.0, p))
                by_settlement[p.settlement_id] = (w + p.weight, first)
        spots = []
        for i, _m in enumerate(self.region.munis):
            settlements = [(w, p) for w, p in by_settlement.values() if p.muni == i]
            for _ in range(rng.randint(2, 6)):
                w, p = rng.choices(settlements, weights=[x[0] ** 0.5 for x in settlements])[0]
                sub = rng.choice(HOT_SUBTOPICS)
                length = rng.randint(60, 300)
                start = self.start + int(rng.uniform(0, days - 30) * DAY)
                per_day = self.n * w / total_w / days
                target = rng.randint(15, 150)
                spots.append(
                    HotSpot(
                        i, p.settlement_id or 0, p.settlement_name, sub, start, start + length * DAY,
                        min(0.6, target / max(1.0, per_day * length)),
                    )
                )  # fmt: skip
        return spots

    # --- one month -------------------------------------------------------------------------------------

    def month(self, days: list[tuple[int, int]], out: dict[str, list[tuple[Any, ...]]]) -> int:
        """Generate the cases received on `days` into `out` (table key → rows); returns how many."""
        rng = self.rng
        random_ = rng.random
        moments = []
        for midnight, count in days:
            for _ in range(count):
                hour = min(23, max(0, int(rng.gauss(13, 4))))
                moments.append(midnight + hour * HOUR + int(random_() * HOUR))
        moments.sort()
        limit = self.now - 300
        n = 0
        for received in moments:
            if received > limit:
                received = limit - int(random_() * 3 * HOUR)
            self._case(received, out)
            n += 1
        return n

    def _case(self, received: int, out: dict[str, list[tuple[Any, ...]]]) -> None:
        rng = self.rng
        rnd = rng.random
        now = self.now
        dl = self.deadlines
        case_id = self.ids["case"]
        self.ids["case"] += 1
        place = self.region.places[bisect(self.place_cum, rnd() * self.place_cum[-1])]
        m = self.region.munis[place.muni]
        month = datetime.fromtimestamp(received, self.tz).month
        subtopic = ""
        for h in self.hot_by_settlement.get(place.settlement_id or -1, ()):
            if h.start <= received < h.end and rnd() < h.share:
                subtopic = h.subtopic
        if not subtopic:
            cum = self.sub_cum[month]
            subtopic = self.sub_codes[bisect(cum, rnd() * cum[-1])]
        topic = subtopic.split(".")[0]
        channel = self.channels[bisect(self.channel_cum, rnd() * self.channel_cum[-1])]
        kind = KIND[channel]
        rules = dl.rules(kind, subtopic)
        events = out["event"]

        # Author and text.
        anonymous = False
        email = phone = author_address = ""
        if channel == "incident":
            author = rng.choice(NICKS)
        elif kind == "appeal" and rnd() < 0.04:
            author, anonymous = "", True
        else:
            author, email, phone = rng.choice(self.people)
            if not (channel in ("email", "web", "pos") or rnd() < 0.3):
                email = ""
            if not (channel in ("phone", "pos", "reception") or rnd() < 0.4):
                phone = ""
        street = rng.choice(place.streets) if place.streets else ""
        house = str(int(1 + rnd() * 120)) if street else ""
        text = self._text(subtopic, STYLE[channel], place)
        if place.prefix:
            name = place.label.split(" ", 1)[1]
            self._slots = (name, street, house, place.settlement_name)
            text = (
                text.replace(TOKENS[0], name)
                .replace(TOKENS[1], street)
                .replace(TOKENS[2], house)
                .replace(TOKENS[3], place.settlement_name)
            )
        address = f"{place.label}, {street}, д. {house}" if street and rnd() > 0.1 else ""
        if kind == "appeal" and not anonymous and place.label:
            author_address = f"{place.label}, {street}, д. {house}"
        location = None
        if place.prefix and rnd() < 0.8:
            j = 0.03 if place.is_town else 0.01
            location = (
                f'{{"type": "Point", "coordinates": [{place.lon + (rnd() - 0.5) * 2 * j:.5f}, '
                f"{place.lat + (rnd() - 0.5) * 2 * j:.5f}]}}"
            )
        external_id = None
        external_url = ""
        if channel == "pos":
            external_id = str(100_000_000 + case_id)
        elif channel == "incident":
            net, pattern = rng.choice(NETWORKS)
            external_id = f"bench-{net}-{case_id}"
            external_url = pattern.format(a=10_000 + case_id % 90_000, b=case_id)
        elif channel in ("open311", "api"):
            external_id = f"bench-{channel}-{case_id}"
        token = None if channel in ("incident", "pos") else f"b{case_id:x}{rng.getrandbits(48):012x}"

        # Registration.
        reg_rule = rules.get("registration")
        reg_due = dl.due(reg_rule[0], received) if reg_rule else None
        if kind == "appeal":
            delay = int(600 + rnd() ** 2 * 2.5 * DAY)
        elif kind == "message":
            delay = int(300 + rnd() ** 2 * 20 * HOUR)
        else:
            delay = int(300 + rnd() ** 2 * 6 * HOUR)
        registered = received + delay
        status = "received"
        events.append((case_id, fmt(received), None, "received", "", "received", CHANNEL_NOTE[channel], "{}"))
        last_at = received
        registered_at = due_at = first_due = answered_at = closed_at = None
        owner = block_id = dept_id = None
        number = ""
        is_extended = False
        no_answer_reason = ""
        escalation = 0
        deadlines = out["deadline"]
        block = m.blocks.get(topic)
        if registered <= now:
            status = "registered"
            registered_at = registered
            year = datetime.fromtimestamp(registered, self.tz).year
            prefix = REGISTRATION_PREFIX[kind]
            key = (place.muni, prefix, year)
            self.counters[key] += 1
            number = self.formats[place.muni].format(
                prefix=prefix,
                yy=f"{year % 100:02d}",
                yyyy=f"{year:04d}",
                n=self.counters[key],
                code=self.codes[place.muni],
            )
            if block is not None:
                block_id, dept_id = block.pk, block.department_id
            reg_at = fmt(registered)
            events.append((case_id, reg_at, None, "registered", "received", "registered", "", "{}"))
            last_at = registered
            if reg_rule:
                deadlines.append(
                    (case_id, "registration", fmt(reg_due), reg_rule[0].pk, reg_rule[1], reg_at, reg_at)
                )
            ans_rule = rules["answer"]
            anchor = registered if ans_rule[0].counts_from == "registered" else received
            due_at = dl.due(ans_rule[0], anchor)
            fr_rule = rules.get("first_reaction")
            if fr_rule:
                first_due = dl.due(fr_rule[0], received)
                reaction = received + int(HOUR * (0.3 + rnd() ** 2 * 10))
                deadlines.append(
                    (case_id, "first_reaction", fmt(first_due), fr_rule[0].pk, fr_rule[1], reg_at,
                     fmt(reaction) if reaction <= now else None)
                )  # fmt: skip
            redirected_p, no_answer_p, stuck_p = OTHER_OUTCOMES[kind]
            u = rnd()
            answer_row: list[Any] | None = None
            if u < redirected_p:
                at = registered + int(DAY * (0.2 + rnd() * 5))
                red = rules.get("redirection")
                if red:
                    start = registered if red[0].counts_from == "registered" else received
                    deadlines.append(
                        (case_id, "redirection", fmt(dl.due(red[0], start)), red[0].pk, red[1], reg_at,
                         fmt(at) if at <= now else None)
                    )  # fmt: skip
                if at <= now:
                    status, closed_at, last_at = "redirected", at, at
                    events.append(
                        (case_id, fmt(at), m.head.pk, "redirected", "registered", "redirected",
                         "Направлено по компетенции в орган, в ведении которого находится вопрос", "{}")
                    )  # fmt: skip
                deadlines.append((case_id, "answer", fmt(due_at), ans_rule[0].pk, ans_rule[1], reg_at, None))
            elif u < redirected_p + no_answer_p:
                at = registered + int(DAY * (1 + rnd() * 9))
                if at <= now:
                    if anonymous:
                        reason = "anonymous"
                    else:
                        reason = rng.choice(("repeated", "obscene", "unreadable", "anonymous"))
                    if reason == "anonymous":
                        anonymous, author, email, phone, author_address = True, "", "", "", ""
                    status, closed_at, last_at, no_answer_reason = "no_answer", at, at, reason
                    events.append(
                        (case_id, fmt(at), m.head.pk, "status", "registered", "no_answer",
                         "Оставлено без ответа по существу", "{}")
                    )  # fmt: skip
                deadlines.append((case_id, "answer", fmt(due_at), ans_rule[0].pk, ans_rule[1], reg_at, None))
            else:
                stuck = u > 1 - stuck_p
                answer_row = self._work(
                    case_id, m, block, place, subtopic, kind, channel, received, registered, due_at, ans_rule,
                    rules, stuck, out,
                )  # fmt: skip
                (status, owner, due_at, answered_at, closed_at, is_extended, last_at) = answer_row
            if (
                status in ("registered", "assigned", "in_progress", "reopened")
                and due_at is not None
                and due_at < now
            ):
                escalation = 2 if now - due_at > DAY else 1
        needs_review = place.settlement_id is None and status == "received"
        out["case"].append(
            (
                case_id,
                fmt(received),
                fmt(last_at),
                m.obj.pk,
                kind,
                channel,
                external_id,
                external_url,
                number,
                author,
                email,
                phone,
                author_address,
                anonymous,
                texts.message_title(rng, subtopic),
                text,
                address,
                place.settlement_id,
                place.locality_id,
                location,
                self.topic_id[topic],
                self.topic_id[subtopic],
                round(0.55 + rnd() * 0.44, 2),
                "source" if channel == "pos" else "keywords",
                needs_review,
                '["territory"]' if needs_review else "[]",
                status,
                no_answer_reason,
                block_id,
                dept_id,
                owner,
                fmt(received),
                fmt(registered_at),
                fmt(first_due),
                fmt(due_at),
                is_extended,
                fmt(answered_at),
                fmt(closed_at),
                escalation,
                token,
                1,
            )
        )

    def _work(
        self,
        case_id: int,
        m: Any,
        block: Any,
        place: Place,
        subtopic: str,
        kind: str,
        channel: str,
        received: int,
        registered: int,
        due_at: int,
        ans_rule: tuple[Any, str],
        rules: dict[str, Any],
        stuck: bool,
        out: dict[str, list[tuple[Any, ...]]],
    ) -> list[Any]:
        """Assignment, work, the answer, closure, rating and reopening, as far as `now` allows."""
        rng = self.rng
        rnd = rng.random
        now = self.now
        dl = self.deadlines
        events = out["event"]
        status = "registered"
        answered_at = closed_at = None
        is_extended = False
        last_at = registered
        pool = m.staff.get(block.pk) if block is not None else None
        owner = rng.choice(pool) if pool else (m.owner_of.get(block.pk) if block is not None else m.head.pk)
        reg_at = fmt(registered)
        assigned = registered + int(HOUR * (0.5 + rnd() * 29))
        if assigned > now:
            out["deadline"].append(
                (case_id, "answer", fmt(due_at), ans_rule[0].pk, ans_rule[1], reg_at, None)
            )
            return [status, None, due_at, None, None, False, last_at]
        events.append((case_id, fmt(assigned), m.head.pk, "assigned", "registered", "assigned", "", "{}"))
        status, last_at = "assigned", assigned
        started = assigned + int(HOUR * (1 + rnd() * 23))
        if started > now:
            out["deadline"].append(
                (case_id, "answer", fmt(due_at), ans_rule[0].pk, ans_rule[1], reg_at, None)
            )
            return [status, owner, due_at, None, None, False, last_at]
        events.append((case_id, fmt(started), owner, "status", "assigned", "in_progress", "", "{}"))
        status, last_at = "in_progress", started
        period = max(HOUR, due_at - received)
        late = rnd() < LATE_SHARE
        fraction = 1.0 + rnd() * 0.6 if late else min(0.98, math.exp(rng.gauss(math.log(0.35), 0.6)))
        answered = max(started + 1800, received + int(period * fraction))
        answer_due = due_at
        ext = rules.get("extension")
        if late and ext and kind == "appeal" and rnd() < 0.5:
            at = due_at - 3 * DAY
            if at <= now and at > started:
                is_extended = True
                due_at = dl.due(ext[0], answer_due)
                events.append((case_id, fmt(at), m.head.pk, "extended", "", "", "Продлено на 30 дней", "{}"))
                last_at = at
                out["deadline"].append(
                    (case_id, "extension", fmt(due_at), ext[0].pk, ext[1], fmt(at),
                     fmt(answered) if answered <= now and not stuck else None)
                )  # fmt: skip
        if stuck or answered > now:
            out["deadline"].append(
                (case_id, "answer", fmt(answer_due), ans_rule[0].pk, ans_rule[1], reg_at, None)
            )
            return [status, owner, due_at, None, None, is_extended, last_at]
        answer_id = self._send(case_id, m, block, place, subtopic, owner, started, answered, out)
        events.append((case_id, fmt(answered), owner, "answered", "in_progress", "answered", "", "{}"))
        status, answered_at, last_at = "answered", answered, answered
        if rnd() < 0.01:  # a few answers never formally closed
            out["deadline"].append(
                (case_id, "answer", fmt(answer_due), ans_rule[0].pk, ans_rule[1], reg_at, fmt(answered))
            )
            return [status, owner, due_at, answered_at, None, is_extended, last_at]
        closed = answered + int(HOUR * (1 + rnd() * 71))
        if closed <= now:
            events.append((case_id, fmt(closed), owner, "status", "answered", "closed", "", "{}"))
            status, closed_at, last_at = "closed", closed, closed
        # The author's rating.
        share = RATED_SHARE.get(channel, 0.1 if channel == "phone" else 0.0)
        reopen_at = None
        reopen_note = ""
        if share and rnd() < share:
            rated = answered + int(DAY * (1 + rnd() * 5))
            if rated <= now:
                satisfied = rnd() < SATISFIED_SHARE
                score = rng.choice((4, 5, 5)) if satisfied else rng.choice((1, 2, 2, 3))
                source = {"pos": "pos", "email": "email", "phone": "phone"}.get(channel, "tracking")
                rating_id = self.ids["rating"]
                self.ids["rating"] += 1
                out["rating"].append(
                    (rating_id, case_id, answer_id, satisfied, score,
                     rng.choice(SAT_COMMENTS if satisfied else UNSAT_COMMENTS), source,
                     owner if source == "phone" else None, fmt(rated))
                )  # fmt: skip
                reopen = (
                    not satisfied
                    and score <= 2
                    and kind != "appeal"
                    and source != "pos"
                    and closed_at is not None
                )
                data = json.dumps(
                    {
                        "rating": rating_id,
                        "satisfied": satisfied,
                        "score": score,
                        "source": source,
                        "reopen": reopen,
                    }
                )
                events.append((case_id, fmt(rated), None, "comment", "", "", "Оценка ответа автором", data))
                last_at = max(last_at, rated)
                if reopen:
                    reopen_at = max(rated, closed_at or rated) + 60
                    reopen_note = "Автор не удовлетворён ответом: обращение возобновлено"
        if reopen_at is None and closed_at is not None and rnd() < QUALITY_REOPEN:
            reopen_at = closed_at + int(DAY * (1 + rnd() * 9))
            reopen_note = "Ответ признан формальным по итогам контроля качества: обращение возобновлено"
        if reopen_at is None or reopen_at > now or closed_at is None:
            out["deadline"].append(
                (case_id, "answer", fmt(answer_due), ans_rule[0].pk, ans_rule[1], reg_at, fmt(answered))
            )
            return [status, owner, due_at, answered_at, closed_at, is_extended, last_at]
        # Reopened: a new answer term from now on (as cases.services.reopen_case), the extension gone.
        events.append((case_id, fmt(reopen_at), m.head.pk, "status", "closed", "reopened", reopen_note, "{}"))
        if is_extended and out["deadline"] and out["deadline"][-1][1] == "extension":
            out["deadline"].pop()  # reopening drops the extension (cases.services.reopen_case)
        status, closed_at, answered_at, is_extended, last_at = "reopened", None, None, False, reopen_at
        due_at = dl.due(ans_rule[0], reopen_at)
        period = max(HOUR, due_at - reopen_at)
        answered2 = reopen_at + HOUR + int(period * min(0.98, math.exp(rng.gauss(math.log(0.3), 0.5))))
        met = None
        if answered2 <= now:
            self._send(case_id, m, block, place, subtopic, owner, reopen_at, answered2, out)
            events.append((case_id, fmt(answered2), owner, "answered", "reopened", "answered", "", "{}"))
            status, answered_at, last_at, met = "answered", answered2, answered2, fmt(answered2)
            closed2 = answered2 + int(HOUR * (1 + rnd() * 71))
            if closed2 <= now:
                events.append((case_id, fmt(closed2), owner, "status", "answered", "closed", "", "{}"))
                status, closed_at, last_at = "closed", closed2, closed2
        out["deadline"].append(
            (case_id, "answer", fmt(due_at), ans_rule[0].pk, ans_rule[1], fmt(reopen_at), met)
        )
        return [status, owner, due_at, answered_at, closed_at, is_extended, last_at]

    def _send(
        self, case_id: int, m: Any, block: Any, place: Place, subtopic: str, owner: int | None, started: int,
        sent: int, out: dict[str, list[tuple[Any, ...]]],
    ) -> int:  # fmt: skip
        """One answer sent at `sent` (with its reviews when the block checks answers); returns its id."""
        rng = self.rng
        rnd = rng.random
        answer_id = self.ids["answer"]
        self.ids["answer"] += 1
        text = self._answer(subtopic, place, rnd() < 0.1)
        if place.prefix:
            name, street, house, settlement = self._slots
            text = (
                text.replace(TOKENS[0], name)
                .replace(TOKENS[1], street)
                .replace(TOKENS[2], house)
                .replace(TOKENS[3], settlement)
            )
        drafted = max(started, sent - int(DAY * rnd() * 2))
        review = ""
        if block is not None and block.pk in m.review_blocks:
            review = "approved"
            reviewer = m.owner_of.get(block.pk)
            if rnd() < REJECTED_FIRST:
                out["review"].append(
                    (case_id, answer_id, reviewer, "rejected", self.checklist_bad, self.warnings_bad,
                     "Укажите срок и ответственного за выполнение.", fmt(drafted))
                )  # fmt: skip
            out["review"].append(
                (case_id, answer_id, reviewer, "approved", self.checklist_ok, "[]", "", fmt(sent))
            )
        out["answer"].append((answer_id, fmt(drafted), fmt(sent), case_id, owner, text, fmt(sent), review))
        return answer_id
