from django.db import migrations


def load_default_rules(apps, schema_editor):
    from otklik.cases.deadline_engine import sync_default_rules

    sync_default_rules(apps.get_model("cases", "DeadlineRule"), apps.get_model("org", "Topic"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_deadlines_routing_escalation"), ("org", "0002_topic_tree")]

    operations = [migrations.RunPython(load_default_rules, migrations.RunPython.noop)]
