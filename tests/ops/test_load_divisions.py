"""Another city installs its own divisions; a bad file is reported row by row and loads nothing."""

import io

import pytest
from django.core.management import CommandError, call_command

from jiliang.accounts.models import AuditEvent, Division

HEADER = "code,name_zh,name_en,level,parent_code,code_system,source\n"
GUANGYUAN = HEADER + (
    "510800,广元市,Guangyuan City,prefecture,510000,GB/T 2260,test\n"
    "510802,利州区,Lizhou District,county,510800,GB/T 2260,test\n"
    "510802001,东坝街道,Dongba Subdistrict,township,510802,NBS,test\n"
)


def load(tmp_path, text):
    path = tmp_path / "divisions.csv"
    path.write_text(text, encoding="utf-8")
    call_command("load-divisions", str(path), stdout=io.StringIO())


@pytest.mark.django_db
def test_another_city_loads_under_the_province_with_paths_and_audit(tmp_path):
    load(tmp_path, GUANGYUAN)
    township = Division.objects.get(code="510802001")
    assert township.path == "510000/510800/510802/510802001/"
    assert AuditEvent.objects.filter(action="division.create").count() == 3
    load(tmp_path, GUANGYUAN.replace("利州区", "利州区（新）"))
    assert Division.objects.get(code="510802").name == "利州区（新）"
    assert AuditEvent.objects.filter(action="division.update").count() == 3


@pytest.mark.django_db
def test_every_bad_row_is_reported_and_nothing_is_loaded(tmp_path):
    bad = HEADER + (
        "510800,广元市,,prefecture,510000,,\n"
        "5108,利州区,,county,510800,,\n"
        "510899,,,district,,,\n"
        "510803,昭化区,,county,999999,,\n"
        "510800,重复,,prefecture,510000,,\n"
    )
    with pytest.raises(CommandError) as refused:
        load(tmp_path, bad)
    message = str(refused.value)
    for expected in ("第 3 行", "6 位数字", "第 4 行", "级别 'district' 无效", "名称为空", "缺少上级区划代码",
                     "第 5 行", "999999", "第 6 行", "重复"):
        assert expected in message
    assert "第 2 行" not in message
    assert not Division.objects.filter(code="510800").exists()
