from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path

from otklik.api.api import api
from otklik.intake.open311 import views as open311_views

admin.site.site_header = "Отклик — администрирование"
admin.site.site_title = "Отклик"
admin.site.index_title = "Справочники и настройки"
# One way in: the admin's own login form would bypass the lock-out page and the second factor.
admin.site.login = login_required(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("notifications/", include("otklik.notifications.urls")),
    path("cases/", include("otklik.cases.urls")),
    path("dashboard/", include("otklik.analytics.urls")),
    path("problems/", include("otklik.problems.urls")),
    path("reports/", include("otklik.reports.urls")),
    path("review/", include("otklik.quality.review_urls")),
    path("audit/", include("otklik.audit.urls")),
    path("account/", include("otklik.accounts.urls")),
    path("rate/", include("otklik.quality.urls")),
    path("appeals/", include("otklik.intake.fz59.urls")),
    path("imports/", include("otklik.intake.imports.urls")),
    path("open311/v2/", include("otklik.intake.open311.urls")),
    re_path(r"^open311/discovery\.(?P<fmt>json|xml)$", open311_views.discovery, name="open311_discovery"),
    path("participation/", include("otklik.participation.urls")),
    path("publications/", include("otklik.publications.urls")),
    path("", include("otklik.participation.public_urls")),
    path("", include("otklik.intake.webform.urls")),
    path("", include("otklik.web.urls")),
]
