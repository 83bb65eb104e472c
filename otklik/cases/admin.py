from django.contrib import admin
from django.db import models

from otklik.cases.models import Answer, Case, CaseEvent, DeadlineRule, RoutingRule


class EventInline(admin.TabularInline):
    model = CaseEvent
    fields = ("at", "type", "actor", "from_status", "to_status", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = (
        "__str__",
        "kind",
        "channel",
        "topic",
        "settlement",
        "status",
        "received_at",
        "due_at",
        "owner",
    )
    list_filter = ("municipality", "kind", "channel", "status", "topic")
    search_fields = ("registration_number", "external_id", "text", "author_name")
    date_hierarchy = "received_at"
    list_select_related = ("topic", "settlement", "owner")
    raw_id_fields = ("owner", "locality", "settlement", "subtopic", "topic", "block", "department")
    readonly_fields = ("status", "version", "raw_payload")
    inlines = [EventInline]


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ("case", "author", "sent_at")
    raw_id_fields = ("case", "author")


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = ("kind", "stage", "topic", "amount", "unit", "counts_from", "municipality", "is_active")
    list_filter = ("kind", "stage", "unit", "is_active", "municipality")
    list_editable = ("amount", "unit", "is_active")
    search_fields = ("topic__code", "topic__name", "basis")
    autocomplete_fields = ("topic",)
    list_select_related = ("topic", "municipality")
    fieldsets = (
        (None, {"fields": ("municipality", "kind", "topic", "stage")}),
        (
            "Срок",
            {
                "fields": ("amount", "unit", "counts_from", "basis", "is_active"),
                "description": "Изменение правила применяется только к новым обращениям: "
                "уже рассчитанные сроки не пересчитываются.",
            },
        ),
    )


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "municipality",
        "priority",
        "topic",
        "settlement",
        "channel",
        "keywords",
        "block",
        "department",
        "specialist",
        "is_active",
    )
    list_filter = ("municipality", "is_active", "channel", "block")
    list_editable = ("priority", "is_active")
    autocomplete_fields = ("topic", "specialist")
    list_select_related = ("municipality", "topic", "settlement", "block", "department", "specialist")
