import django.db.models.deletion
from django.db import migrations, models


def fill_county(apps, schema_editor):
    Division = apps.get_model("accounts", "Division")
    Instrument = apps.get_model("registry", "Instrument")
    for division in Division.objects.all():
        county = division.parent_id if division.level == "township" and division.parent_id else division.pk
        Instrument.objects.filter(division_id=division.pk).update(county_id=county)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_load_divisions"),
        ("registry", "0003_load_catalogue"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="instrument", name="instrument_div_type_status"),
        migrations.RemoveIndex(model_name="instrument", name="instrument_div_status"),
        migrations.AddField(
            model_name="instrument",
            name="county",
            field=models.ForeignKey(
                db_index=False, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                related_name="+", to="accounts.division", verbose_name="所在县(区)",
            ),
        ),
        migrations.RunPython(fill_county, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="instrument",
            name="county",
            field=models.ForeignKey(
                db_index=False, editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="accounts.division", verbose_name="所在县(区)",
            ),
        ),
        migrations.AlterField(
            model_name="instrument",
            name="division",
            field=models.ForeignKey(
                editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                to="accounts.division", verbose_name="所在区划",
            ),
        ),
        migrations.AddIndex(
            model_name="instrument",
            index=models.Index(fields=["county", "type", "status", "-id"], name="instrument_county_type_status"),
        ),
        migrations.AddIndex(
            model_name="instrument",
            index=models.Index(fields=["county", "status", "-id"], name="instrument_county_status"),
        ),
    ]
