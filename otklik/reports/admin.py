from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from otklik.reports.models import ReportRun, WeeklySummary


@admin.register(ReportRun)
class ReportRunAdmin(admin.ModelAdmin):
    list_display = ("__str__", "format", "status", "progress", "requested_by", "created_at", "finished_at")
    list_filter = ("kind", "status", "format", "municipality")
    readonly_fields = [f.name for f in ReportRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WeeklySummary)
class WeeklySummaryAdmin(admin.ModelAdmin):
    list_display = ("user", "week_start", "created_at")
    list_filter = ("week_start",)
    readonly_fields = ("user", "week_start", "data", "text", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
