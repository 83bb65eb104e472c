"""Loading the demo district into the database."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from otklik.audit.services import record
from otklik.cases import deadline_engine
from otklik.cases.models import Answer, Case, CaseDeadline, CaseEvent, DeadlineRule, RegistrationCounter
from otklik.cases.rules import compute_deadlines
from otklik.core.geo import point
from otklik.demo import texts
from otklik.demo.generator import DeadlineFn, Place, generate_cases
from otklik.org.models import Block, Department, Role, RoleAssignment, Topic, User
from otklik.org.services import sync_topics
from otklik.participation.demo import load_demo_participation
from otklik.problems.demo import load_demo_problems
from otklik.territory.models import Locality, Municipality, Settlement, Street

DATA_FILE = Path(__file__).resolve().parent / "data" / "kotelnikovo.json"
#: The one password of every demo account; printed by `make run` and `otklik demo load`.
DEMO_PASSWORD = "otklik-demo"
ADMIN_USERNAME = "admin"
REGISTRATION_PREFIX = {"appeal": "ОГ", "message": "ПОС", "incident": "ИНЦ"}
BATCH = 500


class DemoError(Exception):
    pass


def read_demo_data(path: Path = DATA_FILE) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def demo_accounts(data: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """One line per demo account: username, password, role and name (administrator first)."""
    data = data or read_demo_data()
    rows = [
        {
            "username": ADMIN_USERNAME,
            "password": DEMO_PASSWORD,
            "role": "администратор системы",
            "name": "суперпользователь (справочники, настройки)",
        }
    ]
    for u in data["users"]:
        role = Role(u["roles"][0]["role"]).label
        rows.append(
            {"username": u["username"], "password": DEMO_PASSWORD, "role": role, "name": " ".join(u["name"])}
        )
    return rows


def load_demo(seed: int = 2025, n_cases: int = 2400, anchor: date | None = None) -> dict[str, Any]:
    """Load the demo district, its staff and `n_cases` cases over two years ending at `anchor` (today).

    Runs in one transaction: on any error nothing is left half-loaded.
    """
    data = read_demo_data()
    code = data["municipality"]["code"]
    if Municipality.objects.filter(code=code).exists():
        raise DemoError(f"демонстрационный район «{code}» уже загружен")
    with transaction.atomic():
        sync_topics()
        muni, places, localities = _load_territory(data)
        departments = _load_departments(muni, data)
        blocks = _load_blocks(muni, data, departments)
        users = _load_users(muni, data, blocks, departments)
        now = _period_end(muni, anchor)
        n = _load_cases(muni, seed, n_cases, now, places, localities, blocks, users)
        _load_quality(muni, seed)
        load_demo_problems(muni, now)
        load_demo_participation(muni, now, seed)
        record(
            "demo.load",
            actor_label="otklik demo load",
            obj=muni,
            after={"seed": seed, "cases": n, "anchor": now.date().isoformat()},
        )
    return {
        "municipality": muni.name,
        "settlements": len({p.settlement_code for p in places}),
        "cases": n,
        "users": len(users),
        "accounts": demo_accounts(data),
    }


def _period_end(muni: Municipality, anchor: date | None) -> datetime:
    now = timezone.now().astimezone(muni.tz)
    if anchor is None or anchor >= now.date():
        return now
    return datetime.combine(anchor, time(18, 0), tzinfo=muni.tz)


def _load_territory(data: dict[str, Any]) -> tuple[Municipality, list[Place], dict[str, Locality]]:
    m = data["municipality"]
    muni = Municipality.objects.create(
        code=m["code"],
        name=m["name"],
        kind=m["kind"],
        region=m["region"],
        oktmo=m["oktmo"],
        timezone=m["timezone"],
        centre=point(*m["centre"]),
    )
    places: list[Place] = []
    localities: dict[str, Locality] = {}
    total = 0
    for s in data["settlements"]:
        population = sum(loc[2] for loc in s["localities"])
        total += population
        settlement = Settlement.objects.create(
            municipality=muni,
            code=s["code"],
            name=s["name"],
            kind=s["kind"],
            population=population,
            centre=point(*s["centre"]),
        )
        for i, (kind, name, pop, (lon, lat)) in enumerate(s["localities"]):
            loc = Locality.objects.create(
                settlement=settlement,
                kind=kind,
                name=name,
                population=pop,
                is_centre=i == 0,
                location=point(lon, lat),
            )
            localities[loc.label] = loc
            streets = texts.STREETS_TOWN if kind == "town" else texts.STREETS_RURAL
            Street.objects.bulk_create(
                Street(locality=loc, kind=street.split(" ", 1)[0], name=street.split(" ", 1)[1])
                for street in dict.fromkeys(streets)
            )
            places.append(Place(settlement.code, settlement.name, loc.label, pop, kind == "town", lon, lat))
    muni.population = total
    muni.save(update_fields=["population"])
    return muni, places, localities


def _load_departments(muni: Municipality, data: dict[str, Any]) -> dict[str, Department]:
    return {
        d["code"]: Department.objects.create(
            municipality=muni, code=d["code"], name=d["name"], short_name=d["short_name"], kind=d["kind"]
        )
        for d in data["departments"]
    }


def _load_blocks(
    muni: Municipality, data: dict[str, Any], departments: dict[str, Department]
) -> dict[str, Block]:
    topics = {t.code: t for t in Topic.objects.filter(parent__isnull=True)}
    blocks = {}
    for b in data["blocks"]:
        block = Block.objects.create(
            municipality=muni,
            code=b["code"],
            name=b["name"],
            department=departments[b["department"]],
            answer_review_required=bool(b.get("answer_review_required")),
        )
        block.topics.set([topics[c] for c in b["topics"]])
        blocks[b["code"]] = block
    return blocks


def _load_users(
    muni: Municipality, data: dict[str, Any], blocks: dict[str, Block], departments: dict[str, Department]
) -> dict[str, User]:
    template = User(username="template")
    template.set_password(DEMO_PASSWORD)  # hash once: argon2 is slow on purpose
    users: dict[str, User] = {}
    admin, _ = User.objects.get_or_create(
        username=ADMIN_USERNAME,
        defaults={"is_staff": True, "is_superuser": True, "password": template.password},
    )
    users[ADMIN_USERNAME] = admin
    for u in data["users"]:
        last, first, patronymic = u["name"]
        user = User.objects.create(
            username=u["username"],
            last_name=last,
            first_name=first,
            patronymic=patronymic,
            position=u["position"],
            password=template.password,
            email=f"{u['username']}@demo.otklik.invalid",
            is_staff=any(r["role"] in (Role.CURATOR, Role.HEAD) for r in u["roles"]),
        )
        for r in u["roles"]:
            assignment = RoleAssignment(
                user=user,
                role=r["role"],
                municipality=None if r.get("region_wide") else muni,
                block=blocks.get(r.get("block", "")),
                department=departments.get(r.get("department", "")),
            )
            assignment.full_clean()
            assignment.save()
            if r["role"] == Role.BLOCK_OWNER:
                block = blocks[r["block"]]
                block.owner = user
                block.save(update_fields=["owner"])
        users[u["username"]] = user
    if users.get("curator") is not None:
        users["curator"].is_staff = True
        users["curator"].save(update_fields=["is_staff"])
    return users


def _deadline_fn(muni: Municipality) -> DeadlineFn:
    """Deadlines by the rule table and the production calendar, with the rules looked up once per subtopic."""
    calendar = deadline_engine.production_calendar()
    schedule = deadline_engine.schedule_for(muni)
    cache: dict[tuple[str, str], Any] = {}

    def deadlines(kind: str, subtopic: str, received: datetime) -> tuple[datetime | None, datetime]:
        key = (kind, subtopic)
        if key not in cache:
            cache[key] = deadline_engine.winning_rules(kind, subtopic, muni)
        dues = compute_deadlines(
            calendar, schedule, cache[key], {"received": received, "registered": received}
        )
        return dues.get("first_reaction"), dues["answer"]

    return deadlines


def _stage_deadlines(
    muni: Municipality, case: Case, g: Any, rule_cache: dict[tuple[str, str], dict[str, DeadlineRule]]
) -> list[CaseDeadline]:
    """The stored stage deadlines of a demo case, as registration would have computed them."""
    key = (g.kind, g.subtopic)
    if key not in rule_cache:
        rule_cache[key] = deadline_engine.winning_rules(g.kind, g.subtopic, muni)
    rules = rule_cache[key]
    computed = g.registered_at or g.received_at
    rows = []
    for stage, due, met in (
        ("first_reaction", g.first_reaction_due_at, g.answered_at),
        ("answer", g.due_at if not g.is_extended else None, g.answered_at),
        ("extension", g.due_at if g.is_extended else None, g.answered_at),
    ):
        rule = rules.get(stage)
        if due is None or rule is None or g.registered_at is None:
            continue
        rows.append(
            CaseDeadline(
                case=case,
                stage=stage,
                due_at=due,
                rule=rule,
                rule_text=str(rule)[:300],
                computed_at=computed,
                met_at=met,
            )
        )
    return rows


def _load_cases(
    muni: Municipality,
    seed: int,
    n_cases: int,
    now: datetime,
    places: list[Place],
    localities: dict[str, Locality],
    blocks: dict[str, Block],
    users: dict[str, User],
) -> int:
    topics = {t.code: t for t in Topic.objects.all()}
    subtopics: dict[str, list[str]] = defaultdict(list)
    for t in topics.values():
        if t.parent_id is not None:
            subtopics[t.code.split(".")[0]].append(t.code)
    block_by_topic = {t.code: b for b in blocks.values() for t in b.topics.all()}
    staff_by_block: dict[int, list[User]] = defaultdict(list)
    for a in RoleAssignment.objects.filter(role=Role.SPECIALIST, block__in=blocks.values()).select_related(
        "user"
    ):
        staff_by_block[a.block_id].append(a.user)
    head = users.get("head")
    generated = generate_cases(seed, n_cases, now, places, dict(subtopics), _deadline_fn(muni))
    counters: dict[tuple[str, int], int] = defaultdict(int)
    rule_cache: dict[tuple[str, str], dict[str, DeadlineRule]] = {}
    owner_pick = 0
    for start in range(0, len(generated), BATCH):
        chunk = generated[start : start + BATCH]
        rows = []
        for g in chunk:
            block = block_by_topic.get(g.topic)
            loc = localities.get(g.place.label) if g.place else None
            owner = None
            if g.needs_owner:
                pool = staff_by_block.get(block.pk, []) if block else []
                pool = pool or ([block.owner] if block and block.owner else []) or ([head] if head else [])
                owner = pool[owner_pick % len(pool)] if pool else None
                owner_pick += 1
            number = ""
            if g.registered_at is not None:
                key = (g.kind, g.registered_at.year)
                counters[key] += 1
                number = f"{REGISTRATION_PREFIX[g.kind]}-{g.registered_at:%y}-{counters[key]:05d}"
            rows.append(
                Case(
                    municipality=muni,
                    kind=g.kind,
                    channel=g.channel,
                    external_id=g.external_id,
                    external_url=g.external_url,
                    registration_number=number,
                    author_name=g.author_name,
                    author_email=g.author_email,
                    author_phone=g.author_phone,
                    author_address=g.author_address,
                    is_anonymous=g.is_anonymous,
                    title=g.title,
                    text=g.text,
                    address=g.address,
                    settlement=loc.settlement if loc else None,
                    locality=loc,
                    location=g.location,
                    topic=topics[g.topic],
                    subtopic=topics[g.subtopic],
                    status=g.status,
                    no_answer_reason=g.no_answer_reason,
                    block=block,
                    department=block.department if block else None,
                    owner=owner,
                    received_at=g.received_at,
                    registered_at=g.registered_at,
                    first_reaction_due_at=g.first_reaction_due_at,
                    due_at=g.due_at,
                    is_extended=g.is_extended,
                    answered_at=g.answered_at,
                    closed_at=g.closed_at,
                    raw_payload={"source": "demo", "seed": seed},
                )
            )
        created = Case.objects.bulk_create(rows)
        events, answers, deadlines = [], [], []
        for case, g in zip(created, chunk, strict=True):
            for e in g.events:
                actor = case.owner if e.type in ("answered", "status") and case.owner else None
                events.append(
                    CaseEvent(
                        case=case,
                        at=e.at,
                        actor=actor,
                        type=e.type,
                        from_status=e.from_status,
                        to_status=e.to_status,
                        note=e.note,
                    )
                )
            if g.answer_text:
                answers.append(
                    Answer(case=case, author=case.owner, text=g.answer_text, sent_at=g.answered_at)
                )
            deadlines.extend(_stage_deadlines(muni, case, g, rule_cache))
        CaseEvent.objects.bulk_create(events)
        CaseDeadline.objects.bulk_create(deadlines)
        Answer.objects.bulk_create(answers)
    RegistrationCounter.objects.bulk_create(
        RegistrationCounter(municipality=muni, prefix=REGISTRATION_PREFIX[kind], year=year, last=last)
        for (kind, year), last in counters.items()
    )
    return len(generated)


#: Demo residents' satisfaction: the share of answers rated, and of ratings satisfied, per channel.
RATED_SHARE = {"pos": 0.55, "web": 0.35, "email": 0.25, "open311": 0.3}
SATISFIED_SHARE = 0.72
#: Of the answers of blocks with review, the share returned once before approval.
REJECTED_FIRST = 0.15


def _load_quality(muni: Municipality, seed: int) -> None:
    """Reviews of the answers of blocks that require them, and residents' ratings of answers."""
    import random

    from otklik.quality.formal import CHECKLIST_CODES
    from otklik.quality.models import AnswerReview, Rating

    rng = random.Random(seed * 7 + 1)
    passed = dict.fromkeys(CHECKLIST_CODES, True)
    reviews, ratings = [], []
    answers = (
        Answer.objects.filter(case__municipality=muni, sent_at__isnull=False)
        .select_related("case", "case__block")
        .order_by("pk")
    )
    sources = {"pos": Rating.Source.POS, "email": Rating.Source.EMAIL}
    for answer in answers:
        case, sent = answer.case, answer.sent_at
        block = case.block
        if block is not None and block.answer_review_required:
            reviewer = block.owner_id
            if rng.random() < REJECTED_FIRST:
                reviews.append(
                    AnswerReview(
                        case=case,
                        answer=answer,
                        reviewer_id=reviewer,
                        decision=AnswerReview.Decision.REJECTED,
                        checklist={**passed, "responsible_and_date": False},
                        warnings=[
                            {"code": "no_date", "message": "Не указан срок: дата или период выполнения."}
                        ],
                        reason="Укажите срок и ответственного за выполнение.",
                        created_at=sent - timedelta(days=2),
                    )
                )
            reviews.append(
                AnswerReview(
                    case=case,
                    answer=answer,
                    reviewer_id=reviewer,
                    decision=AnswerReview.Decision.APPROVED,
                    checklist=passed,
                    created_at=sent,
                )
            )
            answer.review_state = Answer.Review.APPROVED
        rated = case.channel in RATED_SHARE and case.status in ("answered", "closed")
        if rated and rng.random() < RATED_SHARE[case.channel]:
            satisfied = rng.random() < SATISFIED_SHARE
            ratings.append(
                Rating(
                    case=case,
                    answer=answer,
                    satisfied=satisfied,
                    score=rng.choice((4, 5, 5)) if satisfied else rng.choice((1, 2, 2, 3)),
                    source=sources.get(case.channel, Rating.Source.TRACKING),
                    created_at=sent + timedelta(days=rng.randint(1, 6)),
                )
            )
    AnswerReview.objects.bulk_create(reviews, batch_size=BATCH)
    Answer.objects.bulk_update(
        [r.answer for r in reviews if r.decision == AnswerReview.Decision.APPROVED],
        ["review_state"],
        batch_size=BATCH,
    )
    Rating.objects.bulk_create(ratings, batch_size=BATCH)
