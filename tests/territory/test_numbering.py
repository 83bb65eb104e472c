import pytest
from django.core.exceptions import ValidationError

from otklik.territory.numbering import format_registration_number, validate_registration_format


@pytest.mark.parametrize(
    ("fmt", "prefix", "year", "n", "expected"),
    [
        ("{prefix}-{yy}-{n:05d}", "ОГ", 2026, 42, "ОГ-26-00042"),
        ("{prefix}-{yy}-{n:05d}", "ПОС", 2030, 1, "ПОС-30-00001"),
        ("{n}/{yyyy}", "ОГ", 2026, 7, "7/2026"),
        ("{code}-{prefix}-{n:04d}-{yy}", "ИНЦ", 2027, 12345, "kot-ИНЦ-12345-27"),
        ("Кот-{prefix}{n:06d}/{yy}", "ОГ", 2026, 3, "Кот-ОГ000003/26"),
    ],
)
def test_formats(fmt, prefix, year, n, expected):
    validate_registration_format(fmt)
    assert format_registration_number(fmt, prefix=prefix, year=year, n=n, code="kot") == expected


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("{prefix}-{yy}", "порядковый номер"),
        ("{prefix}-{n}", "год"),
        ("{prefix}-{yy}-{num}", "Неизвестные подстановки: {num}"),
        ("{prefix-{yy}-{n}", "Ошибка в формате"),
        ("{prefix}-{yy}-{n:05z}", "Ошибка в формате"),
        ("{prefix}-{yy}-{n:060d}", "слишком длинным"),
    ],
)
def test_bad_formats_are_refused_in_russian(fmt, message):
    with pytest.raises(ValidationError) as err:
        validate_registration_format(fmt)
    assert message in " ".join(err.value.messages)


NUMBER_FORMATS = [
    "{prefix}-{yy}-{n:05d}",
    "{n}/{yyyy}",
    "{code}-{prefix}-{n:04d}-{yy}",
    "Кот-{prefix}{n:06d}/{yy}",
    "{prefix}{n:5d}-{yy}",
    "{prefix}{n:5}-{yy}",
    "{{n}}-{n:03}-{yyyy}",
    "{code!r}:{n}:{yy}",
]


@pytest.mark.parametrize("fmt", NUMBER_FORMATS)
@pytest.mark.parametrize("n", [1, 42, 12345, 1234567])
def test_number_parts_put_together_give_the_formatted_number(fmt, n):
    from otklik.territory.numbering import number_parts

    head, padding, width, tail = number_parts(fmt, prefix="ОГ", year=2026, code="kot")
    assembled = head + str(n).rjust(width, padding) + tail  # what the database's lpad does
    assert assembled == format_registration_number(fmt, prefix="ОГ", year=2026, n=n, code="kot")


@pytest.mark.parametrize("fmt", ["{prefix}-{n:x}-{yy}", "{n}-{n}-{yy}", "{prefix}-{yy}-{n!r}", "{yy}-{n:>5}"])
def test_number_parts_refuse_what_a_database_would_not_put_together(fmt):
    from otklik.territory.numbering import number_parts

    assert number_parts(fmt, prefix="ОГ", year=2026, code="kot") is None
