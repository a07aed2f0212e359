"""Benchmark of certificate documents: DCC XML generated + validated against the official XSD +
signed (XAdES-BES), and signed Chinese PDFs, per second, with this process's peak memory.

    .venv/bin/python bench/certificates.py [--documents 400] [--pdfs 100] [--points 6] [--workers N] \
        [--check-url http://127.0.0.1:8111 [--check-requests 2000] [--pause 1-3]]

It renders one typical certificate's gathered contents (``--points`` test points, two standards)
over and over, so the figures are those of the renderers and signers alone: gathering a
certificate from the database (gather.py, a handful of indexed queries) is not included. The
institution's key is created in a throw-away ``JILIANG_VAR_DIR``. Goals (issue 16): DCC >= 200/s,
PDF >= 50/s. With ``--workers N`` the DCCs and the PDFs are also made by N processes at once (as N
web workers would), and the combined rate is printed. With ``--check-url`` it then runs
bench/public_check.py against that server (the configured database, 50 clients, as users and
back-to-back): the public check page's p50/p95 (goal p95 < 100 ms).
"""

import argparse
import datetime
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


# A log document of the usual size (the certificate, its record and six test points: about 4 kB).
LOG_DOCUMENT = b'{"event":"issue","id":1,"number":"BZJL2026-J000001","test_points":[' + b",".join(
    b'{"error":"0.10","expanded_uncertainty":"0.05","indicated":"20.020","nominal":"20.000","position":%d}' % i
    for i in range(6)) + b'],"verification":{"remarks":"' + b"x" * 2800 + b'"}}'


def contents(points: int):
    from jiliang.verification.documents.contents import (
        Authorisation, CertificateContents, Item, Party, Point, StandardUsed,
    )
    day = datetime.date(2026, 11, 30)
    return CertificateContents(
        number="BZJL2026-J000001", kind="verification", kind_zh="检定证书", verification_kind_zh="周期检定",
        issued_on=day, performed_on=day, valid_until=day.replace(year=2027),
        institution=Party("巴中市计量测试所", "巴中市巴州区江北大道东段 1 号", "12511900MB0000000X"),
        authorisations=[Authorisation("(川)法计(2024)01号", "四川省市场监督管理局")],
        customer=Party("巴中市巴州区示例加油站有限公司", "巴中市巴州区回风大道 88 号"),
        item=Item("燃油加油机", "Fuel dispenser", "正星科技股份有限公司", "DJY-2228A", "SN20260001",
                  "BZ7Q4M2K", "0.3", "5–60 L/min"),
        regulation="JJG 443-2023 燃油加油机", conclusion="pass", conclusion_zh="合格",
        decision_rule="simple_acceptance", decision_rule_zh="简单接受：U ≤ MPE/3 时直接以示值误差判定 (JJF 1094)",
        near_limit=False, verifier="检定员张三", checker="核验员李四", approver="批准人王五",
        standards=[StandardUsed("二等标准金属量器", "[2022]巴量标证字第003号", "20 L", "U=0.025%, k=2",
                                "SCJL-2026-0815", day.replace(year=2027), "四川省计量测试研究院"),
                   StandardUsed("温度计", "", "0–50 ℃", "0.1 ℃", "SCJL-2026-0900", day.replace(year=2027),
                                "四川省计量测试研究院")],
        points=[Point(i + 1, "示值误差", Decimal("20.000"), Decimal("20.020"), "L", Decimal("0.10"), "%",
                      Decimal("0.05"), Decimal("2"), Decimal("-0.30"), Decimal("0.30"), True) for i in range(points)],
        temperature_c=Decimal("21.5"), humidity_pct=Decimal("55.0"),
        check_url="https://jiliang.example.cn/i/BZ7Q4M2K",
        log_document=LOG_DOCUMENT,
    )


def rate(label: str, count: int, work) -> None:
    work()  # warm: fonts, schema, key
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        work()
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    print(f"{label:<56} {count / wall:8.1f}/s wall  ({count / used:.1f}/s per CPU second, {count} documents)")


def _documents_in_a_worker(job: tuple[str, int, int]) -> float:
    """Make ``count`` documents of ``kind`` ("DCC" or "PDF") in this process after one warm-up; the
    seconds they took."""
    kind, count, points = job
    from jiliang.verification.documents.keys import signing_key

    work = _work(kind, contents(points), signing_key(Institution))
    work()
    started = time.perf_counter()
    for _ in range(count):
        work()
    return time.perf_counter() - started


def _work(kind: str, c, key):
    """One document of ``kind`` made from the contents ``c``, as a function of no arguments."""
    from jiliang.verification.documents import dcc, pdf, signing

    def one_dcc():
        document = dcc.build(c)
        dcc.validate(document)
        signing.sign_detached(document, signing.dcc_file_name(c.number), key)

    return one_dcc if kind == "DCC" else lambda: pdf.build(c, key)


LABELS = {"DCC": "DCC built + XSD-validated + XAdES-signed", "PDF": "PDF rendered + PAdES-signed"}


def parallel_rate(kind: str, workers: int, count: int, points: int) -> None:
    per_worker = max(1, count // workers)
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        started = time.perf_counter()
        pool.map(_documents_in_a_worker, [(kind, per_worker, points)] * workers)
        wall = time.perf_counter() - started
    total = per_worker * workers
    print(f"{LABELS[kind] + ', ' + str(workers) + ' processes':<56} {total / wall:8.1f}/s wall  "
          f"({total} documents, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f})")


class Institution:
    pk, name, uscc = 1, "巴中市计量测试所", "12511900MB0000000X"


def public_check_figures(url: str, requests: int, pause: str, environment: dict) -> None:
    """bench/public_check.py in a process of its own, with the environment this script started with:
    the check codes derive from the configured secret key, which this script's throw-away
    JILIANG_VAR_DIR would replace."""
    subprocess.run([sys.executable, str(Path(__file__).with_name("public_check.py")), "--url", url, "--clients", "50",
                    "--requests", str(requests), "--pause", pause], env=environment, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=400)
    parser.add_argument("--pdfs", type=int, default=100)
    parser.add_argument("--points", type=int, default=6)
    parser.add_argument("--workers", type=int, default=0, help="also make DCCs and PDFs in this many processes at once")
    parser.add_argument("--check-url", help="then measure the public check page of this running server")
    parser.add_argument("--check-requests", type=int, default=2000, help="requests of each public check run")
    parser.add_argument("--pause", default="1-3", help="seconds between a user's checks (MIN-MAX)")
    args = parser.parse_args()
    environment = dict(os.environ)
    os.environ["JILIANG_VAR_DIR"] = tempfile.mkdtemp(prefix="jiliang-bench-certificates-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiliang.settings")
    import django
    django.setup()
    from jiliang.verification.documents import dcc, pdf
    from jiliang.verification.documents.keys import signing_key

    key = signing_key(Institution)
    c = contents(args.points)

    print(f"certificate with {args.points} test points, 2 standards; ECDSA P-256 institution key")
    rate(LABELS["DCC"], args.documents, _work("DCC", c, key))
    rate(LABELS["PDF"], args.pdfs, _work("PDF", c, key))
    if args.workers:
        parallel_rate("DCC", args.workers, args.documents, args.points)
        parallel_rate("PDF", args.workers, args.pdfs, args.points)
    print(f"PDF size {len(pdf.build(c, key)) / 1024:.0f} kB, DCC size {len(dcc.build(c)) / 1024:.0f} kB")
    print(f"peak memory (max RSS) {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)
    if args.check_url:
        public_check_figures(args.check_url, args.check_requests, args.pause, environment)


if __name__ == "__main__":
    main()
