from typing import Any

from django.conf import settings
from django.http import HttpRequest

from otklik import __version__


def product(request: HttpRequest) -> dict[str, Any]:
    from otklik.audit.selectors import can_read_audit
    from otklik.intake.fz59.selectors import can_register_appeals
    from otklik.intake.imports.views import can_import
    from otklik.notifications.selectors import unread_count
    from otklik.quality.review_selectors import pending_count

    user = getattr(request, "user", None)

    return {
        "product_name": settings.OTKLIK_PRODUCT_NAME,
        "product_version": __version__,
        "unread_notifications": unread_count(user),
        "nav_register_appeals": bool(user and user.is_authenticated and can_register_appeals(user)),
        "nav_imports": bool(user and user.is_authenticated and can_import(user)),
        "nav_audit": bool(user is not None and can_read_audit(user)),
        "nav_review": pending_count(user) if user is not None and user.is_authenticated else None,
    }
