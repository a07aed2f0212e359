"""The HTTP ingest: idempotent on (device, sequence), order-independent, dead letters, back-pressure."""

import json
import random

import pytest
from django.test import Client

from jiliang.accounts.models import AuditEvent
from jiliang.monitoring import admission
from jiliang.monitoring.models import DeadLetter, DeviceKind, MessageKey, Reading
from monitoring_fixtures import event, meter_reading

pytestmark = pytest.mark.django_db(transaction=False)


def post(token, body, content_type="application/json"):
    return Client().post("/api/v1/monitoring/ingest", data=body, content_type=content_type,
                         HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_batch_is_stored_once_whatever_is_sent_again(make_device):
    device, token, _ = make_device(DeviceKind.METER)
    batch = [meter_reading(device, seq, seq * 15, 100 + seq) for seq in range(1, 11)]
    first = post(token, json.dumps(batch))
    assert first.status_code == 200, first.content
    assert first.json() | {"reasons": {}} == {"accepted": 10, "duplicates": 0, "rejected": 0, "alerts": 0, "reasons": {}}
    again = post(token, json.dumps(batch[3:] + batch[:2]))
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 9
    assert Reading.objects.filter(device_id=device.pk).count() == 10
    assert MessageKey.objects.filter(device_id=device.pk).count() == 10
    device.refresh_from_db()
    assert device.last_seen_at is not None


def test_json_lines_and_duplicates_inside_one_batch(make_device):
    device, token, _ = make_device(DeviceKind.METER)
    lines = [json.dumps(meter_reading(device, seq, seq, 5.0 + seq)) for seq in (1, 2, 2, 3)]
    response = post(token, "\n".join(lines), content_type="application/x-ndjson")
    assert response.json()["accepted"] == 3 and response.json()["duplicates"] == 1


def test_bad_items_go_to_dead_letters_and_the_rest_is_stored(make_device):
    device, token, _ = make_device(DeviceKind.METER)
    other, _, _ = make_device(DeviceKind.METER)
    lines = [
        json.dumps(meter_reading(device, 1, 0, 1.0)),
        "{not json",
        json.dumps({"device": device.code, "seq": 2, "type": "meter.reading", "register": 1}),  # no time
        json.dumps(meter_reading(other, 1, 0, 1.0)),  # another device's message
        json.dumps({"device": device.code, "seq": 3, "time": "2025-01-01T00:00:00+00:00", "type": "tank.reading",
                    "volume_l": 1, "temperature_c": 15}),  # not a meter's message type (and too old)
        json.dumps(meter_reading(device, 4, 10, 2.0)),
    ]
    response = post(token, "\n".join(lines))
    assert response.status_code == 200
    assert response.json()["accepted"] == 2 and response.json()["rejected"] == 4
    reasons = sorted(DeadLetter.objects.values_list("reason", flat=True))
    assert reasons == ["invalid", "malformed", "not_authorised", "wrong_kind"]
    assert DeadLetter.objects.get(reason="malformed").payload == "{not json"
    assert AuditEvent.objects.filter(action="monitoring.ingest").count() == 1


def test_unknown_and_revoked_tokens_are_refused(make_device, city_regulator):
    from jiliang.monitoring import services

    device, token, _ = make_device(DeviceKind.METER)
    assert post("dev_unknown", json.dumps([meter_reading(device, 1, 0, 1)])).status_code == 401
    services.revoke_device(city_regulator, device, "stolen")
    assert post(token, json.dumps([meter_reading(device, 1, 0, 1)])).status_code == 401
    assert not Reading.objects.filter(device_id=device.pk).exists()


def test_a_gateway_sends_for_the_devices_of_its_site_only(make_device, make_site):
    site = make_site()
    gateway, token, _ = make_device(DeviceKind.GATEWAY, site=site)
    meter, _, _ = make_device(DeviceKind.METER, site=site)
    elsewhere, _, _ = make_device(DeviceKind.METER)
    response = post(token, json.dumps([meter_reading(meter, 1, 0, 1), meter_reading(elsewhere, 1, 0, 1)]))
    assert response.json()["accepted"] == 1
    assert DeadLetter.objects.get().reason == "not_authorised"


def test_a_full_ingest_answers_503_with_retry_after(make_device, settings):
    device, token, _ = make_device(DeviceKind.METER)
    settings.JILIANG_MONITORING_QUEUE_SIZE = 5
    with admission.admitted(4):
        response = post(token, json.dumps([meter_reading(device, s, s, s) for s in range(1, 4)]))
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.JILIANG_MONITORING_RETRY_AFTER_SECONDS)
    assert not Reading.objects.filter(device_id=device.pk).exists()
    assert post(token, json.dumps([meter_reading(device, s, s, s) for s in range(1, 4)])).status_code == 200


def test_a_full_ingest_refuses_before_parsing_the_body(make_device, settings):
    device, token, _ = make_device(DeviceKind.METER)
    settings.JILIANG_MONITORING_QUEUE_SIZE = 5
    with admission.admitted(5):
        response = post(token, "{not json")
    assert response.status_code == 503 and response["Retry-After"]
    assert not DeadLetter.objects.exists()  # not even read: a malformed body would be a dead letter
    assert post(token, "{not json").status_code == 200 and DeadLetter.objects.get().reason == "malformed"


def test_shuffled_batches_store_the_same_as_ordered_ones(make_device):
    ordered_device, ordered_token, _ = make_device(DeviceKind.METER)
    shuffled_device, shuffled_token, _ = make_device(DeviceKind.METER)
    values = [(seq, seq * 7, 1000 + seq * 0.5) for seq in range(1, 61)]
    post(ordered_token, json.dumps([meter_reading(ordered_device, *v) for v in values]))
    shuffled = [meter_reading(shuffled_device, *v) for v in values]
    random.Random(6).shuffle(shuffled)
    for first in range(0, 60, 7):
        post(shuffled_token, json.dumps(shuffled[first:first + 7] + shuffled[:3]))

    def stored(device):
        return list(Reading.objects.filter(device_id=device.pk).order_by("time").values_list("sequence", "register"))

    assert stored(ordered_device) == stored(shuffled_device)


@pytest.mark.django_db(transaction=True)
def test_sqlites_write_lock_held_past_the_busy_timeout_is_a_503_not_a_500(make_device, settings):
    """Issue 15's HTTP ingest bench on SQLite saw a few requests a phase answered neither 200 nor
    503: "database is locked" after the busy timeout, a 500. Nothing was written: the device must be
    told to send again."""
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's write lock")
    device, token, _ = make_device(DeviceKind.METER)
    connection.ensure_connection()
    connection.cursor().execute("PRAGMA busy_timeout = 100")
    holder = sqlite3.connect(connection.settings_dict["NAME"], uri=True)
    holder.execute("BEGIN IMMEDIATE")  # another writer keeps the lock
    try:
        response = post(token, json.dumps([meter_reading(device, 1, 1, 1.0)]))
    finally:
        holder.rollback()
        holder.close()
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(settings.JILIANG_MONITORING_RETRY_AFTER_SECONDS)
    assert response.json()["code"] == "busy"
    assert not Reading.objects.filter(device_id=device.pk).exists()
    assert post(token, json.dumps([meter_reading(device, 1, 1, 1.0)])).status_code == 200
