from django.contrib import admin

from otklik.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "is_active", "created_at", "expires_at", "last_used_at")
    list_filter = ("is_active",)
    readonly_fields = ("prefix", "token_hash", "created_at", "last_used_at")
    fields = ("name", "user", "is_active", "expires_at", "prefix", "token_hash", "created_at", "last_used_at")

    def has_add_permission(self, request: object) -> bool:
        return False  # tokens are issued with `otklik token create`, which shows the secret once
