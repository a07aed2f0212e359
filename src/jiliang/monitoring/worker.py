"""The MQTT ingest worker: QoS 1 subscriptions, batches, acknowledgement only after the commit.

Topics ``jiliang/<device>/readings`` and ``jiliang/<device>/events``; the payload is one message,
a JSON array or JSON lines (messages.parse_batch), signed with the MQTT v5 user property ``sig``
(credentials.py). The client connects with MQTT v5, a persistent session (clean start off, session
expiry) and Receive Maximum = the queue size, so the broker never has more unacknowledged messages
in flight to us than the bounded queue holds: when the database is slow the broker holds the rest
(back-pressure), and whatever was not acknowledged when the worker dies is delivered again to the
next worker with the same client id. Acknowledgements (manual_ack) are sent after ingest committed,
a transaction's in one write (paho_batching).
"""

import gc
import logging
import queue
import threading
import time
import zlib
from collections import defaultdict

import paho.mqtt.client as mqtt
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from jiliang.monitoring import engine, paho_tables, sql
from jiliang.monitoring.ingest import Incoming, Publication, ShardBusy, dead_letter_alone, ingest
from jiliang.monitoring.messages import Rejected, parse_batch
from jiliang.monitoring.models import Device, IngestSource
from jiliang.monitoring.paho_batching import BatchingClient

logger = logging.getLogger("jiliang.monitoring.worker")
paho_tables.install()
TOPICS = [("jiliang/+/readings", 1), ("jiliang/+/events", 1)]
SESSION_EXPIRY_SECONDS = 7 * 24 * 3600
RECONNECT_MIN_SECONDS = 1
RECONNECT_MAX_SECONDS = 60
# The queue holds up to JILIANG_MONITORING_QUEUE_SIZE publications, a handful of objects each, that
# live through many young-generation collections: at Python's default thresholds (700, 10, 10)
# the collector's passes over them took 15-20 % of ingest CPU (in-process, batches of 2,000).
GC_THRESHOLDS = (10_000, 10, 10)


def publisher_of(topic: str) -> str | None:
    parts = topic.split("/")
    if len(parts) == 3 and parts[0] == "jiliang" and parts[2] in {"readings", "events"}:
        return parts[1]
    return None


def signature_of(message: mqtt.MQTTMessage) -> str:
    properties = getattr(message, "properties", None)
    for name, value in getattr(properties, "UserProperty", None) or []:
        if name == "sig":
            return value
    return ""


def items_of(message: mqtt.MQTTMessage) -> list[Incoming]:
    """The parsed items of one publication, each bound to it (publisher, signature) for judging."""
    publisher = publisher_of(message.topic)
    text = message.payload.decode("utf-8", errors="replace")
    if publisher is None:
        return [Incoming(Rejected(reason="bad_topic", detail=message.topic[:200], raw=text[:65536]))]
    publication = Publication(topic=message.topic, payload=message.payload, signature=signature_of(message),
                              publisher=publisher)
    parsed = parse_batch(message.payload)
    single = text if len(parsed) == 1 else ""
    return [Incoming(p, raw=single, publication=publication) for p in parsed]


def shards_of(messages: list[mqtt.MQTTMessage], count: int,
              site_of: dict[str, int]) -> dict[int | None, list[mqtt.MQTTMessage]]:
    """The batch split by the site of the publisher in the topic (``site_of``: device code -> site
    id): a site's arrival rules read all of its devices, so its messages stay in one shard; a
    publisher of unknown site goes by its code. One part without a shard when there is one shard
    or SQLite."""
    if count <= 1 or connection.vendor != "postgresql":
        return {None: messages}
    shards: dict[int | None, list[mqtt.MQTTMessage]] = defaultdict(list)
    for message in messages:
        publisher = publisher_of(message.topic) or ""
        site = site_of.get(publisher)
        shards[(site if site is not None else zlib.crc32(publisher.encode())) % count].append(message)
    return dict(sorted(shards.items()))


