from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "otklik.notifications"
    verbose_name = "Уведомления"
