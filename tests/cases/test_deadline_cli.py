"""`otklik deadline` is a public contract: one `stage=ISO 8601` line per stage, with the zone's offset."""

import pytest

from otklik import cli
from otklik.cases.models import DeadlineRule
from tests.factories import MunicipalityFactory


def run(capsys, *args):
    code = cli.main(["deadline", *args])
    out = capsys.readouterr()
    return code, out.out.splitlines(), out.err


@pytest.mark.django_db
def test_appeal_over_the_new_year_holidays(capsys):
    MunicipalityFactory(code="kotelnikovo", timezone="Europe/Volgograd")
    code, lines, _ = run(
        capsys, "--kind", "appeal", "--received", "2025-12-15T10:00", "--municipality", "kotelnikovo"
    )
    assert code == 0
    assert lines == [
        "registration=2025-12-18T18:00:00+03:00",
        "redirection=2025-12-22T18:00:00+03:00",
        "answer=2026-01-14T18:00:00+03:00",
    ]


@pytest.mark.django_db
def test_extended_adds_the_extension_stage(capsys):
    MunicipalityFactory(code="kotelnikovo")
    code, lines, _ = run(capsys, "--kind", "appeal", "--received", "2025-12-15T10:00", "--extended")
    assert code == 0
    assert lines[-1] == "extension=2026-02-13T18:00:00+03:00"


@pytest.mark.django_db
def test_incident_first_reaction_in_working_hours(capsys):
    MunicipalityFactory(code="kotelnikovo")
    code, lines, _ = run(capsys, "--kind", "incident", "--received", "2025-12-30T16:00")
    assert code == 0
    assert "first_reaction=2026-01-12T15:00:00+03:00" in lines
    assert "answer=2026-01-23T18:00:00+03:00" in lines
    assert all(line.count("=") == 1 for line in lines)


@pytest.mark.django_db
def test_offset_follows_the_municipality_zone(capsys):
    MunicipalityFactory(code="vladivostok", timezone="Asia/Vladivostok")
    code, lines, _ = run(
        capsys, "--kind", "message", "--received", "2025-03-03T10:00", "--municipality", "vladivostok"
    )
    assert code == 0
    assert "answer=2025-03-17T18:00:00+10:00" in lines


@pytest.mark.django_db
def test_urgent_subtopic_is_shorter(capsys):
    MunicipalityFactory(code="kotelnikovo")
    code, lines, _ = run(
        capsys, "--kind", "message", "--received", "2025-03-03T10:00", "--topic", "energy.outage"
    )
    assert code == 0 and "answer=2025-03-04T18:00:00+03:00" in lines


@pytest.mark.django_db
def test_registered_later_moves_the_answer(capsys):
    MunicipalityFactory(code="kotelnikovo")
    code, lines, _ = run(
        capsys, "--kind", "appeal", "--received", "2025-04-03T09:00", "--registered", "2025-04-07T11:00"
    )
    assert code == 0 and "answer=2025-05-07T18:00:00+03:00" in lines


@pytest.mark.django_db
def test_rules_edited_in_the_table_are_used(capsys):
    MunicipalityFactory(code="kotelnikovo")
    DeadlineRule.objects.filter(kind="appeal", stage="answer").update(amount=15)
    _, lines, _ = run(capsys, "--kind", "appeal", "--received", "2025-03-03T10:00")
    assert "answer=2025-03-18T18:00:00+03:00" in lines


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--kind", "appeal", "--received", "15.12.2025"], "ГГГГ-ММ-ДДTЧЧ:ММ"),
        (["--kind", "appeal", "--received", "2025-12-15T10:00", "--municipality", "nowhere"], "не найдено"),
        (["--kind", "appeal", "--received", "2031-12-15T10:00"], "2031"),
        (["--kind", "message", "--received", "2025-12-15T10:00", "--topic", "nothing.here"], "не найдена"),
        (
            ["--kind", "appeal", "--received", "2025-12-15T10:00", "--registered", "2025-12-14T10:00"],
            "раньше",
        ),
    ],
)
def test_errors_are_one_line_with_a_reason(capsys, args, reason):
    MunicipalityFactory(code="kotelnikovo")
    code, lines, err = run(capsys, *args)
    assert code == 1 and lines == []
    assert err.startswith("otklik: ошибка:") and reason in err and err.count("\n") == 1


def test_kind_is_checked_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["deadline", "--kind", "petition", "--received", "2025-12-15T10:00"])
    assert exc.value.code == 2
