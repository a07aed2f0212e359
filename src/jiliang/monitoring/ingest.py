"""The one ingest pipeline behind HTTP, MQTT and file upload.

``ingest(items, source=...)`` runs one transaction per batch: lock the devices named in the batch,
refuse what is not allowed (unknown or revoked device, a sender that may not speak for the device,
a bad signature, a message type the device kind does not send, a time too far ahead or behind),
insert the (device, sequence) keys with ON CONFLICT DO NOTHING RETURNING to learn which messages
are new, store only those, update the rollups, evaluate the rules over the affected windows, write
the refusals to the dead-letter table and one audit row for the batch. The caller acknowledges the
messages (HTTP 2xx, MQTT PUBACK) only after this function returned, i.e. after the commit.
"""

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jiliang.accounts import audit
from jiliang.accounts.access import is_within_scope
from jiliang.monitoring import credentials, engine, rollups, sql, storage
from jiliang.monitoring.messages import KIND_TYPES, Message, Rejected, stored_data
from jiliang.monitoring.models import DeadLetter, Device, DeviceKind, MessageKey
from jiliang.monitoring.rules.types import MeterReading

logger = logging.getLogger("jiliang.monitoring.ingest")
_KEYS = MessageKey._meta.db_table


@dataclass(slots=True)
class LockedDevice:
    """The columns of a device that ingest reads, from the row it holds locked for the batch."""

    id: int
    code: str
    kind: str
    site_id: int
    organization_id: int
    division_id: int
    secret_version: int
    revoked_at: dt.datetime | None
    last_seen_at: dt.datetime | None
    attributes: dict
    last_register_at: dt.datetime | None
    last_register_seq: int | None
    last_register: float | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def latest_register(self) -> MeterReading | None:
        if self.last_register_at is None:
            return None
        return MeterReading(str(self.id), self.last_register_seq, self.last_register_at, self.last_register)

    def as_model(self) -> Device:
        """An unsaved Device with the scope columns, for the access rules."""
        return Device(id=self.id, code=self.code, site_id=self.site_id, organization_id=self.organization_id,
                      division_id=self.division_id)


_DEVICE_COLUMNS = ("id", "code", "kind", "site_id", "organization_id", "division_id", "secret_version",
                   "revoked_at", "last_seen_at", "attributes", "last_register_at", "last_register_seq", "last_register")


def lock_devices(codes: set[str]) -> dict[str, LockedDevice]:
    """The devices with these codes, their rows locked until the transaction ends.

    Locked in id order, FOR NO KEY UPDATE: a concurrent ingest that raises an alert on one of these
    devices (a site's rules see its other devices) only needs the foreign-key check's KEY SHARE
    lock, which this does not block; FOR UPDATE made two MQTT workers deadlock. SQLite locks the
    whole database for the writing transaction instead.
    """
    if not codes:
        return {}
    lock = " FOR NO KEY UPDATE" if sql.is_postgres() else ""
    with sql.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(_DEVICE_COLUMNS)} FROM {Device._meta.db_table} "
            f"WHERE {sql.in_list('code', 'text')} ORDER BY id{lock}",
            [sql.list_param(sorted(codes))],
        )
        devices = {}
        for row in cursor.fetchall():
            device = LockedDevice(*row)
            device.revoked_at = sql.time_of(device.revoked_at)
            device.last_seen_at = sql.time_of(device.last_seen_at)
            device.last_register_at = sql.time_of(device.last_register_at)
            device.attributes = sql.json_of(device.attributes)
            devices[device.code] = device
        return devices


@dataclass
class Publication:
    """One MQTT publication: who published it (the topic's device) and its signature."""

    topic: str
    payload: bytes
    signature: str
    publisher: str
    _verified: dict[int, bool] = field(default_factory=dict)

    def verified_for(self, device: LockedDevice) -> bool:
        if device.id not in self._verified:
            self._verified[device.id] = credentials.signature_ok(
                device.code, device.secret_version, self.topic, self.payload, self.signature
            )
        return self._verified[device.id]


