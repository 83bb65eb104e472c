from django.db import migrations


def load_topic_tree(apps, schema_editor):
    from otklik.org.services import sync_topics

    sync_topics(apps.get_model("org", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]

    operations = [migrations.RunPython(load_topic_tree, migrations.RunPython.noop)]
