"""The public portal's look-ups and the global search (issue 19), on bench/pages.py's data set and
load generator: an instrument's card by its code, a certificate's check by number and check code, a
certificate's transparency-log entry by number, the search page and the search API, each over 500
different codes spread over the tables. The three look-ups are asked as a citizen asks them, not
signed in; the searches as the officers. ``--phase single``: one request at a time in this process
(wall and CPU time); ``--phase concurrent`` (and ``all``) then gunicorn on 127.0.0.1:--port, --users
simulated users (1–3 s between requests; the signed-in pages half as the city officer, half as a county
officer) for --seconds, then p50/p95 and the errors of each page. Goal: p95 < 300 ms, no errors.

    .venv/bin/python bench/portal.py --instruments 20000 --users 50 --seconds 20        # a quick look
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres JILIANG_BENCH_DATABASE=jl_portal_bench \\
        .venv/bin/python bench/portal.py --instruments 1000000 --users 200 --seconds 60

The data set is built by bench/verification.py's loader the first time (``--phase load`` or ``all``)
and kept, like bench/pages.py's.
"""

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import arguments, measure_concurrent  # noqa: E402
from verification import load, setup_django  # noqa: E402


POOL = 500  # codes per look-up: readers ask for different instruments and certificates, not one the cache keeps

PUBLIC = frozenset({"instrument card", "certificate check", "log entry"})  # asked as a citizen, not signed in


def _sample(model, fields: tuple[str, ...], rng: random.Random) -> list[tuple]:
    """About ``POOL`` rows of ``model`` spread over the whole table (random ids between its first and last)."""
    from django.db.models import Max, Min

    bounds = model.objects.aggregate(low=Min("id"), high=Max("id"))
    ids = rng.sample(range(bounds["low"], bounds["high"] + 1), min(POOL * 2, bounds["high"] - bounds["low"] + 1))
    return list(model.objects.filter(id__in=ids).values_list(*fields))[:POOL]


def portal_pages() -> list[tuple[str, str]]:
    """Real codes and numbers from the data set, ``POOL`` of each look-up: an instrument's card, a
    certificate's check with its check code and its log entry, and the searches: a serial-number
    prefix, a certificate number, a public code (the API)."""
    from jiliang.registry.models import Instrument
    from jiliang.verification import public_check
    from jiliang.verification.models import Certificate

    rng = random.Random(19)
    instruments = _sample(Instrument, ("public_code", "serial_no"), rng)
    certificates = [number for (number,) in _sample(Certificate, ("number",), rng)]
    return [
        *((("instrument card", f"/i/{code}") for code, _serial in instruments)),
        *((("certificate check", f"/check/?number={number}&code={public_check.code_of(number)}")
           for number in certificates)),
        *((("log entry", f"/portal/transparency/?number={number}") for number in certificates)),
        *((("search serial", f"/search/?q={serial[:4]}") for _code, serial in instruments)),
        *((("search certificate", f"/search/?q={number}") for number in certificates)),
        *((("search API", f"/api/v1/search?q={code}") for code, _serial in instruments)),
    ]


def main() -> None:
    sys.argv[1:1] = ["--port", "8109"]  # this bench's own port (bench/pages.py serves on 8108); a later --port wins
    args = arguments()
    setup_django(f"pages_{args.instruments}")
    if args.phase in {"all", "load"}:
        load(args)
    if args.phase in {"all", "single", "concurrent"}:
        measure_concurrent(args, portal_pages(), PUBLIC)


if __name__ == "__main__":
    main()
