from django.db import migrations

from jiliang.verification.mpe_table import load_mpe_rules


def load(apps, schema_editor):
    """The editable defaults (data/mpe.csv, confidence "default", inactive until checked) for the
    catalogue types that had no rule; rows already there are left as the regulator edited them."""
    load_mpe_rules(apps.get_model("verification", "MpeRule"), apps.get_model("registry", "InstrumentType"))


class Migration(migrations.Migration):

    dependencies = [
        ("verification", "0010_rule_kinds_and_copies"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
