"""The platform's result file merges into the poll's results: counts per option (and settlement) replace
the earlier import's, residents' rows become one ballot per resident id — re-importing adds nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from otklik.audit.models import AuditEvent
from otklik.participation import selectors, services
from otklik.participation.codes import hash_of
from otklik.participation.models import Ballot, PlatformCount
from otklik.participation.platform import PlatformFileError, import_results
from tests.factories import SettlementFactory
from tests.participation.helpers import answers, officer, poll_with_questions, resident

pytestmark = pytest.mark.django_db

COUNTS = (
    "Вопрос;Ответ;Поселение;Количество\n"
    "1;Да;Котельниковское городское поселение;10\n"
    "1;Нет;Майоровское;4\n"  # a settlement by the first word of its name
    "Нужен ли новый парк?;да;Майоровское сельское поселение;3\n"  # the question by its text, any case
    "3;5;;2\n"
)


@pytest.fixture
def poll(municipality):
    SettlementFactory(municipality=municipality, name="Котельниковское городское поселение")
    SettlementFactory(municipality=municipality, name="Майоровское сельское поселение")
    return poll_with_questions(municipality, officer(municipality))


def totals(poll):
    results = selectors.poll_results(poll)
    return {
        (q.question.order, r.label): (r.site, r.platform, r.by_settlement)
        for q in results.questions
        for r in q.rows
        if r.total
    }


def test_counts_merge_into_the_results_by_settlement(poll):
    actor = poll.created_by
    services.cast_ballot(
        poll,
        resident(),
        settlement=poll.municipality.settlements.get(name__startswith="Кот"),
        answers=answers(poll, single="Да"),
        ip_hash="ip",
    )
    batch = import_results(poll, COUNTS.encode(), file_name="итоги.csv", actor=actor)
    assert (batch.rows, batch.created, batch.updated, batch.unchanged, batch.rejected) == (4, 4, 0, 0, 0)
    assert totals(poll) == {
        (1, "Да"): (1, 13, [11, 3, 0]),
        (1, "Нет"): (0, 4, [0, 4, 0]),
        (3, "5"): (0, 2, [0, 0, 2]),
    }
    assert AuditEvent.objects.filter(
        action="participation.platform_imported", object_id=str(poll.pk)
    ).exists()


def test_re_importing_the_same_file_changes_nothing(poll):
    import_results(poll, COUNTS.encode(), file_name="1.csv", actor=None)
    before = totals(poll)
    again = import_results(poll, COUNTS.encode(), file_name="1.csv", actor=None)
    assert (again.created, again.updated, again.unchanged, again.removed) == (0, 0, 4, 0)
    assert totals(poll) == before
    assert PlatformCount.objects.filter(poll=poll).count() == 4


def test_a_later_file_replaces_the_counts(poll):
    import_results(poll, COUNTS.encode(), file_name="1.csv", actor=None)
    later = "Вопрос;Ответ;Поселение;Количество\n1;Да;Котельниковское городское поселение;12\n3;5;;2\n"
    batch = import_results(poll, later.encode("cp1251"), file_name="2.csv", actor=None)
    assert (batch.created, batch.updated, batch.unchanged, batch.removed) == (0, 1, 1, 2)
    assert totals(poll) == {(1, "Да"): (0, 12, [12, 0, 0]), (3, "5"): (0, 2, [0, 0, 2])}


def test_rows_of_one_answer_are_summed(poll):
    data = "Вопрос,Ответ,Количество\n1,Да,2\n1,Да,3\n"
    batch = import_results(poll, data.encode(), file_name="x.csv", actor=None)
    assert batch.created == 1
    assert totals(poll) == {(1, "Да"): (0, 5, [0, 0, 5])}


def test_residents_rows_become_one_ballot_each_and_once(poll):
    data = (
        "ID участника;Вопрос;Ответ;Поселение\n"
        "1001;1;Да;Котельниковское городское поселение\n"
        "1001;2;Парк;\n"
        "1001;2;Свет;\n"
        "1001;4;Нужны скамейки;\n"
        "1002;1;3;Майоровское\n"  # the option by its number: «Не знаю»
        "1002;1;Да;\n"  # a second answer to a single-choice question
    )
    batch = import_results(poll, data.encode(), file_name="residents.csv", actor=None)
    assert (batch.created, batch.rejected) == (2, 1)
    assert batch.rejections == [{"row": 7, "reason": "участник уже ответил на вопрос № 1 (строка 6)"}]
    ballots = Ballot.objects.filter(poll=poll, source="platform").order_by("pk")
    assert [b.identity_hash for b in ballots] == [hash_of("platform", "1001"), hash_of("platform", "1002")]
    assert ballots[0].settlement.name.startswith("Котельниковское") and ballots[0].answers.count() == 4
    assert totals(poll)[(1, "Да")] == (0, 1, [1, 0])  # every ballot has a settlement
    assert totals(poll)[(1, "Не знаю")] == (0, 1, [0, 1])
    again = import_results(poll, data.encode(), file_name="residents.csv", actor=None)
    assert (again.created, again.unchanged) == (0, 2)
    assert Ballot.objects.filter(poll=poll).count() == 2
    results = selectors.poll_results(poll)
    assert (results.ballots_platform, results.questions[3].text_count) == (2, 1)


def test_bad_rows_are_reported_and_the_good_ones_kept(poll):
    data = (
        "Вопрос;Ответ;Поселение;Количество\n"
        "9;Да;;1\n"
        "1;Может быть;;1\n"
        "1;Да;Урюпинское;1\n"
        "1;Да;;много\n"
        "4;Свой ответ;;1\n"
        "3;7;;1\n"
        "1;Нет;;\n"
        "1;Да;;6\n"
    )
    batch = import_results(poll, data.encode(), file_name="bad.csv", actor=None)
    assert (batch.rows, batch.created, batch.rejected) == (8, 1, 7)
    reasons = {r["row"]: r["reason"] for r in batch.rejections}
    assert reasons[2] == "в опросе нет вопроса № 9"
    assert "вариант «Может быть» не найден" in reasons[3]
    assert "поселение «Урюпинское» не участвует" in reasons[4]
    assert "не целое" in reasons[5]
    assert "только со строкой участника" in reasons[6]
    assert "вне шкалы 1–5" in reasons[7]
    assert "нет количества" in reasons[8]
    assert totals(poll) == {(1, "Да"): (0, 6, [0, 0, 6])}


def test_an_xlsx_file_is_read_too(poll):
    wb = Workbook()
    ws = wb.active
    ws.append(["Номер вопроса", "Вариант ответа", "Число голосов"])
    ws.append([1, "Нет", 7])
    ws.append([3, 4, 1.0])
    out = io.BytesIO()
    wb.save(out)
    import_results(poll, out.getvalue(), file_name="итоги.xlsx", actor=None)
    assert totals(poll) == {(1, "Нет"): (0, 7, [0, 0, 7]), (3, "4"): (0, 1, [0, 0, 1])}


def test_a_file_without_the_needed_columns_is_refused(poll):
    with pytest.raises(PlatformFileError, match="Вопрос"):
        import_results(poll, "Дата;Текст\n1;2\n".encode(), file_name="x.csv", actor=None)


def test_a_draft_poll_takes_no_platform_results(municipality):
    draft = poll_with_questions(municipality, officer(municipality), publish=False)
    with pytest.raises(PlatformFileError, match="ещё не опубликован"):
        import_results(draft, COUNTS.encode(), file_name="x.csv", actor=None)
