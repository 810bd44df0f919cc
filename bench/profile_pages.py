"""Profile the staff ticket list and the ticket page in process, against a seeded benchmark database.

    python bench/profile_pages.py sqlite:////path/to/bench.sqlite3 [--requests 200] [--top 35]

Logs in the benchmark agent through the login form with the app's test
client, warms the process caches, then prints for each page its SQL queries
per request, the time per request, and the functions where cProfile saw the
time go.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select  # noqa: E402

from seed import AGENT, PASSWORD  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one request")
    parser.add_argument("--dump", metavar="PREFIX", help="also write PREFIX-list.prof and PREFIX-ticket.prof")
    parser.add_argument("--only", choices=["list", "ticket"], help="profile one page only")
    args = parser.parse_args()

    from crm import create_app
    from crm.extensions import db
    from plugins.support.models import Ticket

    instance = os.environ.get("CRM_INSTANCE_PATH") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "crm-bench-ours", "instance")
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "INSTANCE_PATH": instance,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        number = db.session.scalar(select(Ticket.number).order_by(Ticket.post_count.desc()).limit(1))
        engine = db.engine
    client = app.test_client()
    answer = client.post("/login", data={"email": AGENT, "password": PASSWORD})
    if answer.status_code != 302:
        sys.exit(f"login failed: {answer.status_code}")

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda c, cur, stmt, *a: statements.append(stmt))
    for name, url in (("list", "/support/tickets"), ("ticket", f"/support/tickets/{number}")):
        if args.only and args.only != name:
            continue
        for _ in range(5):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        statements.clear()
        client.get(url)
        print(f"== {name} {url}: {len(statements)} SQL queries, {len(response.data)} bytes")
        if args.show_sql:
            for stmt in statements:
                print("   ", " ".join(stmt.split())[:200])
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for _ in range(args.requests):
            client.get(url)
        profiler.disable()
        elapsed = (time.perf_counter() - started) / args.requests
        print(f"   {elapsed * 1000:.2f} ms per request under the profiler")
        started = time.perf_counter()
        for _ in range(args.requests):
            client.get(url)
        elapsed = (time.perf_counter() - started) / args.requests
        print(f"   {elapsed * 1000:.2f} ms per request without it ({1 / elapsed:.0f} requests/s in one process)")
        if args.dump:
            profiler.dump_stats(f"{args.dump}-{name}.prof")
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
