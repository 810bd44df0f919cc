"""The desk keeps its tickets' people: deletes of departments, companies, contacts, users, statuses and
priorities that tickets use are refused with counts or move the tickets; deleting tickets leaves nothing behind.

Every test ends with the orphan check over every foreign key (tests/orphans.py).
"""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, inspect, literal_column, select
from werkzeug.datastructures import FileStorage

from crm.people.models import Company, Contact, Department, User
from plugins.support import services, statuses
from plugins.support.models import (
    Attachment, Post, Priority, Status, StatusCount, Tag, Ticket, TicketHistory, Topic, ticket_tags,
)
from tests.orphans import orphans

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def admin(factory, auth):
    user = factory.admin()
    auth.login(user)
    return user


def ident(obj) -> int:
    """The id of a row object without loading it (a request may have deleted its row)."""
    return inspect(obj).identity[0]


def shown(response) -> str:
    return response.get_data(as_text=True)


def counts_match_tickets(db) -> bool:
    """Whether the maintained per-status counts equal a count of the tickets themselves."""
    kept = {(row.status_id, row.department_key): row.count
            for row in db.session.scalars(select(StatusCount)) if row.count}
    department_key = func.coalesce(Ticket.department_id, literal_column("0"))
    real = {(status_id, key): n for status_id, key, n in db.session.execute(
        select(Ticket.status_id, department_key, func.count()).group_by(Ticket.status_id, department_key))}
    return kept == real


# departments -------------------------------------------------------------------------------------


def test_a_department_with_tickets_is_refused_with_their_count(client, admin, factory, desk, db):
    dep, other = factory.department(name="Billing"), factory.department()
    desk.ticket(department=dep)
    desk.ticket(department=dep)
    desk.ticket(department=other, assignee_department=dep)
    response = client.post(f"/admin/departments/{dep.id}/delete", follow_redirects=True)
    assert "3 tickets use this department. Move them to another department first." in shown(response)
    db.session.expire_all()
    assert db.session.get(Department, dep.id) is not None
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.department_id == dep.id)) == 2
    assert orphans() == {}


def test_a_topic_routing_to_a_department_is_named_too(client, admin, factory, db):
    dep = factory.department()
    db.session.add(Topic(name="Invoices", department_id=dep.id))
    db.session.commit()
    body = client.get(f"/admin/departments/{dep.id}").get_data(as_text=True)
    assert "1 topic sends new tickets to this department." in body
    client.post(f"/admin/departments/{dep.id}/delete")
    db.session.expire_all()
    assert db.session.get(Department, dep.id) is not None


def test_moving_a_departments_tickets_and_topics_then_deleting_it(client, admin, factory, desk, db):
    old, new = factory.department(name="Old desk"), factory.department(name="New desk")
    factory.user(departments=[old])
    routed = [desk.ticket(department=old), desk.ticket(department=old)]
    services.update_ticket(routed[1], {"status": "on_hold"}, actor=admin)
    teamed = desk.ticket(department=new, assignee_department=old)
    untouched = desk.ticket()
    topic = Topic(name="Invoices", department_id=old.id)
    db.session.add(topic)
    db.session.commit()
    assert counts_match_tickets(db)
    response = client.post(f"/admin/departments/{old.id}/delete", data={"move_to": new.id}, follow_redirects=True)
    assert "The department Old desk was deleted; 4 records were moved to New desk." in shown(response)
    db.session.expire_all()
    assert db.session.get(Department, ident(old)) is None
    assert {t.department_id for t in (db.session.get(Ticket, r.id) for r in routed)} == {new.id}
    assert db.session.get(Ticket, teamed.id).assignee_department_id == new.id
    assert db.session.get(Ticket, untouched.id).department_id is None
    assert db.session.get(Topic, topic.id).department_id == new.id
    moves = db.session.execute(select(TicketHistory.ticket_id, TicketHistory.field, TicketHistory.old,
                                      TicketHistory.new, TicketHistory.user_id)
                               .where(TicketHistory.field.in_(["department", "assignee_department"]))).all()
    assert sorted(moves) == sorted([(routed[0].id, "department", "Old desk", "New desk", admin.id),
                                    (routed[1].id, "department", "Old desk", "New desk", admin.id),
                                    (teamed.id, "assignee_department", "Old desk", "New desk", admin.id)])
    assert counts_match_tickets(db)
    assert orphans() == {}


# companies, contacts and users -----------------------------------------------------------------


def test_a_company_with_tickets_is_kept(client, admin, factory, desk, db):
    company = factory.company()
    desk.ticket(contact=factory.contact(company=company))
    response = client.post(f"/admin/companies/{company.id}/delete", follow_redirects=True)
    assert "1 ticket belongs to this company." in shown(response)
    db.session.expire_all()
    assert db.session.get(Company, company.id) is not None
    assert orphans() == {}


