"""Leave room on PostgreSQL pages for the rows that ingest updates in place.

Every ingest batch updates ``last_seen_at`` of each device it heard from and adds to the current
hourly and daily rollup rows. Neither column is indexed, so PostgreSQL can make these heap-only
(HOT) updates, which write no index entry, but only when the new row version fits on the same
page. At the default fill factor (100) the pages are full: each update of a device row wrote
eleven index entries (2,000 devices took 87 ms per batch) and left the table to bloat until
vacuumed. With room left, the previous batch's versions are pruned from the page and the next
update lands beside them. SQLite updates rows in place: nothing to do there."""

from django.db import migrations

FILL_FACTORS = {"monitoring_device": 50, "monitoring_rollup": 70}


def set_fill_factors(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table, percent in FILL_FACTORS.items():
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {percent})")


def reset_fill_factors(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in FILL_FACTORS:
            schema_editor.execute(f"ALTER TABLE {table} RESET (fillfactor)")


class Migration(migrations.Migration):

    dependencies = [
        ("monitoring", "0004_alert_created_at"),
    ]

    operations = [
        migrations.RunPython(set_fill_factors, reset_fill_factors, elidable=False),
    ]