def transactions_of(parts: dict[int | None, list[mqtt.MQTTMessage]],
                    count: int) -> dict[tuple[int, ...], list[mqtt.MQTTMessage]]:
    """The shards of a batch in at most ``count`` (at least one) transactions, neighbouring shards
    together, each keyed by the shards whose locks it takes (none for the part without a shard):
    a transaction has a fixed cost (locks, the sites' devices, the rule windows), which a paced
    stream's small batches paid once per shard."""
    keys = sorted(shard for shard in parts if shard is not None)
    if not keys:
        return {(): parts.get(None, [])}
    count = max(1, min(count, len(keys)))
    groups = [tuple(keys[n * len(keys) // count:(n + 1) * len(keys) // count]) for n in range(count)]
    return {group: [m for shard in group for m in parts[shard]] for group in groups}


def sites_of(codes: set[str]) -> dict[str, int]:
    """The site of each known device code (for sharding only: a stale answer costs a lock wait, not
    correctness, since every transaction locks the rows it writes)."""
    with sql.cursor() as cursor:
        cursor.execute(f"SELECT code, site_id FROM {Device._meta.db_table} WHERE {sql.in_list('code', 'text')}",
                       [sql.list_param(sorted(codes))])
        return dict(cursor.fetchall())


def subscriptions(share_group: str = "") -> list[tuple[str, int]]:
    """The QoS 1 subscriptions; with a share group, MQTT v5 shared subscriptions
    ($share/<group>/<filter>), so that several workers split the stream between them."""
    return [(f"$share/{share_group}/{topic}" if share_group else topic, qos) for topic, qos in TOPICS]


class Worker:
    def __init__(self, *, client_id: str | None = None, host: str | None = None, port: int | None = None,
                 share_group: str = ""):
        self.queue: queue.Queue = queue.Queue(maxsize=settings.JILIANG_MONITORING_QUEUE_SIZE)
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.client = BatchingClient(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id or settings.JILIANG_MONITORING_MQTT_CLIENT_ID,
            protocol=mqtt.MQTTv5, manual_ack=True,
        )
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.reconnect_delay_set(RECONNECT_MIN_SECONDS, RECONNECT_MAX_SECONDS)
        self.host = host or settings.JILIANG_MONITORING_MQTT_HOST
        self.port = port or settings.JILIANG_MONITORING_MQTT_PORT
        self.stored = 0
        self.share_group = share_group
        self.site_of: dict[str, int] = {}  # publisher code -> site, for sharding

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            logger.error("MQTT connection refused: %s", reason_code)
            return
        client.subscribe(subscriptions(self.share_group))
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected.clear()
        if not self.stopping.is_set():
            logger.warning("MQTT broker %s:%s lost (%s); reconnecting", self.host, self.port, reason_code)

    def _on_connect_fail(self, client, userdata):
        logger.warning("MQTT broker %s:%s unreachable; retrying in up to %d s",
                       self.host, self.port, RECONNECT_MAX_SECONDS)

    def _on_message(self, client, userdata, message):
        # Blocks the network thread when the queue is full: the broker then holds the rest.
        while not self.stopping.is_set():
            try:
                self.queue.put(message, timeout=0.5)
                return
            except queue.Full:
                continue

    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = SESSION_EXPIRY_SECONDS
        properties.ReceiveMaximum = min(settings.JILIANG_MONITORING_QUEUE_SIZE, 65535)
        # Asynchronously: the network thread retries a broker that is down or goes away, waiting
        # from RECONNECT_MIN_SECONDS doubling to RECONNECT_MAX_SECONDS, instead of the worker exiting.
        self.client.connect_async(self.host, self.port, keepalive=60, clean_start=False, properties=properties)
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()
        self.client.disconnect()
        self.client.loop_stop()

    def _next_batch(self) -> list[mqtt.MQTTMessage]:
        wait = settings.JILIANG_MONITORING_BATCH_WAIT_MS / 1000
        try:
            batch = [self.queue.get(timeout=wait)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + wait
        items = len(batch)
        while items < settings.JILIANG_MONITORING_BATCH_SIZE:
            try:
                batch.append(self.queue.get(timeout=max(0.0, deadline - time.monotonic())))
                items += 1
            except queue.Empty:
                break
        return batch

    def _ack(self, messages: list[mqtt.MQTTMessage]) -> None:
        self.client.ack_all([message.mid for message in messages if message.qos])

    def process(self, messages: list[mqtt.MQTTMessage]) -> None:
        """Ingest a batch by site shards (shards_of) in transactions of JILIANG_MONITORING_SHARD_MESSAGES
        messages or more (transactions_of), each holding the locks of its shards: first every
        transaction whose locks are free, then, waiting, the shards another worker held. Each
        transaction's publications are acknowledged after its commit."""
        count = settings.JILIANG_MONITORING_WORKER_SHARDS
        if count > 1 and connection.vendor == "postgresql":
            unknown = {p for m in messages if (p := publisher_of(m.topic)) and p not in self.site_of}
            if unknown:  # only devices that exist are remembered: made-up codes cannot grow the map
                self.site_of.update(sites_of(unknown))
        parts = shards_of(messages, count, self.site_of)
        busy = []
        for shards, part in transactions_of(parts, len(messages) // max(1, settings.JILIANG_MONITORING_SHARD_MESSAGES)).items():
            if not self._process_shard(part, shards, wait=False):
                busy.extend(shards)
        # Waiting, one shard a transaction: a transaction holding some locks while it waits for
        # another would hold up the other worker's transactions on those.
        for shard in busy:
            self._process_shard(parts[shard], (shard,), wait=True)

    def _process_shard(self, messages: list[mqtt.MQTTMessage], shards: tuple[int, ...], wait: bool) -> bool:
        """Ingest and acknowledge; False when a shard lock was busy (nothing written). A failing
        batch is retried publication by publication, and a publication that fails alone is
        dead-lettered. Lost database connections are waited out."""
        while not self.stopping.is_set():
            try:
                result = ingest([i for m in messages for i in items_of(m)], source=IngestSource.MQTT,
                                shards=shards, wait=wait)
                self.stored += result.accepted
                self._ack(messages)
                return True
            except ShardBusy:
                return False
            except (OperationalError, InterfaceError):
                logger.exception("database unavailable; batch of %d kept unacknowledged", len(messages))
                close_old_connections()
                time.sleep(1)
            except Exception as error:  # refused data or a bug must not stop the worker
                logger.exception("ingest of %d publications failed", len(messages))
                if len(messages) == 1:
                    dead_letter_alone(items_of(messages[0])[0], IngestSource.MQTT, repr(error))
                    self._ack(messages)
                    return True
                for message in messages:
                    self._process_shard([message], shards, wait=True)
                return True
        return True

    def run(self, *, tick: bool = True, until=None) -> None:
        """Process batches until stopped (or ``until()`` is true); run the rule clock every tick interval."""
        gc.set_threshold(*GC_THRESHOLDS)
        self.start()
        next_tick = time.monotonic()
        try:
            while not self.stopping.is_set() and not (until and until()):
                batch = self._next_batch()
                if batch:
                    self.process(batch)
                if tick and time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + settings.JILIANG_MONITORING_TICK_SECONDS
                    try:
                        engine.tick()
                    except Exception:
                        logger.exception("rule clock failed")
        finally:
            self.stop()
