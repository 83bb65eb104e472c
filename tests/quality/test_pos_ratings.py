"""Ratings that come with the feedback-platform (ПОС) export: ordinary ratings, once per answer, updated
when the platform's value changes, never reopening a case here."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from otklik.analytics.selectors import dashboard
from otklik.cases.models import Case, CaseEvent, Status
from otklik.intake.imports.services import MAX_ROW_WARNINGS, import_file
from otklik.notifications.models import Notification
from otklik.org.models import Role
from otklik.quality.models import Rating
from otklik.quality.services import rate
from tests.factories import MunicipalityFactory, RoleFactory

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
HEADER = "ID;Дата создания;Категория;Текст;Статус;Ответ;Дата ответа;Оценка"


@pytest.fixture
def muni(db):
    return MunicipalityFactory(code="kotelnikovo")


ANSWERED = "Мусор вывезен, площадка убрана."


def row(ext_id, rating, *, status="Решено", answer=ANSWERED):
    text = "Не вывозят мусор во дворе"
    return f"{ext_id};01.10.2026 10:00;Мусор;{text};{status};{answer};02.10.2026 12:00;{rating}"


def pos_file(tmp_path, *rows, name="pos.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def ratings():
    return {
        r.case.external_id: (r.satisfied, r.score, r.source)
        for r in Rating.objects.select_related("case").order_by("case__external_id")
    }


def test_the_rating_column_becomes_ratings_of_the_answers(muni, tmp_path):
    batch = import_file(
        pos_file(
            tmp_path,
            row("1", "5"),
            row("2", "2 из 5"),
            row("3", "Не удовлетворен"),
            row("4", "Положительная"),
            row("5", ""),
            row("6", "Да"),
        ),
        "pos",
    )
    assert (batch.created, batch.rejected, batch.warnings) == (6, 0, [])
    assert ratings() == {
        "1": (True, 5, "pos"),
        "2": (False, 2, "pos"),
        "3": (False, None, "pos"),
        "4": (True, None, "pos"),
        "6": (True, None, "pos"),
    }
    rated = Rating.objects.get(case__external_id="1")
    assert rated.answer == rated.case.answers.get() and rated.answer.text == ANSWERED
    note = "Оценка ответа на ПОС: удовлетворён, 5 из 5"
    assert CaseEvent.objects.filter(case=rated.case, note=note).exists()


def test_an_unreadable_rating_keeps_the_row_and_is_reported(muni, tmp_path):
    batch = import_file(pos_file(tmp_path, row("1", "отлично"), row("2", "7"), row("3", "4")), "pos")
    assert (batch.created, batch.rejected) == (3, 0)
    assert batch.warnings == [
        "строка 2: оценка «отлично» не распознана — строка импортирована без оценки",
        "строка 3: оценка «7» не от 1 до 5 — строка импортирована без оценки",
    ]
    assert ratings() == {"3": (True, 4, "pos")}
    batch.refresh_from_db()
    assert len(batch.warnings) == 2  # kept with the batch (the import page and the CLI show them)


def test_row_warnings_are_capped(muni, tmp_path):
    rows = [row(str(n), "хорошо") for n in range(MAX_ROW_WARNINGS + 5)]
    batch = import_file(pos_file(tmp_path, *rows), "pos")
    assert batch.created == MAX_ROW_WARNINGS + 5
    assert len(batch.warnings) == MAX_ROW_WARNINGS + 1
    assert batch.warnings[-1].startswith("и в других строках")


def test_re_importing_the_same_file_creates_no_duplicate(muni, tmp_path):
    path = pos_file(tmp_path, row("1", "5"), row("2", "1"))
    import_file(path, "pos")
    events = CaseEvent.objects.count()
    again = import_file(path, "pos")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Rating.objects.count() == 2 and CaseEvent.objects.count() == events


def test_a_changed_rating_is_updated_on_re_import(muni, tmp_path):
    import_file(pos_file(tmp_path, row("1", "2"), row("2", "5")), "pos")
    first = Rating.objects.get(case__external_id="1")
    import_file(pos_file(tmp_path, row("1", "5 из 5"), row("2", "5"), name="again.csv"), "pos")
    assert Rating.objects.count() == 2
    first.refresh_from_db()
    assert (first.satisfied, first.score, first.source) == (True, 5, "pos")
    note = "Оценка ответа на ПОС изменилась: не удовлетворён, 2 из 5 → удовлетворён, 5 из 5"
    assert CaseEvent.objects.filter(case=first.case, note=note).exists()


def test_a_new_answer_on_the_platform_gets_its_own_rating(muni, tmp_path):
    import_file(pos_file(tmp_path, row("1", "1")), "pos")
    second = "Площадку убрали повторно и поставили новый бак."
    import_file(pos_file(tmp_path, row("1", "5", answer=second), name="b.csv"), "pos")
    case = Case.objects.get(external_id="1")
    by_answer = {r.answer.text: (r.satisfied, r.score) for r in case.ratings.select_related("answer")}
    assert by_answer == {
        ANSWERED: (False, 1),
        second: (True, 5),
    }


@pytest.mark.parametrize(("later", "expected"), [("3", (False, 3)), ("5", (True, 5))])
def test_a_rating_that_came_before_its_answer_is_given_to_the_answer(muni, tmp_path, later, expected):
    import_file(pos_file(tmp_path, row("1", "3", status="В работе", answer="")), "pos")
    assert Rating.objects.get().answer is None
    import_file(pos_file(tmp_path, row("1", later), name="b.csv"), "pos")
    rating = Rating.objects.get()
    assert rating.answer == Case.objects.get(external_id="1").answers.get()
    assert (rating.satisfied, rating.score) == expected


def test_a_negative_platform_rating_does_not_reopen_or_notify(muni, tmp_path):
    RoleFactory(role=Role.HEAD, municipality=muni)
    import_file(pos_file(tmp_path, row("1", "Отрицательная")), "pos")
    case = Case.objects.get(external_id="1")
    assert case.status == Status.CLOSED and Rating.objects.get().satisfied is False
    assert not Notification.objects.exists()


def test_an_answer_the_author_rated_another_way_counts_once(muni, tmp_path):
    import_file(pos_file(tmp_path, row("1", "")), "pos")
    case = Case.objects.get(external_id="1")
    rate(case, satisfied=True, score=4, source=Rating.Source.PHONE)
    import_file(pos_file(tmp_path, row("1", "2"), name="b.csv"), "pos")
    assert list(Rating.objects.values_list("source", "score")) == [("phone", 4)]


def test_the_sample_export_brings_its_ratings_once(muni):
    import_file(SAMPLES / "pos_export.xlsx", "pos")
    imported = Rating.objects.filter(source="pos").count()
    assert imported == 19  # the rows of the sample with a rating
    import_file(SAMPLES / "pos_export_cp1251.csv", "pos")
    assert Rating.objects.count() == imported


def test_platform_ratings_count_in_the_satisfaction_figures(muni, tmp_path):
    head = RoleFactory(role=Role.HEAD, municipality=muni).user
    now = timezone.now()
    Case.objects.all().delete()
    path = pos_file(tmp_path, *[row(str(n), score) for n, score in enumerate(["5", "4", "1", "Нет"], 1)])
    path.write_text(path.read_text().replace("01.10.2026 10:00", f"{now - timedelta(days=2):%d.%m.%Y %H:%M}"))
    path.write_text(path.read_text().replace("02.10.2026 12:00", f"{now - timedelta(days=1):%d.%m.%Y %H:%M}"))
    import_file(path, "pos")
    today = timezone.localdate()
    board = dashboard(
        head, municipality=muni, topic=None, start=today - timedelta(days=7), end=today, tz=muni.tz
    )
    assert board.kpi["ratings"] == 4 and board.kpi["satisfied_share"] == 50.0
