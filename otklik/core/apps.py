from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "otklik.core"
    verbose_name = "Общее"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from otklik.core.pgtime import use_fast_loader

        connection_created.connect(use_fast_loader, dispatch_uid="otklik-fast-timestamptz")
