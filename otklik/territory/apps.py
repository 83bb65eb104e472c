from django.apps import AppConfig


class TerritoryConfig(AppConfig):
    name = "otklik.territory"
    verbose_name = "Территории"
