from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "otklik.analytics"
    verbose_name = "Аналитика"