@dataclass
class Incoming:
    """One parsed item with what is needed to judge and, if refused, to keep it as it came."""

    parsed: Message | Rejected
    raw: str = ""
    publication: Publication | None = None


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    alerts: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected,
                "alerts": self.alerts, "reasons": self.reasons}


class _Judge:
    """Decides, per item, whether the sender may deliver it; returns the refusal reason or None."""

    def __init__(self, devices: dict[str, LockedDevice], *, sender: Device | None, actor, now: dt.datetime):
        self.devices = devices
        self.sender = sender
        self.actor = actor
        self.latest = now + dt.timedelta(seconds=settings.JILIANG_MONITORING_MAX_FUTURE_SECONDS)
        self.earliest = now - dt.timedelta(days=settings.JILIANG_MONITORING_RETENTION_DAYS)

    def _may_speak_for(self, publisher, device: LockedDevice) -> bool:
        return publisher.id == device.id or (
            publisher.kind == DeviceKind.GATEWAY and publisher.site_id == device.site_id
        )

    def reason(self, item: Incoming) -> str | None:
        message = item.parsed
        device = self.devices.get(message.device)
        if device is None:
            return "unknown_device"
        if device.is_revoked:
            return "revoked_device"
        if item.publication is not None:
            publisher = self.devices.get(item.publication.publisher)
            if publisher is None or publisher.is_revoked:
                return "unknown_device" if publisher is None else "revoked_device"
            if not item.publication.verified_for(publisher):
                return "bad_signature"
            if not self._may_speak_for(publisher, device):
                return "not_authorised"
        elif self.sender is not None:
            if not self._may_speak_for(self.sender, device):
                return "not_authorised"
        elif not is_within_scope(self.actor, device.as_model()):
            return "not_authorised"
        if message.type not in KIND_TYPES[device.kind]:
            return "wrong_kind"
        if message.time > self.latest:
            return "future_time"
        if message.time < self.earliest:
            return "too_old"
        return None


def _dead_letter(item: Incoming, reason: str, source: str, device: LockedDevice | None, detail: str = "") -> DeadLetter:
    parsed = item.parsed
    if isinstance(parsed, Rejected):
        payload, detail, code = item.raw or parsed.raw, parsed.detail, parsed.device
    else:
        payload, code = item.raw or parsed.model_dump_json(by_alias=True), parsed.device
    return DeadLetter(
        source=source, device_code=code[:64], device_id=device.id if device else None,
        division_id=device.division_id if device else None,
        reason=reason, detail=detail[:2000], payload=payload[:65536],
    )


class ShardBusy(Exception):
    """Another worker holds a shard lock that ``ingest(..., shards=…, wait=False)`` asked for."""


SHARD_LOCK_NAMESPACE = 0x4A4C4D53  # "JLMS": the first key of the two-key advisory lock


def _lock_shards(shards: tuple[int, ...], wait: bool) -> None:
    """The advisory locks of worker shards, held until the transaction ends (PostgreSQL only),
    taken in ascending order: two transactions waiting for each other's shards cannot happen."""
    if not sql.is_postgres():
        return
    with sql.cursor() as cursor:
        for shard in sorted(shards):
            if wait:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SHARD_LOCK_NAMESPACE, shard])
                continue
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [SHARD_LOCK_NAMESPACE, shard])
            if not cursor.fetchone()[0]:
                raise ShardBusy(shard)


