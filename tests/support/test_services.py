"""The support services: opening, replying, noting, changing, deleting; history, audit, counts and events."""
import pytest
from sqlalchemy import func, select

from crm.actors import SYSTEM
from crm.audit import AuditEntry
from crm.extensions import db
from plugins.support import access, counts, services, statuses
from plugins.support.models import Post, StatusCount, Tag, Ticket, TicketHistory
from tests.conftest import builtin_plugins


@pytest.fixture
def app_plugins(recorder):
    return builtin_plugins() + [recorder]


def test_open_ticket_sets_defaults_number_post_history_and_audit(app, desk, factory, recorder):
    contact = factory.contact(company=factory.company())
    dep = factory.department()
    ticket = desk.ticket("  Broken   login ", contact=contact, department=dep, tags=["vip", "VIP", " bug "])
    assert ticket.subject == "Broken login"
    assert ticket.number.startswith(f"{ticket.created_at.year}-")
    assert ticket.company_id == contact.company_id
    assert db.session.get(statuses.Status, ticket.status_id).key == "open"
    assert db.session.get(statuses.Priority, ticket.priority_id).key == "medium"
    assert ticket.post_count == 1 and ticket.waiting_since is not None
    post = db.session.scalar(select(Post).where(Post.ticket_id == ticket.id))
    assert post.kind == "customer_message" and post.author_contact_id == contact.id
    assert sorted(db.session.scalars(select(Tag.name))) == ["bug", "vip"]
    assert db.session.scalar(select(TicketHistory.field).where(TicketHistory.ticket_id == ticket.id)) == "created"
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == ticket.number)) == "ticket.created"
    assert recorder.events == [("created", ticket.number)]


def test_numbers_follow_each_other(app, desk):
    first, second = desk.ticket(), desk.ticket()
    year, a = first.number.split("-")
    assert second.number == f"{year}-{int(a) + 1:05d}"


@pytest.mark.parametrize("subject, field", [("", "subject"), ("x" * 251, "subject")])
def test_bad_subject_is_refused_and_nothing_stored(app, desk, subject, field):
    with pytest.raises(services.TicketError) as err:
        desk.ticket(subject)
    assert err.value.field == field and str(err.value)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


@pytest.mark.parametrize("kw", [{"channel": "pigeon"}, {"department": 999999}, {"status": "nope"},
                                {"priority": 424242}, {"body_kind": "shout"}])
def test_unknown_values_are_refused(app, desk, kw):
    with pytest.raises(services.TicketError):
        desk.ticket(**kw)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_markup_in_a_body_is_kept_as_text_and_never_active(app, desk):
    typed = '<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">l</a></p>'
    ticket = desk.ticket(body=typed)
    post = db.session.scalar(select(Post).where(Post.ticket_id == ticket.id))
    assert post.body_text == typed
    assert "<script" not in post.body and "<p " not in post.body and "<a href=\"javascript" not in post.body
    assert "&lt;script&gt;" in post.body


def test_plain_text_keeps_line_breaks(app):
    html, text = services.clean_body("a < b\nsecond line")
    assert "&lt;" in html and "<br>" in html
    assert text == "a < b\nsecond line"


def test_reply_sets_default_reply_status_clears_waiting_and_fires_events(app, desk, factory, recorder):
    staff = factory.user()
    ticket = desk.ticket()
    services.add_reply(ticket, "Try turning it off.", author=staff)
    db.session.refresh(ticket)
    assert db.session.get(statuses.Status, ticket.status_id).key == "answered"
    assert ticket.waiting_since is None and ticket.post_count == 2
    assert ("post", ticket.number, "public_reply") in recorder.events
    assert ("updated", ticket.number, {"status": ("open", "answered")}) in recorder.events
    history = db.session.scalars(select(TicketHistory.field).where(TicketHistory.ticket_id == ticket.id))
    assert "status" in set(history)


def test_reply_with_explicit_status(app, desk, factory):
    ticket = desk.ticket()
    services.add_reply(ticket, "On it", author=factory.user(), status="on_hold")
    assert db.session.get(statuses.Status, ticket.status_id).key == "on_hold"


def test_customer_message_reopens_answered_ticket_and_waits(app, desk, factory):
    contact = factory.contact()
    ticket = desk.ticket(contact=contact)
    services.add_reply(ticket, "Done", author=factory.user())
    services.add_customer_message(ticket, "Not done!", author=contact)
    assert db.session.get(statuses.Status, ticket.status_id).key == "open"
    assert ticket.waiting_since is not None


def test_other_contact_cannot_write_to_ticket(app, desk, factory):
    ticket = desk.ticket()
    with pytest.raises(services.TicketForbidden):
        services.add_customer_message(ticket, "me too", author=factory.contact())


