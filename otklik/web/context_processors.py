from typing import Any

from django.conf import settings
from django.http import HttpRequest

from otklik import __version__


def product(request: HttpRequest) -> dict[str, Any]:
    from otklik.notifications.selectors import unread_count

    return {
        "product_name": settings.OTKLIK_PRODUCT_NAME,
        "product_version": __version__,
        "unread_notifications": unread_count(getattr(request, "user", None)),
    }
