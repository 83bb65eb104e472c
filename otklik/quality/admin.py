from django.contrib import admin

from otklik.quality.models import Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("case", "satisfied", "score", "source", "created_at")
    list_filter = ("satisfied", "score", "source")
    raw_id_fields = ("case", "answer", "entered_by")
    date_hierarchy = "created_at"
