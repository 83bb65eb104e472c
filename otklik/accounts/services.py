"""Accounts: lifting a lock-out, the second factor (TOTP) of a user."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.db import transaction

from otklik.audit.services import record

DEVICE_NAME = "Приложение-аутентификатор"


def unlock(username: str, *, actor: Any = None, actor_label: str = "") -> int:
    """Forget the failed logins of `username` (from every address); returns how many records went."""
    from axes.utils import reset

    with transaction.atomic():
        removed = int(reset(username=username))
        record(
            "user.unlock",
            actor=actor,
            object_type="org.user",
            object_id=username,
            after={"username": username, "attempts_removed": removed},
            actor_label=actor_label,
        )
    return removed


def confirmed_device(user: Any) -> Any:
    """The user's confirmed TOTP device, or None."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if user is None or not getattr(user, "pk", None):
        return None
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user: Any) -> Any:
    """The device being set up (unconfirmed): the same secret until it is confirmed or replaced."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def confirm_device(user: Any, device: Any, token: str) -> bool:
    """Confirm `device` when `token` is its current code; other devices of the user are removed."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if device.user_id != user.pk or device.confirmed:
        return False
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record("user.2fa_enable", actor=user, obj=user, after={"device": device.name})
    return True


def disable_second_factor(user: Any, *, actor: Any = None) -> int:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        record("user.2fa_disable", actor=actor or user, obj=user, after={"devices_removed": removed})
    return int(removed)


def secret_text(device: Any) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data URI, drawn here (no external service sees the secret)."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(text, image_factory=SvgPathImage, box_size=10, border=2)
    out = io.BytesIO()
    image.save(out)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()
