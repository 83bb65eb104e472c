from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "otklik.web"
    verbose_name = "Веб-интерфейс"
