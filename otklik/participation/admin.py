from django.contrib import admin

from otklik.participation.models import ModerationReason, PlatformImport


@admin.register(ModerationReason)
class ModerationReasonAdmin(admin.ModelAdmin):
    list_display = ("text", "code", "order", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("text", "code")


@admin.register(PlatformImport)
class PlatformImportAdmin(admin.ModelAdmin):
    list_display = ("file_name", "poll", "imported_at", "imported_by", "created", "updated", "rejected")
    readonly_fields = [f.name for f in PlatformImport._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
