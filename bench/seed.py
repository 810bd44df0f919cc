"""Fill a fresh database with a benchmark desk: 100,000 tickets and one ticket with 50 replies.

    python bench/seed.py sqlite:////path/to/bench.sqlite3 [--tickets 100000] [--posts 1000000]

Rows go in through bulk inserts shaped like the support plugin's models,
then the maintained counters (per-status counts, the ticket number counter,
each ticket's post count) are set as the services would have left them.
With ``--posts N`` the tickets share N posts in all (each has its first
message; the rest are replies, customer messages and some internal notes
spread at random over the tickets, between each ticket's creation and its
last update), for searching a large conversation history; the full-text
indexes are then built once after the bulk load. The database is emptied first. Staff who log in (password ``bench-password``):
``agent@bench.example`` (staff role, all departments) and
``admin@bench.example`` (admin). The ticket with 50 replies is printed.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

PASSWORD = "bench-password"
AGENT = "agent@bench.example"
CUSTOMER = "customer@bench.example"
ADMIN = "admin@bench.example"
DEPARTMENTS = ["Sales", "Billing", "Technical", "Returns", "Partners"]
BRANDS = ["Acme Cloud", "Acme Mobile", "Acme Retail"]
TAGS = ["vip", "refund", "bug", "feature-request", "urgent-callback", "invoice", "login", "shipping"]
# The demo's texts, so benchmark pages render what a real desk shows.
from plugins.support.demo_conversations import CONVERSATIONS  # noqa: E402

SUBJECTS = [subject for scripts in CONVERSATIONS.values() for subject, _posts in scripts]
MESSAGES = [text for scripts in CONVERSATIONS.values() for _subject, posts in scripts for _kind, text in posts]

CHUNK = 10_000
BIG_TICKET_REPLIES = 50


def _chunks(rows: list, size: int = CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def seed(tickets: int, rng: random.Random, posts: int | None = None) -> str:
    """Add every row; return the number of the ticket with 50 replies. The caller commits.

    ``posts``: the number of posts in all (default: one per ticket and the
    50 replies); the ones beyond the first messages go to random tickets.
    """
    from crm.extensions import db
    from crm.people.models import Company, Contact, Department, DepartmentMember, User
    from crm.people.services import ensure_builtin_roles
    from plugins.support import counts, folding, statuses
    from plugins.support.models import Brand, Post, Tag, Ticket, TicketCounter, TicketHistory, ticket_tags
    from plugins.support.numbers import format_number

    roles = ensure_builtin_roles()
    statuses.ensure_defaults()
    db.session.flush()
    departments = [Department(name=name) for name in DEPARTMENTS]
    db.session.add_all(departments)
    db.session.add_all(Brand(name=name, position=i) for i, name in enumerate(BRANDS))
    db.session.add_all(Tag(name=name) for name in TAGS)
    db.session.flush()

    agent = User(email=AGENT, name="Ayşe Agent", role_id=roles["staff"].id, locale="en", timezone="Europe/Istanbul")
    admin = User(email=ADMIN, name="Bench Admin", role_id=roles["admin"].id)
    staff = [User(email=f"staff{i}@bench.example", name=f"Staff {i:02d}", role_id=roles["staff"].id)
             for i in range(1, 13)]
    agent.set_password(PASSWORD)
    admin.set_password(PASSWORD)
    db.session.add_all([agent, admin, *staff])
    db.session.flush()
    for department in departments:
        db.session.add(DepartmentMember(department_id=department.id, user_id=agent.id))
    for i, user in enumerate(staff):
        db.session.add(DepartmentMember(department_id=departments[i % len(departments)].id, user_id=user.id))

    db.session.execute(insert(Company), [{"name": f"Company {i:03d}", "domain": f"c{i}.example"}
                                         for i in range(200)])
    company_ids = list(db.session.scalars(select(Company.id)))
    db.session.execute(insert(Contact), [
        {"name": f"Customer {i:04d}", "email": f"customer{i}@bench.example",
         "company_id": rng.choice(company_ids) if i % 4 else None}
        for i in range(5000)])
    contacts = list(db.session.execute(select(Contact.id, Contact.company_id)))
    # the folded search text is built here from names already at hand (the column default would look them up)
    people = {row.id: (row.name, row.email) for row in db.session.execute(select(Contact.id, Contact.name,
                                                                                 Contact.email))}
    company_names = dict(db.session.execute(select(Company.id, Company.name)).all())

    status_rows, priority_rows = statuses.statuses(), statuses.priorities()
    brand_ids = list(db.session.scalars(select(Brand.id)))
    tag_ids = list(db.session.scalars(select(Tag.id)))
    members: dict[int, list[int]] = {}
    for dep_id, user_id in db.session.execute(select(DepartmentMember.department_id, DepartmentMember.user_id)):
        members.setdefault(dep_id, []).append(user_id)

    now = datetime.utcnow().replace(microsecond=0)
    year = now.year
    ticket_rows = []
    for i in range(tickets):
        # one ticket a minute, the newest last; the newest ticket is the one with 50 replies
        created = now - timedelta(minutes=tickets - i, seconds=rng.randint(0, 59))
        updated = min(created + timedelta(minutes=rng.randint(1, 60 * 24 * 3)), now)
        department = rng.choice(departments)
        status = rng.choices(status_rows, weights=[4, 2, 2, 1, 6][:len(status_rows)] or None)[0]
        contact_id, company_id = rng.choice(contacts)
        assignee = rng.choice(members[department.id]) if rng.random() < 0.7 else None
        waiting = not status.is_closed and rng.random() < 0.8
        ticket_rows.append({
            "number": format_number(year, i + 1), "subject": rng.choice(SUBJECTS),
            "status_id": status.id, "priority_id": rng.choice(priority_rows).id, "department_id": department.id,
            "service_id": None, "topic_id": None,
            "channel": rng.choice(["email", "portal", "public_form", "internal", "phone", "chat"]),
            "brand_id": rng.choice(brand_ids), "assignee_user_id": assignee,
            "assignee_department_id": department.id if assignee is None and rng.random() < 0.3 else None,
            "contact_id": contact_id, "company_id": company_id, "created_by_id": None,
            "created_at": created, "updated_at": updated, "closed_at": updated if status.is_closed else None,
            "waiting_since": updated if waiting else None, "post_count": 1, "email_message_id": None,
        })
        row = ticket_rows[-1]
        row["search_text"] = folding.ticket_text(row["number"], row["subject"], *people[contact_id],
                                                 company_names.get(company_id))
    big = ticket_rows[-1]
    big.update(updated_at=now, post_count=1 + BIG_TICKET_REPLIES)
    # the ticket with the replies keeps exactly those
    extra = _extra_posts(tickets - 1, max(0, (posts or 0) - tickets - BIG_TICKET_REPLIES), rng) + [0]
    for row, more in zip(ticket_rows, extra):
        row["post_count"] += more
    for chunk in _chunks(ticket_rows):
        db.session.execute(insert(Ticket), chunk)
    db.session.merge(TicketCounter(year=year, value=tickets))

    ids = dict(db.session.execute(select(Ticket.number, Ticket.id)).all())
    tag_rows = []
    for row in ticket_rows:
        for tag_id in rng.sample(tag_ids, rng.choice([0, 0, 1, 2])):
            tag_rows.append({"ticket_id": ids[row["number"]], "tag_id": tag_id})
    big_id = ids[big["number"]]
    staff_ids = [agent.id, *(u.id for u in staff)]
    with _indexes_built_after(db.session, posts is not None and posts > 100_000):
        batch: list[dict] = []
        for row, more in zip(ticket_rows, extra):
            batch.extend(_ticket_posts(ids[row["number"]], row, more, staff_ids, rng))
            if len(batch) >= CHUNK:
                db.session.execute(insert(Post.__table__), batch)
                batch = []
        for n in range(BIG_TICKET_REPLIES):
            text = rng.choice(MESSAGES)
            from_customer = n % 3 == 1
            body_text = f"{text} Reply {n + 1}."
            batch.append({
                "ticket_id": big_id, "kind": "customer_message" if from_customer else "public_reply",
                "body": f"<p>{text}</p><p>Reply {n + 1}.</p>", "body_text": body_text,
                "search_text": folding.post_text(body_text),
                "author_user_id": None if from_customer else rng.choice(staff_ids),
                "author_contact_id": big["contact_id"] if from_customer else None,
                "created_at": big["created_at"] + timedelta(minutes=n + 1),
            })
        db.session.execute(insert(Post.__table__), batch)
    for chunk in _chunks(tag_rows):
        db.session.execute(insert(ticket_tags), chunk)
    db.session.execute(insert(TicketHistory), [
        {"ticket_id": big_id, "user_id": agent.id, "created_at": big["created_at"] + timedelta(minutes=n),
         "field": "status", "old": old, "new": new}
        for n, (old, new) in enumerate([("open", "in_progress"), ("in_progress", "answered"),
                                        ("answered", "open"), ("open", "in_progress")])])
    counts.recount()
    _portal_customer(big["contact_id"])
    return big["number"]


_FOLDED: dict[str, str] = {}


def _folded(text: str) -> str:
    """The post search text of one of the few seed texts, folded once."""
    if text not in _FOLDED:
        from plugins.support.folding import post_text

        _FOLDED[text] = post_text(text)
    return _FOLDED[text]


def _extra_posts(tickets: int, extra: int, rng: random.Random) -> list[int]:
    """How many posts beyond its first message each ticket gets: ``extra`` spread at random."""
    counts = [0] * tickets
    for _ in range(extra):
        counts[rng.randrange(tickets)] += 1
    return counts


def _ticket_posts(ticket_id: int, row: dict, more: int, staff_ids: list[int], rng: random.Random):
    """The rows of a ticket's first message and its ``more`` later posts, oldest first."""
    text = rng.choice(MESSAGES)
    yield {"ticket_id": ticket_id, "kind": "customer_message", "body": f"<p>{text}</p>", "body_text": text,
           "search_text": _folded(text), "author_user_id": None, "author_contact_id": row["contact_id"],
           "created_at": row["created_at"]}
    span = max(1, int((row["updated_at"] - row["created_at"]).total_seconds()))
    for offset in sorted(rng.randrange(span) for _ in range(more)):
        text = rng.choice(MESSAGES)
        kind = rng.choices(("public_reply", "customer_message", "internal_note"), weights=(5, 4, 1))[0]
        staff = kind != "customer_message"
        yield {"ticket_id": ticket_id, "kind": kind, "body": f"<p>{text}</p>", "body_text": text,
               "search_text": _folded(text), "author_user_id": rng.choice(staff_ids) if staff else None,
               "author_contact_id": None if staff else row["contact_id"],
               "created_at": row["created_at"] + timedelta(seconds=offset)}


