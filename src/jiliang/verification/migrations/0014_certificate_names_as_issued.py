"""The certificate keeps its institution's and owner's names, addresses and codes as issued, so that
its documents (DCC, PDF) stay the same after a rename and the forgery check compares with what was
issued. Certificates issued before get the names as they are now: the closest record there is."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

COPIES = {"institution": ("name", "address", "uscc"), "owner": ("name", "address", "uscc")}


def copy_current_names(apps, schema_editor):
    Certificate = apps.get_model("verification", "Certificate")
    sources = {"institution": apps.get_model("verification", "Institution"),
               "owner": apps.get_model("registry", "Organization")}
    Certificate.objects.update(**{
        f"{relation}_{field}": Subquery(
            sources[relation].objects.filter(pk=OuterRef(f"{relation}_id")).values(field)[:1])
        for relation, fields in COPIES.items() for field in fields
    })


def name_field(verbose_name: str) -> models.CharField:
    return models.CharField(default="", max_length=128, verbose_name=verbose_name)


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0006_chinese_verbose_names"),
        ("verification", "0013_verification_k_factor"),
    ]

    operations = [
        migrations.AddField(model_name="certificate", name="institution_name", preserve_default=False,
                            field=name_field("出具机构名称")),
        migrations.AddField(model_name="certificate", name="institution_address",
                            field=models.CharField(blank=True, max_length=255, verbose_name="出具机构地址")),
        migrations.AddField(model_name="certificate", name="institution_uscc",
                            field=models.CharField(blank=True, max_length=18, verbose_name="出具机构统一社会信用代码")),
        migrations.AddField(model_name="certificate", name="owner_name", preserve_default=False,
                            field=name_field("使用单位名称")),
        migrations.AddField(model_name="certificate", name="owner_address",
                            field=models.CharField(blank=True, max_length=255, verbose_name="使用单位地址")),
        migrations.AddField(model_name="certificate", name="owner_uscc",
                            field=models.CharField(blank=True, max_length=18, verbose_name="使用单位统一社会信用代码")),
        migrations.RunPython(copy_current_names, migrations.RunPython.noop, elidable=False),
    ]
