"""/healthz answers while the process lives; /readyz names each reason it cannot serve."""

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from monitoring_fixtures import broker_port, free_port  # noqa: F401  (broker_port: a fixture)

READYZ = ("import os, django, json; os.environ['DJANGO_SETTINGS_MODULE'] = 'jiliang.settings'; django.setup();"
          "from django.test import Client; r = Client().get('/readyz');"
          "print(json.dumps([r.status_code, json.loads(r.content)]))")


def readyz_in_a_process(tmp_path, **environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JILIANG_") and k != "DATABASE_URL"}
    env.update({"JILIANG_VAR_DIR": str(tmp_path), **environment})
    result = subprocess.run([sys.executable, "-c", READYZ], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.django_db
def test_ready_when_everything_is_there():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"ready": True, "checks": {"database": "ok", "migrations": "ok", "log_keys": "ok"}}


def test_alive_over_plain_http_for_any_host(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_not_ready_when_the_database_is_unreachable(tmp_path):
    status, body = readyz_in_a_process(tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:{free_port()}/none")
    assert status == 503
    assert body["checks"]["database"].startswith("database unreachable")
    assert body["checks"]["migrations"] == "not checked"


def test_not_ready_when_migrations_are_not_applied(tmp_path):
    status, body = readyz_in_a_process(tmp_path)
    assert status == 503 and body["checks"]["database"] == "ok"
    assert "not applied" in body["checks"]["migrations"] and "jiliang upgrade" in body["checks"]["migrations"]


@pytest.mark.django_db
def test_not_ready_without_the_log_keys(settings, tmp_path):
    settings.JILIANG_LEDGER_KEY_DIR = tmp_path
    response = Client().get("/readyz")
    assert response.status_code == 503 and "jiliang init" in response.json()["checks"]["log_keys"]


@pytest.mark.django_db
def test_not_ready_with_keys_of_another_origin(settings):
    settings.JILIANG_LEDGER_ORIGIN = "another.example/log"
    response = Client().get("/readyz")
    assert response.status_code == 503 and "another.example/log" in response.json()["checks"]["log_keys"]


@pytest.mark.django_db
def test_not_ready_when_the_configured_broker_is_down(settings):
    settings.JILIANG_READY_CHECKS_BROKER = True
    settings.JILIANG_MONITORING_MQTT_HOST, settings.JILIANG_MONITORING_MQTT_PORT = "127.0.0.1", free_port()
    response = Client().get("/readyz")
    assert response.status_code == 503 and "unreachable" in response.json()["checks"]["broker"]


@pytest.mark.django_db
def test_ready_with_the_configured_broker_up(settings, broker_port):
    settings.JILIANG_READY_CHECKS_BROKER = True
    settings.JILIANG_MONITORING_MQTT_HOST, settings.JILIANG_MONITORING_MQTT_PORT = "127.0.0.1", broker_port
    assert Client().get("/readyz").json()["checks"]["broker"] == "ok"
