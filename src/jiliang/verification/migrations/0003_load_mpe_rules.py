from django.db import migrations

from jiliang.verification.mpe_table import load_mpe_rules


def load(apps, schema_editor):
    load_mpe_rules(apps.get_model("verification", "MpeRule"), apps.get_model("registry", "InstrumentType"))


class Migration(migrations.Migration):

    dependencies = [
        ("verification", "0002_verification_core"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
