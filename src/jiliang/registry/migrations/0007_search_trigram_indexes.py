"""Trigram indexes for the name and address searches on PostgreSQL (issue 19: the global search).

Django says ``name__icontains=text`` as ``UPPER("name"::text) LIKE UPPER('%text%')``: no b-tree serves
it, so every search read all 134,000 organizations and 66,000 sites of the city (0.2–0.5 s). A GIN
index of pg_trgm's trigrams over that same ``UPPER(…)`` expression serves it (and ``istartswith`` and
``iexact``) when the text has three characters or more; pg_trgm is a trusted extension, so the
database's owner creates it. SQLite has neither; it scans as before."""

from django.db import migrations

INDEXES = {
    "organization_name_trgm": ("registry_organization", "name"),
    "site_name_trgm": ("registry_site", "name"),
    "site_address_trgm": ("registry_site", "address"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0006_chinese_verbose_names"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
