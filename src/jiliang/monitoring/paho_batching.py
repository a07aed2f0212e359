"""paho-mqtt's Client reading the socket in large chunks and acknowledging a batch in one write.

paho-mqtt 2.2.0 reads each packet with at least three ``recv`` calls (the type byte, the length
bytes one by one, the rest) and goes through ``select`` once per packet; with ``manual_ack`` every
``ack()`` queues its own four-byte PUBACK, wakes the network thread through a socket pair and costs
one ``send``. At thousands of publications a second that was about as much CPU as ingesting them,
paid by the worker on two threads contending for the GIL. ``BatchingClient``:

- reads up to ``READ_CHUNK`` bytes per ``recv`` and serves paho's small reads from them (only
  bytes of the current socket: after a reconnect what was read from the old one is dropped), and
  lets ``loop_read`` go on while whole packets are already in memory;
- ``ack_all(mids)`` queues the PUBACKs of a committed batch as one write: the same bytes on the
  wire as that many ``ack()`` calls, in the same order.

Acknowledging still happens only when the caller says so (after its commit); nothing about the
protocol changes. Applied only to the pinned version it was checked against; with any other
version ``BatchingClient`` is paho's Client with ``ack_all`` calling ``ack`` per message.
"""

import struct

import paho.mqtt
import paho.mqtt.client as mqtt

CHECKED_VERSION = "2.2.0"
READ_CHUNK = 256 * 1024
_PUBACK = struct.Struct("!BBH")  # fixed header (PUBACK, remaining length 2), packet identifier
_PUBACK_TYPE = 0x40


class BatchingClient(mqtt.Client):
    batching = paho.mqtt.__version__ == CHECKED_VERSION

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._read_buffer = b""
        self._read_position = 0
        self._read_socket = None

    def _buffered(self) -> int:
        if self._read_socket is not self._sock:
            return 0
        return len(self._read_buffer) - self._read_position

    def _sock_recv(self, bufsize: int) -> bytes:
        if not self.batching:
            return super()._sock_recv(bufsize)
        if not self._buffered():
            data = super()._sock_recv(READ_CHUNK)  # raises BlockingIOError when nothing is there
            if not data:
                return data  # the connection closed
            self._read_buffer, self._read_position, self._read_socket = data, 0, self._sock
        start = self._read_position
        self._read_position = min(start + bufsize, len(self._read_buffer))
        return self._read_buffer[start:self._read_position]

    def loop_read(self, max_packets: int = 1) -> mqtt.MQTTErrorCode:
        rc = super().loop_read(max_packets)
        while rc == mqtt.MQTTErrorCode.MQTT_ERR_SUCCESS and self._sock is not None and self._buffered():
            rc = super().loop_read(max_packets)
        return rc

    def ack_all(self, mids: list[int]) -> None:
        """Acknowledge QoS 1 publications (their packet identifiers), in this order."""
        if not self.batching:
            for mid in mids:
                self.ack(mid, 1)
        elif mids:
            packet = b"".join([_PUBACK.pack(_PUBACK_TYPE, 2, mid) for mid in mids])
            self._packet_queue(_PUBACK_TYPE, packet, 0, 0)
