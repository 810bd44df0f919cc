"""The ticket page names departments, brands, services and teams from the process's lookups, always current;
the top bar's unread count comes with the sign-in query."""
import re

from crm.extensions import db
from crm.notify.inapp import notify
from plugins.support.models import Brand, Service


def _viewer(factory):
    role = factory.role(permissions=["support.tickets.view"])  # no edit form: the names are shown as text
    return factory.user(role=role)


def test_names_are_shown_and_follow_a_rename(app, client, auth, factory, desk):
    from crm import settings

    settings.set_many("support", {"use_services": True})
    brand, service = Brand(name="Acme Cloud"), Service(name="Hosting")
    db.session.add_all([brand, service])
    db.session.commit()
    dep, team = factory.department("Billing"), factory.department("Night shift")
    ticket = desk.ticket(department=dep, brand=brand.id, service=service.id, assignee_department=team.id)
    auth.login(_viewer(factory))
    url = f"/support/tickets/{ticket.number}"
    html = client.get(url).get_data(as_text=True)
    assert "Department: Billing" in " ".join(html.split())
    assert "Service: Hosting" in " ".join(html.split())
    assert "Acme Cloud" in html and '<span class="badge">Night shift</span>' in html
    dep.name, brand.name = "Invoices", "Acme Hosting"
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "Department: Invoices" in " ".join(html.split()) and "Acme Hosting" in html
    assert "Billing" not in html and "Acme Cloud" not in html


def test_unread_count_comes_with_the_sign_in_query(app, client, auth, factory, count_queries):
    user = factory.admin()
    auth.login(user)
    for number in ("2026-1", "2026-2"):
        notify([user.id], "support.ticket_opened", {"number": number, "subject": "Printer"})
    db.session.commit()
    client.get("/support/tickets")
    with count_queries() as q:
        html = client.get("/support/tickets").get_data(as_text=True)
    assert re.search(r'notifications-link[^>]*>[^<]*<span class="badge"[^>]*>2</span>', html)
    reading = [s for s in q.statements if "crm_notification" in s]
    assert len(reading) == 1 and "crm_auth_session" in reading[0]  # no query of its own for the badge


def _chosen(html: str, name: str) -> list[str]:
    found = re.search(rf'<select id="{name}" name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, name
    return re.findall(r'<option value="([^"]*)" selected>', found.group(1))


def test_the_edit_forms_kept_selects_mark_the_tickets_values(app, client, auth, factory, desk):
    from plugins.support import statuses

    auth.login(factory.admin())
    dep, other = factory.department("Billing"), factory.department("Sales")
    agent = factory.user(name="Deniz Agent", departments=[dep])
    first = desk.ticket(department=dep, assignee_user=agent.id, priority="urgent", status="on_hold")
    second = desk.ticket(department=other)
    html = client.get(f"/support/tickets/{first.number}").get_data(as_text=True)
    assert _chosen(html, "status") == [str(statuses.status_by_key("on_hold").id)]
    assert _chosen(html, "priority") == [str(statuses.priority_by_key("urgent").id)]
    assert _chosen(html, "department") == [str(dep.id)] and _chosen(html, "assignee_user") == [str(agent.id)]
    html = client.get(f"/support/tickets/{second.number}").get_data(as_text=True)  # the same kept selects
    assert _chosen(html, "department") == [str(other.id)] and _chosen(html, "assignee_user") == []
    other.name = "Sales and renewals"
    db.session.commit()
    html = client.get(f"/support/tickets/{second.number}").get_data(as_text=True)
    assert "Sales and renewals" in html and _chosen(html, "department") == [str(other.id)]
