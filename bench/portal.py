"""The public portal's look-ups and the global search (issue 19), on bench/pages.py's data set and
load generator: an instrument's card by its code, a certificate's check by number and check code, a
certificate's transparency-log entry by number, the search page and the search API. ``--phase single``:
one request at a time in this process (wall and CPU time); ``--phase concurrent`` (and ``all``) then
gunicorn on 127.0.0.1:--port, --users simulated users (1–3 s between requests; half as the city officer,
half as a county officer) for --seconds, then p50/p95 and the errors of each page. Goal: p95 < 300 ms,
no errors.

    .venv/bin/python bench/portal.py --instruments 20000 --users 50 --seconds 20        # a quick look
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres JILIANG_BENCH_DATABASE=jl_portal_bench \\
        .venv/bin/python bench/portal.py --instruments 1000000 --users 200 --seconds 60

The data set is built by bench/verification.py's loader the first time (``--phase load`` or ``all``)
and kept, like bench/pages.py's.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import arguments, measure_concurrent  # noqa: E402
from verification import load, setup_django  # noqa: E402


def portal_pages() -> list[tuple[str, str]]:
    """Real codes and numbers from the data set: an instrument near the end of the table, a certificate
    with its check code, and a serial-number prefix that a search finds."""
    from jiliang.registry.models import Instrument
    from jiliang.verification import public_check
    from jiliang.verification.models import Certificate

    instrument = Instrument.objects.select_related("owner").order_by("-id").first()
    certificate = Certificate.objects.order_by("-id").values_list("number", flat=True).first()
    prefix = instrument.serial_no[:4]
    return [
        ("instrument card", f"/i/{instrument.public_code}"),
        ("certificate check", f"/check/?number={certificate}&code={public_check.code_of(certificate)}"),
        ("log entry", f"/portal/transparency/?number={certificate}"),
        ("search serial", f"/search/?q={prefix}"),
        ("search certificate", f"/search/?q={certificate}"),
        ("search API", f"/api/v1/search?q={instrument.public_code}"),
    ]


def main() -> None:
    sys.argv[1:1] = ["--port", "8109"]  # this bench's own port (bench/pages.py serves on 8108); a later --port wins
    args = arguments()
    setup_django(f"pages_{args.instruments}")
    if args.phase in {"all", "load"}:
        load(args)
    if args.phase in {"all", "single", "concurrent"}:
        measure_concurrent(args, portal_pages())


if __name__ == "__main__":
    main()
