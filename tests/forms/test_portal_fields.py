"""Data fields in the customer's account (F-4): "ticket parameters" on their ticket page, their profile, and the
admin contact form.

View-only fields are shown and never taken from a request; editable ones are
saved (ticket fields through support's service, with a new ticket version);
the portal pages keep a fixed number of queries whatever the number of fields.
"""
from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db
from plugins.forms.models import ContactValue, TicketValue
from plugins.support.models import Ticket
from tests.portal.portal_kit import portal, site  # noqa: F401


def test_the_customer_sees_and_edits_ticket_parameters_as_configured(app, portal, site, kit):
    editable = kit.field(label="Sipariş no", places={"portal_ticket": "edit"})
    readonly = kit.field(label="Garanti bitişi", kind="date", places={"portal_ticket": "view"})
    staff_only = kit.field(label="İç not", places={"staff_ticket": "edit"})
    customer = portal.customer()
    ticket = portal.ticket(customer, brand=site.brand_id)
    db.session.add_all([TicketValue(ticket_id=ticket.id, field_id=readonly.id, value="2027-01-31",
                                    text="2027-01-31", match_key="2027-01-31"),
                        TicketValue(ticket_id=ticket.id, field_id=staff_only.id, value="SECRET-NOTE",
                                    text="SECRET-NOTE", match_key="secret-note")])
    db.session.commit()
    client = portal.client_for(site, customer)
    page = client.get(portal.url(site, f"tickets/{ticket.number}")).get_data(as_text=True)
    assert f'name="forms_df{editable.id}"' in page and f'name="forms_df{readonly.id}"' not in page
    assert "Garanti bitişi" in page and "SECRET-NOTE" not in page and "İç not" not in page
    version = ticket.version
    response = client.post(portal.url(site, f"tickets/{ticket.number}/fields"), data={
        "version": version, f"forms_df{editable.id}": "SP-99", f"forms_df{readonly.id}": "2030-01-01",
        f"forms_df{staff_only.id}": "changed"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = {v.field_id: v.text for v in db.session.scalars(select(TicketValue))}
    assert stored == {editable.id: "SP-99", readonly.id: "2027-01-31", staff_only.id: "SECRET-NOTE"}
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).version == version + 1


def test_the_profile_shows_and_saves_profile_fields(app, portal, site, kit):
    editable = kit.field(subject="contact", label="Vergi no", places={"portal_profile": "edit"}, required=True)
    readonly = kit.field(subject="contact", label="Müşteri kodu", places={"portal_profile": "view"})
    customer = portal.customer(name="Ayşe Demir")
    db.session.add(ContactValue(contact_id=customer.id, field_id=readonly.id, value="MK-1", text="MK-1"))
    db.session.commit()
    client = portal.client_for(site, customer)
    page = client.get(portal.url(site, "profile")).get_data(as_text=True)
    assert f'name="profile-forms_df{editable.id}"' in page and "MK-1" in page
    base = {"profile-name": "Ayşe Demir", "profile-locale": ""}
    refused = client.post(portal.url(site, "profile"), data=base)
    assert refused.status_code == 400 and db.session.scalar(select(ContactValue.text).where(
        ContactValue.field_id == editable.id)) is None
    response = client.post(portal.url(site, "profile"), data={
        **base, f"profile-forms_df{editable.id}": "1234567890", f"profile-forms_df{readonly.id}": "hacked"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = {v.field_id: v.text for v in db.session.scalars(select(ContactValue))}
    assert stored == {editable.id: "1234567890", readonly.id: "MK-1"}


def test_portal_pages_keep_their_query_count_with_more_fields(app, portal, site, kit, count_queries):
    customer = portal.customer()
    ticket = portal.ticket(customer, brand=site.brand_id)
    client = portal.client_for(site, customer)
    pages = [portal.url(site, f"tickets/{ticket.number}"), portal.url(site, "profile"),
             portal.url(site, "tickets/new")]
    kit.field(label="One", places={"portal_ticket": "edit", "portal_new": "edit"})
    kit.field(subject="contact", label="One", places={"portal_profile": "edit"})

    def measure():
        counts = []
        for url in pages:
            client.get(url)
            with count_queries() as q:
                assert client.get(url).status_code == 200
            counts.append(q.count)
        return counts

    before = measure()
    for n in range(10):
        field = kit.field(kind="choice", label=f"T{n}", options=["a", "b"], position=n + 1,
                          places={"portal_ticket": "view" if n % 2 else "edit", "portal_new": "edit"})
        db.session.add(TicketValue(ticket_id=ticket.id, field_id=field.id, value=str(field.options[0].id),
                                   text="a", match_key="x"))
        kit.field(subject="contact", kind="multichoice", label=f"C{n}", options=["x", "y"], position=n + 1,
                  places={"portal_profile": "edit"})
    db.session.commit()
    assert measure() == before


def test_the_admin_contact_form_shows_and_saves_profile_fields(app, admin_client, factory, kit):
    editable = kit.field(subject="contact", kind="choice", label="Segment", options=["KOBİ", "Kurumsal"],
                         places={"staff_contact": "edit"})
    readonly = kit.field(subject="contact", label="Portal kodu", places={"staff_contact": "view",
                                                                         "portal_profile": "edit"})
    hidden = kit.field(subject="contact", label="Yalnız portal", places={"portal_profile": "edit"})
    contact = factory.contact(name="Ayşe Demir", email="ayse@example.org")
    db.session.add(ContactValue(contact_id=contact.id, field_id=readonly.id, value="PK-7", text="PK-7"))
    db.session.commit()
    page = admin_client.get(f"/admin/contacts/{contact.id}").get_data(as_text=True)
    assert f'name="forms_df{editable.id}"' in page and "PK-7" in page and "Yalnız portal" not in page
    kurumsal = str(editable.options[1].id)
    response = admin_client.post(f"/admin/contacts/{contact.id}", data={
        "name": "Ayşe Demir", "email": "ayse@example.org", "phone": "", "position": "", "locale": "",
        "timezone": "", f"forms_df{editable.id}": kurumsal, f"forms_df{readonly.id}": "hacked",
        f"forms_df{hidden.id}": "hacked"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = {v.field_id: v.text for v in db.session.scalars(select(ContactValue))}
    assert stored == {editable.id: "Kurumsal", readonly.id: "PK-7"}
    bad = admin_client.post(f"/admin/contacts/{contact.id}", data={
        "name": "Ayşe Demir", "email": "ayse@example.org", "locale": "", f"forms_df{editable.id}": "999999"})
    assert bad.status_code in (200, 400) and "Not a valid choice" in bad.get_data(as_text=True)
    assert {v.field_id: v.text for v in db.session.scalars(select(ContactValue))} == stored
