"""Public certificate check benchmark: the result page /check/?number=…&code=… under concurrent clients.

    .venv/bin/jiliang demo --no-serve                         # the demo data set, once
    .venv/bin/jiliang serve 127.0.0.1:8111 &                  # or any server on the same database
    .venv/bin/python bench/public_check.py --url http://127.0.0.1:8111 --clients 50 --requests 2000 [--pause 1-3]

It picks --certificates certificates of the configured database at random (every state), computes
their check codes, and has --clients threads ask for the result page of a random one until
--requests answers have come back, twice (bench/http_load.py): as users, each waiting --pause
seconds (1–3) between its requests, then back-to-back (each client sends again as soon as it is
answered: the saturation figure, whose p95 is the queue, --clients / throughput). Every answer must
be 200. It prints p50 / p95 / p99 and the rate of each. Right answers never count against the
throttle, so one client address is fine. (The page's in-browser proof then fetches /log/checkpoint and /api/v1/log/inclusion;
bench/ledger.py measures those proofs.)

Target (issue 16): p95 < 100 ms under 50 concurrent clients at the demo scale (as users).
"""

import argparse
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlencode

import http_load

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8111", help="the running server")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--certificates", type=int, default=1000, help="distinct certificates asked for")
    parser.add_argument("--pause", type=http_load.pause_range, default=http_load.USERS_PAUSE, metavar="MIN-MAX",
                        help="seconds between a user's requests in the first run (default 1-3)")
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


def pages(paths: list[str]):
    return lambda: ("GET", random.choice(paths), None, {})


def main():
    options = arguments()
    paths = targets(options.certificates)
    http_load.run(options.url, pages(paths[:20]), min(options.clients, 5), 50)  # warm up: connections, caches
    print(f"public check page, {len(paths)} certificates, load average {os.getloadavg()[0]:.2f} (goal p95 < 100 ms)")
    for pause in (options.pause, None):
        latencies, elapsed = http_load.run(options.url, pages(paths), options.clients, options.requests, pause=pause)
        print(http_load.report("public check page", options.clients, pause, latencies, elapsed,
                               f", load average {os.getloadavg()[0]:.2f}"), flush=True)


if __name__ == "__main__":
    main()