def test_update_records_history_audit_and_counts(app, desk, factory, recorder):
    staff = factory.user()
    dep_a, dep_b = factory.department(), factory.department()
    ticket = desk.ticket(department=dep_a)
    closed = statuses.status_by_key("closed")
    changes = services.update_ticket(ticket, {"status": "closed", "department": dep_b.id, "tags": "a, b"},
                                     actor=staff)
    assert changes["status"] == ("open", "closed") and changes["department"] == (dep_a.name, dep_b.name)
    assert ticket.closed_at is not None
    fields = set(db.session.scalars(select(TicketHistory.field).where(TicketHistory.ticket_id == ticket.id)))
    assert {"status", "department", "tags"} <= fields
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.updated"))
    assert entry.changes["status"] == ["open", "closed"] and entry.actor_id == staff.id
    assert counts.per_status(access.ALL) == {closed.id: 1}
    assert counts.per_status(access.Scope(columns=(("department_id", frozenset({dep_b.id})),))) == {closed.id: 1}
    assert counts.per_status(access.Scope(columns=(("department_id", frozenset({dep_a.id})),))) == {}
    assert recorder.events[-1][0] == "updated"


def test_counts_match_a_recount(app, desk, factory):
    deps = [factory.department(), factory.department()]
    staff = factory.user()
    tickets = [desk.ticket(department=deps[i % 2]) for i in range(6)]
    services.update_ticket(tickets[0], {"status": "closed"}, actor=staff)
    services.update_ticket(tickets[1], {"department": None}, actor=staff)
    services.delete_tickets(factory.admin(), [tickets[2]])
    maintained = {(r.status_id, r.department_key): r.count for r in db.session.scalars(select(StatusCount))}
    counts.recount()
    db.session.commit()
    recounted = {(r.status_id, r.department_key): r.count for r in db.session.scalars(select(StatusCount))}
    assert {k: v for k, v in maintained.items() if v} == recounted


def test_staff_without_edit_permission_cannot_update(app, desk, factory):
    member = factory.user(role="member")
    ticket = desk.ticket()
    from crm.settings import set_many

    set_many("support", {"members_access": True})
    db.session.commit()
    with pytest.raises(services.TicketForbidden):
        services.update_ticket(ticket, {"status": "closed"}, actor=member)
    assert db.session.get(statuses.Status, db.session.get(Ticket, ticket.id).status_id).key == "open"


def test_assignee_must_see_the_ticket(app, desk, factory, set_support):
    set_support(staff_department_only=True)
    dep, other = factory.department(), factory.department()
    outsider = factory.user(departments=[other])
    ticket = desk.ticket(department=dep)
    with pytest.raises(services.TicketError) as err:
        services.update_ticket(ticket, {"assignee_user": outsider.id}, actor=factory.admin())
    assert err.value.field == "assignee_user"
    assert db.session.get(Ticket, ticket.id).assignee_user_id is None


def test_bulk_update_only_touches_visible_tickets(app, desk, factory, set_support):
    set_support(staff_department_only=True)
    mine, theirs = factory.department(), factory.department()
    staff = factory.user(departments=[mine])
    a, b = desk.ticket(department=mine), desk.ticket(department=theirs)
    assert services.bulk_update(staff, [a.id, b.id], {"status": "on_hold"}) == 1
    assert db.session.get(statuses.Status, db.session.get(Ticket, b.id).status_id).key == "open"
    assert db.session.get(statuses.Status, db.session.get(Ticket, a.id).status_id).key == "on_hold"


def test_delete_post_keeps_counter(app, desk, factory):
    admin = factory.admin()
    ticket = desk.ticket()
    post = services.add_note(ticket, "secret", author=admin)
    services.delete_post(post, actor=admin)
    assert db.session.get(Ticket, ticket.id).post_count == 1
    assert db.session.get(Post, post.id) is None


def test_can_open_for(app, factory, set_support, desk):
    from crm.people.models import CompanyManager

    company = factory.company()
    managed = factory.contact(company=company)
    stranger = factory.contact()
    dep = factory.department()
    known = factory.contact()
    staff = factory.user(departments=[dep])
    member = factory.user(role="member")
    db.session.add(CompanyManager(company_id=company.id, user_id=staff.id))
    db.session.commit()
    desk.ticket(contact=known, department=dep)
    assert services.can_open_for(staff, stranger)  # default: any contact
    assert not services.can_open_for(member, stranger)  # no create permission
    set_support(staff_open_for_any_contact=False)
    assert not services.can_open_for(staff, stranger)
    assert services.can_open_for(staff, managed)
    assert services.can_open_for(staff, known)
    assert services.can_open_for(factory.admin(), stranger)
    with pytest.raises(services.TicketForbidden):
        services.open_ticket("For a stranger", contact=stranger, author=staff)


def test_customer_can_set_status(app, desk, factory, set_support):
    contact = factory.contact()
    ticket = desk.ticket(contact=contact)
    assert services.customer_can_set_status(contact, ticket, "closed")
    assert not services.customer_can_set_status(contact, ticket, "on_hold")
    assert not services.customer_can_set_status(factory.contact(), ticket, "closed")
    services.update_ticket(ticket, {"status": "closed"}, actor=SYSTEM)
    assert services.customer_can_set_status(contact, ticket, "open")  # reopen
    set_support(customer_may_change_status=True)
    assert services.customer_can_set_status(contact, ticket, "on_hold")
    assert not services.customer_can_set_status(contact, ticket, "no-such-status")
    chat = desk.ticket(contact=contact, channel="chat")
    assert not services.customer_can_set_status(contact, chat, "closed")
