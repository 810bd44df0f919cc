"""Staff search finds form answers and searchable data fields of the real forms plugin (issue 10).

Answers (read-only on the staff ticket page) are searchable; data fields are
searchable when the builder's "Staff search finds its values" is ticked.
Customers' searches do not match either.
"""
from __future__ import annotations

import re

from sqlalchemy import select

from crm.actors import SYSTEM
from crm.extensions import db
from crm.settings import set_many
from plugins.support import services
from plugins.support.models import Ticket
from tests.portal.portal_kit import portal, site  # noqa: F401

NUMBER = re.compile(r'<td class="ticket-number"><a [^>]*>([^<]+)</a>')


def _found(client, q):
    response = client.get("/support/tickets", query_string={"q": q})
    assert response.status_code == 200
    return sorted(NUMBER.findall(response.get_data(as_text=True)))


def test_answers_of_the_public_form_are_found_by_staff_not_by_the_customer(
        client, portal, site, kit, admin_client, auth):
    set_many("portal", {"public_form_enabled": True})
    db.session.commit()
    topic = kit.topic("Teknik Sorun")
    form = kit.form(questions=[{"kind": "text", "label": "Cihaz modeli", "required": True, "max_value": 40}],
                    topic=topic)
    question = kit.questions(form)[0]
    response = client.post(portal.url(site, "contact"), data={
        "name": "Grace", "surname": "Hopper", "email": "grace@example.org", "subject": "Yazıcı arızası",
        "body": "Yazıcı çalışmıyor.", "topic": str(topic.id), f"forms_q{question.id}": "IŞIKLI LaserJet"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    ticket = db.session.scalar(select(Ticket))
    for q in ("ışıklı", "IŞIKLI", "isikli laserjet", "yazici laserjet"):
        assert _found(admin_client, q) == [ticket.number], q
    from plugins.support.search import matching_tickets

    assert db.session.scalars(matching_tickets("laserjet", include_internal=False)).all() == []


def test_a_searchable_data_field_is_found_with_its_new_value_and_a_plain_one_is_not(app, kit, admin_client, admin,
                                                                                      factory):
    searchable = kit.field(label="Seri no", places={"staff_ticket": "edit"}, searchable=True)
    plain = kit.field(label="Dahili kod", places={"staff_ticket": "edit"})
    ticket = services.open_ticket("Yazıcı", contact=factory.contact(), body="Bozuk.", channel="portal",
                                  author=SYSTEM)
    services.set_field_values(ticket, {f"forms_df{searchable.id}": "ŞUBE-7", f"forms_df{plain.id}": "gizlikod"},
                              actor=admin)
    assert _found(admin_client, "şube") == [ticket.number] and _found(admin_client, "sube 7") == [ticket.number]
    assert _found(admin_client, "gizlikod") == []
    db.session.expire_all()
    services.set_field_values(db.session.get(Ticket, ticket.id), {f"forms_df{searchable.id}": "MERKEZ"},
                              actor=admin)
    assert _found(admin_client, "merkez") == [ticket.number]
    assert _found(admin_client, "sube") == []