@contextmanager
def _indexes_built_after(session, bulk: bool):
    """Load posts without the full-text index on ``support_post`` and build it once after (when ``bulk``).

    Indexing a million posts one insert at a time costs several times more
    than building the index over the loaded table.
    """
    from sqlalchemy import text

    from plugins.support import search

    dialect = session.get_bind().dialect.name
    if not bulk or dialect not in ("sqlite", "postgresql"):
        yield
        return
    if dialect == "sqlite":
        for statement in search.SQLITE_DROP_TRIGGERS[3:]:  # the post triggers
            session.execute(text(statement))
    else:
        session.execute(text("DROP INDEX IF EXISTS ix_support_post_search_fts"))
    yield
    if dialect == "sqlite":
        session.execute(text("INSERT INTO support_post_fts(support_post_fts) VALUES ('rebuild')"))
        for statement in search.FOLDED_SQLITE_POST_DDL:
            session.execute(text(statement))
    else:
        for statement in search.FOLDED_POSTGRES_POST_DDL + [search.POSTGRES_POST_GIN_SETTING]:
            session.execute(text(statement))


def _portal_customer(contact_id: int) -> None:
    """Make the customer of the ticket with the replies a portal customer (``CUSTOMER``), and every brand a portal."""
    from crm.extensions import db
    from crm.people.models import Contact
    from crm.timeutil import utcnow
    from plugins.portal.models import PortalAccount
    from plugins.portal.sites import ensure_sites

    contact = db.session.get(Contact, contact_id)
    contact.email = CUSTOMER
    contact.set_password(PASSWORD)
    db.session.add(PortalAccount(contact_id=contact.id, registered_at=utcnow(), email_verified_at=utcnow(),
                                 website_url="", linkedin_url="", twitter_url=""))
    ensure_sites()


def posts_count(db) -> int:
    """How many posts the database holds."""
    from sqlalchemy import func

    from plugins.support.models import Post

    with db.engine.connect() as connection:
        return connection.scalar(select(func.count(Post.id)))


def analyze(db) -> None:
    """Give the query planner statistics, as a running database has them (bulk inserts leave none)."""
    from sqlalchemy import text

    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url", help="e.g. sqlite:////var/tmp/crm-bench.sqlite3")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--posts", type=int, default=None,
                        help="posts in all, spread over the tickets (default: one each and the 50 replies)")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    from crm import create_app
    from crm.extensions import db

    instance = os.environ.get("CRM_INSTANCE_PATH") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), "crm-bench-ours", "instance")
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url, "INSTANCE_PATH": instance})
    started = time.monotonic()
    with app.app_context():
        db.drop_all()
        db.create_all()
        number = seed(args.tickets, random.Random(args.seed), args.posts)
        db.session.commit()
        analyze(db)
        posts = posts_count(db)
    print(f"seeded {args.tickets} tickets, {posts} posts in {time.monotonic() - started:.1f} s; "
          f"ticket with {BIG_TICKET_REPLIES} replies: {number}")


if __name__ == "__main__":
    main()