def ingest(
    items: list[Incoming],
    *,
    source: str,
    sender: Device | None = None,
    actor=None,
    now: dt.datetime | None = None,
    shards: tuple[int, ...] = (),
    wait: bool = True,
) -> IngestResult:
    """Store a batch; see the module docstring. ``sender`` is the HTTP device, ``actor`` the user
    of a file upload; MQTT items carry their publication instead. With ``shards`` the transaction
    first takes their locks (waiting for them, or raising ShardBusy at once with ``wait=False``)."""
    received_at = now or timezone.now()
    result = IngestResult()
    codes = {i.parsed.device for i in items if i.parsed.device}
    codes.update(i.publication.publisher for i in items if i.publication is not None)
    with transaction.atomic():
        _lock_shards(shards, wait)
        devices = lock_devices(codes)
        judge = _Judge(devices, sender=sender, actor=actor, now=received_at)
        dead: list[DeadLetter] = []
        candidates: dict[tuple[int, int], tuple[LockedDevice, Message]] = {}
        for item in items:
            if isinstance(item.parsed, Rejected):
                dead.append(_dead_letter(item, item.parsed.reason, source, devices.get(item.parsed.device)))
                continue
            reason = judge.reason(item)
            if reason is not None:
                dead.append(_dead_letter(item, reason, source, devices.get(item.parsed.device)))
                continue
            device = devices[item.parsed.device]
            key = (device.id, item.parsed.seq)
            if key in candidates:
                result.duplicates += 1
            else:
                candidates[key] = (device, item.parsed)

        new_keys: set[tuple[int, int]] = set()
        if candidates:
            storage.ensure_partitions({m.time.date() for _, m in candidates.values()})
            new_keys = storage.insert_new_keys(_KEYS, [(d.id, m.seq, m.time) for d, m in candidates.values()])
        result.duplicates += len(candidates) - len(new_keys)
        new = [candidates[key] for key in new_keys]
        new.sort(key=lambda pair: (pair[0].id, pair[1].time, pair[1].seq))
        if new:
            storage.insert_readings([(d.id, m.seq, m.time, m.type, m.register(), stored_data(m), received_at)
                                     for d, m in new])
            registers: dict[int, list[MeterReading]] = defaultdict(list)
            qmax: dict[int, float | None] = {}
            for device, message in new:
                register = message.register()
                if register is not None:
                    registers[device.id].append(MeterReading(str(device.id), message.seq, message.time, register))
                    qmax[device.id] = rollups.qmax_per_hour(device)
            by_id = {device.id: device for device, _ in new}
            rollups.update(registers, qmax, {d: by_id[d].latest_register() for d in registers})
            storage.update_device_state(Device._meta.db_table, _device_states(new, registers, by_id, received_at))
            result.alerts = engine.after_ingest(new, min(received_at, max(m.time for _, m in new)))
        if dead:
            DeadLetter.objects.bulk_create(dead, batch_size=1000)
            for letter in dead:
                result.reasons[letter.reason] = result.reasons.get(letter.reason, 0) + 1
                logger.warning("refused %s message from %r: %s", source, letter.device_code, letter.reason)
        result.accepted = len(new)
        result.rejected = len(dead)
        audit.record(
            actor if actor is not None else (sender.code if sender else f"{source}-ingest"),
            "monitoring.ingest", object_type="monitoring.Batch", object_id="",
            object_repr=f"{source} batch of {len(items)}", after={"source": source, **result.as_dict()},
            division=sender.division if sender else None,
        )
    return result


def _device_states(new: list[tuple[LockedDevice, Message]], registers: dict[int, list[MeterReading]],
                   devices: dict[int, LockedDevice], received_at: dt.datetime) -> list[tuple]:
    """(id, last seen, received, latest register time, its sequence, its value) of each device with a
    new message; a last seen or register that did not move is None (keeps the stored value)."""
    seen: dict[int, dt.datetime] = {}
    for device, message in new:
        latest = seen.get(device.id, device.last_seen_at)
        if latest is None or message.time > latest:
            seen[device.id] = message.time
    moved: dict[int, MeterReading] = {}
    for device_id, readings in registers.items():
        newest = max(readings, key=lambda r: (r.time, r.sequence))
        stored = devices[device_id].latest_register()
        if stored is None or (newest.time, newest.sequence) > (stored.time, stored.sequence):
            moved[device_id] = newest
    rows = []
    for device_id in sorted(devices):
        register = moved.get(device_id)
        state = (register.time, register.sequence, register.register) if register else (None, None, None)
        rows.append((device_id, seen.get(device_id), received_at, *state))
    return rows


def dead_letter_alone(item: Incoming, source: str, detail: str) -> None:
    """Keep an item that made its whole batch fail (a bug, or data the database refuses)."""
    with transaction.atomic():
        letter = _dead_letter(item, "store_failed", source, None, detail)
        letter.save()
        audit.record(f"{source}-ingest", "monitoring.dead_letter", letter, after={"reason": "store_failed"})

