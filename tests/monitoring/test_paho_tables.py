"""paho_tables: PUBLISH packets decode the same with the shared tables as with paho's own."""

import json
import struct
import subprocess
import sys

import paho.mqtt
import pytest
from paho.mqtt import _packet
from paho.mqtt.client import MQTTv5
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import MQTTException, Properties

from jiliang.monitoring import paho_tables

pytestmark = pytest.mark.skipif(paho.mqtt.__version__ != paho_tables.CHECKED_VERSION,
                                reason="the tables are shared only on the paho version they were checked against")

DECODE = """
import json, struct, sys
from paho.mqtt import _packet
from paho.mqtt.client import MQTTv5
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
{install}
def packet():
    p = Properties(PacketTypes.PUBLISH)
    p.UserProperty = ("sig", "ab" * 32)
    p.UserProperty = ("trace", "7")
    p.ContentType = "application/json"
    p.MessageExpiryInterval = 60
    p.PayloadFormatIndicator = 1
    p.CorrelationData = b"\\x01\\x02"
    topic = b"jiliang/em-1/readings"
    return struct.pack("!H", len(topic)) + topic + struct.pack("!H", 7) + p.pack() + b'{{"seq": 1}}'
decoded = _packet.decode_publish(0x32, packet(), MQTTv5)
print(json.dumps({{"props": decoded.properties.json(), "text": str(decoded.properties), "payload": decoded.payload.decode(),
                  "mid": decoded.mid, "topic": decoded.topic.decode()}}))
"""


def decoded(install: bool) -> dict:
    code = DECODE.format(install="from jiliang.monitoring import paho_tables; paho_tables.install()" if install else "")
    return json.loads(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout)


def test_a_publish_decodes_to_the_same_properties():
    assert decoded(install=True) == decoded(install=False)
    assert decoded(install=True)["props"]["UserProperty"] == [["sig", "ab" * 32], ["trace", "7"]]


def test_properties_are_still_checked():
    assert paho_tables.install()
    with pytest.raises(MQTTException, match="must be one of"):
        Properties(PacketTypes.PUBLISH).NoSuchProperty = 1
    with pytest.raises(MQTTException, match="does not apply"):
        Properties(PacketTypes.PUBLISH).SessionExpiryInterval = 1
    first, second = Properties(PacketTypes.PUBLISH), Properties(PacketTypes.PUBLISH)
    first.UserProperty = ("a", "1")
    assert not hasattr(second, "UserProperty")  # instances share the tables, not their values
    topic = b"t/1"
    raw = struct.pack("!H", len(topic)) + topic + struct.pack("!H", 1) + first.pack() + b"x"
    assert _packet.decode_publish(0x32, raw, MQTTv5).properties.UserProperty == [("a", "1")]
