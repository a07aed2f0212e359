"""MQTT worker shards (PostgreSQL): a shard another worker holds is left for later, not waited
for first, and nothing of it is lost or acknowledged before its own commit."""

import json
import threading

import paho.mqtt.client as mqtt
import psycopg
import pytest
from django.db import connection
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from jiliang.monitoring.credentials import sign
from jiliang.monitoring.ingest import SHARD_LOCK_NAMESPACE
from jiliang.monitoring.models import DeviceKind, Reading
from jiliang.monitoring.worker import Worker, shards_of, transactions_of
from monitoring_fixtures import meter_reading

pytestmark = [pytest.mark.django_db, pytest.mark.postgres_only]
SHARDS = 4


def publication(device, secret: str, seq: int, mid: int) -> mqtt.MQTTMessage:
    topic = f"jiliang/{device.code}/readings"
    payload = json.dumps(meter_reading(device, seq, seq * 15, 100.0 + seq)).encode()
    message = mqtt.MQTTMessage(mid=mid, topic=topic.encode())
    message.payload, message.qos = payload, 1
    message.properties = Properties(PacketTypes.PUBLISH)
    message.properties.UserProperty = ("sig", sign(secret, topic, payload))
    return message


def shard_of(device) -> int:
    return device.site_id % SHARDS


@pytest.fixture
def sharded(settings):
    """A worker with SHARDS shards, each a PostgreSQL advisory lock; returns the settings."""
    if connection.vendor != "postgresql":
        pytest.skip("shard locks are PostgreSQL advisory locks")
    settings.JILIANG_MONITORING_WORKER_SHARDS = SHARDS
    return settings


@pytest.fixture
def two_shards(make_device):
    """Two meters (each at a site of its own) whose publications fall in different shards."""
    first, _, first_secret = make_device(DeviceKind.METER)
    while True:
        second, _, second_secret = make_device(DeviceKind.METER)
        if shard_of(second) != shard_of(first):
            return (first, first_secret), (second, second_secret)


def test_a_busy_shard_is_processed_after_the_free_ones(two_shards, sharded):
    sharded.JILIANG_MONITORING_SHARD_MESSAGES = 1
    (held, held_secret), (free, free_secret) = two_shards
    messages = [publication(held, held_secret, seq, seq) for seq in (1, 2)]
    messages += [publication(free, free_secret, seq, 10 + seq) for seq in (1, 2)]
    assert set(shards_of(messages, SHARDS, {held.code: held.site_id, free.code: free.site_id})) == {
        shard_of(held), shard_of(free)}

    worker = Worker(client_id="shard-test")
    acked: list[int] = []
    worker._ack = lambda batch: acked.extend(m.mid for m in batch)
    other = psycopg.connect(dbname=connection.settings_dict["NAME"], host=connection.settings_dict["HOST"] or None,
                            port=connection.settings_dict["PORT"] or None, user=connection.settings_dict["USER"],
                            autocommit=True)
    other.execute("SELECT pg_advisory_lock(%s, %s)", [SHARD_LOCK_NAMESPACE, shard_of(held)])
    stored_while_held: list[int] = []

    def release_later():
        while not acked:  # the free shard went first
            threading.Event().wait(0.05)
        stored_while_held.extend(acked)
        other.execute("SELECT pg_advisory_unlock(%s, %s)", [SHARD_LOCK_NAMESPACE, shard_of(held)])

    releaser = threading.Thread(target=release_later)
    releaser.start()
    worker.process(messages)
    releaser.join(timeout=30)
    other.close()
    assert stored_while_held == [11, 12]
    assert acked == [11, 12, 1, 2]
    assert Reading.objects.filter(device=held).count() == 2 and Reading.objects.filter(device=free).count() == 2


def test_a_batch_smaller_than_a_shard_is_one_transaction_over_its_shards(two_shards, sharded):
    sharded.JILIANG_MONITORING_SHARD_MESSAGES = 500
    (first, first_secret), (second, second_secret) = two_shards
    messages = [publication(first, first_secret, 1, 1), publication(second, second_secret, 1, 2)]
    assert list(transactions_of(shards_of(messages, SHARDS, {first.code: first.site_id, second.code: second.site_id}),
                                len(messages) // 500)) == [tuple(sorted({shard_of(first), shard_of(second)}))]
    worker = Worker(client_id="shard-test")
    acked: list[list[int]] = []
    worker._ack = lambda batch: acked.append(sorted(m.mid for m in batch))
    worker.process(messages)
    assert acked == [[1, 2]]
    assert Reading.objects.filter(device=first).count() == 1 and Reading.objects.filter(device=second).count() == 1
