"""Send mixed requests to the benchmark server and print the resident memory of each gunicorn worker.

    python bench/memory.py SCENARIOS.json [--requests 10000] [--tickets 100000] [--pidfile PATH]

Uses the signed-in sessions of a scenario file (``bench/scenarios.py``) and
sends, four at a time, a mix of the staff list (pages, filters, sorts and the
searches of ``bench/search.py``), ticket pages of random tickets, the portal's
list and ticket page. Prints each worker's resident set size (``VmRSS`` in
``/proc/<pid>/status``) before, every 2,000 requests and after, and fails when
an answer is not 200 or a worker ends above ``--limit`` MB. The workers are
the children of the gunicorn master in ``--pidfile`` (``bench/server.sh``
writes it).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from search import QUERIES  # noqa: E402


def workers(master: int) -> list[int]:
    """The pids of the gunicorn master's children (its workers)."""
    children = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children.extend(int(pid) for pid in (task / "children").read_text().split())
    return sorted(children)


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB, from ``/proc/<pid>/status``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def urls(scenarios: list[dict], tickets: int, rng: random.Random):
    """An endless mix of (url, headers) to request."""
    by_name = {s["name"]: s for s in scenarios}
    staff = by_name["crm_ticket_list"]
    base = staff["url"].split("/support/")[0]
    number = by_name["crm_ticket_page"]["url"].rsplit("/", 1)[1]
    year = number.split("-")[0]
    while True:
        roll = rng.random()
        if roll < 0.35:
            query = {"q": rng.choice(QUERIES)}
            if rng.random() < 0.3:
                query["page"] = str(rng.randint(1, 3))
            yield f"{base}/support/tickets?{urllib.parse.urlencode(query)}", staff["headers"]
        elif roll < 0.55:
            query = {"page": str(rng.randint(1, 200)), "sort": rng.choice(["-updated", "created", "-number",
                                                                           "priority", "subject", "waiting"])}
            if rng.random() < 0.5:
                query["status"] = str(rng.randint(1, 5))
            yield f"{base}/support/tickets?{urllib.parse.urlencode(query)}", staff["headers"]
        elif roll < 0.85:
            serial = rng.randint(max(1, tickets - 5000), tickets)
            yield f"{base}/support/tickets/{year}-{serial:05d}", staff["headers"]
        else:
            portal = by_name[rng.choice(["crm_portal_ticket_list", "crm_portal_ticket_page"])]
            yield portal["url"], portal["headers"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--tickets", type=int, default=100_000, help="how many tickets the seed made")
    parser.add_argument("--pidfile", default=os.path.join(os.environ.get("BENCH_STATE") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "crm-bench-ours"), "gunicorn.pid"))
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--limit", type=float, default=150.0, help="MB a worker may hold at the end")
    args = parser.parse_args()

    master = int(Path(args.pidfile).read_text())
    pids = workers(master)
    scenarios = json.loads(Path(args.scenarios).read_text())
    mix = urls(scenarios, args.tickets, random.Random(1))
    lock = threading.Lock()
    state = {"sent": 0, "failed": []}

    def report(label: str) -> None:
        print(f"{label:>14}: " + ", ".join(f"worker {pid} {rss_mb(pid):.1f} MB" for pid in pids), flush=True)

    def send() -> None:
        while True:
            with lock:
                if state["sent"] >= args.requests:
                    return
                state["sent"] += 1
                sent = state["sent"]
                url, headers = next(mix)
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as answer:
                    answer.read()
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            if status != 200:
                with lock:
                    state["failed"].append((status, url))
            if sent % 2000 == 0:
                report(f"{sent} requests")

    report("before")
    threads = [threading.Thread(target=send) for _ in range(args.concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if workers(master) != pids:
        sys.exit(f"the workers changed during the run (restarted?): {pids} -> {workers(master)}")
    report("after")
    largest = max(rss_mb(pid) for pid in pids)
    print(f"{args.requests} mixed requests; largest worker {largest:.1f} MB (limit {args.limit:.0f} MB)")
    if state["failed"]:
        sys.exit(f"{len(state['failed'])} answers were not 200, e.g. {state['failed'][:3]}")
    if largest > args.limit:
        sys.exit(f"a worker holds {largest:.1f} MB, more than {args.limit:.0f} MB")


if __name__ == "__main__":
    main()
