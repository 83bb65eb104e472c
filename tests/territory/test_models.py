import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from otklik.core.geo import validate_geometry
from tests.factories import LocalityFactory, MunicipalityFactory, SettlementFactory

SQUARE = [[[43.0, 47.0], [43.1, 47.0], [43.1, 47.1], [43.0, 47.1], [43.0, 47.0]]]


@pytest.mark.parametrize(
    "geometry",
    [
        None,
        {"type": "Point", "coordinates": [43.145, 47.633]},
        {"type": "Polygon", "coordinates": SQUARE},
        {"type": "MultiPolygon", "coordinates": [SQUARE, SQUARE]},
    ],
)
def test_valid_geojson_geometries_pass(geometry):
    validate_geometry(geometry)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "Point, Polygon или MultiPolygon"),
        ({"type": "Point", "coordinates": [200, 47]}, "вне допустимого диапазона"),
        ({"type": "Point", "coordinates": ["a", 47]}, "парой чисел"),
        ({"type": "Polygon", "coordinates": [[[43, 47], [44, 47], [44, 48], [43, 48]]]}, "замкнут"),
        ({"type": "Polygon", "coordinates": [[[43, 47], [44, 47], [43, 47]]]}, "четырёх точек"),
        ({"type": "MultiPolygon", "coordinates": []}, "хотя бы один полигон"),
    ],
)
def test_invalid_geojson_is_rejected_with_a_russian_reason(geometry, message):
    with pytest.raises(ValidationError, match=message):
        validate_geometry(geometry)


@pytest.mark.django_db
def test_municipality_rejects_unknown_time_zone():
    muni = MunicipalityFactory.build(timezone="Europe/Kotelnikovo")
    with pytest.raises(ValidationError) as exc:
        muni.full_clean()
    assert "timezone" in exc.value.message_dict


@pytest.mark.django_db
def test_municipality_work_day_must_end_after_it_starts():
    muni = MunicipalityFactory.build(work_day_start="18:00", work_day_end="09:00")
    with pytest.raises(ValidationError) as exc:
        muni.full_clean()
    assert "work_day_end" in exc.value.message_dict


@pytest.mark.django_db
def test_municipality_time_zone_defaults_to_volgograd():
    muni = MunicipalityFactory()
    assert muni.tz.key == "Europe/Volgograd"


@pytest.mark.django_db
def test_settlement_code_is_unique_within_a_municipality_only():
    first = SettlementFactory(code="nagavskoe")
    SettlementFactory(code="nagavskoe")  # another municipality: allowed
    with pytest.raises(IntegrityError):
        SettlementFactory(code="nagavskoe", municipality=first.municipality)


@pytest.mark.django_db
def test_locality_label_carries_its_type():
    loc = LocalityFactory(name="Майоровский")
    assert loc.label == "х. Майоровский"
    assert str(loc) == "х. Майоровский"


@pytest.mark.django_db
def test_settlement_boundary_is_validated_as_geojson():
    settlement = SettlementFactory.build(
        municipality=MunicipalityFactory(), boundary={"type": "Polygon", "coordinates": [[[1, 1]]]}
    )
    with pytest.raises(ValidationError) as exc:
        settlement.full_clean()
    assert "boundary" in exc.value.message_dict
