from django.contrib import admin

from otklik.territory.models import Locality, Municipality, Settlement, Street


class SettlementInline(admin.TabularInline):
    model = Settlement
    fields = ("code", "name", "kind", "population")
    extra = 0
    show_change_link = True


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "region", "timezone", "population")
    search_fields = ("name", "code", "oktmo")
    list_filter = ("kind", "region")
    inlines = [SettlementInline]


class LocalityInline(admin.TabularInline):
    model = Locality
    fields = ("kind", "name", "is_centre", "population", "location")
    extra = 0


@admin.register(Settlement)
class SettlementAdmin(admin.ModelAdmin):
    list_display = ("name", "municipality", "kind", "population")
    list_filter = ("municipality", "kind")
    search_fields = ("name", "code")
    inlines = [LocalityInline]


class StreetInline(admin.TabularInline):
    model = Street
    fields = ("kind", "name")
    extra = 0


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    inlines = [StreetInline]
    list_display = ("label", "settlement", "is_centre", "population")
    list_filter = ("kind", "settlement__municipality", "settlement")
    search_fields = ("name",)
    list_select_related = ("settlement",)
