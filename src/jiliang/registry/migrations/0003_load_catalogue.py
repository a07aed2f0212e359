from django.db import migrations

from jiliang.registry.catalogue import load_catalogue


def load(apps, schema_editor):
    load_catalogue(apps.get_model("registry", "InstrumentType"))


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0002_sites_catalogue_instruments"),
    ]

    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
