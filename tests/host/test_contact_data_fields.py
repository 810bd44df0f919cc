"""Data fields (crm_data_fields) on the admin contact form (subject ``contact``, place ``staff_contact``)."""
from __future__ import annotations

import pytest

from crm.extensions import db
from crm.hooks.manager import host
from tests.fields_kit import app_plugins, field_table, plugin, stored  # noqa: F401


def _form(contact, **extra):
    return {"name": contact.name, "email": contact.email, "phone": "", "position": "", "company_id": "",
            "locale": "", "timezone": "", "external_id": "", **extra}


def test_the_contact_form_shows_and_saves_the_fields(app, client, auth, factory, plugin):
    plugin.fields[("contact", "staff_contact")] = [plugin.choice(), plugin.text(editable=False)]
    contact = factory.contact(name="Zeynep")
    db.session.commit()
    plugin.store.save("contact", contact.id, {"fieldtest_order": "Z-1"}, None)
    db.session.commit()
    auth.login(factory.admin())
    page = client.get(f"/admin/contacts/{contact.id}").get_data(as_text=True)
    assert 'name="fieldtest_os"' in page and "Z-1" in page and 'name="fieldtest_order"' not in page
    response = client.post(f"/admin/contacts/{contact.id}", data=_form(contact, fieldtest_os="linux",
                                                                        fieldtest_order="hacked"))
    assert response.status_code == 302
    assert stored("contact", contact.id) == {(contact.id, "fieldtest_os"): "linux", (contact.id, "fieldtest_order"): "Z-1"}


def test_a_new_contact_gets_its_fields_and_a_bad_value_stores_nothing(app, client, auth, factory, plugin):
    plugin.fields[("contact", "staff_contact")] = [plugin.number()]
    auth.login(factory.admin())
    data = {"name": "Ada", "email": "ada@example.org", "phone": "", "position": "", "company_id": "", "locale": "",
            "timezone": "", "external_id": ""}
    refused = client.post("/admin/contacts/new", data={**data, "fieldtest_count": "0"})
    assert refused.status_code == 200 and "Number must be between 1 and 99." in refused.get_data(as_text=True)
    assert stored("contact") == {}
    assert client.post("/admin/contacts/new", data={**data, "fieldtest_count": "4"}).status_code == 302
    [(key, value)] = stored("contact").items()
    assert key[1] == "fieldtest_count" and value == 4


def test_staff_who_are_not_admins_are_refused(app, client, auth, factory, plugin):
    plugin.fields[("contact", "staff_contact")] = [plugin.number()]
    contact = factory.contact()
    auth.login(factory.user())
    assert client.post(f"/admin/contacts/{contact.id}", data=_form(contact, fieldtest_count="3")).status_code == 403
    assert stored("contact") == {}


def test_a_disabled_plugin_leaves_the_form_as_it_was(app, client, auth, factory, plugin):
    plugin.fields[("contact", "staff_contact")] = [plugin.number()]
    admin = factory.admin()
    host().set_enabled(plugin.name, False, user=admin)
    db.session.commit()
    contact = factory.contact()
    auth.login(admin)
    page = client.get(f"/admin/contacts/{contact.id}")
    assert page.status_code == 200 and "fieldtest" not in page.get_data(as_text=True)
    assert client.post(f"/admin/contacts/{contact.id}", data=_form(contact, fieldtest_count="3")).status_code == 302
    assert stored("contact") == {}
