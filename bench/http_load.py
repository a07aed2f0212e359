"""The load generator the HTTP benchmarks share (bench/public_check.py, bench/enforcement.py):
``clients`` threads send requests until ``total`` answers have come back; every answer must have the
expected status. Two ways, one code:

- back-to-back (no pause): each client keeps one keep-alive connection and sends again as soon as it
  is answered, so ``clients`` requests are always in the server and the latency is the queue
  (p95 ≈ clients / throughput): a saturation test, whose figure is the throughput;
- as users (``pause`` = (min, max) seconds): each client waits a random time in that range between
  its requests, as bench/pages.py's users (and a locust user's ``between(1, 3)``) do, and opens a
  connection per request (a phone scanning a QR code; an idle keep-alive connection would be closed
  by gunicorn after its 2 s --keep-alive anyway). The clients start spread over the first pause.

No Django: the scripts import it from their own folder (``python bench/<name>.py`` puts bench/ first
on the path)."""

import argparse
import http.client
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from urllib.parse import urlparse

# One request: method, path, body (or None) and headers.
Request = tuple[str, str, bytes | None, dict[str, str]]
Pause = tuple[float, float] | None

USERS_PAUSE = (1.0, 3.0)


def pause_range(text: str) -> tuple[float, float]:
    """``--pause MIN-MAX`` (seconds, e.g. ``1-3``; one number is a fixed pause)."""
    low, _dash, high = text.partition("-")
    try:
        bounds = float(low), float(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--pause: {text!r} is not MIN-MAX in seconds, e.g. 1-3") from None
    if not 0 <= bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError(f"--pause: {text!r} needs 0 <= MIN <= MAX")
    return bounds


def describe(clients: int, pause: Pause) -> str:
    if pause is None:
        return f"{clients} clients back-to-back (saturation: throughput)"
    return f"{clients} clients, {pause[0]:g}–{pause[1]:g} s between requests (as users)"


def quantiles(latencies: list[float]) -> str:
    cuts = statistics.quantiles(latencies, n=100)
    return f"p50 {cuts[49] * 1000:.1f} ms  p95 {cuts[94] * 1000:.1f} ms  p99 {cuts[98] * 1000:.1f} ms"


def run(url: str, next_request: Callable[[], Request], clients: int, total: int, expected: int = 200,
        hint: str = "", pause: Pause = None) -> tuple[list[float], float]:
    """The latency of each of ``total`` answers and the seconds they took in all; exits naming the
    first answer that was not ``expected`` (and ``hint``)."""
    server = urlparse(url)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    remaining = [total]

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(server.hostname, server.port or 80, timeout=30)

    def client(rng: random.Random):
        connection = connect() if pause is None else None
        if pause is not None:
            time.sleep(rng.uniform(0, pause[1]))  # users arrive spread over the first pause
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            method, path, body, headers = next_request()
            started = time.perf_counter()
            current = connection or connect()
            current.request(method, path, body, headers)
            response = current.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if connection is None:
                current.close()
            with lock:
                latencies.append(elapsed)
                if response.status != expected:
                    failures.append(f"{method} {path}: HTTP {response.status}")
            if pause is not None:
                time.sleep(rng.uniform(*pause))
        if connection is not None:
            connection.close()

    threads = [threading.Thread(target=client, args=(random.Random(i),)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"{len(failures)} answer(s) were not {expected}, e.g. {failures[0]}{' ' + hint if hint else ''}")
    return latencies, time.perf_counter() - started


def report(label: str, clients: int, pause: Pause, latencies: list[float], elapsed: float, extra: str = "") -> str:
    """One result line: what was measured, under which load, the quantiles and the rate."""
    return (f"{label} under {describe(clients, pause)}, {len(latencies)} requests{extra}: "
            f"{quantiles(latencies)}  {len(latencies) / elapsed:.0f} requests/s")
