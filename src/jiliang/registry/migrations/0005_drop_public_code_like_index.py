"""Drop the ``varchar_pattern_ops`` copy of the instrument public-code index on PostgreSQL.

Django adds one to every indexed or unique CharField for LIKE searches; the public code is only
ever looked up exactly (the unique index serves that), so the copy only cost every insert a
twelfth index. SQLite never had it: nothing to do there."""

from django.db import migrations

INDEX = "registry_instrument_public_code_abc0e8f9_like"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


def restore(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON registry_instrument (public_code varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0004_instrument_county"),
    ]

    operations = [
        migrations.RunPython(drop, restore, elidable=False),
    ]
