"""The MQTT worker waits out a broker that is down and connects when it comes up."""

import logging
import threading

import pytest

from jiliang.monitoring.worker import Worker
from monitoring_fixtures import free_port, start_broker


@pytest.mark.django_db(transaction=True)
def test_the_worker_survives_a_broker_that_is_down_and_connects_when_it_is_up(tmp_path, caplog):
    port = free_port()
    worker = Worker(client_id="jiliang-reconnect-test", host="127.0.0.1", port=port)
    failures = []

    def run():
        try:
            worker.run(tick=False)
        except Exception as error:  # the bug this test guards against: a traceback and exit
            failures.append(error)

    caplog.set_level(logging.WARNING, logger="jiliang.monitoring.worker")
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    broker = None
    try:
        assert not worker.connected.wait(2)
        assert thread.is_alive() and not failures
        broker = start_broker(tmp_path, port)
        assert worker.connected.wait(90), "the worker did not reconnect"
    finally:
        worker.stopping.set()
        thread.join(30)
        if broker:
            broker.terminate()
            broker.wait(10)
    assert not failures
    assert "unreachable" in caplog.text
