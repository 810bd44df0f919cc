"""Every support setting changes behaviour: each test fails if its setting were ignored (SPEC S-10 to S-22)."""
import io
import re

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from crm.notify.inapp import Notification
from crm.notify.outbox import OutboxMessage
from plugins.support import notifications, services, statuses
from plugins.support.models import Attachment, Service, Ticket

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def _notified(user):
    return list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)))


def _emails():
    return list(db.session.scalars(select(OutboxMessage)))


def test_use_services_hides_and_ignores_the_service(app, client, auth, factory, desk, set_support):
    service = Service(name="Hosting")
    db.session.add(service)
    db.session.commit()
    admin = factory.admin()
    auth.login(admin)
    ticket = desk.ticket(service=service.id)
    assert ticket.service_id is None  # off: ignored
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert 'name="service"' not in page
    assert 'name="service"' not in client.get("/support/tickets").get_data(as_text=True)
    set_support(use_services=True)
    ticket = desk.ticket(service=service.id)
    assert ticket.service_id == service.id
    assert 'name="service"' in client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    listing = client.get(f"/support/tickets?service={service.id}").get_data(as_text=True)
    assert 'name="service"' in listing and ticket.number in listing


def test_staff_department_only(app, client, auth, factory, desk, set_support):
    mine, theirs = factory.department(), factory.department()
    staff = factory.user(departments=[mine])
    own, foreign = desk.ticket("Own", department=mine), desk.ticket("Foreign", department=theirs)
    auth.login(staff)
    assert foreign.number in client.get("/support/tickets").get_data(as_text=True)
    assert client.get(f"/support/tickets/{foreign.number}").status_code == 200
    set_support(staff_department_only=True)
    page = client.get("/support/tickets").get_data(as_text=True)
    assert own.number in page and foreign.number not in page
    assert client.get(f"/support/tickets/{foreign.number}").status_code == 404
    assert client.get("/support/tickets?q=Foreign").get_data(as_text=True).count(foreign.number) == 0


def test_updates_only_assigned(app, factory, desk, set_support):
    dep = factory.department()
    assignee, colleague, actor = (factory.user(departments=[dep]) for _ in range(3))
    ticket = desk.ticket(department=dep, assignee_user=assignee.id)
    services.add_note(ticket, "first", author=actor)
    assert "support.note_added" in _notified(colleague)
    set_support(updates_only_assigned=True)
    before = len(_notified(colleague))
    services.add_note(ticket, "second", author=actor)
    assert len(_notified(colleague)) == before
    assert _notified(assignee).count("support.note_added") == 2


def test_notify_staff_new_ticket(app, factory, desk, set_support):
    dep = factory.department()
    member = factory.user(departments=[dep])
    desk.ticket(department=dep)
    assert _notified(member) == ["support.ticket_opened"]
    set_support(notify_staff_new_ticket=False)
    desk.ticket(department=dep)
    assert _notified(member) == ["support.ticket_opened"]


def test_notify_customer_on_staff_reply(app, factory, desk, set_support):
    ticket = desk.ticket()
    services.add_reply(ticket, "Hello there", author=factory.user())
    assert len(_emails()) == 1
    set_support(notify_customer_on_staff_reply=False)
    services.add_reply(ticket, "Hello again", author=factory.user())
    assert len(_emails()) == 1


def test_notify_staff_on_customer_reply(app, factory, desk, set_support):
    dep = factory.department()
    staff = factory.user(departments=[dep])
    contact = factory.contact()
    ticket = desk.ticket(contact=contact, department=dep, assignee_user=staff.id)
    services.add_customer_message(ticket, "Any news?", author=contact)
    assert "support.customer_replied" in _notified(staff)
    set_support(notify_staff_on_customer_reply=False)
    before = len(_notified(staff))
    services.add_customer_message(ticket, "Hello??", author=contact)
    assert len(_notified(staff)) == before


def test_auto_assign_first_responder(app, factory, desk, set_support):
    first, second = factory.user(), factory.user()
    ticket = desk.ticket()
    services.add_reply(ticket, "Hi", author=first)
    assert db.session.get(Ticket, ticket.id).assignee_user_id is None
    set_support(auto_assign_first_responder=True)
    ticket = desk.ticket()
    services.add_reply(ticket, "Hi", author=first)
    services.add_reply(ticket, "Hi too", author=second)
    assert db.session.get(Ticket, ticket.id).assignee_user_id == first.id


def test_members_access(app, client, auth, factory, desk, set_support):
    ticket = desk.ticket()
    auth.login(factory.user(role="member"))
    assert client.get("/support/tickets").status_code == 403
    assert client.get(f"/support/tickets/{ticket.number}").status_code == 403
    set_support(members_access=True)
    assert client.get("/support/tickets").status_code == 200
    assert client.get(f"/support/tickets/{ticket.number}").status_code == 200


