"""The default reasons to reject a comment (the rules of moderation); the administration edits them."""

from django.db import migrations


def add_reasons(apps, schema_editor):
    from otklik.participation.services import sync_moderation_reasons

    sync_moderation_reasons(apps.get_model("participation", "ModerationReason"))


class Migration(migrations.Migration):
    dependencies = [("participation", "0001_initial")]

    operations = [migrations.RunPython(add_reasons, migrations.RunPython.noop)]
