"""Production refuses unsafe settings with a message that says what to do."""

import os
import secrets
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jiliang.config import secret_key_weakness


def start(env_overrides: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JILIANG_") and k != "DATABASE_URL"}
    env.update({"JILIANG_VAR_DIR": str(tmp_path), **env_overrides})
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='jiliang.settings'; django.setup(); print('started')"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


PRODUCTION = {"JILIANG_ENV": "production", "JILIANG_SECRET_KEY": "Wq8-ZpL3vNc_T7yRk2Hd9XfJmB4sGa6Ue1Qo5Yi0Cw-Ex" * 2,
              "JILIANG_ALLOWED_HOSTS": "jl.example.cn"}


def test_production_with_every_setting_starts(tmp_path):
    assert start(PRODUCTION, tmp_path).stdout.strip() == "started"


@pytest.mark.parametrize(("override", "named"), [
    ({"JILIANG_DEBUG": "1"}, "JILIANG_DEBUG"),
    ({"JILIANG_SECRET_KEY": ""}, "JILIANG_SECRET_KEY"),
    ({"JILIANG_SECRET_KEY": "k"}, "JILIANG_SECRET_KEY"),
    ({"JILIANG_SECRET_KEY": "ab" * 40}, "JILIANG_SECRET_KEY"),
    ({"JILIANG_SECRET_KEY": "django-insecure-" + "Wq8-ZpL3vNc_T7yRk2Hd9XfJmB4sGa6Ue1Qo5Yi0Cw"}, "JILIANG_SECRET_KEY"),
    ({"JILIANG_ALLOWED_HOSTS": ""}, "JILIANG_ALLOWED_HOSTS"),
    ({"JILIANG_ENV": "staging"}, "JILIANG_ENV"),
    ({"JILIANG_SESSION_IDLE_MINUTES": "half an hour"}, "JILIANG_SESSION_IDLE_MINUTES"),
])
def test_production_refuses_to_start(override, named, tmp_path):
    result = start({**PRODUCTION, **override}, tmp_path)
    assert result.returncode != 0
    assert named in result.stderr
    assert "started" not in result.stdout


def test_development_generates_a_private_secret_key_once(tmp_path):
    assert start({}, tmp_path).returncode == 0
    key_file = tmp_path / "secret_key"
    first = key_file.read_text()
    assert len(first) >= 50 and (key_file.stat().st_mode & 0o777) == 0o600
    start({}, tmp_path)
    assert key_file.read_text() == first


def test_production_behind_tls_sets_secure_cookies_and_hsts(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JILIANG_")}
    env.update({"JILIANG_VAR_DIR": str(tmp_path), **PRODUCTION})
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='jiliang.settings'; django.setup();"
            "from django.conf import settings as s;"
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.TIME_ZONE, s.LANGUAGE_CODE)")
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "True", "31536000", "True", "Asia/Shanghai", "zh-hans"]


@given(st.text(min_size=50, max_size=80, alphabet="abcdefghi"))
def test_a_key_of_few_distinct_characters_is_weak(key):
    assert secret_key_weakness(key) is not None


@given(st.integers(min_value=38, max_value=100))
def test_generated_keys_are_strong(size):
    assert secret_key_weakness(secrets.token_urlsafe(size)) is None
