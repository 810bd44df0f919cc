"""Ticket parameters on the portal's ticket page (P-5): shown and editable as the admin chose; company-wide view."""
from __future__ import annotations

import pytest

from crm.extensions import db
from crm.settings import set_many
from plugins.support import services, statuses
from plugins.support.models import Ticket, Topic
from tests.portal.portal_kit import portal, site  # noqa: F401


def _settings(**values):
    set_many("portal", values)
    db.session.commit()


def _topic(name, **fields):
    topic = Topic(name=name, position=db.session.query(Topic).count() + 1, **fields)
    db.session.add(topic)
    db.session.commit()
    return topic


def _fresh(ticket):
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)


@pytest.fixture
def customer(portal):
    return portal.customer(email="me@example.org", name="Me Myself")


@pytest.fixture
def signed_in(portal, site, customer):
    return portal.client_for(site, customer)


def _page(client, portal, site, ticket):
    return client.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)


def test_default_parameters_are_department_priority_and_assignee(portal, site, customer, signed_in):
    ticket = portal.ticket(customer)
    page = _page(signed_in, portal, site, ticket)
    for name in ("department", "priority", "assignee"):
        assert f'data-parameter="{name}"' in page
    for name in ("topic", "brand", "created", "status"):
        assert f'data-parameter="{name}"' not in page
    assert "/parameters" not in page  # nothing editable by default


def test_shown_parameters_follow_the_setting(portal, site, customer, signed_in):
    _topic("Billing")
    ticket = portal.ticket(customer)
    _settings(ticket_parameters=["topic", "brand", "created", "status"])
    page = _page(signed_in, portal, site, ticket)
    for name in ("topic", "brand", "created", "status"):
        assert f'data-parameter="{name}"' in page
    for name in ("department", "priority", "assignee"):
        assert f'data-parameter="{name}"' not in page


def test_customer_changes_an_editable_priority(portal, site, customer, signed_in):
    _settings(editable_parameters=["priority"])
    ticket = portal.ticket(customer)
    assert "/parameters" in _page(signed_in, portal, site, ticket)
    target = next(p for p in statuses.priorities() if p.id != ticket.priority_id)
    response = signed_in.post(portal.url(site, f"tickets/{ticket.number}/parameters"), data={"priority": target.key})
    assert response.status_code == 302
    assert _fresh(ticket).priority_id == target.id


def test_customer_changes_an_editable_topic_to_an_offered_one(portal, site, customer, signed_in):
    _topic("Billing")
    shipping = _topic("Shipping")
    _settings(ticket_parameters=["topic", "priority"], editable_parameters=["topic"])
    ticket = portal.ticket(customer)
    response = signed_in.post(portal.url(site, f"tickets/{ticket.number}/parameters"), data={"topic": str(shipping.id)})
    assert response.status_code == 302
    assert _fresh(ticket).topic_id == shipping.id


def test_a_field_not_editable_is_refused_and_nothing_changes(portal, site, customer, signed_in):
    ticket = portal.ticket(customer)
    before = ticket.priority_id
    target = next(p for p in statuses.priorities() if p.id != before)
    response = signed_in.post(portal.url(site, f"tickets/{ticket.number}/parameters"), data={"priority": target.key})
    assert response.status_code == 302
    assert _fresh(ticket).priority_id == before
    # allowed but hidden: still not editable
    _settings(ticket_parameters=["department"], editable_parameters=["priority"])
    signed_in.post(portal.url(site, f"tickets/{ticket.number}/parameters"), data={"priority": target.key})
    assert _fresh(ticket).priority_id == before


def test_a_hidden_form_field_cannot_smuggle_other_changes(portal, site, customer, signed_in, factory):
    _settings(editable_parameters=["priority"])
    ticket = portal.ticket(customer)
    department = factory.department() if hasattr(factory, "department") else None
    data = {"priority": "", "topic": "1", "status": "closed", "assignee_user": "1"}
    if department is not None:
        data["department"] = str(department.id)
    signed_in.post(portal.url(site, f"tickets/{ticket.number}/parameters"), data=data)
    fresh = _fresh(ticket)
    assert fresh.topic_id == ticket.topic_id and fresh.status_id == ticket.status_id
    assert fresh.department_id == ticket.department_id and fresh.assignee_user_id == ticket.assignee_user_id


def test_a_bad_value_gives_a_localized_error_and_changes_nothing(portal, site, customer, signed_in):
    _settings(editable_parameters=["priority"])
    customer.locale = "tr"
    db.session.commit()
    ticket = portal.ticket(customer)
    before = ticket.priority_id
    response = signed_in.post(portal.url(site, f"tickets/{ticket.number}/parameters"), data={"priority": "no-such"},
                              headers={"Accept-Language": "tr"})
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)
    assert _fresh(ticket).priority_id == before


