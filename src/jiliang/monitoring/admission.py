"""Back-pressure for the HTTP ingest: a bounded number of messages in flight per process.

A request that would take the count above ``JILIANG_MONITORING_QUEUE_SIZE`` is refused at once
with 503 and Retry-After instead of queuing in memory; the device sends it again later. The count
of a request is taken from its body before parsing (``estimate``: one message per "device" key),
so that a refusal under overload costs next to nothing and concurrent requests cannot all be
parsed before they find there is no room.
"""

import threading
from contextlib import contextmanager

from django.conf import settings


class Full(Exception):
    """No room: the caller answers 503 with Retry-After."""


_lock = threading.Lock()
_in_flight = 0


def estimate(body: bytes) -> int:
    """The number of messages in a JSON array or JSON lines body, counted without parsing it."""
    return max(1, body.count(b'"device"'))


@contextmanager
def admitted(count: int):
    global _in_flight
    with _lock:
        if _in_flight and _in_flight + count > settings.JILIANG_MONITORING_QUEUE_SIZE:
            raise Full
        _in_flight += count
    try:
        yield
    finally:
        with _lock:
            _in_flight -= count

