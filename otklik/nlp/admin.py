from django.contrib import admin

from otklik.nlp.models import TopicKeyword, TopicLabel, TopicModel


@admin.register(TopicKeyword)
class TopicKeywordAdmin(admin.ModelAdmin):
    list_display = ("phrase", "topic", "weight", "is_active", "lemmas")
    list_filter = ("is_active", "topic__parent", "topic")
    list_editable = ("weight", "is_active")
    search_fields = ("phrase", "lemmas", "topic__code", "topic__name")
    readonly_fields = ("lemmas",)


@admin.register(TopicModel)
class TopicModelAdmin(admin.ModelAdmin):
    list_display = ("trained_at", "municipality", "n_samples", "macro_f1", "baseline_macro_f1", "is_active")
    list_filter = ("is_active", "municipality")
    readonly_fields = [f.name for f in TopicModel._meta.fields if f.name != "is_active"]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(TopicLabel)
class TopicLabelAdmin(admin.ModelAdmin):
    list_display = ("case", "previous", "topic", "subtopic", "labelled_by", "created_at")
    raw_id_fields = ("case",)
    readonly_fields = ("case", "topic", "subtopic", "previous", "labelled_by", "created_at")
