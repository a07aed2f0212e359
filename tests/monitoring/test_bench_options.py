"""bench/monitoring.py: the HTTP server's port is an option (8765 was hard-coded, so two sessions
on one machine could not bench at once)."""

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "monitoring.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_monitoring", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_http_server_and_its_clients_use_the_port_given(monkeypatch):
    bench = _bench()
    assert bench.PORT == 8765  # the default stays
    command, _ = bench.server_command(1, 1, 8213)
    assert "127.0.0.1:8213" in command
    asked = []
    monkeypatch.setattr(bench.urllib.request, "urlopen", lambda request, timeout: asked.append(request.full_url) or 1 / 0)
    try:
        bench.http_post(b"[]", "token", 8213)
    except ZeroDivisionError:
        pass
    assert asked == ["http://127.0.0.1:8213/api/v1/monitoring/ingest"]
