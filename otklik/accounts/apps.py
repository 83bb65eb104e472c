from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "otklik.accounts"
    verbose_name = "Учётные записи и вход"
