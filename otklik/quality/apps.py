from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "otklik.quality"
    verbose_name = "Качество ответов и удовлетворённость"
