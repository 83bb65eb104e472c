from django.apps import AppConfig


class NlpConfig(AppConfig):
    name = "otklik.nlp"
    verbose_name = "Анализ текстов"
