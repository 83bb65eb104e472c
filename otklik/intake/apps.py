from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "otklik.intake"
    verbose_name = "Поступление обращений"
