from django.contrib import admin
from django.db import models

from otklik.publications.models import OfficialPage


@admin.register(OfficialPage)
class OfficialPageAdmin(admin.ModelAdmin):
    list_display = ("name", "network", "url", "municipality", "order", "is_active")
    list_filter = ("municipality", "network", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("name", "url")
    # A page's address typed without a scheme is https (Django 6's default; no deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
