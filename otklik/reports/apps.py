from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "otklik.reports"
    verbose_name = "Отчёты"
