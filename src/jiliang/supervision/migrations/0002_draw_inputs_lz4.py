"""Compress a draw's inputs with LZ4 instead of pglz on PostgreSQL.

The inputs document of a draw over 100,000 candidates is 1.7 MB of JSON, stored out of line
(TOAST) and compressed. pglz took 70-80 ms of the server's CPU to write it in ``commit_draw``,
LZ4 half that (docs/supervision.md). A server built without LZ4 (a build option) keeps pglz;
SQLite does not compress."""

from django.db import migrations


def _lz4_available(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        return bool(cursor.fetchone()[0])


def compress_with_lz4(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql" and _lz4_available(schema_editor.connection):
        schema_editor.execute("ALTER TABLE supervision_draw ALTER COLUMN inputs SET COMPRESSION lz4")


def compress_by_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE supervision_draw ALTER COLUMN inputs SET COMPRESSION default")


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(compress_with_lz4, compress_by_default, elidable=False),
    ]
