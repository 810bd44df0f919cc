"""Demo data for the support desk: brands, services, topics and a few hundred tickets with posts."""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select

from crm.extensions import db
from crm.people.models import Contact, Department, DepartmentMember, User
from crm.timeutil import utcnow
from plugins.support import counts, statuses
from plugins.support.models import Brand, Post, Service, Tag, Ticket, TicketCounter, Topic, ticket_tags
from plugins.support.demo_conversations import conversation_for
from plugins.support.numbers import format_number, next_number

BRANDS = ["Acme Cloud", "Acme Mobile"]
SERVICES = ["Hosting", "Email", "Mobile app", "Billing portal"]
TOPICS = [("Order status", "Sales"), ("Invoice question", "Billing"), ("Login problem", "Technical"),
          ("Bug report", "Technical"), ("Other", None)]
TAGS = ["vip", "refund", "bug", "feature-request", "urgent-callback"]
TICKETS = 300


def add_lookups() -> None:
    """Statuses, priorities, brands, services, topics and tags."""
    statuses.ensure_defaults()
    departments = {d.name: d.id for d in db.session.scalars(select(Department))}
    db.session.add_all(Brand(name=name, position=i) for i, name in enumerate(BRANDS))
    db.session.add_all(Service(name=name, position=i) for i, name in enumerate(SERVICES))
    db.session.add_all(Topic(name=name, department_id=departments.get(dep), position=i)
                       for i, (name, dep) in enumerate(TOPICS))
    db.session.add_all(Tag(name=name) for name in TAGS)


def add_tickets(count: int = TICKETS, seed: int = 7) -> None:
    """Add ``count`` tickets with two to five posts each, in bulk inserts, then rebuild the counts."""
    rng = random.Random(seed)
    now = utcnow()
    status_rows = statuses.statuses()
    priority_rows = statuses.priorities()
    brands = list(db.session.scalars(select(Brand.id)))
    services = list(db.session.scalars(select(Service.id)))
    topics = list(db.session.scalars(select(Topic)))
    tags = list(db.session.scalars(select(Tag.id)))
    contacts = list(db.session.scalars(select(Contact)))
    members: dict[int, list[int]] = {}
    for dep_id, user_id in db.session.execute(select(DepartmentMember.department_id, DepartmentMember.user_id)):
        members.setdefault(dep_id, []).append(user_id)
    departments = list(db.session.scalars(select(Department.id)))
    staff = list(db.session.scalars(select(User.id)))
    if not contacts or not departments:
        return
    # take the whole range of numbers with one counter update
    first = int(next_number(now.year).split("-")[1])
    counter = db.session.get(TicketCounter, now.year)
    counter.value = first + count - 1
    ticket_rows, plans = [], []
    for i in range(count):
        created = now - timedelta(minutes=rng.randint(10, 60 * 24 * 60))
        topic = rng.choice(topics)
        department_id = topic.department_id or rng.choice(departments)
        status = rng.choice(status_rows)
        contact = rng.choice(contacts)
        subject, script = conversation_for(topic.name, contact.locale or "en", rng.choice)
        posts = len(script)
        assignee = rng.choice(members.get(department_id) or [None]) if rng.random() < 0.7 else None
        updated = created + timedelta(minutes=rng.randint(5, 60 * 24 * 3))
        updated = min(updated, now)
        waiting = status.key in ("open", "in_progress") and rng.random() < 0.8
        ticket_rows.append({
            "number": format_number(now.year, first + i), "subject": subject,
            "status_id": status.id, "priority_id": rng.choice(priority_rows).id, "department_id": department_id,
            "service_id": rng.choice(services) if services and rng.random() < 0.6 else None,
            "topic_id": topic.id, "channel": rng.choice(["email", "portal", "public_form", "internal", "phone", "chat"]),
            "brand_id": rng.choice(brands) if brands else None, "assignee_user_id": assignee,
            "assignee_department_id": None, "contact_id": contact.id, "company_id": contact.company_id,
            "created_by_id": None, "created_at": created, "updated_at": updated,
            "closed_at": updated if status.is_closed else None, "waiting_since": updated if waiting else None,
            "post_count": posts, "email_message_id": None,
        })
        plans.append((script, created, updated, contact.id, assignee or rng.choice(staff)))
    db.session.execute(insert(Ticket), ticket_rows)
    ids = dict(db.session.execute(select(Ticket.number, Ticket.id).where(
        Ticket.number.in_([r["number"] for r in ticket_rows]))).all())
    post_rows, tag_rows = [], []
    for row, (script, created, updated, contact_id, staff_id) in zip(ticket_rows, plans):
        ticket_id = ids[row["number"]]
        step = (updated - created) / len(script)
        for n, (kind, text) in enumerate(script):
            post_rows.append({
                "ticket_id": ticket_id, "kind": kind, "body": text, "body_text": text,
                "author_user_id": None if kind == "customer_message" else staff_id,
                "author_contact_id": contact_id if kind == "customer_message" else None,
                "created_at": created + step * n,
            })
        for tag_id in rng.sample(tags, rng.randint(0, 2)) if tags else []:
            tag_rows.append({"ticket_id": ticket_id, "tag_id": tag_id})
    db.session.execute(insert(Post), post_rows)
    if tag_rows:
        db.session.execute(insert(ticket_tags), tag_rows)
    counts.recount()
