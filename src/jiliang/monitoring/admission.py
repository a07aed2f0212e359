"""Back-pressure for the HTTP ingest: a bounded number of messages in flight per process.

A request that would take the count above ``JILIANG_MONITORING_QUEUE_SIZE`` is refused at once
with 503 and Retry-After instead of queuing in memory; the device sends it again later. When the
bound is already reached (``full``), the request is refused before its body is even parsed, so
that refusing costs next to nothing under overload.
"""

import threading
from contextlib import contextmanager

from django.conf import settings


class Full(Exception):
    """No room: the caller answers 503 with Retry-After."""


_lock = threading.Lock()
_in_flight = 0


def full() -> bool:
    return _in_flight >= settings.JILIANG_MONITORING_QUEUE_SIZE


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

