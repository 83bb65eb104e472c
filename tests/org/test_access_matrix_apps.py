"""The access matrix, continued for the apps around the cases: problems, participation, publications,
reports and analytics. The same thirteen roles in two municipalities as tests/org/test_access_matrix.py;
for every role and every page, export and write, what it may see and do. Expected values come from the
written rules (each app's permissions module), not from the pages' output:

* hidden objects answer 404 like missing ones; visible objects whose action the role lacks answer 403;
* an app the role has no part in (participation, the content plan, reports) answers 403 as a whole;
* exports name no other municipality and carry no resident's name.

Municipality A is «Котельниковский», B is «Октябрьский»: every object of B carries «Октябрьск» in its name
and none of A does, so a page or file of an A role must never contain that marker (and vice versa)."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from otklik.cases.models import Kind, Status
from otklik.org.models import Role
from otklik.participation import services as participation
from otklik.participation.models import Comment, Discussion, Poll
from otklik.participation.models import Status as PStatus
from otklik.problems.models import Measure, MeasureStatus, Problem, ProblemCase, ProblemStatus
from otklik.publications import services as publications
from otklik.publications.models import OfficialPage, Post
from otklik.reports.models import ReportRun, RunKind, RunStatus, WeeklySummary
from otklik.reports.weekly import weekly_summary
from tests.factories import (
    BlockFactory,
    CaseFactory,
    DepartmentFactory,
    MunicipalityFactory,
    RoleFactory,
    SettlementFactory,
)
from tests.org.test_access_matrix import VISIBLE as CASES_VISIBLE
from tests.participation.helpers import answers, poll_with_questions, resident

ROLES = sorted(CASES_VISIBLE)
A_MARK, B_MARK = "Котельников", "Октябрьск"
REGION = {"curator", "observer"}
#: The residents whose names must stay out of every export.
RESIDENTS = ("Петров П. П.", "Сергеева А. А.", "Волков В. В.", "Орлова О. О.", "Смирнов Олег")
VOTER = "smirnov.voter@mail.ru"


def _municipalities_of(role: str) -> set[str]:
    """A (or B) when the role is a region role or holds its role there; from the role key."""
    if role in REGION:
        return {"A", "B"}
    return {"B"} if role.endswith("_b") else {"A"}


def foreign_marks(role: str) -> list[str]:
    """The markers of the municipalities the role must never see."""
    own = _municipalities_of(role)
    return [mark for key, mark in (("A", A_MARK), ("B", B_MARK)) if key not in own]


def xlsx_text(content: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
    )


def docx_text(content: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(content))
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def expect(visible: bool, allowed: bool) -> int:
    """What a write answers: 404 for a hidden object, 403 for a visible one the role may not change."""
    return 302 if visible and allowed else (403 if visible else 404)


@pytest.fixture
def org(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    a = MunicipalityFactory(code="mo-a", name="Котельниковский муниципальный район")
    b = MunicipalityFactory(code="mo-b", name="Октябрьский муниципальный район")
    dept_a = DepartmentFactory(municipality=a, name="Отдел ЖКХ Котельниково")
    dept_b = DepartmentFactory(municipality=b, name="Октябрьский отдел ЖКХ")
    b1 = BlockFactory(municipality=a, name="ЖКХ", department=dept_a)
    b2 = BlockFactory(municipality=a, name="Дороги")
    bb = BlockFactory(municipality=b, name="ЖКХ Октябрьского района", department=dept_b)
    users = {
        "curator": RoleFactory(role=Role.CURATOR, municipality=None).user,
        "observer": RoleFactory(role=Role.OBSERVER, municipality=None).user,
        "head_a": RoleFactory(role=Role.HEAD, municipality=a).user,
        "analyst_a": RoleFactory(role=Role.ANALYST, municipality=a).user,
        "integration_a": RoleFactory(role=Role.INTEGRATION, municipality=a).user,
        "owner_b1": RoleFactory(role=Role.BLOCK_OWNER, municipality=a, block=b1).user,
        "spec_b1": RoleFactory(role=Role.SPECIALIST, municipality=a, block=b1).user,
        "spec_b2": RoleFactory(role=Role.SPECIALIST, municipality=a, block=b2).user,
        "registrar_a": RoleFactory(role=Role.REGISTRAR, municipality=a).user,
        "pos_a": RoleFactory(role=Role.POS_OFFICER, municipality=a).user,
        "incident_a": RoleFactory(role=Role.INCIDENT_OFFICER, municipality=a).user,
        "head_b": RoleFactory(role=Role.HEAD, municipality=b).user,
        "integration_b": RoleFactory(role=Role.INTEGRATION, municipality=b).user,
    }
    assert set(users) == set(ROLES)
    cases = {
        "A1": CaseFactory(
            municipality=a,
            block=b1,
            department=dept_a,
            kind=Kind.MESSAGE,
            channel="pos",
            owner=users["spec_b1"],
            status=Status.IN_PROGRESS,
            author_name=RESIDENTS[0],
        ),
        "A2": CaseFactory(
            municipality=a, block=b2, kind=Kind.APPEAL, channel="paper", author_name=RESIDENTS[1]
        ),
        "A3": CaseFactory(municipality=a, kind=Kind.INCIDENT, channel="incident", author_name=RESIDENTS[2]),
        "B1": CaseFactory(
            municipality=b,
            block=bb,
            department=dept_b,
            kind=Kind.MESSAGE,
            channel="pos",
            author_name=RESIDENTS[3],
        ),
    }
    return {
        "mo": {"A": a, "B": b},
        "users": users,
        "cases": cases,
        "blocks": {"b1": b1, "b2": b2, "bb": bb},
        "depts": {"A": dept_a, "B": dept_b},
    }


def login(client, org, role):
    client.force_login(org["users"][role])
    return client


# --- problems ---------------------------------------------------------------------------------------------

#: problem key → (municipality, block, status, its case).
PROBLEMS = {
    "PA1": ("A", "b1", ProblemStatus.CANDIDATE, "A1"),
    "PA2": ("A", "b2", ProblemStatus.CONFIRMED, "A2"),
    "PA3": ("A", None, ProblemStatus.CANDIDATE, "A3"),
    "PB1": ("B", "bb", ProblemStatus.CONFIRMED, "B1"),
}
#: problems/permissions.py: municipality-wide roles see their municipality's problems; a block owner and a
#: block's specialist their block's; anybody the problems of a case they see and of a measure of theirs.
PROBLEMS_VISIBLE = {
    "curator": {"PA1", "PA2", "PA3", "PB1"},
    "observer": {"PA1", "PA2", "PA3", "PB1"},
    "head_a": {"PA1", "PA2", "PA3"},
    "analyst_a": {"PA1", "PA2", "PA3"},
    "integration_a": {"PA1", "PA2", "PA3"},
    "owner_b1": {"PA1"},
    "spec_b1": {"PA1"},
    "spec_b2": {"PA2"},  # the problems of their block (and the measure they answer for)
    "registrar_a": {"PA2"},  # through case A2
    "pos_a": {"PA1"},  # through case A1
    "incident_a": {"PA3"},  # through case A3
    "head_b": {"PB1"},
    "integration_b": {"PB1"},
}
#: Who decides (confirm, edit, roadmap): the head and the curator of the municipality, the block's owner.
DECIDE = {
    "PA1": {"curator", "head_a", "owner_b1"},
    "PA2": {"curator", "head_a"},
    "PB1": {"curator", "head_b"},
}
#: Who moves measure MA2 along: whoever decides on PA2, and its responsible official.
UPDATE_MA2 = DECIDE["PA2"] | {"spec_b2"}


@pytest.fixture
def problems(org):
    now = timezone.now()
    made = {}
    for key, (mo, block, status, case_key) in PROBLEMS.items():
        title = f"Вывоз ТКО {key}" if mo == "A" else f"Свалка у Октябрьского рынка {key}"
        made[key] = Problem.objects.create(
            municipality=org["mo"][mo],
            title=title,
            block=org["blocks"][block] if block else None,
            status=status,
        )
        ProblemCase.objects.create(
            problem=made[key], case=org["cases"][case_key], source=ProblemCase.Source.PROPOSED, added_at=now
        )
    today = timezone.localdate()
    measures = {
        "MA2": Measure.objects.create(
            problem=made["PA2"],
            title="Установить контейнеры",
            responsible_name="Сидоров С. С.",
            responsible_user=org["users"]["spec_b2"],
            start_on=today,
            due_on=today + timedelta(days=30),
        ),
        "MB1": Measure.objects.create(
            problem=made["PB1"],
            title="Ликвидировать свалку у Октябрьского рынка",
            responsible_name="Кузьмин К. К.",
            start_on=today,
            due_on=today + timedelta(days=30),
        ),
    }
    return {**org, "problems": made, "measures": measures}


@pytest.mark.parametrize("role", ROLES)
def test_problem_pages_and_exports_show_only_the_roles_problems(client, problems, role):
    c = login(client, problems, role)
    visible = PROBLEMS_VISIBLE[role]
    pks = {k: p.pk for k, p in problems["problems"].items()}
    listed = {r["problem"].pk for r in c.get(reverse("problems:list") + "?tab=all").context["rows"]}
    assert listed == {pks[k] for k in visible}, role
    for key, problem in problems["problems"].items():
        want = 200 if key in visible else 404
        page = c.get(reverse("problems:detail", args=[problem.pk]))
        assert page.status_code == want, (role, key)
        if want == 200:
            assert not any(person in page.content.decode() for person in RESIDENTS), (role, key)
            # Inside a visible problem, only the cases the role sees (a block's specialist: their own).
            case_key = PROBLEMS[key][3]
            shown = set(page.context["case_ids"])
            assert shown == ({problems["cases"][case_key].pk} if case_key in CASES_VISIBLE[role] else set())
        for name, reader in (("roadmap_xlsx", xlsx_text), ("roadmap_docx", docx_text)):
            response = c.get(reverse(f"problems:{name}", args=[problem.pk]))
            assert response.status_code == want, (role, key, name)
            if want == 200:
                text = reader(response.content)
                assert problem.title in text
                for mark in foreign_marks(role):
                    assert mark not in text, (role, key, name)
                for person in RESIDENTS:
                    assert person not in text, (role, key, name)
    board = c.get(reverse("problems:board"))
    on_board = {m.pk for col in board.context["columns"] for m in col.measures}
    expected = {problems["measures"]["MA2"].pk} if "PA2" in visible else set()
    expected |= {problems["measures"]["MB1"].pk} if "PB1" in visible else set()
    assert on_board == expected, role
    accelerated = c.get(reverse("problems:accelerated"))
    assert accelerated.status_code == 200
    for response in (board, accelerated):
        html = response.content.decode()
        for mark in foreign_marks(role):
            assert mark not in html, role


@pytest.mark.parametrize("role", ROLES)
def test_problem_writes_need_both_sight_and_right(client, problems, role):
    c = login(client, problems, role)
    p = problems["problems"]
    ma2 = problems["measures"]["MA2"]

    def post(name: str, key: str, data: dict[str, Any], *extra: int) -> bool:
        """POST the write; True when it was allowed (and so must have changed the problem)."""
        response = c.post(reverse(f"problems:{name}", args=[p[key].pk, *extra]), data)
        want = expect(key in PROBLEMS_VISIBLE[role], role in allowed[name, key])
        assert response.status_code == want, (role, name, key, response.status_code)
        return want == 302

    allowed = {
        ("confirm", "PA1"): DECIDE["PA1"],
        ("edit", "PA2"): DECIDE["PA2"],
        ("add_measure", "PA2"): DECIDE["PA2"],
        ("measure_status", "PA2"): UPDATE_MA2,
        ("edit", "PB1"): DECIDE["PB1"],
    }
    ok = post("confirm", "PA1", {"title": "Вывоз ТКО: подтверждено"})
    assert (Problem.objects.get(pk=p["PA1"].pk).status == ProblemStatus.CONFIRMED) == ok
    edit = {"title": "Дороги: новое название", "cause_category": "", "root_cause": "Причина"}
    ok = post("edit", "PA2", edit)
    assert (Problem.objects.get(pk=p["PA2"].pk).title == edit["title"]) == ok
    today = timezone.localdate()
    measure = {
        "new-title": "Отремонтировать дорогу",
        "new-responsible_name": "Сидоров С. С.",
        "new-start_on": today.isoformat(),
        "new-due_on": (today + timedelta(days=10)).isoformat(),
    }
    ok = post("add_measure", "PA2", measure)
    assert Measure.objects.filter(problem=p["PA2"]).count() == (2 if ok else 1)
    status = {f"s{ma2.pk}-status": MeasureStatus.IN_PROGRESS}
    ok = post("measure_status", "PA2", status, ma2.pk)
    assert (Measure.objects.get(pk=ma2.pk).status == MeasureStatus.IN_PROGRESS) == ok
    edit_b = {"title": "Октябрьский рынок: новое название", "cause_category": "", "root_cause": ""}
    ok = post("edit", "PB1", edit_b)
    assert (Problem.objects.get(pk=p["PB1"].pk).title == edit_b["title"]) == ok


# --- participation ----------------------------------------------------------------------------------------

#: participation/permissions.py: polls and discussions are run by the ПОС officer, the head and the curator
#: of the municipality (region-wide: all); the others have no part in them (403 on every staff page).
PARTICIPATION = {"curator": {"A", "B"}, "head_a": {"A"}, "pos_a": {"A"}, "head_b": {"B"}}


@pytest.fixture
def participation_world(org):
    made: dict[str, Any] = {"polls": {}, "discussions": {}, "pending": {}, "published": {}}
    now = timezone.now()
    for key, actor in (("A", "head_a"), ("B", "head_b")):
        mo = org["mo"][key]
        user = org["users"][actor]
        title = "Благоустройство парка" if key == "A" else "Октябрьский парк"
        town = SettlementFactory(municipality=mo, name="Котельниково" if key == "A" else "Октябрьский")
        poll = made["polls"][key] = poll_with_questions(mo, user, title=title, settlements=[town])
        participation.cast_ballot(
            poll,
            resident(VOTER),
            settlement=town,
            answers=answers(poll, single="Да", text="Нужны скамейки."),
            ip_hash=f"ip-vote-{key}",
            name=RESIDENTS[4],
        )
        d = participation.create_discussion(
            actor=user,
            municipality=mo,
            title="Схема площадок ТКО" if key == "A" else "Схема площадок Октябрьского района",
            description="Проект схемы размещения контейнерных площадок.",
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=14),
        )
        d = participation.publish_discussion(d, actor=user)
        made["discussions"][key] = d
        shown = participation.submit_comment(
            d,
            resident(f"shown-{key.lower()}@mail.ru"),
            author_name="Житель",
            text=f"Площадку у школы перенести ({key}).",
            ip_hash=f"ip-{key}",
        )
        made["published"][key] = participation.moderate_comment(shown, actor=user, publish=True)
        made["pending"][key] = participation.submit_comment(
            d,
            resident(f"wait-{key.lower()}@mail.ru"),
            author_name=RESIDENTS[4] if key == "A" else "Октябрьская жительница",
            text=f"Ждёт модерации ({key}).",
            ip_hash=f"ip2-{key}",
        )
    return {**org, **made}


@pytest.mark.parametrize("role", ROLES)
def test_participation_staff_pages_follow_the_municipality(client, participation_world, role):
    w = participation_world
    c = login(client, w, role)
    runs = PARTICIPATION.get(role)
    index = c.get(reverse("participation:index"))
    moderation = c.get(reverse("participation:moderation"))
    if runs is None:
        assert index.status_code == moderation.status_code == 403, role
    else:
        assert index.status_code == moderation.status_code == 200, role
        polls = {p.pk for p in index.context["polls"]}
        discussions = {d.pk for d in index.context["discussions"]}
        assert polls == {w["polls"][k].pk for k in runs}, role
        assert discussions == {w["discussions"][k].pk for k in runs}, role
        queue = {cm.pk for cm in moderation.context["page"]}
        assert queue == {w["pending"][k].pk for k in runs}, role
    for key in ("A", "B"):
        want = 403 if runs is None else (200 if key in runs else 404)
        poll, discussion = w["polls"][key], w["discussions"][key]
        for name, obj in (
            ("poll", poll),
            ("poll_results", poll),
            ("poll_edit", poll),
            ("discussion", discussion),
            ("proposals", discussion),
        ):
            assert c.get(reverse(f"participation:{name}", args=[obj.pk])).status_code == want, (role, name)
        export = c.get(reverse("participation:poll_export", args=[poll.pk]))
        protocol = c.get(reverse("participation:protocol", args=[discussion.pk]))
        assert export.status_code == protocol.status_code == want, (role, key)
        if want == 200:
            results, minutes = xlsx_text(export.content), docx_text(protocol.content)
            assert poll.title in results and discussion.title in minutes
            assert "Нужны скамейки." in results and VOTER not in results  # an anonymous poll: no contacts
            assert f"Площадку у школы перенести ({key})." in minutes  # the published comment
            for text in (results, minutes):
                for mark in [*foreign_marks(role), A_MARK if key == "B" else B_MARK]:
                    assert mark not in text, (role, key)
                for person in RESIDENTS:  # a comment waiting for moderation names nobody
                    assert person not in text, (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_participation_writes_follow_the_municipality(client, participation_world, role):
    w = participation_world
    c = login(client, w, role)
    runs = PARTICIPATION.get(role)
    for key in ("A", "B"):
        want = 403 if runs is None else (302 if key in runs else 404)
        poll, discussion = w["polls"][key], w["discussions"][key]
        assert c.post(reverse("participation:poll_close", args=[poll.pk])).status_code == want, (role, key)
        assert (Poll.objects.get(pk=poll.pk).status == PStatus.CLOSED) == (want == 302)
        response = c.post(reverse("participation:discussion_close", args=[discussion.pk]))
        assert response.status_code == want, (role, key)
        assert (Discussion.objects.get(pk=discussion.pk).status == PStatus.CLOSED) == (want == 302)
        pending = w["pending"][key]
        response = c.post(reverse("participation:moderate", args=[pending.pk]), {"decision": "publish"})
        # Another municipality's comment: «not found», exactly like a missing one, and nothing changes.
        assert response.status_code == (403 if runs is None else 302), (role, key)
        published = Comment.objects.get(pk=pending.pk).status == Comment.Status.PUBLISHED
        assert published == (runs is not None and key in runs), (role, key)


# --- publications -----------------------------------------------------------------------------------------

#: publications/permissions.py: the content plan is kept by the officer for publications and social media
#: («Инцидент»), the head and the curator of the municipality; only the head approves.
PUBLICATIONS = {"curator": {"A", "B"}, "head_a": {"A"}, "incident_a": {"A"}, "head_b": {"B"}}
APPROVERS = {"A": {"head_a"}, "B": {"head_b"}}


def _next_month_noon() -> datetime:
    today = timezone.localdate()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return timezone.make_aware(datetime.combine(first + timedelta(days=10), time(12)))


@pytest.fixture
def posts(org):
    when = _next_month_noon()
    made: dict[str, dict[str, Post]] = {"draft": {}, "planned": {}}
    for key, actor in (("A", "head_a"), ("B", "head_b")):
        mo, user = org["mo"][key], org["users"][actor]
        page = OfficialPage.objects.create(
            municipality=mo,
            name="Администрация ВКонтакте" if key == "A" else "Администрация Октябрьского района",
            network="vk",
            url=f"https://vk.com/adm_{key.lower()}",
        )
        for state in ("draft", "planned"):
            post = publications.create_post(
                actor=user,
                municipality=mo,
                title=f"Ремонт дороги ({state})" if key == "A" else f"Октябрьский мост ({state})",
                text="С 1 апреля начинается ремонт дороги на ул. Ленина. Объезд — по ул. Гагарина.",
                page=page,
                planned_at=when,
            )
            if state == "planned":
                post = publications.transition(post, Post.Status.PLANNED, actor=user)
            made[state][key] = post
    return {**org, "posts": made, "month": when}


@pytest.mark.parametrize("role", ROLES)
def test_the_content_plan_follows_the_municipality(client, posts, role):
    c = login(client, posts, role)
    keeps = PUBLICATIONS.get(role)
    month = posts["month"]
    plan = c.get(reverse("publications:plan") + f"?month={month:%Y-%m}")
    period = f"?date_from={month.date().replace(day=1)}&date_to={month.date() + timedelta(days=20)}"
    export = c.get(reverse("publications:export") + period)
    if keeps is None:
        assert plan.status_code == export.status_code == 403, role
    else:
        assert plan.status_code == export.status_code == 200, role
        listed = {p.pk for p in plan.context["list"]}
        expected = {posts["posts"][s][k].pk for s in ("draft", "planned") for k in keeps}
        assert listed == expected, role
        text = xlsx_text(export.content)
        for k in keeps:
            assert posts["posts"]["draft"][k].title in text
        for mark in foreign_marks(role):
            assert mark not in text and mark not in plan.content.decode(), role
    for key in ("A", "B"):
        draft, planned = posts["posts"]["draft"][key], posts["posts"]["planned"][key]
        want = 403 if keeps is None else (200 if key in keeps else 404)
        for name in ("post", "post_edit"):
            assert c.get(reverse(f"publications:{name}", args=[draft.pk])).status_code == want, (role, name)
        # Writes: an editor sends a draft for approval; only the head of its municipality approves.
        submit = c.post(reverse("publications:post_action", args=[draft.pk, "submit"]))
        assert submit.status_code == (302 if want == 200 else want), (role, key)
        submitted = Post.objects.get(pk=draft.pk).status == Post.Status.PLANNED
        assert submitted == (want == 200), (role, key)
        approve = c.post(reverse("publications:post_action", args=[planned.pk, "approve"]))
        assert approve.status_code == (302 if want == 200 else want), (role, key)
        approved = Post.objects.get(pk=planned.pk).status == Post.Status.APPROVED
        assert approved == (role in APPROVERS[key]), (role, key)


# --- reports ----------------------------------------------------------------------------------------------

#: reports/permissions.py: the readers (curator, head, analyst, observer) of a municipality order its
#: quarterly report and see its runs; a consolidated run only region-wide readers; a monthly block report
#: also the block's owner; whoever ordered a run sees it.
READERS = {
    "curator": {"A", "B"},
    "observer": {"A", "B"},
    "head_a": {"A"},
    "analyst_a": {"A"},
    "head_b": {"B"},
}
RUNS_VISIBLE = {
    "curator": {"RA", "RB", "RBLOCK", "RREGION"},
    "observer": {"RA", "RB", "RBLOCK", "RREGION"},
    "head_a": {"RA", "RBLOCK"},
    "analyst_a": {"RA", "RBLOCK"},
    "owner_b1": {"RBLOCK"},
    "head_b": {"RB"},
}


@pytest.fixture
def runs(org):
    a, b = org["mo"]["A"], org["mo"]["B"]
    users = org["users"]

    def run(kind: str, mo: Any, by: Any, name: str, **extra: Any) -> ReportRun:
        made = ReportRun.objects.create(
            kind=kind,
            municipality=mo,
            requested_by=by,
            status=RunStatus.DONE,
            progress=100,
            file_name=name,
            parameters={"year": 2026, "quarter": 1},
            municipality_ids=[mo.pk] if mo else [a.pk, b.pk],
            **extra,
        )
        made.file.save(name, ContentFile(b"PK\x03\x04 report"))  # the path needs the run's number
        return made

    made = {
        "RA": run(RunKind.QUARTERLY, a, users["head_a"], "kotelnikovo.xlsx"),
        "RB": run(RunKind.QUARTERLY, b, users["head_b"], "oktyabrsky.xlsx"),
        "RBLOCK": run(RunKind.MONTHLY_BLOCK, a, None, "block.xlsx", block=org["blocks"]["b1"]),
        "RREGION": run(RunKind.QUARTERLY, None, users["curator"], "region.xlsx"),
    }
    summary = WeeklySummary.objects.create(
        user=users["head_a"], week_start=date(2026, 1, 5), data=weekly_summary(users["head_a"])
    )
    return {**org, "runs": made, "summary": summary}


@pytest.mark.parametrize("role", ROLES)
def test_reports_show_only_the_roles_runs(client, runs, role):
    c = login(client, runs, role)
    visible = RUNS_VISIBLE.get(role, set())
    pks = {k: r.pk for k, r in runs["runs"].items()}
    index = c.get(reverse("reports:index"))
    if role in READERS or role == "owner_b1":
        assert index.status_code == 200, role
        assert {r.pk for r in index.context["runs"]} == {pks[k] for k in visible}, role
    else:
        assert index.status_code == 403, role
    ids = ",".join(str(pk) for pk in pks.values())
    status = c.get(reverse("reports:status") + f"?ids={ids}").json()
    assert {r["id"] for r in status["runs"]} == {pks[k] for k in visible}, role
    for key, pk in pks.items():
        response = c.get(reverse("reports:download", args=[pk]))
        assert response.status_code == (200 if key in visible else 404), (role, key)
    summary = c.get(reverse("reports:weekly_detail", args=[runs["summary"].pk]))
    assert summary.status_code == (200 if role == "head_a" else 404), role
    weekly = c.get(reverse("reports:weekly"))
    assert weekly.status_code == 200
    for mark in foreign_marks(role):
        assert mark not in weekly.content.decode() and mark not in index.content.decode(), role


@pytest.mark.parametrize("role", ROLES)
def test_ordering_another_municipalitys_report_is_not_found(client, runs, role):
    c = login(client, runs, role)
    before = ReportRun.objects.count()
    response = c.post(reverse("reports:order"), {"year": "2026", "quarter": "1", "mo": "mo-b", "fmt": "xlsx"})
    want = 403 if role not in READERS else (302 if "B" in READERS[role] else 404)
    assert response.status_code == want, role
    ordered = ReportRun.objects.filter(municipality=runs["mo"]["B"], requested_by=runs["users"][role])
    assert ordered.exists() == (want == 302), role
    assert ReportRun.objects.count() == before + (want == 302)


# --- analytics --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_analytics_figures_and_names_stay_in_the_roles_scope(client, org, role):
    """The dashboard and the ratings are built over the cases the role sees (cases.selectors.scope_q):
    a municipality's role gets its own figures and names only; the region roles see both."""
    c = login(client, org, role)
    today = timezone.localdate()
    period = f"date_from={today - timedelta(days=10)}&date_to={today}"
    dashboard = c.get(reverse("analytics:dashboard"))
    page = c.get(reverse("analytics:ratings") + f"?group=settlement&{period}")
    export = c.get(reverse("analytics:ratings_export") + f"?{period}")
    assert dashboard.status_code == page.status_code == export.status_code == 200, role
    assert page.context["comparison"].current.total.received == len(CASES_VISIBLE[role]), role
    text = xlsx_text(export.content)
    html = dashboard.content.decode() + page.content.decode()
    for mark in foreign_marks(role):
        assert mark not in text and mark not in html, role
    for person in RESIDENTS:
        assert person not in text and person not in html, role
    if role in REGION:  # the regional curator and observer compare both municipalities
        assert "Отдел ЖКХ Котельниково" in text and "Октябрьский отдел ЖКХ" in text
    sees_b = "B1" in CASES_VISIBLE[role]
    card = c.get(reverse("analytics:ratings_department", args=[org["depts"]["B"].pk]))
    assert card.status_code == (200 if sees_b else 404), role
