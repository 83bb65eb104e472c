from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "otklik.participation"
    verbose_name = "Опросы, голосования и общественные обсуждения"
