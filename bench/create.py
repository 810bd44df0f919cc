"""Open tickets through the service, one after another on one process, and print how many per second.

    python bench/create.py sqlite:////path/to/bench.sqlite3 [--count 2000] [--profile OUT.prof]

Runs on a database filled by ``bench/seed.py``. Each ticket goes through
``plugins.support.api.open_ticket`` with everything a real one brings: in
turn a customer opening their own ticket (an email to them in the outbox),
and the benchmark agent opening one for a customer in a department, assigned
to a colleague (in-app notifications for the department and the assignee).
Every opening is its own unit of work (number taken under lock, counters,
history, audit, notifications, commit). Prints the tickets per second and
checks that each got its first post; also the SQL statements per ticket,
counting the benchmark's own reads of the signed-in user or customer as a
request loads them (1.5 per ticket: the user with their memberships, or the contact).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import machine  # noqa: E402

from sqlalchemy import event, func, select  # noqa: E402

from seed import AGENT  # noqa: E402

SUBJECTS = ["Printer offline", "Yazıcı çalışmıyor", "Invoice copy needed", "Şifre sıfırlama"]
BODY = "Hello, since this morning the printer on the second floor shows offline. Could you have a look?"


def run(app, count: int, rng: random.Random) -> float:
    """Open ``count`` tickets, each in its own request context as a server would; return the seconds taken."""
    from crm.extensions import db
    from crm.people.models import Contact, Department, DepartmentMember, User
    from plugins.support import api

    with app.app_context():
        agent_id = db.session.scalar(select(User.id).where(User.email == AGENT))
        contact_ids = list(db.session.scalars(select(Contact.id).limit(500)))
        departments = list(db.session.scalars(select(Department.id)))
        colleagues = {d: list(db.session.scalars(select(DepartmentMember.user_id)
                                                 .where(DepartmentMember.department_id == d)))
                      for d in departments}
    started = time.perf_counter()
    for n in range(count):
        subject = f"{SUBJECTS[n % len(SUBJECTS)]} {n}"
        with app.test_request_context():
            if n % 2:
                contact = db.session.get(Contact, rng.choice(contact_ids))
                api.open_ticket(subject, author=contact, contact=contact, channel="portal", body=BODY,
                                notify_customer=True)
            else:
                department = rng.choice(departments)
                api.open_ticket(subject, author=db.session.get(User, agent_id), contact=rng.choice(contact_ids),
                                channel="phone", body=BODY, body_kind="customer_message", department=department,
                                assignee_user=rng.choice(colleagues[department]), tags=["printer"])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", metavar="OUT", help="write a cProfile of the run to OUT")
    args = parser.parse_args()

    from crm import create_app
    from crm.extensions import db
    from plugins.support.models import Post, Ticket

    instance = os.environ.get("CRM_INSTANCE_PATH") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "crm-bench-ours", "instance")
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "INSTANCE_PATH": instance,
                      "SERVER_NAME": "bench.example"})
    with app.app_context():
        before = db.session.scalar(select(func.count(Ticket.id)))
        posts_before = db.session.scalar(select(func.count(Post.id)))
    statements = []

    def counter(*_args) -> None:  # every statement sent to the database during the run
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    if profiler:
        profiler.enable()
    cpu = time.process_time()
    seconds = run(app, args.count, random.Random(args.seed))
    cpu = time.process_time() - cpu
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    event.remove(engine, "before_cursor_execute", counter)
    with app.app_context():
        opened = db.session.scalar(select(func.count(Ticket.id))) - before
        posts = db.session.scalar(select(func.count(Post.id))) - posts_before
        dialect = db.engine.dialect.name
    print(f"opened {opened} tickets in {seconds:.2f} s: {args.count / seconds:.0f} per second ({dialect}); "
          f"this process used {cpu:.2f} s of CPU ({args.count / cpu:.0f} per CPU second); "
          f"{len(statements) / args.count:.1f} SQL statements per ticket, the benchmark's own reads included")
    print(machine.reference())
    if opened != args.count or posts != args.count:
        sys.exit(f"expected {args.count} new tickets and posts, got {opened} tickets and {posts} posts")


if __name__ == "__main__":
    main()
