"""Each device keeps its latest stored register reading (rollups.py"s appending path); filled
from the stored readings for the devices that have some."""

from django.db import migrations, models


def _latest(column: str) -> str:
    return (f"(SELECT r.{column} FROM monitoring_reading r WHERE r.device_id = monitoring_device.id "
            "AND r.register IS NOT NULL ORDER BY r.time DESC, r.sequence DESC LIMIT 1)")


def fill_from_readings(apps, schema_editor):
    schema_editor.execute(
        f"UPDATE monitoring_device SET last_register_at = {_latest('time')}, "
        f"last_register_seq = {_latest('sequence')}, last_register = {_latest('register')}"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0005_hot_updates"),
    ]

    operations = [
        migrations.AddField(
            model_name="device",
            name="last_register",
            field=models.FloatField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="device",
            name="last_register_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="device",
            name="last_register_seq",
            field=models.BigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill_from_readings, migrations.RunPython.noop, elidable=False),
    ]
