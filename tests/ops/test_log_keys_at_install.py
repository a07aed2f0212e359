"""The log's keys are made at install under an explicit origin; no request or job makes them."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from jiliang.ledger import sequencer
from jiliang.ledger.keys import LogKeysMissing, log_vkeys

ORIGIN = "jiliang.test.gov.cn/log"


@pytest.fixture
def empty_key_dir(settings, tmp_path):
    settings.JILIANG_LEDGER_KEY_DIR = tmp_path / "ledger"
    settings.JILIANG_LEDGER_ORIGIN = ORIGIN
    return tmp_path / "ledger"


@pytest.mark.django_db
def test_a_request_to_the_log_makes_no_keys(empty_key_dir):
    response = Client(raise_request_exception=False).get("/api/v1/log/")
    assert response.status_code == 500
    assert not empty_key_dir.exists() or not any(empty_key_dir.iterdir())


@pytest.mark.django_db
def test_the_sequencer_refuses_to_run_without_keys(empty_key_dir):
    with pytest.raises(LogKeysMissing, match="jiliang init"):
        sequencer.publish()
    assert not empty_key_dir.exists() or not any(empty_key_dir.iterdir())


def test_init_needs_an_origin(empty_key_dir):
    with pytest.raises(CommandError, match="--origin"):
        call_command("init")


@pytest.mark.django_db
def test_init_makes_private_keys_and_public_vkeys_once(empty_key_dir):
    call_command("init", "--origin", ORIGIN, stdout=open("/dev/null", "w"))
    vkeys = log_vkeys()
    assert [vkey.split("+")[0] for vkey in vkeys] == [ORIGIN, ORIGIN]
    for skey in empty_key_dir.glob("*.skey"):
        assert skey.stat().st_mode & 0o777 == 0o600
    call_command("init", "--origin", ORIGIN, stdout=open("/dev/null", "w"))
    assert log_vkeys() == vkeys
    assert Client().get("/api/v1/log/").json()["log_keys"] == vkeys


@pytest.mark.django_db
def test_init_refuses_an_origin_other_than_the_configured_one(empty_key_dir):
    with pytest.raises(CommandError, match="differs from JILIANG_LEDGER_ORIGIN"):
        call_command("init", "--origin", "another.example/log")


@pytest.mark.django_db
def test_init_refuses_to_rename_an_existing_log(empty_key_dir, settings):
    call_command("init", "--origin", ORIGIN, stdout=open("/dev/null", "w"))
    settings.JILIANG_LEDGER_ORIGIN = ""
    with pytest.raises(CommandError, match="never changes"):
        call_command("init", "--origin", "another.example/log")
