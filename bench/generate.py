"""Fill a database with a realistic region: `python -m bench.generate --cases 1000000 --municipalities 30
--years 5 [--seed N] [--database-url URL] [--append | --wipe]`.

The region: municipalities with skewed populations (a few city okrugs, many districts, in each a town and
rural settlements of one to five localities), the demo district's departments, blocks and staff in each,
the topic tree and deadline rules the migrations seed; then the cases of `years` years ending now — kinds
and channels in the demo's proportions, topics by season (heating in winter, roads in spring, greenery in
summer) and by place (volumes follow the localities' populations; hot spots of one subtopic in one
settlement for a few months become recurring problems), each lived through to now (bench/_gen_cases.py):
registration numbers, stage deadlines, timeline events, answers, reviews for blocks that check answers,
authors' ratings, reopenings; then problems with their cases and roadmaps, and a few polls with ballots.

Rows are written set-based a month at a time: COPY on PostgreSQL, executemany on SQLite; tables and
columns are taken from the models (`_meta.db_table`, `field.column`), and a column the generator does not
know gets its field's default (or stops the run, if it has none). Progress goes to stderr, one JSON line
to stdout: {"cases", "municipalities", "years", "seconds", "rows": {table: count}}. A database that already
holds cases is refused unless --append (add another region's worth) or --wipe (empty the region first).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

Log = Callable[[str], None]


class GenerateError(Exception):
    """A refusal with a message for the operator (Russian)."""


def _n(value: float) -> str:
    """12345 → «12 345»."""
    return f"{value:,.0f}".replace(",", " ")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- writing rows ------------------------------------------------------------------------------------


class Table:
    """The columns the generator fills for a model, in its own order, plus the defaults of the rest."""

    def __init__(self, model: Any, names: Iterable[str]) -> None:
        from django.db.models import JSONField

        names = list(names)
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [n for n in names if n not in fields]
        if unknown:
            raise GenerateError(
                f"{model._meta.label}: в модели нет полей {unknown} — обновите bench/generate"
            )
        self.model = model
        self.name = model._meta.db_table
        self.columns = [fields[n].column for n in names]
        tail = []
        for attname, f in fields.items():
            if attname in names or f.primary_key:
                continue
            if f.has_default():
                value = f.get_default()
                tail.append(json.dumps(value) if isinstance(f, JSONField) else value)
            elif f.null:
                tail.append(None)
            elif f.blank and f.empty_strings_allowed:
                tail.append("")
            else:
                raise GenerateError(
                    f"{model._meta.label}.{attname}: обязательное поле без значения по умолчанию — "
                    "добавьте его в bench/generate"
                )
            self.columns.append(f.column)
        self.tail = tuple(tail)
        self.written = 0


class Writer:
    """COPY FROM STDIN on PostgreSQL, executemany on SQLite; datetimes come as UTC text."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TIME ZONE 'UTC'")
        elif self.vendor != "sqlite":
            raise GenerateError(f"поддерживаются PostgreSQL и SQLite, а не {self.vendor}")

    def write(self, table: Table, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        qn = self.connection.ops.quote_name
        cols = ", ".join(qn(c) for c in table.columns)
        tail = table.tail
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {qn(table.name)} ({cols}) FROM STDIN") as copy:
                    write_row = copy.write_row
                    for row in rows:
                        write_row(row + tail)
            else:
                marks = ", ".join("?" * len(table.columns))
                raw = cursor.cursor
                raw.executemany(
                    f"INSERT INTO {qn(table.name)} ({cols}) VALUES ({marks})", [r + tail for r in rows]
                )
        table.written += len(rows)


def _tables() -> dict[str, Table]:
    from otklik.cases.models import Answer, Case, CaseDeadline, CaseEvent
    from otklik.quality.models import AnswerReview, Rating

    return {
        "case": Table(
            Case,
            (
                "id",
                "created_at",
                "updated_at",
                "municipality_id",
                "kind",
                "channel",
                "external_id",
                "external_url",
                "registration_number",
                "author_name",
                "author_email",
                "author_phone",
                "author_address",
                "is_anonymous",
                "title",
                "text",
                "address",
                "settlement_id",
                "locality_id",
                "location",
                "topic_id",
                "subtopic_id",
                "topic_confidence",
                "topic_source",
                "needs_review",
                "review_reasons",
                "status",
                "no_answer_reason",
                "block_id",
                "department_id",
                "owner_id",
                "received_at",
                "registered_at",
                "first_reaction_due_at",
                "due_at",
                "is_extended",
                "answered_at",
                "closed_at",
                "escalation_level",
                "tracking_token",
                "version",
            ),
        ),
        "event": Table(
            CaseEvent, ("case_id", "at", "actor_id", "type", "from_status", "to_status", "note", "data")
        ),
        "deadline": Table(
            CaseDeadline, ("case_id", "stage", "due_at", "rule_id", "rule_text", "computed_at", "met_at")
        ),
        "answer": Table(
            Answer,
            ("id", "created_at", "updated_at", "case_id", "author_id", "text", "sent_at", "review_state"),
        ),
        "rating": Table(
            Rating,
            (
                "id",
                "case_id",
                "answer_id",
                "satisfied",
                "score",
                "comment",
                "source",
                "entered_by_id",
                "created_at",
            ),
        ),
        "review": Table(
            AnswerReview,
            (
                "case_id",
                "answer_id",
                "reviewer_id",
                "decision",
                "checklist",
                "warnings",
                "reason",
                "created_at",
            ),
        ),
    }


# --- wiping ------------------------------------------------------------------------------------------

#: Reference data the migrations seed or administrators keep: never wiped.
KEEP = {
    "contenttypes.ContentType",
    "auth.Permission",
    "auth.Group",
    "sessions.Session",
    "org.Topic",
    "nlp.TopicKeyword",
    "participation.ModerationReason",
    "intake.SourceMapping",
    "django_tasks_database.DBTaskResult",
}
#: Kept, but their rows bound to a municipality go with it.
KEEP_GLOBAL_ROWS = {"cases.DeadlineRule", "nlp.TopicModel"}


def wipe(log: Log) -> None:
    """Empty the region: every case and what hangs on it, the territory, departments, staff (superusers
    stay), participation and reports; the topic tree, the global deadline rules and the like stay."""
    from django.apps import apps
    from django.db import connection, transaction

    from otklik.org.models import User
    from otklik.territory.models import Municipality

    started = time.perf_counter()
    qn = connection.ops.quote_name
    keep_partly = {Municipality._meta.label, User._meta.label}
    tables: list[str] = []
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        if model._meta.app_label == "axes" or label in KEEP | KEEP_GLOBAL_ROWS | keep_partly:
            continue
        if model._meta.auto_created and all(
            f.related_model._meta.label in KEEP | keep_partly
            for f in model._meta.concrete_fields
            if f.is_relation
        ):
            continue  # e.g. users' groups: they go with the users
        tables.append(model._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("TRUNCATE " + ", ".join(qn(t) for t in tables))
        else:
            cursor.execute("PRAGMA defer_foreign_keys = ON")
            for t in tables:
                cursor.execute(f"DELETE FROM {qn(t)}")
        for label in sorted(KEEP_GLOBAL_ROWS):
            apps.get_model(label).objects.filter(municipality__isnull=False).delete()
        Municipality.objects.all().delete()
        User.objects.filter(is_superuser=False).delete()
    log(f"[{time.perf_counter() - started:7.1f} с] очистка: {len(tables)} таблиц")


# --- problems and polls ------------------------------------------------------------------------------


def _problems(
    gen: Any, region: Any, topics: dict[str, Any], now: datetime, seed: int, writer: Writer
) -> None:
    """The hot spots as recurring problems: their cases linked set-based, a roadmap for confirmed ones."""
    from django.db import connection

    from bench._gen_cases import fmt
    from otklik.cases.models import Case
    from otklik.org.models import User
    from otklik.problems.demo import FALLBACK, PLAYBOOK
    from otklik.problems.models import Measure, Problem, ProblemCase

    rng = random.Random(seed * 13 + 5)
    qn = connection.ops.quote_name
    link, case = ProblemCase._meta, Case._meta
    lc = {f.attname: qn(f.column) for f in link.concrete_fields}
    cc = {f.attname: qn(f.column) for f in case.concrete_fields}
    insert = (
        f"INSERT INTO {qn(link.db_table)} ({lc['problem_id']}, {lc['case_id']}, {lc['source']}, "
        f"{lc['score']}, {lc['added_by_id']}, {lc['added_at']}) "
        f"SELECT %s, c.{cc['id']}, %s, 0.45 + (c.{cc['id']} %% 50) / 100.0, NULL, c.{cc['received_at']} "
        f"FROM {qn(case.db_table)} c WHERE c.{cc['municipality_id']} = %s AND c.{cc['settlement_id']} = %s "
        f"AND c.{cc['subtopic_id']} = %s AND c.{cc['received_at']} >= %s AND c.{cc['received_at']} < %s "
        f"AND NOT EXISTS (SELECT 1 FROM {qn(link.db_table)} l WHERE l.{lc['case_id']} = c.{cc['id']})"
    )
    users = {
        u.pk: u for u in User.objects.filter(pk__in={v for m in region.munis for v in m.owner_of.values()})
    }
    today = now.date()
    measures = []
    for h in gen.hot:
        m = region.munis[h.muni]
        sub, topic = topics[h.subtopic], topics[h.subtopic.split(".")[0]]
        block = m.blocks.get(topic.code)
        owner = users.get(m.owner_of.get(block.pk, 0)) if block is not None else None
        start = datetime.fromtimestamp(h.start, UTC)
        end = datetime.fromtimestamp(min(h.end, gen.now), UTC)
        ended = h.end < gen.now - 60 * 86_400
        r = rng.random()
        status = (
            ("resolved" if r < 0.6 else "confirmed" if r < 0.88 else "dismissed")
            if ended
            else ("confirmed" if r < 0.6 else "candidate" if r < 0.9 else "dismissed")
        )
        category, cause, plan = next((PLAYBOOK[c] for c in (sub.code, topic.code) if c in PLAYBOOK), FALLBACK)
        confirmed_at = start + timedelta(days=rng.randint(14, 40))
        if confirmed_at > now:
            confirmed_at = now - timedelta(days=1)
        resolved_at = end + timedelta(days=rng.randint(10, 40)) if status == "resolved" else None
        if resolved_at is not None and resolved_at > now:
            resolved_at = now - timedelta(days=1)
        problem = Problem.objects.create(
            municipality=m.obj,
            title=f"{sub.name}: {h.settlement_name}",
            topic=topic,
            subtopic=sub,
            settlement_id=h.settlement_id,
            block=block,
            status=status,
            cause_category=category if status in ("confirmed", "resolved") else "",
            root_cause=cause if status in ("confirmed", "resolved") else "",
            confirmed_by=owner if status in ("confirmed", "resolved") else None,
            confirmed_at=confirmed_at if status in ("confirmed", "resolved") else None,
            resolved_by=owner if status == "resolved" else None,
            resolved_at=resolved_at,
            resolution_note="Выполнены мероприятия дорожной карты." if status == "resolved" else "",
            dismissed_at=confirmed_at if status == "dismissed" else None,
            dismissed_reason="Разовые обращения, общей причины нет." if status == "dismissed" else "",
        )
        Problem.objects.filter(pk=problem.pk).update(created_at=start + timedelta(days=10))
        if status != "dismissed":
            with connection.cursor() as cursor:
                cursor.execute(
                    insert,
                    [
                        problem.pk,
                        "proposed",
                        m.obj.pk,
                        h.settlement_id,
                        sub.pk,
                        fmt(h.start),
                        fmt(min(h.end, gen.now)),
                    ],
                )
        if status not in ("confirmed", "resolved"):
            continue
        first = confirmed_at.date()
        for i, (title, organisation) in enumerate(plan, start=1):
            start_on = first + timedelta(days=7 * (i - 1))
            due_on = start_on + timedelta(days=rng.randint(20, 60))
            if status == "resolved":
                done = i < len(plan) or rng.random() < 0.7
                state, completed = ("done", min(due_on, resolved_at.date())) if done else ("cancelled", None)  # type: ignore[union-attr]
                if state == "done" and completed < start_on:
                    completed = start_on
            elif due_on < today:
                state, completed = ("done", due_on) if rng.random() < 0.6 else ("in_progress", None)
            else:
                state, completed = ("in_progress", None) if start_on <= today else ("planned", None)
            measures.append(
                Measure(
                    problem=problem,
                    order=i,
                    title=title,
                    responsible_name=owner.short_name if owner else "Руководитель МЦУ",
                    responsible_position=owner.position if owner else "",
                    responsible_user=owner,
                    organisation=organisation,
                    start_on=start_on,
                    due_on=due_on,
                    status=state,
                    completed_on=completed,
                    evidence="Акт выполненных работ, фотографии до и после." if state == "done" else "",
                )
            )
    Measure.objects.bulk_create(measures)


def _polls(region: Any, now: datetime, seed: int) -> None:
    """In the largest municipalities: a finished vote and an open poll, with residents' ballots."""
    from otklik.participation.codes import hash_of
    from otklik.participation.models import Ballot, BallotAnswer, Option, Poll, Question

    rng = random.Random(seed * 17 + 3)
    for m in sorted(region.munis, key=lambda m: -m.obj.population)[:3]:
        settlements = m.settlements
        head = m.head
        specs = [
            (
                "vote",
                "Выбор территории для благоустройства в 2027 году",
                60,
                46,
                "closed",
                rng.randint(200, 600),
            ),
            ("poll", "Качество уборки снега и вывоза мусора", 5, -9, "published", rng.randint(50, 200)),
        ]
        for k, (kind, title, began, ends, status, n) in enumerate(specs, start=1):
            poll = Poll.objects.create(
                municipality=m.obj,
                kind=kind,
                slug=f"{m.obj.code}-opros-{k}",
                title=title,
                description="Сгенерировано bench.generate.",
                starts_at=now - timedelta(days=began),
                ends_at=now - timedelta(days=ends),
                status=status,
                created_by=head,
                published_at=now - timedelta(days=began),
                published_by=head,
                closed_at=now - timedelta(days=ends) if status == "closed" else None,
            )
            q1 = Question.objects.create(poll=poll, order=1, text="Что важнее всего?", kind="single")
            options = Option.objects.bulk_create(
                Option(question=q1, order=i, text=t)
                for i, t in enumerate(("Центральный парк", "Сквер у школы", "Набережная"), start=1)
            )
            q2 = Question.objects.create(
                poll=poll, order=2, text="Оцените нынешнее состояние", kind="scale", required=False
            )
            span = (min(now, poll.ends_at) - poll.starts_at).total_seconds()
            ballots = [
                Ballot(
                    poll=poll,
                    identity_hash=hash_of("email", f"bench-{m.obj.code}-{k}-{i}@example.ru"),
                    identity_kind="email",
                    settlement=settlements[0] if rng.random() < 0.6 else rng.choice(settlements),
                    created_at=poll.starts_at + timedelta(seconds=rng.random() * span),
                )
                for i in range(n)
            ]
            ballots = Ballot.objects.bulk_create(ballots)
            answers = []
            for b in ballots:
                answers.append(BallotAnswer(ballot=b, question=q1, option=rng.choices(options, [5, 3, 1])[0]))
                if rng.random() < 0.8:
                    answers.append(BallotAnswer(ballot=b, question=q2, value=rng.choice((2, 3, 4, 4, 5, 5))))
            BallotAnswer.objects.bulk_create(answers)


# --- the run -----------------------------------------------------------------------------------------


def _next_ids() -> dict[str, int]:
    from django.db.models import Max

    from otklik.cases.models import Answer, Case
    from otklik.quality.models import Rating

    return {
        key: (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        for key, model in (("case", Case), ("answer", Answer), ("rating", Rating))
    }


def _first_index() -> int:
    from otklik.territory.models import Municipality

    used = [
        int(m.group(1))
        for c in Municipality.objects.values_list("code", flat=True)
        if (m := re.match(r"r(\d+)-", c))
    ]
    return max(used, default=0) + 1


def counted_models() -> list[Any]:
    from otklik.cases.models import Answer, Case, CaseDeadline, CaseEvent, RegistrationCounter
    from otklik.org.models import Block, Department, RoleAssignment, User
    from otklik.participation.models import Ballot, BallotAnswer, Poll
    from otklik.problems.models import Measure, Problem, ProblemCase
    from otklik.quality.models import AnswerReview, Rating
    from otklik.territory.models import Locality, Municipality, Settlement, Street

    return [
        Municipality, Settlement, Locality, Street, Department, Block, User, RoleAssignment, Case, CaseEvent,
        CaseDeadline, Answer, RegistrationCounter, Rating, AnswerReview, Problem, ProblemCase, Measure, Poll,
        Ballot, BallotAnswer,
    ]  # fmt: skip


def generate(
    *,
    cases: int,
    municipalities: int,
    years: int,
    seed: int = 2026,
    append: bool = False,
    wipe_first: bool = False,
    now: datetime | None = None,
    log: Log = _stderr,
) -> dict[str, Any]:
    """Generate the region into the default database; returns the summary printed as JSON."""
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from bench._gen_cases import CaseGenerator
    from bench._gen_region import build_region
    from otklik.cases.models import Answer, Case, CaseDeadline, CaseEvent, RegistrationCounter
    from otklik.org.models import Topic
    from otklik.problems.models import ProblemCase
    from otklik.quality.models import AnswerReview, Rating

    if cases < 1 or municipalities < 1 or years < 1:
        raise GenerateError("число обращений, муниципальных образований и лет должно быть положительным")
    started = time.perf_counter()

    def stage(text: str) -> None:
        log(f"[{time.perf_counter() - started:7.1f} с] {text}")

    existing = Case.objects.count()
    if existing and not (append or wipe_first):
        raise GenerateError(
            f"в базе уже есть обращения ({_n(existing)}); чтобы добавить ещё один регион, укажите --append, "
            "чтобы заменить данные — --wipe"
        )
    if not Topic.objects.exists():
        raise GenerateError("в базе нет тематик: сначала примените миграции (otklik migrate)")
    if wipe_first:
        wipe(log)
    now = (now or timezone.now()).replace(microsecond=0)
    writer = Writer()
    with transaction.atomic():
        region = build_region(municipalities, seed, first_index=_first_index())
    c = region.counts
    stage(
        f"регион: {c['municipalities']} МО, {c['settlements']} поселений, "
        f"{c['localities']} населённых пунктов, {c['streets']} улиц, {c['users']} сотрудников"
    )
    topics = {t.code: t for t in Topic.objects.all()}
    gen = CaseGenerator(region, topics, cases, years, int(now.timestamp()), seed, _next_ids())
    tables = _tables()
    months: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for midnight, count in gen.day_counts():
        d = datetime.fromtimestamp(midnight, gen.tz)
        months.setdefault((d.year, d.month), []).append((midnight, count))
    stage(f"план: {_n(cases)} обращений за {len(months)} месяцев, {len(gen.hot)} очагов проблем")
    done = 0
    spent = {"generate": 0.0, "write": 0.0, "commit": 0.0}
    for (year, month), days in months.items():
        out: dict[str, list[tuple[Any, ...]]] = {key: [] for key in tables}
        t0 = time.perf_counter()
        done += gen.month(days, out)
        t1 = time.perf_counter()
        with transaction.atomic():
            for key, table in tables.items():
                writer.write(table, out[key])
            t2 = time.perf_counter()
        t3 = time.perf_counter()
        spent["generate"] += t1 - t0
        spent["write"] += t2 - t1
        spent["commit"] += t3 - t2
        if month == 12 or done == cases:
            rate = done / max(1e-9, time.perf_counter() - started)
            stage(
                f"обращения: {_n(done):>9} ({year}), {_n(rate)} в секунду; "
                f"генерация {spent['generate']:.0f} с, запись {spent['write']:.0f} с, "
                f"фиксация {spent['commit']:.0f} с"
            )
    RegistrationCounter.objects.bulk_create(
        RegistrationCounter(municipality=region.munis[i].obj, prefix=prefix, year=year, last=last)
        for (i, prefix, year), last in gen.counters.items()
    )
    with transaction.atomic():
        _problems(gen, region, topics, now, seed, writer)
    stage(f"проблемы: {len(gen.hot)} с обращениями и дорожными картами")
    with transaction.atomic():
        _polls(region, now, seed)
    stage("опросы и голосования")
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Case, CaseEvent, CaseDeadline, Answer, Rating, AnswerReview, ProblemCase]
        ):
            cursor.execute(sql)
    if connection.vendor == "postgresql":
        # The dashboard's tally counted from the cases at once (the triggers' delta of every COPY dropped).
        from otklik.analytics.services import rebuild_tallies

        rebuild_tallies()
        stage("сводка для дашборда")
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # As autovacuum would have done in a database that has lived: statistics, and the visibility map
        # without which the covering indexes' index-only scans still visit every row's page.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        stage("VACUUM (ANALYZE)")
    rows = {m._meta.db_table: m.objects.count() for m in counted_models()}
    seconds = round(time.perf_counter() - started, 1)
    stage("готово")
    return {
        "cases": cases,
        "municipalities": municipalities,
        "years": years,
        "seconds": seconds,
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--cases", type=int, default=1_000_000, help="число обращений (по умолчанию 1 000 000)"
    )
    parser.add_argument("--municipalities", type=int, default=30, help="число МО (по умолчанию 30)")
    parser.add_argument(
        "--years", type=int, default=5, help="за сколько лет до сегодняшнего дня (по умолчанию 5)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="зерно генератора случайных чисел")
    parser.add_argument("--database-url", help="база данных (по умолчанию DATABASE_URL или SQLite проекта)")
    parser.add_argument(
        "--now", type=date.fromisoformat, help="конец периода (дата, 18:00 UTC); по умолчанию — сейчас"
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--append", action="store_true", help="добавить ещё один регион к имеющимся данным")
    group.add_argument(
        "--wipe", action="store_true", help="сначала удалить обращения, территорию и сотрудников"
    )
    args = parser.parse_args(argv)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()
    now = datetime(args.now.year, args.now.month, args.now.day, 18, tzinfo=UTC) if args.now else None
    try:
        result = generate(
            cases=args.cases,
            municipalities=args.municipalities,
            years=args.years,
            seed=args.seed,
            append=args.append,
            wipe_first=args.wipe,
            now=now,
        )
    except GenerateError as exc:
        print(f"bench.generate: ошибка: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
