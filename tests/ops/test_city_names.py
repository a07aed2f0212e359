"""Another city's installation names itself: the platform's name on every page, the bureau on the
public pages, the back office's header and the two-factor issuer come from JILIANG_CITY_NAME and
JILIANG_BUREAU_NAME (docs/configuration.md), not from a hard-coded "巴中"."""

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

NAMES = ("import os, json, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'jiliang.settings'; django.setup();"
         "from django.conf import settings; from django.contrib import admin; import jiliang.urls;"
         "print(json.dumps([admin.site.site_header, settings.OTP_TOTP_ISSUER, settings.JILIANG_BUREAU_NAME]))")


def test_the_back_office_and_the_two_factor_issuer_take_the_city_name(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JILIANG_") and k != "DATABASE_URL"}
    env.update({"JILIANG_VAR_DIR": str(tmp_path), "JILIANG_CITY_NAME": "达州市"})
    result = subprocess.run([sys.executable, "-c", NAMES], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    header, issuer, bureau = json.loads(result.stdout.splitlines()[-1])
    assert header == "达州市智慧计量监管服务平台 · 后台管理"
    assert issuer == "达州市智慧计量"
    assert bureau == "达州市市场监督管理局"


@pytest.mark.django_db
def test_the_pages_name_the_configured_city_and_bureau(settings):
    settings.JILIANG_CITY_NAME = "达州市"
    settings.JILIANG_BUREAU_NAME = "达州市市场监督管理局"
    login = Client().get("/login/").content.decode()
    assert "达州市智慧计量监管服务平台" in login and "巴中" not in login
    public = Client().get("/i/NOSUCHCODE").content.decode()  # the public ID card's page, unknown code
    assert "达州市市场监督管理局" in public and "巴中" not in public
