"""The ticket page: conversation, reply and note boxes, editing with history, attachments as safe downloads."""
import io

import pytest
from sqlalchemy import func, select

from crm.audit import AuditEntry
from crm.extensions import db
from plugins.support import services, statuses
from plugins.support.models import Attachment, Post, Service, Ticket, TicketHistory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def admin(factory):
    return factory.admin()


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login(admin)
    return client


def test_reply_through_the_page(app, admin_client, desk):
    ticket = desk.ticket()
    on_hold = statuses.status_by_key("on_hold")
    response = admin_client.post(f"/support/tickets/{ticket.number}/reply",
                                 data={"body": "We ordered a new one.", "status": on_hold.id})
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.scalar(select(Post).where(Post.kind == "public_reply"))
    assert post.body_text == "We ordered a new one."
    assert db.session.get(Ticket, ticket.id).status_id == on_hold.id


def test_empty_reply_and_unknown_status_are_refused(app, admin_client, desk):
    ticket = desk.ticket()
    response = admin_client.post(f"/support/tickets/{ticket.number}/reply", data={"body": "  ", "status": "1"})
    assert response.status_code == 400 and "Write a message." in response.get_data(as_text=True)
    response = admin_client.post(f"/support/tickets/{ticket.number}/reply", data={"body": "hi", "status": "99999"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1


def test_note_is_marked_internal_on_the_page(app, admin_client, desk):
    ticket = desk.ticket()
    admin_client.post(f"/support/tickets/{ticket.number}/note", data={"body": "Check the logs"})
    html = admin_client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert 'class="post post-internal_note"' in html and "Check the logs" in html


def test_edit_every_field_records_history_and_audit(app, admin_client, desk, factory, set_support):
    set_support(use_services=True)
    service = Service(name="Mail")
    db.session.add(service)
    db.session.commit()
    dep = factory.department()
    staff = factory.user(departments=[dep])
    ticket = desk.ticket()
    closed, urgent = statuses.status_by_key("closed"), statuses.priority_by_key("urgent")
    response = admin_client.post(f"/support/tickets/{ticket.number}/edit", data={
        "status": closed.id, "priority": urgent.id, "department": dep.id, "assignee_user": staff.id,
        "assignee_department": dep.id, "service": service.id, "tags": "vip, refund",
    })
    assert response.status_code == 302
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert (ticket.status_id, ticket.priority_id, ticket.department_id, ticket.assignee_user_id,
            ticket.assignee_department_id, ticket.service_id) == (closed.id, urgent.id, dep.id, staff.id,
                                                                   dep.id, service.id)
    assert sorted(t.name for t in ticket.tags) == ["refund", "vip"]
    fields = set(db.session.scalars(select(TicketHistory.field).where(TicketHistory.ticket_id == ticket.id)))
    assert {"status", "priority", "department", "assignee_user", "assignee_department", "service", "tags"} <= fields
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.updated"))
    assert audit.changes["status"] == ["open", "closed"]
    html = admin_client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert "Open → Closed" in html


def test_edit_with_bad_values_changes_nothing(app, admin_client, desk):
    ticket = desk.ticket()
    response = admin_client.post(f"/support/tickets/{ticket.number}/edit", data={
        "status": "12345", "priority": "x", "department": "", "assignee_user": "", "assignee_department": "",
        "tags": "",
    })
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(TicketHistory)) == 1  # only "created"


def test_staff_without_assign_permission_keeps_assignee(app, client, auth, factory, desk):
    from crm.people.models import Role, RolePermission

    staff_role = db.session.scalar(select(Role).where(Role.name == "staff"))
    db.session.execute(RolePermission.__table__.delete().where(
        RolePermission.role_id == staff_role.id, RolePermission.permission == "support.tickets.assign"))
    from crm import generation

    generation.bump()
    db.session.commit()
    other = factory.user()
    ticket = desk.ticket()
    auth.login(factory.user())
    response = client.post(f"/support/tickets/{ticket.number}/edit", data={
        "status": ticket.status_id, "priority": ticket.priority_id, "department": "", "assignee_user": other.id,
        "assignee_department": "", "tags": ""})
    assert response.status_code == 302
    assert db.session.get(Ticket, ticket.id).assignee_user_id is None


def test_attachment_is_served_as_a_download(app, admin_client, desk):
    ticket = desk.ticket()
    response = admin_client.post(f"/support/tickets/{ticket.number}/note", data={
        "body": "screenshot", "attachments": [(io.BytesIO(PNG), "shot.png")]}, content_type="multipart/form-data")
    assert response.status_code == 302
    row = db.session.scalar(select(Attachment))
    assert row.content_type == "image/png" and row.size == len(PNG)
    response = admin_client.get(f"/support/tickets/{ticket.number}/files/{row.id}")
    assert response.status_code == 200 and response.data == PNG
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/octet-stream"
    # an attachment asked for through another ticket's URL is not found
    other = desk.ticket()
    assert admin_client.get(f"/support/tickets/{other.number}/files/{row.id}").status_code == 404


def test_foreign_attachment_is_404(app, client, auth, factory, desk, set_support):
    set_support(staff_department_only=True)
    theirs = factory.department()
    ticket = desk.ticket(department=theirs)
    post = services.add_note(ticket, "file", author=factory.admin(),
                             attachments=[_upload("a.png", PNG)])
    row = db.session.scalar(select(Attachment).where(Attachment.post_id == post.id))
    auth.login(factory.user(departments=[factory.department()]))
    assert client.get(f"/support/tickets/{ticket.number}/files/{row.id}").status_code == 404


def _upload(name, data):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), filename=name)


def test_delete_post(app, admin_client, desk, admin):
    ticket = desk.ticket()
    post = services.add_note(ticket, "oops", author=admin)
    number, post_id = ticket.number, post.id
    assert admin_client.post(f"/support/tickets/{number}/posts/{post_id}/delete").status_code == 302
    assert db.session.get(Post, post_id) is None
    assert admin_client.post(f"/support/tickets/{number}/posts/{post_id}/delete").status_code == 404


def test_unknown_ticket_is_404(app, admin_client):
    assert admin_client.get("/support/tickets/1999-99999").status_code == 404
    assert admin_client.post("/support/tickets/nope/reply", data={"body": "x"}).status_code == 404


def test_ticket_page_query_count_is_fixed(app, admin_client, desk, factory, count_queries, admin):
    ticket = desk.ticket(tags=["a", "b"], department=factory.department())
    url = f"/support/tickets/{ticket.number}"

    def queries():
        admin_client.get(url)
        with count_queries() as q:
            assert admin_client.get(url).status_code == 200
        return q.count

    services.add_note(ticket, "first note", author=factory.user(), attachments=[_upload("first.png", PNG)])
    services.add_reply(ticket, "first reply", author=admin)
    few = queries()
    # generation, sign-in session, ticket, its tags, posts with their attachments, history, the customer's other
    # tickets (the unread notifications come with the session; assignable staff from the process's roster, the
    # canned replies offered in the reply form and the forms plugin's definitions from process caches)
    assert few == 7
    for i in range(12):
        services.add_note(ticket, f"note {i}", author=factory.user(), attachments=[_upload(f"{i}.png", PNG)])
        services.add_reply(ticket, f"reply {i}", author=admin, status="in_progress" if i % 2 else "answered")
    assert queries() == few