def test_a_contact_with_tickets_is_kept(client, admin, factory, desk, db):
    contact = factory.contact()
    desk.ticket(contact=contact)
    desk.ticket(contact=contact)
    body = client.get(f"/admin/contacts/{contact.id}").get_data(as_text=True)
    assert "2 tickets are from this contact." in body and "Delete this contact" not in body
    client.post(f"/admin/contacts/{contact.id}/delete")
    db.session.expire_all()
    assert db.session.get(Contact, contact.id) is not None
    assert orphans() == {}


def test_a_contact_without_tickets_is_deleted(client, admin, factory, desk, db):
    contact = factory.contact()
    desk.ticket()
    assert client.post(f"/admin/contacts/{contact.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(Contact, ident(contact)) is None
    assert orphans() == {}


def test_a_user_with_work_is_refused_with_each_count(client, admin, factory, desk, db):
    dep = factory.department()
    agent = factory.user(departments=[dep])
    ticket = desk.ticket(department=dep, assignee_user=agent)
    services.add_reply(ticket, "On it.", author=agent)
    response = client.post(f"/admin/staff/{agent.id}/delete", follow_redirects=True)
    body = shown(response)
    assert "1 ticket is assigned to this user." in body
    assert "1 reply or note was written by this user." in body
    assert "Deactivate the account instead" in body
    db.session.expire_all()
    assert db.session.get(User, agent.id) is not None
    assert db.session.get(Ticket, ticket.id).assignee_user_id == agent.id


def test_a_user_without_work_is_deleted(client, admin, factory, desk, db):
    dep = factory.department()
    newcomer = factory.user(departments=[dep])
    desk.ticket(department=dep)
    assert client.post(f"/admin/staff/{newcomer.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, ident(newcomer)) is None
    assert orphans() == {}


# statuses and priorities -----------------------------------------------------------------------


def test_a_status_in_use_is_refused_with_the_count(client, admin, desk, db):
    desk.ticket()
    desk.ticket()
    open_ = statuses.status_by_key("open")
    response = client.post(f"/admin/support/statuses/{open_.id}/delete", follow_redirects=True)
    assert "2 tickets have the status “Open”; move them to another status first." in shown(response)
    db.session.expire_all()
    assert db.session.get(Status, open_.id) is not None


def test_the_statuses_page_offers_to_move_tickets(client, admin, desk):
    desk.ticket()
    open_ = statuses.status_by_key("open")
    body = client.get("/admin/support/statuses").get_data(as_text=True)
    assert "Used by 1 ticket" in body
    assert f'action="/admin/support/statuses/{open_.id}/delete"' in body and 'name="move_to"' in body


def test_moving_tickets_to_a_closed_status_closes_them(client, admin, factory, desk, db):
    dep = factory.department()
    tickets = [desk.ticket(department=dep), desk.ticket(), desk.ticket(department=dep)]
    on_hold, closed = statuses.status_by_key("on_hold"), statuses.status_by_key("closed")
    for ticket in tickets:
        services.update_ticket(db.session.get(Ticket, ticket.id), {"status": "on_hold"}, actor=admin)
    other = desk.ticket()
    response = client.post(f"/admin/support/statuses/{on_hold.id}/delete", data={"move_to": closed.id},
                           follow_redirects=True)
    assert "“On hold” was deleted; 3 tickets were moved to “Closed”." in shown(response)
    db.session.expire_all()
    assert db.session.get(Status, ident(on_hold)) is None
    for ticket in tickets:
        row = db.session.get(Ticket, ticket.id)
        assert row.status_id == closed.id and row.closed_at is not None
        assert row.version == 3, "created, put on hold, moved: a form shown before the move is stale"
    assert db.session.get(Ticket, other.id).status_id == statuses.status_by_key("open").id
    history = db.session.execute(select(TicketHistory.old, TicketHistory.new).where(
        TicketHistory.field == "status", TicketHistory.new == "closed")).all()
    assert history == [("on_hold", "closed")] * 3
    assert counts_match_tickets(db)
    assert orphans() == {}


def test_moving_closed_tickets_to_an_open_status_reopens_them(client, admin, desk, db):
    ticket = desk.ticket()
    services.update_ticket(ticket, {"status": "closed"}, actor=admin)
    closed, open_ = statuses.status_by_key("closed"), statuses.status_by_key("open")
    client.post(f"/admin/support/statuses/{closed.id}/delete", data={"move_to": open_.id})
    db.session.expire_all()
    row = db.session.get(Ticket, ticket.id)
    assert row.status_id == open_.id and row.closed_at is None
    assert counts_match_tickets(db)


def test_moving_tickets_to_another_priority(client, admin, desk, db):
    tickets = [desk.ticket(), desk.ticket()]
    medium, high = statuses.priority_by_key("medium"), statuses.priority_by_key("high")
    response = client.post(f"/admin/support/priorities/{medium.id}/delete", data={"move_to": high.id},
                           follow_redirects=True)
    assert "2 tickets were moved to “High”." in shown(response)
    db.session.expire_all()
    assert db.session.get(Priority, ident(medium)) is None
    assert {db.session.get(Ticket, t.id).priority_id for t in tickets} == {high.id}
    assert orphans() == {}


@pytest.mark.parametrize("move_to", ["abc", "999999", "self", "-1", "99999999999999999999999", "٣", " "])
def test_a_bad_move_target_for_a_status_changes_nothing(client, admin, desk, db, move_to):
    ticket = desk.ticket()
    open_ = statuses.status_by_key("open")
    target = str(open_.id) if move_to == "self" else move_to
    response = client.post(f"/admin/support/statuses/{open_.id}/delete", data={"move_to": target},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Choose where the tickets go from the list." in shown(response)
    db.session.expire_all()
    assert db.session.get(Status, open_.id) is not None
    assert db.session.get(Ticket, ticket.id).status_id == open_.id


def test_brands_cannot_move_tickets(client, admin, desk, db):
    from plugins.support.models import Brand

    brand, other = Brand(name="Acme"), Brand(name="Other")
    db.session.add_all([brand, other])
    db.session.commit()
    desk.ticket(brand=brand.id)
    response = client.post(f"/admin/support/brands/{brand.id}/delete", data={"move_to": other.id},
                           follow_redirects=True)
    assert "Choose where the tickets go from the list." in shown(response)
    response = client.post(f"/admin/support/brands/{brand.id}/delete", follow_redirects=True)
    assert "1 ticket uses “Acme”, so it cannot be deleted." in shown(response)
    assert db.session.get(Brand, brand.id) is not None


def test_staff_cannot_move_or_delete_statuses(client, auth, factory, desk, db):
    desk.ticket()
    open_, closed = statuses.status_by_key("open"), statuses.status_by_key("closed")
    auth.login(factory.user())
    assert client.post(f"/admin/support/statuses/{open_.id}/delete", data={"move_to": closed.id}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Status, open_.id) is not None


# deleting tickets ------------------------------------------------------------------------------


def test_deleting_tickets_removes_posts_history_attachments_tags_and_files(app, factory, desk, db):
    from crm.storage import storage

    admin = factory.admin()
    doomed = [desk.ticket(tags=["vip"]), desk.ticket(tags=["vip", "bug"])]
    kept = desk.ticket(tags=["vip"])
    keys = []
    for ticket in doomed + [kept]:
        post = services.add_note(ticket, "with a file", author=admin,
                                 attachments=[FileStorage(io.BytesIO(PNG), filename="a.png")])
        services.update_ticket(db.session.get(Ticket, ticket.id), {"priority": "high"}, actor=admin)
        keys.append(db.session.scalar(select(Attachment.storage_key).where(Attachment.post_id == post.id)))
    assert all(storage().exists(key) for key in keys)
    doomed_ids = [t.id for t in doomed]
    assert services.delete_tickets(admin, [db.session.get(Ticket, i) for i in doomed_ids]) == 2
    db.session.expire_all()
    for model, column in ((Post, Post.ticket_id), (TicketHistory, TicketHistory.ticket_id),
                          (Attachment, Attachment.ticket_id)):
        assert db.session.scalar(select(func.count()).select_from(model).where(column.in_(doomed_ids))) == 0
        assert db.session.scalar(select(func.count()).select_from(model).where(column == kept.id)) > 0
    links = db.session.execute(select(ticket_tags.c.ticket_id)).scalars().all()
    assert links == [kept.id]
    assert sorted(db.session.scalars(select(Tag.name))) == ["bug", "vip"]
    assert [storage().exists(key) for key in keys] == [False, False, True]
    assert counts_match_tickets(db)
    assert orphans() == {}


def test_a_ticket_filed_while_its_department_is_being_deleted_keeps_the_department(client, admin, factory, db):
    """The delete locks the department before counting: a ticket being filed into it meanwhile is waited for."""
    import threading
    import time

    from crm.timeutil import utcnow

    dep = factory.department()
    dep_id = dep.id
    status_id, priority_id = statuses.default_status().id, statuses.default_priority().id
    db.session.commit()
    filing = db.engine.connect()
    filing.begin()
    filing.execute(Ticket.__table__.insert().values(
        number="RACE-1", subject="Filed meanwhile", status_id=status_id, priority_id=priority_id,
        department_id=dep_id, channel="portal", created_at=utcnow(), updated_at=utcnow(), post_count=0))
    answers = []
    deleting = threading.Thread(target=lambda: answers.append(
        client.post(f"/admin/departments/{dep_id}/delete", follow_redirects=True)))
    deleting.start()
    time.sleep(1.5)
    assert deleting.is_alive(), "the delete did not wait for the ticket being filed"
    filing.commit()
    filing.close()
    deleting.join(timeout=60)
    assert "1 ticket uses this department." in shown(answers[0])
    assert db.session.get(Department, dep_id) is not None
    assert db.session.scalar(select(Ticket.department_id).where(Ticket.number == "RACE-1")) == dep_id
