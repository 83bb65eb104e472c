from django.contrib import admin

from otklik.problems.models import Measure, Problem, ProblemCase, ProblemPolicy


class MeasureInline(admin.TabularInline):
    model = Measure
    extra = 0
    fields = ("order", "title", "responsible_name", "start_on", "due_on", "status", "completed_on")
    raw_id_fields = ("responsible_user", "department")


@admin.register(Problem)
class ProblemAdmin(admin.ModelAdmin):
    list_display = ("title", "municipality", "topic", "settlement", "status", "created_at")
    list_filter = ("status", "municipality", "topic", "cause_category")
    search_fields = ("title", "root_cause")
    raw_id_fields = (
        "municipality",
        "topic",
        "subtopic",
        "settlement",
        "locality",
        "block",
        "created_by",
        "confirmed_by",
        "resolved_by",
        "dismissed_by",
        "merged_into",
    )
    readonly_fields = ("signature", "dismissed_case_ids")
    inlines = [MeasureInline]


@admin.register(ProblemCase)
class ProblemCaseAdmin(admin.ModelAdmin):
    list_display = ("problem", "case", "source", "score", "added_at")
    list_filter = ("source",)
    raw_id_fields = ("problem", "case", "added_by")


@admin.register(ProblemPolicy)
class ProblemPolicyAdmin(admin.ModelAdmin):
    list_display = ("municipality", "min_group_size", "group_similarity", "join_similarity", "fast_days")
