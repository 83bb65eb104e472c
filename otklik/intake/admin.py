from django.contrib import admin

from otklik.intake.models import ImportBatch, ImportRejection, SourceMapping


@admin.register(SourceMapping)
class SourceMappingAdmin(admin.ModelAdmin):
    list_display = ("channel", "updated_at")
    fields = ("channel", "columns", "required", "required_one_of", "statuses", "categories", "date_formats")
    readonly_fields = ("channel",)

    def has_add_permission(self, request: object) -> bool:
        return False


class RejectionInline(admin.TabularInline):
    model = ImportRejection
    fields = ("row", "external_id", "reason")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "file_name",
        "channel",
        "status",
        "started_at",
        "created",
        "updated",
        "unchanged",
        "rejected",
    )
    list_filter = ("channel", "status")
    readonly_fields = [f.name for f in ImportBatch._meta.fields]
    inlines = [RejectionInline]

    def has_add_permission(self, request: object) -> bool:
        return False
