"""Creating a service request posted by an Open311 client, through the shared intake service."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone

from otklik.cases.models import Case
from otklik.intake.services import IntakeError, IntakeItem, intake_one
from otklik.territory.models import Municipality

#: The fields of POST Service Request (GeoReport v2) kept in the case's raw payload; `api_key` never is.
FIELDS = (
    "jurisdiction_id",
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
)
MAX_DESCRIPTION = 10_000
MAX_FIELD = 500


class Open311Error(ValueError):
    """A request the spec answers with an error: HTTP status and a Russian description."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _coordinate(value: str, name: str, low: int, high: int) -> float:
    try:
        number = Decimal(value.strip().replace(",", "."))
    except InvalidOperation:
        raise Open311Error(
            400, f"{name}: ожидается число в градусах WGS84, получено «{value[:40]}»."
        ) from None
    if not number.is_finite() or not low <= number <= high:
        raise Open311Error(400, f"{name}: значение вне допустимого диапазона ({low}…{high}).")
    return float(number)


def _clean(data: dict[str, str]) -> dict[str, str]:
    out = {}
    for name in FIELDS:
        value = (data.get(name) or "").strip()
        limit = MAX_DESCRIPTION if name == "description" else MAX_FIELD
        if len(value) > limit:
            raise Open311Error(400, f"{name}: не длиннее {limit:,} знаков.".replace(",", " "))
        if value:
            out[name] = value
    return out


def create_request(
    data: dict[str, str], attributes: dict[str, str], *, user: Any, municipality: Municipality
) -> Case:
    """Validate the posted fields as GeoReport v2 requires and take the request in.

    The case goes through `intake_one` (channel `open311`, kind «сообщение»): registration number,
    deadlines of its topic, routing and the audit record come from there. The service code is the
    source's topic code, which the enricher takes as is.
    """
    from otklik.intake.open311.selectors import service_by_code
    from otklik.nlp.services import masked_text

    fields = _clean(data)
    code = fields.get("service_code", "")
    if not code:
        raise Open311Error(400, "service_code: обязательный параметр.")
    service = service_by_code(code)
    if service is None:
        raise Open311Error(404, f"service_code: услуга «{code}» не найдена.")
    lat, lon = fields.get("lat", ""), fields.get("long", "")
    address = fields.get("address_string", "")
    if bool(lat) != bool(lon):
        raise Open311Error(400, "lat и long передаются вместе.")
    if not (lat or address or fields.get("address_id")):
        raise Open311Error(400, "Укажите место: lat и long, address_string или address_id.")
    location = None
    if lat:
        location = {
            "type": "Point",
            "coordinates": [_coordinate(lon, "long", -180, 180), _coordinate(lat, "lat", -90, 90)],
        }
    email = fields.get("email", "")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Open311Error(400, f"email: неверный адрес «{email[:100]}».") from None
    media_url = fields.get("media_url", "")
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            raise Open311Error(400, "media_url: ожидается ссылка http:// или https://.") from None
    description = fields.get("description", "")
    if not description:
        description = f"Сообщение о проблеме: {service.name}." + (f" Адрес: {address}." if address else "")
    name = " ".join(p for p in (fields.get("last_name", ""), fields.get("first_name", "")) if p)
    raw: dict[str, Any] = dict(fields)
    if attributes:
        raw["attribute"] = {k[:100]: v[:MAX_FIELD] for k, v in attributes.items()}
    item = IntakeItem(
        channel="open311",
        text=description,
        received_at=timezone.now(),
        external_id=None,  # the spec has no client-side id to deduplicate by
        topic_code=service.code,
        address=address,
        location=location,
        author_name=name,
        author_email=email,
        author_phone=fields.get("phone", ""),
        raw=raw,
    )
    try:
        case = intake_one(item, municipality=municipality, actor=user, tracking=True)
    except IntakeError as exc:
        raise Open311Error(400, str(exc)) from exc
    masked_text(case)  # the public listing reads the masked text: compute it once, now
    return case
