"""The problems pages: scope (another municipality's problem is «not found»), who may decide, the forms,
empty states and bounded queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from otklik.cases.models import Case
from otklik.org.models import Role
from otklik.problems import services
from otklik.problems.models import Measure, Problem, ProblemCase, ProblemStatus
from tests.factories import CaseFactory, MunicipalityFactory, RoleFactory, UserFactory
from tests.problems.dataset import NOW, seed


@pytest.fixture
def data(db):
    d = seed()
    services.propose_candidates(d.municipality, now=NOW)
    d.problem = {k: ProblemCase.objects.get(case=v[0]).problem for k, v in d.groups.items()}
    d.head = RoleFactory(role=Role.HEAD, municipality=d.municipality, user__username="head").user
    waste = d.problem["A"].block
    d.owner = RoleFactory(
        role=Role.BLOCK_OWNER, municipality=d.municipality, block=waste, user__username="owner"
    ).user
    d.analyst = RoleFactory(role=Role.ANALYST, municipality=d.municipality, user__username="analyst").user
    return d


def login(client, user):
    client.force_login(user)
    return client


def test_pages_need_a_login(client, data):
    for url in (
        "/problems/",
        "/problems/board/",
        "/problems/accelerated/",
        f"/problems/{data.problem['A'].pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_list_opens_on_candidates_when_nothing_is_confirmed_yet(client, data):
    page = login(client, data.head).get("/problems/")
    assert page.status_code == 200
    html = page.content.decode()
    assert page.context["tab"] == "candidates"
    titles = [r["problem"].title for r in page.context["rows"]]
    assert titles[0] == "Вывоз ТКО — х. Майоровский" and len(titles) == 5
    assert "Найти кандидатов сейчас" in html
    assert 'id="problems-map"' in html and 'id="problems-map-data"' in html
    assert "<script>" not in html  # no inline scripts: data travels in json_script


def test_the_map_counts_problems_in_work_per_settlement(client, data):
    services.confirm(data.problem["A"].pk, actor=data.head)
    page = login(client, data.head).get("/problems/")
    areas = {a["name"]: a["value"] for a in page.context["chart"]["areas"]}
    assert areas["Майоровское сельское поселение"] == 1
    assert sum(areas.values()) == 1
    assert page.context["tab"] == "open"


def test_filters_and_an_empty_tab(client, data):
    c = login(client, data.head)
    settlement = data.localities["zakharov"].settlement
    page = c.get(f"/problems/?tab=candidates&settlement={settlement.pk}")
    assert [r["problem"].pk for r in page.context["rows"]] == [data.problem["C"].pk]
    empty = c.get("/problems/?tab=resolved")
    assert "Решённых проблем пока нет." in empty.content.decode()


def test_the_list_runs_a_bounded_number_of_queries(client, data, django_assert_max_num_queries):
    c = login(client, data.head)
    c.get("/problems/?tab=candidates")
    with django_assert_max_num_queries(20):
        c.get("/problems/?tab=candidates")


def test_the_problem_page_runs_a_bounded_number_of_queries(client, data, django_assert_max_num_queries):
    a = services.confirm(data.problem["A"].pk, actor=data.head)
    today = timezone.localdate()
    for i in range(6):
        services.add_measure(
            a.pk,
            services.MeasureData(
                title=f"Мероприятие {i}", responsible_name="Быкова А. В.", start_on=today, due_on=today
            ),
            actor=data.head,
        )
    c = login(client, data.head)
    c.get(f"/problems/{a.pk}/")
    with django_assert_max_num_queries(20):  # 16 today, whatever the number of measures and cases
        c.get(f"/problems/{a.pk}/")


def test_another_municipality_sees_nothing(client, data):
    outsider = RoleFactory(role=Role.HEAD, municipality=MunicipalityFactory()).user
    c = login(client, outsider)
    a = data.problem["A"]
    assert c.get(f"/problems/{a.pk}/").status_code == 404
    assert c.post(f"/problems/{a.pk}/confirm/", {"title": "x"}).status_code == 404
    assert c.post(f"/problems/{a.pk}/dismiss/", {"reason": "x"}).status_code == 404
    assert c.get(f"/problems/{a.pk}/roadmap.xlsx").status_code == 404
    page = c.get("/problems/?tab=all")
    assert page.context["rows"] == []
    a.refresh_from_db()
    assert a.status == ProblemStatus.CANDIDATE


def test_a_block_owner_sees_the_problems_of_the_block_only(client, data):
    c = login(client, data.owner)
    assert c.get(f"/problems/{data.problem['A'].pk}/").status_code == 200
    assert c.get(f"/problems/{data.problem['B'].pk}/").status_code == 404  # roads, not theirs
    listed = {r["problem"].pk for r in c.get("/problems/?tab=all").context["rows"]}
    assert listed == {data.problem["A"].pk}


def test_a_block_owner_may_not_take_over_another_blocks_problem(client, data):
    roads_case = data.groups["B"][0]
    roads_case.block = data.problem["A"].block  # routed to the waste block: its owner sees problem B
    roads_case.registration_number = "ПОС-26-00101"
    roads_case.save()
    c = login(client, data.owner)
    a, b = data.problem["A"], data.problem["B"]
    assert c.get(f"/problems/{b.pk}/").status_code == 200
    page = c.get(f"/problems/{a.pk}/")
    assert b.pk not in [pk for pk, _ in page.context["merge_form"].fields["sources"].choices]
    assert c.post(f"/problems/{a.pk}/merge/", {"sources": [b.pk]}).status_code == 400
    moved = c.post(f"/problems/{a.pk}/cases/add/", {"number": "ПОС-26-00101"}, follow=True)
    assert "решения по которой не за вами" in moved.content.decode()
    assert ProblemCase.objects.get(case=roads_case).problem == b
    assert c.post(f"/problems/{b.pk}/confirm/", {"title": ""}).status_code == 403


def test_an_analyst_sees_but_may_not_decide(client, data):
    c = login(client, data.analyst)
    a = data.problem["A"]
    page = c.get(f"/problems/{a.pk}/")
    assert page.status_code == 200 and "Подтвердить проблему" not in page.content.decode()
    response = c.post(f"/problems/{a.pk}/confirm/", {"title": ""})
    assert response.status_code == 403
    assert "нет права" in response.content.decode()
    a.refresh_from_db()
    assert a.status == ProblemStatus.CANDIDATE
    assert c.post("/problems/propose/", {"mo": data.municipality.code}).status_code == 403


def test_the_block_owner_confirms_and_builds_the_roadmap(client, data):
    c = login(client, data.owner)
    a = data.problem["A"]
    response = c.post(f"/problems/{a.pk}/confirm/", {"title": "Нет вывоза ТКО, х. Майоровский"})
    assert response.status_code == 302 and response["Location"] == f"/problems/{a.pk}/"
    a.refresh_from_db()
    assert (a.status, a.title, a.confirmed_by) == ("confirmed", "Нет вывоза ТКО, х. Майоровский", data.owner)
    form = {
        "new-title": "Дополнительный рейс мусоровоза",
        "new-responsible_position": "начальник отдела ЖКХ",
        "new-responsible_name": "Быкова А. В.",
        "new-organisation": "ООО «Экоцентр»",
        "new-start_on": "2026-03-01",
        "new-due_on": "2026-03-31",
    }
    assert c.post(f"/problems/{a.pk}/measures/add/", form).status_code == 302
    measure = Measure.objects.get(problem=a)
    assert (measure.order, measure.organisation) == (1, "ООО «Экоцентр»")
    page = c.get(f"/problems/{a.pk}/").content.decode()
    assert "Дополнительный рейс мусоровоза" in page and "начальник отдела ЖКХ, Быкова А. В." in page


def test_invalid_forms_show_their_errors_and_keep_the_input(client, data):
    c = login(client, data.owner)
    a = services.confirm(data.problem["A"].pk, actor=data.owner)
    response = c.post(
        f"/problems/{a.pk}/measures/add/",
        {
            "new-title": "Рейс",
            "new-responsible_name": "Быкова",
            "new-start_on": "2026-03-10",
            "new-due_on": "2026-03-01",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Срок исполнения раньше срока начала." in html and 'value="Быкова"' in html
    assert not Measure.objects.exists()
    candidate = data.problem["B"]
    RoleFactory(role=Role.BLOCK_OWNER, municipality=data.municipality, block=candidate.block, user=data.owner)
    dismissed = c.post(f"/problems/{candidate.pk}/dismiss/", {"reason": ""})
    assert dismissed.status_code == 400 and "Обязательное поле" in dismissed.content.decode()


def test_a_responsible_specialist_moves_their_measure_but_may_not_edit_it(client, data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = services.confirm(data.problem["A"].pk, actor=data.head)
    specialist = UserFactory(username="sidorov")
    measure = services.add_measure(
        a.pk,
        services.MeasureData(
            title="Рейс",
            responsible_name="Сидоров П. И.",
            responsible_user=specialist,
            start_on=date(2026, 3, 1),
            due_on=date(2026, 3, 31),
        ),
        actor=data.head,
    )
    c = login(client, specialist)
    assert c.get(f"/problems/{a.pk}/").status_code == 200  # they see the problem of their measure
    done = c.post(
        f"/problems/{a.pk}/measures/{measure.pk}/status/",
        {f"s{measure.pk}-status": "done", f"s{measure.pk}-evidence": "Акт выполненных работ № 5"},
    )
    assert done.status_code == 302
    measure.refresh_from_db()
    assert measure.status == "done" and measure.completed_on == timezone.localdate()
    edit = c.post(f"/problems/{a.pk}/measures/{measure.pk}/", {f"m{measure.pk}-title": "Другое"})
    assert edit.status_code == 403


def test_cases_are_moved_removed_and_split_from_the_page(client, data):
    c = login(client, data.head)
    a, cp = data.problem["A"], data.problem["C"]
    first, second, third = (x.pk for x in data.groups["A"][:3])
    assert c.post(f"/problems/{a.pk}/cases/move/", {"cases": [first], "target": cp.pk}).status_code == 302
    assert ProblemCase.objects.get(case_id=first).problem == cp
    assert c.post(f"/problems/{a.pk}/cases/move/", {"cases": [second], "target": ""}).status_code == 302
    assert not ProblemCase.objects.filter(case_id=second).exists()
    response = c.post(f"/problems/{a.pk}/split/", {"cases": [third], "title": "Площадка на Центральной"})
    new = Problem.objects.get(title="Площадка на Центральной")
    assert response["Location"] == f"/problems/{new.pk}/#cases"
    assert list(new.links.values_list("case_id", flat=True)) == [third]
    nothing = c.post(f"/problems/{a.pk}/cases/move/", {"target": cp.pk})
    assert nothing.status_code == 400 and "Отметьте обращения." in nothing.content.decode()


def test_a_case_is_added_by_its_number(client, data):
    c = login(client, data.head)
    a = data.problem["A"]
    noise = data.noise[0]
    noise.registration_number = "ПОС-26-00077"
    noise.save()
    assert c.post(f"/problems/{a.pk}/cases/add/", {"number": "ПОС-26-00077"}).status_code == 302
    assert ProblemCase.objects.get(case=noise).problem == a
    missing = c.post(f"/problems/{a.pk}/cases/add/", {"number": "ПОС-26-99999"}, follow=True)
    assert "не найдено" in missing.content.decode()


def test_a_merged_problem_leads_to_the_one_it_joined(client, data):
    c = login(client, data.head)
    a, cp = data.problem["A"], data.problem["C"]
    assert c.post(f"/problems/{a.pk}/merge/", {"sources": [cp.pk]}).status_code == 302
    response = c.get(f"/problems/{cp.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/problems/{a.pk}/"


def test_resolution_shows_whether_messages_stopped(client, data):
    c = login(client, data.head)
    a = services.confirm(data.problem["A"].pk, actor=data.head)
    assert c.post(f"/problems/{a.pk}/resolve/", {"note": ""}).status_code == 400
    c.post(f"/problems/{a.pk}/resolve/", {"note": "Добавлен рейс по вторникам."})
    page = c.get(f"/problems/{a.pk}/").content.decode()
    assert "Проверка идёт: прошло 0 из 28 дн. после решения, новых сообщений нет." in page


def test_propose_from_the_page(client, data):
    ProblemCase.objects.all().delete()
    Problem.objects.all().delete()
    shift = timezone.now() - NOW  # the page searches the 90 days before the real «now»
    Case.objects.filter(municipality=data.municipality).update(
        received_at=F("received_at") + shift, due_at=F("due_at") + shift
    )
    c = login(client, data.head)
    response = c.post("/problems/propose/", {"mo": data.municipality.code}, follow=True)
    assert "Поиск завершён: новых кандидатов — 5, дополнено — 0." in response.content.decode()
    assert Problem.objects.filter(status="candidate").count() == 5


def test_the_board_highlights_overdue_measures(client, data):
    a = services.confirm(data.problem["A"].pk, actor=data.head)
    today = timezone.localdate()
    for title, due in (("Просроченное", today - timedelta(days=3)), ("В срок", today + timedelta(days=10))):
        services.add_measure(
            a.pk,
            services.MeasureData(
                title=title, responsible_name="Быкова А. В.", start_on=today - timedelta(days=20), due_on=due
            ),
            actor=data.head,
        )
    page = login(client, data.head).get("/problems/board/")
    planned = page.context["columns"][0]
    assert [m.title for m in planned.measures] == ["Просроченное", "В срок"]
    assert [m.is_overdue for m in planned.measures] == [True, False]
    assert page.context["overdue"] == 1
    only = client.get("/problems/board/?overdue=on")
    assert [m.title for m in only.context["columns"][0].measures] == ["Просроченное"]
    roads = data.problem["B"].block
    assert client.get(f"/problems/board/?block={roads.pk}").context["columns"][0].measures == []
    assert len(client.get(f"/problems/board/?block={a.block_id}").context["columns"][0].measures) == 2


def test_the_accelerated_page_and_its_empty_state(client, data):
    c = login(client, data.head)
    page = c.get("/problems/accelerated/")
    assert page.status_code == 200 and page.context["report"].kind == "appeal"
    empty = c.get("/problems/accelerated/?date_from=2020-01-01&date_to=2020-01-31")
    assert "За этот период ответов этого вида нет." in empty.content.decode()
    bad = c.get("/problems/accelerated/?date_from=2026-02-01&date_to=2026-01-01")
    assert "Конец периода раньше начала." in bad.content.decode()


def test_the_navigation_has_the_problems_link(client, data):
    html = login(client, data.head).get("/").content.decode()
    assert '<a href="/problems/"' in html and "Проблемы</a>" in html


def test_case_texts_are_masked_for_roles_without_personal_data(client, data):
    case = data.groups["A"][0]
    case.text = "Звоните Петрову Ивану по телефону +7 900 123-45-67: не вывозят мусор в Майоровском."
    case.title = ""
    case.save()
    page = login(client, data.analyst).get(f"/problems/{data.problem['A'].pk}/").content.decode()
    assert "123-45-67" not in page
    head_page = login(client, data.head).get(f"/problems/{data.problem['A'].pk}/").content.decode()
    assert "123-45-67" in head_page


def test_a_problem_seen_through_a_case_only(client, data):
    pos_officer = RoleFactory(role=Role.POS_OFFICER, municipality=data.municipality).user
    c = login(client, pos_officer)
    assert c.get(f"/problems/{data.problem['A'].pk}/").status_code == 200  # it has ПОС messages they see
    lonely = Problem.objects.create(municipality=data.municipality, title="Без обращений", status="confirmed")
    CaseFactory(municipality=data.municipality, channel="web", kind="appeal")
    assert c.get(f"/problems/{lonely.pk}/").status_code == 404


def test_the_case_page_names_its_problem(client, data):
    from django.urls import reverse

    case = data.groups["A"][0]
    problem = data.problem["A"]
    page = login(client, data.head).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Повторяющаяся проблема:" in page and reverse("problems:detail", args=[problem.pk]) in page
    lonely = CaseFactory(municipality=data.municipality)
    assert (
        "Повторяющаяся проблема:"
        not in client.get(reverse("cases:detail", args=[lonely.pk])).content.decode()
    )
