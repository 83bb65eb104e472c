"""Decisions on problems and their roadmaps: confirm, merge, split, move, resolve, measures."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from otklik.audit.models import AuditEvent
from otklik.cases.models import CaseEvent
from otklik.problems import services
from otklik.problems.models import Measure, MeasureStatus, Problem, ProblemCase, ProblemStatus
from otklik.problems.services import MeasureData, ProblemError
from tests.factories import DepartmentFactory, MunicipalityFactory, RoleFactory
from tests.problems.dataset import NOW, seed


@pytest.fixture
def data(db):
    d = seed()
    services.propose_candidates(d.municipality, now=NOW)
    d.head = RoleFactory(municipality=d.municipality, user__username="head").user
    d.problem = {k: ProblemCase.objects.get(case=v[0]).problem for k, v in d.groups.items()}
    return d


def ids(problem: Problem) -> set[int]:
    return set(problem.links.values_list("case_id", flat=True))


def measure_data(**kw) -> MeasureData:
    values = {
        "title": "Заключить договор на дополнительный рейс мусоровоза",
        "responsible_name": "Быкова А. В.",
        "responsible_position": "начальник отдела ЖКХ",
        "start_on": date(2026, 3, 1),
        "due_on": date(2026, 3, 31),
    }
    values.update(kw)
    return MeasureData(**values)


def test_confirm_records_who_and_when_and_may_rename(data):
    p = services.confirm(data.problem["A"].pk, actor=data.head, title="Нет вывоза ТКО, х. Майоровский")
    p.refresh_from_db()
    assert p.status == ProblemStatus.CONFIRMED
    assert p.confirmed_by == data.head and p.confirmed_at is not None
    assert p.title == "Нет вывоза ТКО, х. Майоровский"
    event = AuditEvent.objects.get(action="problem.confirm", object_id=str(p.pk))
    assert event.actor == data.head and event.before["status"] == "candidate"


def test_confirming_twice_is_refused(data):
    services.confirm(data.problem["A"].pk, actor=data.head)
    with pytest.raises(ProblemError, match="нельзя"):
        services.confirm(data.problem["A"].pk, actor=data.head)


def test_merge_moves_cases_and_measures_and_marks_the_others(data):
    a, c = data.problem["A"], data.problem["C"]
    services.confirm(c.pk, actor=data.head)
    services.add_measure(c.pk, measure_data(), actor=data.head)
    merged = services.merge(a.pk, [c.pk], actor=data.head)
    assert ids(merged) == data.group_ids()["A"] | data.group_ids()["C"]
    # A confirmed source makes the candidate target confirmed; the measure moved with its number.
    assert merged.status == ProblemStatus.CONFIRMED
    assert list(Measure.objects.filter(problem=merged).values_list("order", flat=True)) == [1]
    c.refresh_from_db()
    assert c.status == ProblemStatus.MERGED and c.merged_into == merged
    assert AuditEvent.objects.filter(action="problem.merge", object_id=str(a.pk)).exists()


def test_merge_refuses_another_municipality_and_dismissed(data):
    other = Problem.objects.create(municipality=MunicipalityFactory(), title="Чужая", status="candidate")
    with pytest.raises(ProblemError, match="одного муниципального"):
        services.merge(data.problem["A"].pk, [other.pk], actor=data.head)
    services.dismiss(data.problem["B"].pk, "Не проблема.", actor=data.head)
    with pytest.raises(ProblemError, match="объединить нельзя"):
        services.merge(data.problem["A"].pk, [data.problem["B"].pk], actor=data.head)
    with pytest.raises(ProblemError, match="хотя бы одну"):
        services.merge(data.problem["A"].pk, [data.problem["A"].pk], actor=data.head)


def test_split_moves_the_chosen_cases_to_a_new_problem_of_the_same_place(data):
    a = services.confirm(data.problem["A"].pk, actor=data.head)
    chosen = [c.pk for c in data.groups["A"][:2]]
    new = services.split(a.pk, chosen, "Площадка на ул. Центральной", actor=data.head)
    assert ids(new) == set(chosen)
    assert ids(a) == data.group_ids()["A"] - set(chosen)
    assert (new.status, new.topic, new.locality, new.block) == (
        ProblemStatus.CONFIRMED,
        a.topic,
        a.locality,
        a.block,
    )
    assert new.confirmed_by == data.head
    assert set(ProblemCase.objects.filter(problem=new).values_list("source", flat=True)) == {"manual"}


def test_split_needs_a_title_own_cases_and_leaves_at_least_one(data):
    a = data.problem["A"]
    with pytest.raises(ProblemError, match="Назовите"):
        services.split(a.pk, [data.groups["A"][0].pk], " ", actor=data.head)
    with pytest.raises(ProblemError, match="Отметьте"):
        services.split(a.pk, [data.groups["B"][0].pk], "Другое", actor=data.head)
    with pytest.raises(ProblemError, match="хотя бы одно"):
        services.split(a.pk, [c.pk for c in data.groups["A"]], "Всё", actor=data.head)


def test_a_case_is_moved_by_hand_and_removed(data):
    a, c = data.problem["A"], data.problem["C"]
    case = data.groups["A"][0]
    services.move_case(case.pk, c.pk, actor=data.head, municipality_id=data.municipality.pk)
    link = ProblemCase.objects.get(case=case)
    assert link.problem == c and link.source == "manual" and link.added_by == data.head
    assert CaseEvent.objects.filter(case=case, note__contains="Отнесено к проблеме").exists()
    services.move_case(case.pk, None, actor=data.head, municipality_id=data.municipality.pk)
    assert not ProblemCase.objects.filter(case=case).exists()
    assert case.pk not in ids(a)
    with pytest.raises(ProblemError, match="не входит"):
        services.move_case(case.pk, None, actor=data.head, municipality_id=data.municipality.pk)
    # A free case (noise) is added to a problem by hand.
    services.move_case(data.noise[0].pk, a.pk, actor=data.head, municipality_id=data.municipality.pk)
    assert data.noise[0].pk in ids(a)


def test_a_case_is_not_moved_into_another_municipality_or_a_dismissed_problem(data):
    case = data.groups["A"][0]
    with pytest.raises(ProblemError, match="другому муниципальному"):
        services.move_case(case.pk, data.problem["C"].pk, actor=data.head, municipality_id=0)
    services.dismiss(data.problem["B"].pk, "Не проблема.", actor=data.head)
    with pytest.raises(ProblemError, match="не добавляются"):
        services.move_case(
            case.pk, data.problem["B"].pk, actor=data.head, municipality_id=data.municipality.pk
        )


def test_root_cause_and_resolution_by_a_person(data):
    a = services.confirm(data.problem["A"].pk, actor=data.head)
    services.update_problem(
        a.pk,
        actor=data.head,
        title="Нет вывоза ТКО, х. Майоровский",
        cause_category="contractor",
        root_cause="Региональный оператор сократил число рейсов: один мусоровоз на три поселения.",
    )
    with pytest.raises(ProblemError, match="Опишите"):
        services.resolve(a.pk, "", actor=data.head)
    resolved = services.resolve(a.pk, "Добавлен рейс по вторникам и пятницам.", actor=data.head)
    assert resolved.status == ProblemStatus.RESOLVED and resolved.resolved_by == data.head
    assert resolved.get_cause_category_display().startswith("неисполнение")
    back = services.reopen(a.pk, "Снова жалобы.", actor=data.head)
    assert back.status == ProblemStatus.CONFIRMED and back.resolved_at is None
    actions = list(
        AuditEvent.objects.filter(object_id=str(a.pk), object_type="problems.problem").values_list(
            "action", flat=True
        )
    )
    assert {"problem.update", "problem.resolve", "problem.reopen"} <= set(actions)


def test_a_candidate_cannot_be_resolved_nor_given_a_roadmap(data):
    with pytest.raises(ProblemError, match="нельзя"):
        services.resolve(data.problem["A"].pk, "Сделано.", actor=data.head)
    with pytest.raises(ProblemError, match="сначала подтвердите"):
        services.add_measure(data.problem["A"].pk, measure_data(), actor=data.head)


def test_measures_are_numbered_checked_and_moved_to_done_with_evidence(data):
    a = services.confirm(data.problem["A"].pk, actor=data.head)
    first = services.add_measure(a.pk, measure_data(), actor=data.head)
    second = services.add_measure(
        a.pk,
        measure_data(title="Установить два контейнера на ул. Садовой", organisation="ООО «Экоцентр»"),
        actor=data.head,
    )
    assert (first.order, second.order) == (1, 2)
    with pytest.raises(ProblemError, match="раньше срока начала"):
        services.add_measure(a.pk, measure_data(due_on=date(2026, 2, 1)), actor=data.head)
    with pytest.raises(ProblemError, match="другому муниципальному"):
        services.add_measure(a.pk, measure_data(department=DepartmentFactory()), actor=data.head)
    with pytest.raises(ProblemError, match="подтверждение"):
        services.set_measure_status(first.pk, "done", actor=data.head)
    with pytest.raises(ProblemError, match="будущем"):
        services.set_measure_status(
            first.pk,
            "done",
            actor=data.head,
            evidence="Договор",
            completed_on=date(2026, 4, 2),
            today=date(2026, 4, 1),
        )
    done = services.set_measure_status(
        first.pk,
        "done",
        actor=data.head,
        evidence="Договор № 12 от 10.03.2026",
        completed_on=date(2026, 3, 10),
        today=date(2026, 3, 20),
    )
    assert done.status == MeasureStatus.DONE and done.completed_on == date(2026, 3, 10)
    back = services.set_measure_status(first.pk, "in_progress", actor=data.head)
    assert back.completed_on is None and back.evidence == "Договор № 12 от 10.03.2026"
    services.set_measure_status(second.pk, "cancelled", actor=data.head)
    with pytest.raises(ProblemError, match="нельзя перевести"):
        services.set_measure_status(second.pk, "done", actor=data.head, evidence="Акт")


def test_evidence_file_is_checked(data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    a = services.confirm(data.problem["A"].pk, actor=data.head)
    m = services.add_measure(a.pk, measure_data(), actor=data.head)
    program = SimpleUploadedFile("akt.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ProblemError, match="программа"):
        services.set_measure_status(m.pk, "done", actor=data.head, file=program, today=date(2026, 3, 20))
    pdf = SimpleUploadedFile("akt.pdf", b"%PDF-1.4 act of works", content_type="application/pdf")
    done = services.set_measure_status(m.pk, "done", actor=data.head, file=pdf, today=date(2026, 3, 20))
    assert done.evidence_name == "akt.pdf" and done.evidence_file.read().startswith(b"%PDF")


def test_moving_the_due_date_starts_escalation_afresh(data):
    a = services.confirm(data.problem["A"].pk, actor=data.head)
    m = services.add_measure(a.pk, measure_data(), actor=data.head)
    Measure.objects.filter(pk=m.pk).update(escalation_level=2)
    same = services.update_measure(m.pk, measure_data(title="Уточнено"), actor=data.head)
    assert same.escalation_level == 2
    moved = services.update_measure(m.pk, measure_data(due_on=date(2026, 4, 30)), actor=data.head)
    assert moved.escalation_level == 0
    assert AuditEvent.objects.filter(action="measure.update", object_id=str(m.pk)).count() == 2


def test_every_write_happens_in_one_transaction(data, monkeypatch):
    """A failure after the first write leaves nothing behind."""
    a = data.problem["A"]

    def boom(*args, **kwargs):
        raise RuntimeError("audit is down")

    monkeypatch.setattr(services, "record", boom)
    with pytest.raises(RuntimeError):
        services.dismiss(a.pk, "Не проблема.", actor=data.head)
    a.refresh_from_db()
    assert a.status == ProblemStatus.CANDIDATE and ids(a) == data.group_ids()["A"]
