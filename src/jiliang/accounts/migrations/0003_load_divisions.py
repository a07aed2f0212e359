from django.db import migrations

from jiliang.accounts.divisions import load_divisions


def forwards(apps, schema_editor):
    load_divisions(apps.get_model("accounts", "Division"))


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
