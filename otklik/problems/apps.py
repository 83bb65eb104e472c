from django.apps import AppConfig


class ProblemsConfig(AppConfig):
    name = "otklik.problems"
    verbose_name = "Повторяющиеся проблемы и дорожные карты"