def test_another_customers_ticket_cannot_be_changed(portal, site, customer, signed_in):
    _settings(editable_parameters=["priority"])
    other = portal.ticket(portal.customer(email="other@example.org"))
    before = other.priority_id
    target = next(p for p in statuses.priorities() if p.id != before)
    response = signed_in.post(portal.url(site, f"tickets/{other.number}/parameters"), data={"priority": target.key})
    assert response.status_code == 404
    assert _fresh(other).priority_id == before


def test_the_service_refuses_fields_and_actors_it_does_not_allow(portal, customer, factory):
    from plugins.support.access import Customer

    ticket = portal.ticket(customer)
    with pytest.raises(services.TicketForbidden):
        services.update_ticket_as_customer(ticket, {"status": "closed"}, author=Customer.of(customer))
    with pytest.raises(services.TicketForbidden):
        services.update_ticket_as_customer(ticket, {"priority": "high"}, author=Customer.of(customer), allowed=())
    with pytest.raises(services.TicketForbidden):
        services.update_ticket_as_customer(ticket, {"priority": "high"}, author=factory.admin())
    stranger = portal.customer(email="stranger@example.org")
    with pytest.raises(services.TicketForbidden):
        services.update_ticket_as_customer(ticket, {"priority": "high"}, author=Customer.of(stranger))


def test_company_wide_view_shows_colleagues_tickets_only_when_on(portal, site, factory):
    acme, other_company = factory.company("Acme Ltd"), factory.company("Other Ltd")
    me = portal.customer(email="me@acme.example", company=acme)
    colleague = portal.customer(email="colleague@acme.example", company=acme)
    outsider = portal.customer(email="x@other.example", company=other_company)
    theirs = portal.ticket(colleague, subject="Colleague ticket")
    foreign = portal.ticket(outsider, subject="Foreign ticket")
    client = portal.client_for(site, me)
    listing = client.get(portal.url(site, "tickets")).get_data(as_text=True)
    assert theirs.number not in listing
    assert client.get(portal.url(site, f"tickets/{theirs.number}")).status_code == 404
    _settings(company_wide=True)
    listing = client.get(portal.url(site, "tickets")).get_data(as_text=True)
    assert theirs.number in listing and foreign.number not in listing
    assert client.get(portal.url(site, f"tickets/{theirs.number}")).status_code == 200
    assert client.get(portal.url(site, f"tickets/{foreign.number}")).status_code == 404


def test_ticket_page_with_every_parameter_keeps_a_fixed_query_count(portal, site, customer, signed_in, factory,
                                                                    count_queries):
    from werkzeug.datastructures import FileStorage
    import io

    for name in ("Billing", "Shipping", "Returns"):
        _topic(name)
    _settings(ticket_parameters=["department", "priority", "assignee", "status", "topic", "brand", "created"],
              editable_parameters=["priority", "topic"])
    ticket = portal.ticket(customer, department=factory.department(), assignee_user=factory.admin())
    url = portal.url(site, f"tickets/{ticket.number}")

    def queries():
        signed_in.get(url)
        with count_queries() as counter:
            response = signed_in.get(url)
        assert response.status_code == 200 and "/parameters" in response.get_data(as_text=True)
        return counter.count

    few = queries()
    for n in range(5):
        services.add_reply(ticket, f"Reply {n}", author=factory.admin(),
                           attachments=[FileStorage(io.BytesIO(b"text\n"), filename=f"f{n}.txt")])
    assert queries() == few
    assert few <= 12


def test_admin_chooses_the_parameters_on_the_settings_page(auth, factory):
    from crm import settings

    admin = auth.client_for(factory.admin())
    page = admin.get("/admin/settings/portal/tickets")
    assert page.status_code == 200 and "ticket_parameters" in page.get_data(as_text=True)
    response = admin.post("/admin/settings/portal/tickets",
                          data={"ticket_parameters": ["priority", "topic"], "editable_parameters": ["topic"]})
    assert response.status_code == 302
    db.session.expire_all()
    assert settings.get("portal.ticket_parameters") == ["priority", "topic"]
    assert settings.get("portal.editable_parameters") == ["topic"]
    refused = admin.post("/admin/settings/portal/tickets",
                         data={"ticket_parameters": ["subject"], "editable_parameters": ["status"]})
    assert refused.status_code == 200  # the form again with its errors, not a redirect
    db.session.expire_all()
    assert settings.get("portal.ticket_parameters") == ["priority", "topic"]
    assert settings.get("portal.editable_parameters") == ["topic"]
