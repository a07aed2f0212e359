"""BatchingClient: many packets per read, a batch of PUBACKs in one write, against a real
Mosquitto of the test process's own (what the broker redelivers after a reconnect shows which
acknowledgements it understood); the read buffer on its own with socket pairs."""

import socket
import threading
import time
import uuid

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from jiliang.monitoring.paho_batching import BatchingClient

COUNT = 400


def _session(port: int, client_id: str, topic: str) -> tuple[BatchingClient, list[mqtt.MQTTMessage], threading.Event]:
    """A connected persistent session subscribed to ``topic`` that collects what it receives."""
    received: list[mqtt.MQTTMessage] = []
    subscribed = threading.Event()
    client = BatchingClient(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5,
                            manual_ack=True)
    client.on_message = lambda c, u, message: received.append(message)
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_connect = lambda c, u, f, reason, p: c.subscribe(topic, qos=1)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 300
    client.connect("127.0.0.1", port, clean_start=False, properties=properties)
    client.loop_start()
    assert subscribed.wait(10)
    return client, received, subscribed


def _close(client: mqtt.Client) -> None:
    client.disconnect()
    client.loop_stop()


def _publish(port: int, topic: str, count: int) -> None:
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    publisher.connect("127.0.0.1", port)
    publisher.loop_start()
    infos = []
    for number in range(count):
        properties = Properties(PacketTypes.PUBLISH)
        properties.UserProperty = ("sig", f"s{number}")
        infos.append(publisher.publish(topic, f"payload {number}".encode(), qos=1, properties=properties))
    for info in infos:
        info.wait_for_publish(10)
    _close(publisher)


def _take(client: BatchingClient, received: list[mqtt.MQTTMessage], count: int, seconds: float = 20) -> None:
    """Acknowledge what arrives, a batch of PUBACKs per ack_all, until ``count`` are acknowledged
    (the broker keeps only so many unacknowledged in flight to a client)."""
    acked, deadline = 0, time.monotonic() + seconds
    while acked < count and time.monotonic() < deadline:
        batch = received[acked:count]
        if batch:
            client.ack_all([m.mid for m in batch])
            acked += len(batch)
        else:
            time.sleep(0.02)
    assert acked == count


def test_a_backlog_arrives_in_order_and_batched_acks_settle_exactly_those_acknowledged(broker_port):
    client_id, topic = f"batching-{uuid.uuid4().hex[:8]}", f"jiliang-test/{uuid.uuid4().hex[:8]}"
    client, received, _ = _session(broker_port, client_id, topic)
    _close(client)  # offline: the broker queues the backlog for the session
    _publish(broker_port, topic, COUNT)

    half = COUNT // 2
    client, received, _ = _session(broker_port, client_id, topic)
    _take(client, received, half)
    time.sleep(0.5)
    _close(client)
    assert [m.payload for m in received[:half]] == [f"payload {n}".encode() for n in range(half)]
    assert [m.properties.UserProperty for m in received[:half]] == [[("sig", f"s{n}")] for n in range(half)]

    # The broker redelivers what was not acknowledged, and only that.
    client, redelivered, _ = _session(broker_port, client_id, topic)
    _take(client, redelivered, COUNT - half)
    time.sleep(0.5)
    _close(client)
    assert [m.payload for m in redelivered] == [f"payload {n}".encode() for n in range(half, COUNT)]

    client, after_all_acked, _ = _session(broker_port, client_id, topic)
    time.sleep(1)
    _close(client)
    forget = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    forget.connect("127.0.0.1", broker_port, clean_start=True)  # end the persistent session
    forget.disconnect()
    assert after_all_acked == []


def test_small_reads_are_served_from_one_chunk_and_a_new_socket_drops_the_old_bytes():
    client = BatchingClient(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if not client.batching:
        pytest.skip("another paho-mqtt version: BatchingClient is paho's own Client")
    old_ours, old_theirs = socket.socketpair()
    new_ours, new_theirs = socket.socketpair()
    old_ours.setblocking(False)
    new_ours.setblocking(False)
    try:
        client._sock = old_ours
        old_theirs.sendall(b"abcdef")
        time.sleep(0.05)
        assert client._sock_recv(1) == b"a"
        old_theirs.sendall(b"ghi")  # not read yet: the first recv took what was there
        assert client._sock_recv(2) == b"bc"
        assert client._sock_recv(10) == b"def"
        assert client._sock_recv(10) == b"ghi"
        with pytest.raises(BlockingIOError):
            client._sock_recv(1)
        old_theirs.sendall(b"jkl")
        time.sleep(0.05)
        assert client._sock_recv(1) == b"j"
        client._sock = new_ours  # a reconnect: "kl" belonged to the old connection
        new_theirs.sendall(b"xyz")
        time.sleep(0.05)
        assert client._sock_recv(10) == b"xyz"
    finally:
        client._sock = None
        for end in (old_ours, old_theirs, new_ours, new_theirs):
            end.close()
