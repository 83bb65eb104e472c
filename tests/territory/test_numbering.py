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
