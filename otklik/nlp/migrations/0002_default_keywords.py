from django.db import migrations


def load_keywords(apps, schema_editor):
    from otklik.nlp.keywords import sync_keywords

    sync_keywords(apps.get_model("nlp", "TopicKeyword"), apps.get_model("org", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("nlp", "0001_initial"), ("org", "0002_topic_tree")]

    operations = [migrations.RunPython(load_keywords, migrations.RunPython.noop)]
