"""Creating a service request posted by an Open311 client, through the shared intake service."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from otklik.cases.models import Case
from otklik.intake.services import IntakeError, IntakeItem, intake
from otklik.territory.models import Municipality

FIELDS = (
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
    "jurisdiction_id",
)


class Open311Error(ValueError):
    """A request the spec answers with an error: HTTP status and a Russian description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _coordinate(value: str, name: str, low: int, high: int) -> Decimal:
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise Open311Error(400, f"{name}: ожидается число в градусах WGS84, получено «{value}».") from None
    if not number.is_finite() or not low <= number <= high:
        raise Open311Error(400, f"{name}: значение вне допустимого диапазона ({low}…{high}).")
    return number


def create_request(
    data: dict[str, str], attributes: dict[str, str], *, user: Any, municipality: Municipality
) -> Case:
    """Validate the posted fields as GeoReport v2 requires and take the request in."""
    from otklik.intake.open311.selectors import service_by_code

    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code: обязательный параметр.")
    service = service_by_code(code)
    if service is None:
        raise Open311Error(404, f"service_code: услуга «{code}» не найдена.")
    lat, lon = data.get("lat", "").strip(), data.get("long", "").strip()
    address = data.get("address_string", "").strip()
    address_id = data.get("address_id", "").strip()
    if bool(lat) != bool(lon):
        raise Open311Error(400, "lat и long передаются вместе.")
    if not (lat or address or address_id):
        raise Open311Error(400, "Укажите место: lat и long, address_string или address_id.")
    location = None
    if lat:
        location = {
            "type": "Point",
            "coordinates": [
                float(_coordinate(lon, "long", -180, 180)),
                float(_coordinate(lat, "lat", -90, 90)),
            ],
        }
    description = data.get("description", "").strip()
    if not description:
        description = f"Сообщение о проблеме: {service.name}." + (f" Адрес: {address}." if address else "")
    if len(description) > 10_000:
        raise Open311Error(400, "description: не длиннее 10 000 знаков.")
    email = data.get("email", "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, f"email: неверный адрес «{email}».") from None
    name = " ".join(p for p in (data.get("last_name", "").strip(), data.get("first_name", "").strip()) if p)
    raw = {k: data[k] for k in FIELDS if data.get(k)}
    if attributes:
        raw["attribute"] = attributes
    item = IntakeItem(
        channel="open311",
        text=description,
        received_at=timezone.now(),
        topic_code=service.code,
        address=address[:500],
        location=location,
        author_name=name[:300],
        author_email=email[:254],
        author_phone=data.get("phone", "").strip()[:40],
        raw=raw,
    )
    try:
        item.normalised()
    except IntakeError as exc:
        raise Open311Error(400, str(exc)) from exc
    return intake([item], municipality=municipality, actor=user, tracking=True).outcomes[0][1]
