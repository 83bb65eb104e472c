from django.contrib import admin

from otklik.notifications.models import Notification, PeriodicRun


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "read_at", "emailed_at", "email_attempts")
    list_filter = ("kind",)
    search_fields = ("title", "user__username")
    raw_id_fields = ("user", "case")
    list_select_related = ("user",)


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin):
    list_display = ("job", "slot", "created_at")
    list_filter = ("job",)
