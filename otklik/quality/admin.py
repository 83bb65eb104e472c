from django.contrib import admin
from django.http import HttpRequest

from otklik.quality.models import AnswerReview, AuthorLetter, QualityPolicy, Rating, SatisfactionSurvey


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("case", "satisfied", "score", "source", "created_at")
    list_filter = ("satisfied", "score", "source")
    raw_id_fields = ("case", "answer", "entered_by")
    date_hierarchy = "created_at"


@admin.register(AnswerReview)
class AnswerReviewAdmin(admin.ModelAdmin):
    list_display = ("case", "decision", "reviewer", "created_at")
    list_filter = ("decision",)
    raw_id_fields = ("case", "answer", "reviewer")
    date_hierarchy = "created_at"
    readonly_fields = (
        *("case", "answer", "reviewer", "decision"),
        *("checklist", "warnings", "reason", "created_at"),
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # reviews are made on the review page, where the checklist is enforced


@admin.register(QualityPolicy)
class QualityPolicyAdmin(admin.ModelAdmin):
    list_display = ("municipality", "reopen_on_unsatisfied", "reminder_after_days", "speed_norm_days")
    fieldsets = (
        (None, {"fields": ("municipality",)}),
        (
            "Оценки жителей",
            {
                "fields": (
                    "reminder_after_days",
                    "reopen_on_unsatisfied",
                    "reopen_kinds",
                    "reopen_max_score",
                    "reopen_window_days",
                    "reopen_max_times",
                )
            },
        ),
        (
            "Сводный индекс рейтинга (см. docs/ratings.md)",
            {
                "fields": (
                    "weight_on_time",
                    "weight_speed",
                    "weight_not_reopened",
                    "weight_review",
                    "weight_satisfied",
                    "speed_norm_days",
                )
            },
        ),
    )


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(admin.ModelAdmin):
    list_display = ("case", "delivery", "created_at", "sent_at", "reminder_sent_at", "rating")
    list_filter = ("delivery",)
    raw_id_fields = ("case", "answer", "rating")
    date_hierarchy = "created_at"
    exclude = ("token",)  # the secret part of the resident's link

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(AuthorLetter)
class AuthorLetterAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "to", "created_at", "sent_at", "attempts", "error")
    list_filter = ("kind",)
    raw_id_fields = ("case",)
    date_hierarchy = "created_at"
    readonly_fields = (
        "case",
        "kind",
        "key",
        "to",
        "subject",
        "body",
        "created_at",
        "sent_at",
        "attempts",
        "error",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
