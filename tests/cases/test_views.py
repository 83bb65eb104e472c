"""The case page: what it shows, who may do what on it, and each lifecycle action by POST."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from otklik.cases import services
from otklik.cases.models import Answer, Attachment, Case, CaseEvent, Kind, Status
from otklik.cases.permissions import allowed_actions, can
from otklik.cases.selectors import assignable_users, duration_words
from otklik.org.models import Role, Topic
from tests.factories import (
    BlockFactory,
    CaseFactory,
    DepartmentFactory,
    MunicipalityFactory,
    RoleFactory,
    SettlementFactory,
    UserFactory,
)

ANSWER_TEXT = "Бригада заменила участок трубы, отопление в доме восстановлено 12 марта."
SMALL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def district(db):
    muni = MunicipalityFactory(code="kot", name="Котельниковский муниципальный район")
    dept = DepartmentFactory(municipality=muni, name="Отдел ЖКХ")
    block = BlockFactory(municipality=muni, name="ЖКХ", department=dept)
    block.topics.add(Topic.objects.get(code="housing"))
    head = RoleFactory(
        role=Role.HEAD, municipality=muni, user__username="head", user__last_name="Быкова"
    ).user
    specialist = RoleFactory(
        role=Role.SPECIALIST,
        municipality=muni,
        block=block,
        user__username="spec",
        user__last_name="Сидоров",
        user__first_name="Пётр",
    ).user
    analyst = RoleFactory(role=Role.ANALYST, municipality=muni, user__username="analyst").user
    return {"muni": muni, "dept": dept, "block": block, "head": head, "spec": specialist, "analyst": analyst}


def received_case(district, **kw) -> Case:
    defaults = {
        "municipality": district["muni"],
        "kind": Kind.APPEAL,
        "channel": "paper",
        "status": Status.RECEIVED,
        "topic": Topic.objects.get(code="housing"),
        "subtopic": Topic.objects.get(code="housing.heating"),
        "settlement": SettlementFactory(municipality=district["muni"], name="Котельниковское"),
        "received_at": timezone.now() - timedelta(hours=3),
        "due_at": None,
        "title": "Холодные батареи",
        "text": "В квартире не греют батареи, температура 14 градусов.",
        "author_name": "Петров Иван Сергеевич",
        "author_email": "petrov@example.ru",
        "author_phone": "+7 900 000-00-00",
        "author_address": "ул. Ленина, д. 5, кв. 3",
    }
    defaults.update(kw)
    return CaseFactory(**defaults)


def registered_case(district, **kw) -> Case:
    case = services.register_case(received_case(district, **kw).pk, actor=district["head"])
    case.refresh_from_db()
    return case


def answered_case(district, **kw) -> Case:
    case = registered_case(district, **kw)
    services.answer_case(case.pk, ANSWER_TEXT, actor=district["head"])
    case.refresh_from_db()
    return case


def url(case: Case, action: str = "detail") -> str:
    return reverse(f"cases:{action}", args=[case.pk])


def as_user(client: Client, user) -> Client:
    client.force_login(user)
    return client


# --- the page ----------------------------------------------------------------------------------------


def test_page_shows_the_case_in_russian_with_timeline_and_deadlines(client, district):
    case = registered_case(district)
    response = as_user(client, district["head"]).get(url(case))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in body
    assert case.registration_number in body
    assert "зарегистрировано" in body  # status badge
    assert "Холодные батареи" in body and "не греют батареи" in body
    assert "Петров Иван Сергеевич" in body and "petrov@example.ru" in body and "ул. Ленина" in body
    assert "Котельниковское" in body and "ЖКХ" in body and "Отдел ЖКХ" in body
    assert "История" in body and "регистрация" in body  # the registration event
    assert "Сроки" in body and "ответ по существу" in body and "до срока:" in body
    assert "otklik/case.css" in body


def test_deadlines_are_shown_in_the_municipality_time_zone(client, district):
    district["muni"].timezone = "Asia/Yekaterinburg"
    district["muni"].save()
    case = registered_case(district)
    answer_due = case.deadlines.get(stage="answer").due_at
    body = as_user(client, district["head"]).get(url(case)).content.decode()
    local = timezone.localtime(answer_due, district["muni"].tz)
    assert local.strftime("%d.%m.%Y %H:%M") in body


def test_channel_links_to_the_source_safely(client, district):
    case = registered_case(district, external_url="https://pos.gosuslugi.ru/x/1")
    body = as_user(client, district["head"]).get(url(case)).content.decode()
    assert 'href="https://pos.gosuslugi.ru/x/1" rel="noopener noreferrer"' in body


def test_a_script_url_from_a_channel_is_not_made_a_link(client, district):
    case = registered_case(district)
    Case.objects.filter(pk=case.pk).update(external_url="javascript:alert(1)")
    body = as_user(client, district["head"]).get(url(case)).content.decode()
    assert "javascript:alert" not in body


def test_case_of_another_municipality_is_not_found(client, district):
    case = registered_case(district)
    stranger = RoleFactory(role=Role.HEAD).user  # head of another municipality
    assert as_user(client, stranger).get(url(case)).status_code == 404
    assert client.post(url(case, "take"), {"version": case.version}).status_code == 404


def test_missing_and_hidden_cases_look_the_same(client, district):
    hidden = registered_case(district)
    stranger = RoleFactory(role=Role.HEAD).user
    as_user(client, stranger)
    assert client.get(url(hidden)).content == client.get(reverse("cases:detail", args=[999999])).content


def test_anonymous_visitor_is_sent_to_login(client, district):
    case = registered_case(district)
    response = client.get(url(case))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_analyst_sees_the_case_but_no_action_forms(client, district):
    case = registered_case(district)
    body = as_user(client, district["analyst"]).get(url(case)).content.decode()
    assert case.registration_number in body
    assert 'method="post" action="/cases/' not in body
    assert "нет доступных действий" in body


def test_head_is_offered_the_actions_the_status_allows(client, district):
    case = registered_case(district)
    body = as_user(client, district["head"]).get(url(case)).content.decode()
    for action in ("assign", "take", "answer", "extend", "redirect", "no_answer"):
        assert f'action="{url(case, action)}"' in body, action
    for action in ("register", "close", "reopen", "rework"):
        assert f'action="{url(case, action)}"' not in body, action


def test_every_input_has_a_label(client, district):
    case = registered_case(district)
    body = as_user(client, district["head"]).get(url(case)).content.decode()
    for field_id in ("answer-text", "answer-files", "extend-reason", "assign-owner", "no_answer-reason"):
        assert f'for="{field_id}"' in body and f'id="{field_id}"' in body, field_id


def test_page_query_count_is_bounded(client, district, django_assert_max_num_queries):
    case = registered_case(district)
    for i in range(10):
        CaseEvent.objects.create(
            case=case, at=timezone.now(), actor=district["head"], type="comment", note=f"Заметка {i}"
        )
    services.answer_case(case.pk, ANSWER_TEXT, actor=district["spec"])
    as_user(client, district["head"])
    client.get(url(case))  # the process's reference caches are built
    with django_assert_max_num_queries(20):
        response = client.get(url(case))
    assert response.status_code == 200 and "Заметка 9" in response.content.decode()


def test_home_page_links_to_the_case(client, district):
    case = registered_case(district)
    body = as_user(client, district["head"]).get(reverse("home")).content.decode()
    assert f'href="{url(case)}"' in body


# --- the actions -------------------------------------------------------------------------------------


def _post(client, case, action, data=None, **kw):
    payload = {"version": Case.objects.get(pk=case.pk).version, **(data or {})}
    return client.post(url(case, action), payload, follow=True, **kw)


@pytest.mark.parametrize(
    ("action", "setup", "data", "status", "message"),
    [
        ("register", received_case, {}, Status.REGISTERED, "Зарегистрировано под номером"),
        ("assign", registered_case, "SPEC", Status.ASSIGNED, "Исполнитель назначен"),
        ("take", registered_case, {}, Status.IN_PROGRESS, "Взято в работу"),
        ("answer", registered_case, {"text": ANSWER_TEXT}, Status.ANSWERED, "Ответ сохранён"),
        (
            "extend",
            registered_case,
            {"reason": "Нужен выезд комиссии."},
            Status.REGISTERED,
            "Срок ответа продлён",
        ),
        (
            "redirect",
            registered_case,
            {"to_body": "Комитет ЖКХ области", "reason": "Вопрос компетенции области."},
            Status.REDIRECTED,
            "Перенаправлено: Комитет ЖКХ области",
        ),
        ("close", answered_case, {"note": "Автор доволен."}, Status.CLOSED, "Закрыто."),
        (
            "reopen",
            "CLOSED",
            {"reason": "Автор сообщил, что батареи снова холодные."},
            Status.REOPENED,
            "Возобновлено.",
        ),
        ("no_answer", registered_case, {"reason": "obscene"}, Status.NO_ANSWER, "Оставлено без ответа"),
        (
            "rework",
            answered_case,
            {"reason": "Не указан срок ремонта."},
            Status.IN_PROGRESS,
            "возвращён на доработку",
        ),
    ],
)
def test_each_action_changes_the_case_and_says_so(client, district, action, setup, data, status, message):
    if setup == "CLOSED":
        case = answered_case(district)
        services.close_case(case.pk, actor=district["head"])
    else:
        case = setup(district)
    if data == "SPEC":
        data = {"owner": district["spec"].pk}
    before = Case.objects.get(pk=case.pk).version
    response = _post(as_user(client, district["head"]), case, action, data)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == url(case)
    assert message in response.content.decode()
    case.refresh_from_db()
    assert case.status == status
    assert case.version > before
    if action == "extend":
        assert case.is_extended
    if action == "assign":
        assert case.owner == district["spec"]


def test_stale_version_is_a_conflict_and_changes_nothing(client, district):
    case = registered_case(district)
    seen = case.version
    services.take_case(case.pk, actor=district["spec"])  # somebody else acts meanwhile
    response = as_user(client, district["head"]).post(
        url(case, "extend"), {"version": seen, "reason": "Нужен выезд комиссии."}
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "изменил другой пользователь" in body and 'role="alert"' in body
    assert "Нужен выезд комиссии." in body  # the input is kept
    case.refresh_from_db()
    assert case.is_extended is False and case.version == seen + 1


def test_closing_a_registered_case_is_refused_with_a_clear_message(client, district):
    case = registered_case(district)
    response = as_user(client, district["head"]).post(url(case, "close"), {"version": case.version})
    body = response.content.decode()
    assert response.status_code == 409
    assert "«Закрыть» недоступно" in body and "зарегистрировано" in body and 'role="alert"' in body
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED


def test_role_without_the_right_gets_a_russian_403(client, district):
    case = registered_case(district)
    services.assign_case(case.pk, district["spec"], actor=district["head"])
    case.refresh_from_db()
    response = as_user(client, district["spec"]).post(url(case, "redirect"), {"version": case.version})
    assert response.status_code == 403
    assert "нет права" in response.content.decode() and "Перенаправить" in response.content.decode()
    assert Case.objects.get(pk=case.pk).status == Status.ASSIGNED


def test_analyst_cannot_act_even_by_posting(client, district):
    case = registered_case(district)
    response = as_user(client, district["analyst"]).post(url(case, "take"), {"version": case.version})
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED


def test_actions_need_post(client, district):
    case = registered_case(district)
    assert as_user(client, district["head"]).get(url(case, "take")).status_code == 405


def test_actions_need_the_csrf_token(district):
    case = registered_case(district)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(district["head"])
    assert strict.post(url(case, "take"), {"version": case.version}).status_code == 403
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED


def test_short_answer_is_rejected_and_the_text_kept(client, district):
    case = registered_case(district)
    response = as_user(client, district["head"]).post(
        url(case, "answer"), {"version": case.version, "text": "Сделано."}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Ответ слишком короткий" in body and "Сделано." in body and 'role="alert"' in body
    assert not Answer.objects.filter(case=case).exists()


def test_answer_with_an_exe_attachment_is_rejected(client, district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = registered_case(district)
    program = SimpleUploadedFile("act.exe", b"MZ\x90\x00rest-of-a-program", "application/octet-stream")
    response = as_user(client, district["head"]).post(
        url(case, "answer"), {"version": case.version, "text": ANSWER_TEXT, "files": [program]}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "такой тип файлов прикладывать нельзя" in body
    assert ANSWER_TEXT in body
    assert not Answer.objects.filter(case=case).exists() and not Attachment.objects.exists()
    assert Case.objects.get(pk=case.pk).status == Status.REGISTERED


def test_a_program_renamed_to_pdf_is_rejected(client, district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = registered_case(district)
    fake = SimpleUploadedFile("act.pdf", b"MZ\x90\x00rest-of-a-program", "application/pdf")
    response = as_user(client, district["head"]).post(
        url(case, "answer"), {"version": case.version, "text": ANSWER_TEXT, "files": [fake]}
    )
    assert response.status_code == 400 and not Attachment.objects.exists()


def test_more_than_five_files_are_rejected(client, district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = registered_case(district)
    files = [SimpleUploadedFile(f"act{i}.pdf", SMALL_PDF, "application/pdf") for i in range(6)]
    response = as_user(client, district["head"]).post(
        url(case, "answer"), {"version": case.version, "text": ANSWER_TEXT, "files": files}
    )
    assert response.status_code == 400 and "не больше 5 файлов" in response.content.decode()


def test_answer_with_a_small_pdf_is_accepted_and_listed(client, district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = registered_case(district)
    pdf = SimpleUploadedFile("акт осмотра.pdf", SMALL_PDF, "application/pdf")
    response = as_user(client, district["head"]).post(
        url(case, "answer"), {"version": case.version, "text": ANSWER_TEXT, "files": [pdf]}, follow=True
    )
    body = response.content.decode()
    assert response.status_code == 200 and "Приложено файлов: 1" in body
    attachment = Attachment.objects.get(case=case)
    assert attachment.answer is not None and attachment.name == "акт осмотра.pdf"
    link = reverse("cases:attachment", args=[case.pk, attachment.pk])
    assert f'href="{link}"' in body and "акт осмотра.pdf" in body
    download = client.get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content) == SMALL_PDF


def test_files_of_a_hidden_case_are_not_served(client, district, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = registered_case(district)
    pdf = SimpleUploadedFile("акт.pdf", SMALL_PDF, "application/pdf")
    services.answer_case(case.pk, ANSWER_TEXT, actor=district["head"], attachments=[pdf])
    attachment = Attachment.objects.get(case=case)
    stranger = RoleFactory(role=Role.HEAD).user
    link = reverse("cases:attachment", args=[case.pk, attachment.pk])
    assert as_user(client, stranger).get(link).status_code == 404


def test_answer_appears_in_the_timeline(client, district):
    case = registered_case(district)
    _post(as_user(client, district["head"]), case, "answer", {"text": ANSWER_TEXT})
    body = client.get(url(case)).content.decode()
    assert "дан ответ" in body
    assert body.count("отопление в доме восстановлено") >= 2  # in the answers and in the timeline


# --- the rules behind the page -----------------------------------------------------------------------


def test_specialist_may_take_and_answer_own_cases_only(district):
    case = registered_case(district)
    spec = district["spec"]
    assert allowed_actions(spec, case) == []  # not theirs: not even visible
    services.assign_case(case.pk, spec, actor=district["head"])
    case.refresh_from_db()
    assert allowed_actions(spec, case) == ["take", "answer"]


def test_department_specialist_acts_on_the_department_cases(district):
    spec = RoleFactory(role=Role.SPECIALIST, municipality=district["muni"], department=district["dept"]).user
    case = registered_case(district)
    assert allowed_actions(spec, case) == ["take", "answer"]
    assert not can(spec, "redirect", case)


def test_block_owner_may_extend(district):
    owner = RoleFactory(role=Role.BLOCK_OWNER, municipality=district["muni"], block=district["block"]).user
    case = registered_case(district)
    assert can(owner, "extend", case) and can(owner, "redirect", case)
    other_block = BlockFactory(municipality=district["muni"])
    stranger = RoleFactory(role=Role.BLOCK_OWNER, municipality=district["muni"], block=other_block).user
    assert allowed_actions(stranger, case) == []


def test_pos_officer_acts_on_pos_messages_only(district):
    officer = RoleFactory(role=Role.POS_OFFICER, municipality=district["muni"]).user
    pos = registered_case(district, kind=Kind.MESSAGE, channel="pos")
    appeal = registered_case(district)
    assert allowed_actions(officer, pos) == ["assign", "take", "answer"]
    assert allowed_actions(officer, appeal) == []


def test_observer_is_read_only(district):
    observer = RoleFactory(role=Role.OBSERVER, municipality=None).user
    assert allowed_actions(observer, registered_case(district)) == []


def test_no_answer_is_offered_for_appeals_only(district):
    head = district["head"]
    assert can(head, "no_answer", registered_case(district))
    assert not can(head, "no_answer", registered_case(district, kind=Kind.MESSAGE, channel="pos"))


def test_extension_is_offered_once(district):
    case = registered_case(district)
    assert can(district["head"], "extend", case)
    services.extend_deadline(case.pk, "Нужен выезд.", actor=district["head"])
    case.refresh_from_db()
    assert not can(district["head"], "extend", case)


def test_superuser_may_do_what_the_status_allows(district):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert allowed_actions(admin, answered_case(district)) == ["close", "rework"]


def test_assignable_users_put_the_block_first_in_one_query(district, django_assert_num_queries):
    case = registered_case(district)
    RoleFactory(
        role=Role.SPECIALIST, municipality=district["muni"], block=district["block"]
    ).user.roles.create(
        role=Role.HEAD, municipality=district["muni"]
    )  # a person with two roles is listed once
    UserFactory(is_active=False).roles.create(role=Role.SPECIALIST, municipality=district["muni"])
    RoleFactory(role=Role.HEAD)  # another municipality
    case = Case.objects.select_related("block").get(pk=case.pk)
    with django_assert_num_queries(1):
        people = list(assignable_users(case))
    assert [p.rank for p in people] == sorted(p.rank for p in people)
    assert people[0].rank == 0 and district["spec"] in people[:2]
    assert district["head"] in people and district["analyst"] not in people
    assert len(people) == len({p.pk for p in people}) == 3


@pytest.mark.parametrize(
    ("delta", "words"),
    [
        (timedelta(days=1), "1 день"),
        (timedelta(days=3, hours=2), "3 дня 2 часа"),
        (timedelta(days=11, hours=5), "11 дней"),
        (timedelta(hours=21, minutes=1), "21 час 1 минута"),
        (timedelta(seconds=20), "1 минута"),
        (timedelta(minutes=-14), "14 минут"),
    ],
)
def test_durations_read_as_russian_words(delta, words):
    assert duration_words(delta) == words


def test_extended_answer_term_is_not_shown_as_late(client, district):
    case = registered_case(district)
    services.extend_deadline(case.pk, "Нужен выезд комиссии.", actor=district["head"])
    answer = case.deadlines.get(stage="answer")
    answer.due_at = timezone.now() - timedelta(days=1)  # the original term has passed
    answer.save()
    services.answer_case(case.pk, ANSWER_TEXT, actor=district["head"])
    body = as_user(client, district["head"]).get(url(case)).content.decode()
    assert "срок продлён" in body and "с опозданием" not in body


def test_overdue_term_is_shown_in_words(client, district):
    case = registered_case(district)
    case.deadlines.filter(stage="answer").update(due_at=timezone.now() - timedelta(days=2, hours=3))
    body = as_user(client, district["head"]).get(url(case)).content.decode()
    assert "не выполнен, просрочка: 2 дня 3 часа" in body
