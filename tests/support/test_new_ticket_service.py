"""The new-ticket wizard offers the service field while "Use services" (S-10) is on, and only then."""
from __future__ import annotations

from crm.settings import set_many
from plugins.support.models import Service
from tests.support.test_new_ticket import Desk, fill, post, start, step1, tickets, url  # noqa: F401
from tests.support.test_new_ticket import app_plugins, desk  # noqa: F401  (fixtures)


def _use_services(db, on):
    set_many("support", {"use_services": on})
    db.session.commit()


def test_service_field_appears_and_is_saved_when_services_are_on(desk, db, client, auth):
    _use_services(db, True)
    mail = Service(name="Mail hosting")
    db.session.add(mail)
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client)
    page = client.get(url(draft, 1)).get_data(as_text=True)
    assert 'name="service_id"' in page and "Mail hosting" in page
    assert fill(client, desk, draft, one=step1(desk, service_id=str(mail.id))).status_code == 302
    [ticket] = tickets(db)
    assert ticket.service_id == mail.id


def test_an_unknown_service_is_refused_on_its_step(desk, db, client, auth):
    _use_services(db, True)
    db.session.add(Service(name="Mail hosting"))
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client)
    response = post(client, draft, 1, **step1(desk, service_id="999999"))
    assert response.status_code == 400 and "Choose one of the offered values." in response.get_data(as_text=True)
    assert tickets(db) == []


def test_no_service_field_while_services_are_off(desk, db, client, auth):
    db.session.add(Service(name="Mail hosting"))
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client)
    assert 'name="service_id"' not in client.get(url(draft, 1)).get_data(as_text=True)
    fill(client, desk, draft, one=step1(desk, service_id="1"))
    [ticket] = tickets(db)
    assert ticket.service_id is None
