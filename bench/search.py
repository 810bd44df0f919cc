"""Time the staff list's search: newest 50 matches with the access filter, through the code the page uses.

    python bench/search.py sqlite:////path/to/bench.sqlite3 [--rounds 5] [--slowest 10]
        [--agent staff1@bench.example --department-only]

Runs a fixed list of 50 queries (common words, rare words, Turkish words in
any case, ticket numbers, customers, no hits) as the benchmark agent, each
through ``listing.search_status_counts`` and ``listing.ticket_page`` (the
capped counts per status and the page of 50 rows), and prints the p50 and
p95 of all timings in milliseconds, and the slowest queries. The benchmark
agent sees every ticket; ``--department-only`` with a staff member of one
department measures the list with an access filter that narrows it. Seed
the database with ``bench/seed.py``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402

QUERIES = [
    # common words of the seeded texts
    "payment", "invoice", "password", "order", "customer", "reset", "account", "refund", "login", "email",
    "shipping", "reply", "update", "error", "problem", "help", "thanks", "please", "charged", "duplicate",
    # Turkish words, capitals and missing accents
    "şifre", "SIFIRLAMA", "sifirlama", "Sipariş", "SIPARIS", "fatura", "FATURA", "kargo", "iade", "İADE",
    "merhaba", "teşekkürler", "yardımcı", "ödeme", "ODEME",
    # ticket numbers and people
    "2026-00050", "00050", "50", "Customer 0042", "customer42", "Company 017",
    # several words
    "payment reset", "duplicate payment", "şifre sıfırlama", "password email",
    # rare words and no hits
    "zzzz", "qwertyuiop", "xylophone", "nonexistentword", "ğğğ",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--agent", default="agent@bench.example")
    parser.add_argument("--slowest", type=int, default=10, help="print this many queries with their median")
    parser.add_argument("--department-only", action="store_true",
                        help="staff see only their departments' tickets (the setting support.staff_department_only, "
                             "on in this process only), so the access filter narrows the list; with --agent "
                             "staff1@bench.example, one department's")
    args = parser.parse_args()

    from sqlalchemy import select

    from crm import create_app
    from crm.extensions import db
    from crm.people.models import User

    instance = os.environ.get("CRM_INSTANCE_PATH") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "crm-bench-ours", "instance")
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "INSTANCE_PATH": instance})
    if args.department_only:
        from crm import settings

        stored = settings.get
        settings.get = lambda key: True if key == "support.staff_department_only" else stored(key)
    from plugins.support import access, listing

    timings: list[float] = []
    cpu: list[float] = []
    per_query: dict[str, list[tuple[float, float]]] = {q: [] for q in QUERIES}  # (wall, CPU) per round
    with app.app_context(), app.test_request_context():
        user = db.session.scalar(select(User).where(User.email == args.agent))
        dialect = db.engine.dialect.name
        for round_ in range(args.rounds + 1):
            for q in QUERIES:
                filters = listing.Filters.from_args({"q": q})
                access.scope(user)  # the request has loaded its user before the list runs
                started, started_cpu = time.perf_counter(), time.process_time()
                counted = listing.search_status_counts(user, filters)
                listing.ticket_page(user, filters, search_counts=counted)
                elapsed = (time.perf_counter() - started) * 1000
                used = (time.process_time() - started_cpu) * 1000
                db.session.rollback()
                if round_:  # the first round warms the caches
                    timings.append(elapsed)
                    cpu.append(used)
                    per_query[q].append((elapsed, used))
    seen = ", department only" if args.department_only else ""
    print(f"{len(QUERIES)} queries x {args.rounds} rounds ({dialect}): {_percentiles(timings)} "
          f"(as {args.agent}{seen})")
    print(f"  CPU time of this process (on a busy machine the wall time includes waiting for a core): "
          f"{_percentiles(cpu)}")
    for label, which in (("wall", 0), ("CPU", 1)):
        medians = {q: statistics.median(t[which] for t in found) for q, found in per_query.items() if found}
        slowest = sorted(medians, key=medians.get, reverse=True)[:args.slowest]
        if slowest:
            print(f"  slowest queries (median {label} ms): " + ", ".join(f"{q!r} {medians[q]:.1f}" for q in slowest))
    print(machine.reference())


def _percentiles(timings: list[float]) -> str:
    timings = sorted(timings)
    p95 = timings[max(0, int(len(timings) * 0.95) - 1)]
    return f"p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms"


if __name__ == "__main__":
    main()
