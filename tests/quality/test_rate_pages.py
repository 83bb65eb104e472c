"""The one-page rating form behind the survey link, and the operator's phone-rating form."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from otklik.cases.models import Status
from otklik.cases.services import answer_case, reopen_case
from otklik.org.models import Role
from otklik.quality.models import Rating, SatisfactionSurvey
from otklik.quality.surveys import send_surveys
from tests.factories import MunicipalityFactory, RoleFactory, UserFactory
from tests.quality.satisfaction import ANSWER, make_case


@pytest.fixture
def muni(db):
    cache.clear()  # the rate limiter counts in the cache
    return MunicipalityFactory(code="kotelnikovo", name="Котельниковский муниципальный район")


def surveyed(muni, **kwargs):
    case = make_case(muni, **kwargs)
    send_surveys()
    return case, SatisfactionSurvey.objects.get(case=case)


def url(survey):
    return reverse("quality:form", args=[survey.token])


def test_the_page_shows_the_case_the_answer_and_the_form(client, muni, django_assert_max_num_queries):
    case, survey = surveyed(muni)
    with django_assert_max_num_queries(8):
        response = client.get(url(survey))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"№&nbsp;{case.registration_number}" in body and "Котельниковский муниципальный район" in body
    assert ANSWER in body and "Оцените ответ" in body and 'name="csrfmiddlewaretoken"' in body
    assert "Устраивает ли вас ответ?" in body and 'name="score" value="5"' in body
    assert 'maxlength="2000"' in body
    assert f"/track/{case.tracking_token}/" in body
    assert response["X-Robots-Tag"] == "noindex, nofollow" and "no-store" in response["Cache-Control"]
    assert "ivan@example.ru" not in body and "Петров" not in body


def test_a_rating_by_the_link_is_recorded_thanked_and_refused_the_second_time(client, muni):
    case, survey = surveyed(muni)
    response = client.post(url(survey), {"satisfied": "yes", "score": "5", "comment": "Спасибо, вывезли"})
    assert response.status_code == 302 and response["Location"] == url(survey) + "?done=1"
    rating = Rating.objects.get()
    assert (rating.satisfied, rating.score, rating.comment) == (True, 5, "Спасибо, вывезли")
    assert rating.source == Rating.Source.EMAIL and rating.answer == case.answers.get()
    survey.refresh_from_db()
    assert survey.rating == rating
    thanks = client.get(response["Location"]).content.decode()
    assert "Спасибо, ваша оценка учтена" in thanks and "оценка 5 из 5" in thanks
    assert "Оцените ответ" not in thanks

    again = client.post(url(survey), {"satisfied": "no", "score": "1"})
    assert again.status_code == 400
    body = again.content.decode()
    assert "Эта оценка не принята: ответ уже оценён" in body and 'role="alert"' in body
    assert "Учтена оценка, отправленная раньше" in body and "оценка 5 из 5" in body
    assert Rating.objects.count() == 1
    later = client.get(url(survey)).content.decode()
    assert "Этот ответ уже оценён" in later and "Оценить ответ можно один раз" in later
    assert "Спасибо, ваша оценка учтена" not in later and "Оцените ответ" not in later


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"score": "4", "comment": "Хорошо"}, "устраивает ли вас ответ"),
        ({"satisfied": "maybe"}, "устраивает ли вас ответ"),
        ({"satisfied": "no", "score": "9", "comment": "Хорошо"}, "Оценка должна быть от 1 до 5."),
        ({"satisfied": "no", "score": "٣", "comment": "Хорошо"}, "Оценка должна быть от 1 до 5."),
        ({"satisfied": "no", "comment": "ж" * 2001}, "Комментарий длиннее 2000 символов."),
    ],
)
def test_a_bad_form_is_explained_and_keeps_the_input(client, muni, data, message):
    _, survey = surveyed(muni)
    response = client.post(url(survey), data)
    body = response.content.decode()
    assert response.status_code == 400 and message in body
    if data.get("comment") == "Хорошо":
        assert ">Хорошо</textarea>" in body
    assert not Rating.objects.exists()


def test_an_unknown_link_is_a_russian_404(client, muni):
    for token in ("nope", "x" * 200):
        response = client.get(reverse("quality:form", args=[token]))
        assert response.status_code == 404
        assert "Ссылка для оценки не найдена" in response.content.decode()
    assert client.post(reverse("quality:form", args=["nope"]), {"satisfied": "yes"}).status_code == 404


def test_a_superseded_answer_cannot_be_rated(client, muni):
    case, survey = surveyed(muni)
    reopen_case(case.pk, "Проверка: вывоз не налажен", actor=None)
    answer_case(case.pk, "Вывоз налажен, добавлен дополнительный рейс по субботам.", actor=case.owner)
    page = client.get(url(survey)).content.decode()
    assert "По обращению дан новый ответ" in page and "Оцените ответ" not in page
    response = client.post(url(survey), {"satisfied": "yes"})
    assert response.status_code == 400 and "уже заменён новым ответом" in response.content.decode()
    assert not Rating.objects.exists()


def test_a_case_considered_again_cannot_be_rated_meanwhile(client, muni):
    case, survey = surveyed(muni)
    reopen_case(case.pk, "Проверка: вывоз не налажен", actor=None)
    page = client.get(url(survey)).content.decode()
    assert "Обращение рассматривается повторно" in page and "Оцените ответ" not in page
    response = client.post(url(survey), {"satisfied": "yes"})
    assert response.status_code == 400
    assert "рассматривается повторно: оценить можно будет новый ответ" in response.content.decode()


def test_the_form_is_csrf_protected(muni):
    _, survey = surveyed(muni)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(survey), {"satisfied": "yes"}).status_code == 403
    page = strict.get(url(survey))
    token = page.cookies["csrftoken"].value
    ok = strict.post(url(survey), {"satisfied": "yes", "csrfmiddlewaretoken": token})
    assert ok.status_code == 302 and Rating.objects.count() == 1


def test_posts_from_one_address_are_limited(client, muni, settings):
    settings.OTKLIK_RATING_PER_HOUR = 2
    _, survey = surveyed(muni)
    for _ in range(2):
        assert client.post(url(survey), {"satisfied": "maybe"}).status_code == 400
    limited = client.post(url(survey), {"satisfied": "yes"})
    assert limited.status_code == 429 and limited["Retry-After"] == "3600"
    assert "Слишком много попыток" in limited.content.decode() and not Rating.objects.exists()
    other = client.post(url(survey), {"satisfied": "yes"}, REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 302


def test_an_unsatisfied_rating_by_the_link_reopens_the_message(client, muni):
    case, survey = surveyed(muni)
    client.post(url(survey), {"satisfied": "no", "score": "1", "comment": "Не вывезли"})
    case.refresh_from_db()
    assert case.status == Status.REOPENED
    thanks = client.get(url(survey) + "?done=1").content.decode()
    assert "обращение будет рассмотрено повторно" in thanks


# --- the phone rating -------------------------------------------------------------------------------


def phone_url(case):
    return reverse("quality:phone", args=[case.pk])


def test_an_operator_enters_a_rating_given_by_phone(client, muni):
    case = make_case(muni, email="", token=False, kind="appeal", channel="phone")
    client.force_login(case.owner)
    before = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Внести оценку, полученную по телефону" in before  # the panel on the case page
    response = client.post(phone_url(case), {"satisfied": "no", "score": "3", "comment": "Сказал: частично"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    rating = Rating.objects.get()
    assert (rating.source, rating.entered_by) == ("phone", case.owner)
    assert (rating.satisfied, rating.score) == (False, 3)
    assert rating.comment == "Сказал: частично"
    page = client.get(response["Location"]).content.decode()
    assert "Оценка по телефону внесена: автор не удовлетворён." in page
    assert "Не удовлетворён ответом" in page and "Внести оценку, полученную по телефону" not in page


def test_a_phone_rating_is_refused_with_a_message_when_already_rated_or_invalid(client, muni):
    case = make_case(muni)
    client.force_login(case.owner)
    bad = client.post(phone_url(case), {"score": "4"}, follow=True)
    assert "Оценка не внесена: Ответьте, пожалуйста" in bad.content.decode()
    client.post(phone_url(case), {"satisfied": "yes"})
    again = client.post(phone_url(case), {"satisfied": "yes"}, follow=True)
    assert "Оценка не внесена: Этот ответ уже оценён" in again.content.decode()
    assert Rating.objects.count() == 1


def test_the_phone_form_needs_login_post_and_a_role_that_answers_or_closes(client, muni):
    case = make_case(muni)
    anonymous = client.post(phone_url(case), {"satisfied": "yes"})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    client.force_login(case.owner)
    assert client.get(phone_url(case)).status_code == 405
    analyst = RoleFactory(role=Role.ANALYST, municipality=muni).user
    client.force_login(analyst)
    assert client.post(phone_url(case), {"satisfied": "yes"}).status_code == 403
    stranger = RoleFactory(role=Role.HEAD, municipality=MunicipalityFactory()).user
    client.force_login(stranger)
    assert client.post(phone_url(case), {"satisfied": "yes"}).status_code == 404
    assert not Rating.objects.exists()


def render_panel(case, user):
    request = RequestFactory().get("/")
    request.user = user
    return render_to_string("quality/_phone_rating.html", {"case": case}, request=request)


def test_the_include_shows_the_form_to_who_may_enter_and_then_the_rating(muni):
    case = make_case(muni)
    html = render_panel(case, case.owner)
    assert f'action="{reverse("quality:phone", args=[case.pk])}"' in html
    assert "Внести оценку, полученную по телефону" in html and "csrfmiddlewaretoken" in html
    assert render_panel(case, RoleFactory(role=Role.ANALYST, municipality=muni).user).strip() == ""
    unanswered = make_case(muni, answered=False, closed=False)
    assert render_panel(unanswered, unanswered.owner).strip() == ""
    Rating.objects.create(
        case=case,
        answer=case.answers.get(),
        satisfied=True,
        score=5,
        source="phone",
        entered_by=UserFactory(last_name="Смирнова", first_name="Анна", patronymic=""),
        created_at=case.closed_at,
    )
    rated = render_panel(case, case.owner)
    assert "Удовлетворён ответом" in rated and "5 из 5" in rated and "По телефону (внёс оператор)" in rated
    assert "внёс Смирнова Анна" in rated
    assert "Внести оценку" not in rated


def test_a_rating_on_the_tracking_page_is_linked_to_the_survey(client, muni):
    case, survey = surveyed(muni, kind="appeal", channel="web", email="")
    response = client.post(reverse("webform:rate", args=[case.tracking_token]), {"satisfied": "yes"})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.rating == Rating.objects.get() and survey.rating.source == Rating.Source.TRACKING
    page = client.get(url(survey)).content.decode()
    assert "Этот ответ уже оценён" in page
