from django.apps import AppConfig


class PublicationsConfig(AppConfig):
    name = "otklik.publications"
    verbose_name = "Публикации на официальных страницах"
