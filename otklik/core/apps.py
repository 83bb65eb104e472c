from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "otklik.core"
    verbose_name = "Общее"
