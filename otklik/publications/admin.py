from django.contrib import admin

from otklik.publications.models import OfficialPage


@admin.register(OfficialPage)
class OfficialPageAdmin(admin.ModelAdmin):
    list_display = ("name", "network", "url", "municipality", "order", "is_active")
    list_filter = ("municipality", "network", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name", "url")
