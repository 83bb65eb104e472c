from django.db import migrations


def load(apps, schema_editor):
    from otklik.intake.mapping import sync_default_mappings

    sync_default_mappings(apps.get_model("intake", "SourceMapping"))


class Migration(migrations.Migration):
    dependencies = [("intake", "0003_mapping_required")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
