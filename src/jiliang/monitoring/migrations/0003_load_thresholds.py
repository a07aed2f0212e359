from django.db import migrations

from jiliang.monitoring.rules.thresholds import load_document
from jiliang.monitoring.services import default_threshold_rows


def load(apps, schema_editor):
    RuleThreshold = apps.get_model("monitoring", "RuleThreshold")
    RuleThreshold.objects.bulk_create([RuleThreshold(version=1, **row) for row in default_threshold_rows(load_document())])


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_work_orders")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