def test_staff_may_delete(app, client, auth, factory, desk, set_support):
    ticket = desk.ticket()
    auth.login(factory.user())
    assert client.post(f"/support/tickets/{ticket.number}/delete").status_code == 403
    assert db.session.get(Ticket, ticket.id) is not None
    set_support(staff_may_delete=True)
    ticket_id, number = ticket.id, ticket.number
    assert client.post(f"/support/tickets/{number}/delete").status_code == 302
    assert db.session.get(Ticket, ticket_id) is None


def test_reply_order(app, client, auth, factory, desk, set_support):
    ticket = desk.ticket(body="FIRST-MESSAGE")
    services.add_note(ticket, "SECOND-MESSAGE", author=factory.admin())
    auth.login(factory.admin())
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert page.index("FIRST-MESSAGE") < page.index("SECOND-MESSAGE")
    set_support(reply_order="desc")
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert page.index("FIRST-MESSAGE") > page.index("SECOND-MESSAGE")


def test_default_reply_status(app, client, auth, factory, desk, set_support):
    ticket = desk.ticket()
    on_hold = statuses.status_by_key("on_hold")
    answered = statuses.status_by_key("answered")
    auth.login(factory.admin())
    assert _reply_status(client, ticket) == [str(answered.id)]
    set_support(default_reply_status="on_hold")
    assert _reply_status(client, ticket) == [str(on_hold.id)]


def _reply_status(client, ticket) -> list[str]:
    """The values chosen in the reply form's status select."""
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    select = re.search(r'<select id="reply-status"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [a or b for a, b in re.findall(r'<option (?:selected value="([^"]+)"|value="([^"]+)" selected)>', select)]
    services.add_reply(ticket, "Waiting for parts", author=factory.user())
    assert db.session.get(Ticket, ticket.id).status_id == on_hold.id


def _reply_with(client, ticket, files):
    return client.post(f"/support/tickets/{ticket.number}/note", data={
        "body": "see attached", "attachments": [(io.BytesIO(data), name) for name, data in files],
    }, content_type="multipart/form-data")


def _attachments():
    return db.session.scalar(select(func.count()).select_from(Attachment))


def test_max_attachments(app, client, auth, factory, desk, set_support):
    ticket = desk.ticket()
    auth.login(factory.admin())
    set_support(max_attachments=1)
    response = _reply_with(client, ticket, [("a.png", PNG), ("b.png", PNG)])
    assert response.status_code == 400 and "Attach at most 1 file." in response.get_data(as_text=True)
    assert _attachments() == 0
    assert _reply_with(client, ticket, [("a.png", PNG)]).status_code == 302
    assert _attachments() == 1


def test_allowed_file_types(app, client, auth, factory, desk, set_support):
    ticket = desk.ticket()
    auth.login(factory.admin())
    assert _reply_with(client, ticket, [("notes.txt", b"plain words")]).status_code == 302
    set_support(allowed_file_types=["png"])
    response = _reply_with(client, ticket, [("notes.txt", b"plain words")])
    assert response.status_code == 400 and "cannot be attached" in response.get_data(as_text=True)
    assert _attachments() == 1


def test_max_file_size(app, client, auth, factory, desk, set_support):
    ticket = desk.ticket()
    auth.login(factory.admin())
    big = b"a" * (1024 * 1024 + 10)
    assert _reply_with(client, ticket, [("big.txt", big)]).status_code == 302
    set_support(max_file_size_mb=1)
    response = _reply_with(client, ticket, [("big.txt", big)])
    assert response.status_code == 400 and "larger than 1 MB" in response.get_data(as_text=True)
    assert _attachments() == 1


@pytest.mark.parametrize("name, data", [
    ("evil.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
    ("evil.png", b"MZ\x90\x00" + b"\x00" * 200),
    ("evil.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 200),
    ("report.pdf", PNG),
])
def test_content_must_match_the_type(app, client, auth, factory, desk, name, data):
    ticket = desk.ticket()
    auth.login(factory.admin())
    response = _reply_with(client, ticket, [(name, data)])
    assert response.status_code == 400
    assert "does not match" in response.get_data(as_text=True) or "program" in response.get_data(as_text=True)
    assert _attachments() == 0
    from pathlib import Path

    files = Path(app.config["STORAGE_DIR"])
    assert not files.exists() or not any(p.is_file() for p in files.rglob("*"))


def test_recipients_follow_the_department_rule(app, factory, desk, set_support):
    set_support(staff_department_only=True)
    dep, other = factory.department(), factory.department()
    outsider = factory.user(departments=[other])
    ticket = desk.ticket(department=dep)
    assert outsider.id not in notifications._who_may_see(ticket, {outsider.id})
