"""Public certificate check benchmark: the result page /check/?number=…&code=… under concurrent clients.

    .venv/bin/jiliang demo --no-serve                         # the demo data set, once
    .venv/bin/jiliang serve 127.0.0.1:8111 &                  # or any server on the same database
    .venv/bin/python bench/public_check.py --url http://127.0.0.1:8111 --clients 50 --requests 2000

It picks --certificates certificates of the configured database at random (every state), computes
their check codes, and has --clients threads, each with its own keep-alive connection, ask for the
result page of a random one until --requests answers have come back; every answer must be 200. It
prints p50 / p95 / p99 and the rate. Right answers never count against the throttle, so one client
address is fine. (The page's in-browser proof then fetches /log/checkpoint and /api/v1/log/inclusion;
bench/ledger.py measures those proofs.)

Target (issue 16): p95 < 100 ms under 50 concurrent clients at the demo scale.
"""

import argparse
import http.client
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8111", help="the running server")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--certificates", type=int, default=1000, help="distinct certificates asked for")
    return parser.parse_args()


def targets(count: int) -> list[str]:
    import django

    django.setup()
    from jiliang.verification import public_check
    from jiliang.verification.models import Certificate

    numbers = list(Certificate.objects.order_by("?").values_list("number", flat=True)[:count])
    if not numbers:
        sys.exit("no certificates in the configured database: run `jiliang demo --no-serve` first")
    return ["/check/?" + urlencode({"number": n, "code": public_check.code_of(n)}) for n in numbers]


def run(url: str, paths: list[str], clients: int, total: int) -> tuple[list[float], float]:
    server = urlparse(url)
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    remaining = [total]

    def client():
        connection = http.client.HTTPConnection(server.hostname, server.port or 80, timeout=30)
        while True:
            with lock:
                if remaining[0] == 0:
                    break
                remaining[0] -= 1
            path = random.choice(paths)
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    failures.append(f"{path}: HTTP {response.status}")
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"{len(failures)} answer(s) were not 200, e.g. {failures[0]}")
    return latencies, time.perf_counter() - started


def main():
    options = arguments()
    paths = targets(options.certificates)
    run(options.url, paths[:20], min(options.clients, 5), 50)  # warm up: connections, caches
    latencies, elapsed = run(options.url, paths, options.clients, options.requests)
    cuts = statistics.quantiles(latencies, n=100)
    print(f"public check page, {options.clients} concurrent clients, {len(latencies)} requests, "
          f"{len(paths)} certificates, load average {os.getloadavg()[0]:.2f}")
    print(f"p50 {cuts[49] * 1000:.1f} ms  p95 {cuts[94] * 1000:.1f} ms  p99 {cuts[98] * 1000:.1f} ms  "
          f"{len(latencies) / elapsed:.0f} requests/s")


if __name__ == "__main__":
    main()
