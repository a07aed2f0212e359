"""The CPU every request pays (the "floor"): each kind of request alone, through the whole middleware
stack in this process, on bench/pages.py's data set (docs/dashboard.md "CPU per request").

Kinds: a signed-in list page and the dashboard (a county officer), the instrument card ``/i/CODE`` and
the certificate check ``/check/`` (anonymous and signed in), an API GET with a bearer token, and the
public complaint POST (multipart, as the phone form sends it). For each: CPU time per request
(time.process_time p50 / p95; with SQLite it includes the database's work) and SQL queries per request.

    .venv/bin/python bench/floor.py --instruments 20000 --phase load     # the data set, once
    .venv/bin/python bench/floor.py --instruments 20000 --samples 60     # CPU and queries per request

``--callgrind``: run it under ``valgrind --tool=callgrind --dump-before=getppid``; the script calls
``os.getppid()`` before each kind's requests and after the last, so callgrind writes one profile per
kind, and prints the instructions per request of each (repeatable on a loaded machine):

    valgrind --tool=callgrind --dump-before=getppid --callgrind-out-file=var/cg/floor.%p \\
        .venv/bin/python bench/floor.py --instruments 20000 --samples 10 --callgrind
    .venv/bin/python bench/floor.py --read-callgrind var/cg --samples 10

``--profile KIND``: cProfile of that kind's requests, the 40 costliest functions by own time.
"""

import argparse
import cProfile
import datetime
import os
import pstats
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from verification import bench_users, load, setup_django  # noqa: E402

KINDS = ("page", "dashboard", "card anonymous", "card signed in", "check anonymous", "check signed in",
         "api token", "complaint post")


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--instruments", type=int, default=20_000)
    parser.add_argument("--certificates", type=int, default=60_000, help="about how many (--phase load)")
    parser.add_argument("--samples", type=int, default=60, help="requests of each kind")
    parser.add_argument("--phase", choices=("load", "measure"), default="measure")
    parser.add_argument("--kind", action="append", choices=KINDS, help="only these kinds (repeatable)")
    parser.add_argument("--callgrind", action="store_true", help="mark each kind for callgrind (see above)")
    parser.add_argument("--read-callgrind", metavar="DIR", help="print instructions per request from the dumps")
    parser.add_argument("--profile", choices=KINDS, help="cProfile this kind's requests")
    return parser.parse_args()


def requests(county) -> dict:
    """Each kind: (client, method, path, data), on real rows of the data set."""
    from django.test import Client

    from jiliang.accounts import services
    from jiliang.enforcement.models import ComplaintSubject
    from jiliang.registry.models import Instrument, Site
    from jiliang.verification import public_check
    from jiliang.verification.models import Certificate

    anonymous = Client(SERVER_NAME="localhost")
    signed_in = Client(SERVER_NAME="localhost")
    signed_in.force_login(county, backend="django.contrib.auth.backends.ModelBackend")
    _token, secret = services.issue_api_token(county, f"floor-{time.time_ns()}", scopes=["registry:read"])
    machine = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {secret}")
    instrument = Instrument.objects.order_by("-id").values_list("public_code", flat=True).first()
    number = Certificate.objects.order_by("-id").values_list("number", flat=True).first()
    check = {"number": number, "code": public_check.code_of(number)}
    complaint = {"subject": ComplaintSubject.values[0], "description": "基准测试：加油机少加油",
                 "occurred_on": datetime.date.today().isoformat(), "site_id": str(Site.objects.order_by("id").first().id),
                 "phone": "13800000000"}
    return {
        "page": (signed_in, "get", "/registry/instruments/", {}),
        "dashboard": (signed_in, "get", "/dashboard/", {}),
        "card anonymous": (anonymous, "get", f"/i/{instrument}", {}),
        "card signed in": (signed_in, "get", f"/i/{instrument}", {}),
        "check anonymous": (anonymous, "get", "/check/", check),
        "check signed in": (signed_in, "get", "/check/", check),
        "api token": (machine, "get", "/api/v1/instruments", {"limit": "20"}),
        "complaint post": (anonymous, "post", "/api/v1/public/complaints", complaint),
    }


def send(request) -> None:
    client, method, path, data = request
    response = getattr(client, method)(path, data)
    assert response.status_code in (200, 201), (path, response.status_code, response.content[:300])


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(kinds: dict, samples: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    print(f"one request at a time, {samples} each (CPU: time.process_time of this process):")
    for name, request in kinds.items():
        cpu = []
        with CaptureQueriesContext(connection) as queries:
            for _ in range(samples):
                started = time.process_time()
                send(request)
                cpu.append((time.process_time() - started) * 1000)
        print(f"  {name:16} CPU p50 {p(cpu, 0.5):6.2f} ms   p95 {p(cpu, 0.95):6.2f} ms   "
              f"queries {len(queries) / samples:4.1f}   n={samples}", flush=True)


def mark_for_callgrind(kinds: dict, samples: int) -> None:
    for request in kinds.values():
        os.getppid()  # callgrind --dump-before=getppid: the previous kind's profile ends here
        for _ in range(samples):
            send(request)
    os.getppid()


def read_callgrind(folder: str, kinds: list[str], samples: int) -> None:
    """Dump 1 is the start-up and warm-up; dump k+1 holds kind k's requests."""
    dumps = sorted((path for path in Path(folder).iterdir() if re.search(r"\.\d+\.\d+$", path.name)),
                   key=lambda path: int(path.name.rsplit(".", 1)[1]))
    totals = [int(re.search(r"^(?:totals|summary): (\d+)", path.read_text(), re.M).group(1)) for path in dumps]
    print(f"callgrind instructions per request ({samples} each, {folder}):")
    for name, total in zip(kinds, totals[1:], strict=False):
        print(f"  {name:16} {total / samples / 1e6:8.2f} M instructions")


def profile(request, samples: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(samples):
        send(request)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)


def main() -> None:
    args = arguments()
    names = args.kind or list(KINDS)
    if args.read_callgrind:
        read_callgrind(args.read_callgrind, names, args.samples)
        return
    setup_django(f"pages_{args.instruments}")
    if args.phase == "load":
        load(args)
        return
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    # One client address sends every complaint: the per-client limits would refuse it after a few.
    settings.JILIANG_COMPLAINT_CAPTCHA_AFTER = settings.JILIANG_COMPLAINT_LIMIT_PER_HOUR = 10**9
    _city, county = bench_users()
    every = requests(county)
    kinds = {name: every[name] for name in names}
    for request in kinds.values():
        send(request)  # warm up: templates, URL conf, translations, the division tree
    if args.callgrind:
        mark_for_callgrind(kinds, args.samples)
    elif args.profile:
        profile(every[args.profile], args.samples)
    else:
        measure(kinds, args.samples)


if __name__ == "__main__":
    main()
