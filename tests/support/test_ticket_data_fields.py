"""Data fields (crm_data_fields) on the staff ticket page and in open_ticket / set_field_values, with a throwaway plugin."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm.actors import SYSTEM
from crm.audit import AuditEntry
from crm.extensions import db
from crm.hooks.manager import host
from plugins.support import access, services
from plugins.support.models import Ticket, TicketHistory
from tests.fields_kit import app_plugins, field_table, plugin, stored  # noqa: F401


@pytest.fixture
def admin(factory):
    return factory.admin()


@pytest.fixture
def admin_client(client, auth, admin):
    auth.login(admin)
    return client


def _staff_fields(plugin):
    fields = [plugin.text(), plugin.number(), plugin.choice(editable=False)]
    plugin.fields[("ticket", "staff_ticket")] = fields
    return fields


def _seed(ticket, plugin, **values):
    db.session.commit()
    plugin.store.save("ticket", ticket.id, values, SYSTEM)
    db.session.commit()


# the page ---------------------------------------------------------------------------------------

def test_the_page_shows_editable_inputs_and_read_only_values(app, admin_client, desk, plugin):
    _staff_fields(plugin)
    ticket = desk.ticket()
    _seed(ticket, plugin, fieldtest_order="A-17", fieldtest_os="linux")
    page = admin_client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert 'name="fieldtest_order"' in page and 'value="A-17"' in page and 'name="fieldtest_count"' in page
    assert 'name="fieldtest_os"' not in page  # read-only here: shown, never an input
    assert 'data-field="fieldtest_os"' in page and "Linux" in page
    assert "Additional information" in page
    fields_form = page[page.index(f'/support/tickets/{ticket.number}/fields"'):]
    fields_form = fields_form[:fields_form.index("</form>")]
    assert re.search(rf'name="version"[^>]*value="{ticket.version}"', fields_form)  # the version it was shown at
    context = plugin.asked[-1][2]
    assert context["ticket"] == ticket.id and context["topic"] is None


def test_saving_records_history_audit_and_a_new_version(app, admin_client, desk, plugin, admin):
    _staff_fields(plugin)
    ticket = desk.ticket()
    version = ticket.version
    response = admin_client.post(f"/support/tickets/{ticket.number}/fields",
                                 data={"version": version, "fieldtest_order": "B-2", "fieldtest_count": "3"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert stored("ticket", ticket.id) == {(ticket.id, "fieldtest_order"): "B-2", (ticket.id, "fieldtest_count"): 3}
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).version == version + 1
    rows = {r.field: (r.old, r.new) for r in db.session.scalars(select(TicketHistory).where(
        TicketHistory.ticket_id == ticket.id, TicketHistory.field.like("fieldtest%")))}
    assert rows == {"fieldtest_order": (None, "B-2"), "fieldtest_count": (None, "3")}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.fields_changed"))
    assert entry is not None and entry.actor_id == admin.id and entry.object_id == ticket.number
    page = admin_client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert "Order number: — → B-2" in page  # the history names the field by its label


def test_bad_values_are_refused_with_errors_and_nothing_is_stored(app, admin_client, desk, plugin):
    _staff_fields(plugin)
    ticket = desk.ticket()
    response = admin_client.post(f"/support/tickets/{ticket.number}/fields",
                                 data={"version": ticket.version, "fieldtest_order": "x" * 21,
                                       "fieldtest_count": "500"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Field cannot be longer than 20 characters." in page and "Number must be between 1 and 99." in page
    assert stored("ticket") == {}
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).version == ticket.version


def test_errors_are_localized(app, client, auth, desk, plugin, factory):
    plugin.fields[("ticket", "staff_ticket")] = [plugin.text(required=True)]
    ticket = desk.ticket()
    auth.login(factory.admin(locale="tr"))
    response = client.post(f"/support/tickets/{ticket.number}/fields",
                           data={"version": ticket.version, "fieldtest_order": ""})
    assert response.status_code == 400
    assert "Bu alan zorunludur." in response.get_data(as_text=True)
    assert stored("ticket") == {}


def test_a_read_only_field_is_never_taken_from_the_request(app, admin_client, desk, plugin):
    _staff_fields(plugin)
    ticket = desk.ticket()
    response = admin_client.post(f"/support/tickets/{ticket.number}/fields",
                                 data={"version": ticket.version, "fieldtest_os": "windows",
                                       "fieldtest_order": "C-3"})
    assert response.status_code == 302
    assert stored("ticket", ticket.id) == {(ticket.id, "fieldtest_order"): "C-3"}


def test_a_stale_form_is_refused(app, admin_client, desk, plugin):
    _staff_fields(plugin)
    ticket = desk.ticket()
    response = admin_client.post(f"/support/tickets/{ticket.number}/fields",
                                 data={"version": ticket.version - 1, "fieldtest_order": "D-4"})
    assert response.status_code == 409
    assert stored("ticket") == {}


def test_staff_without_the_edit_permission_see_values_only(app, client, auth, desk, plugin, factory):
    _staff_fields(plugin)
    ticket = desk.ticket()
    _seed(ticket, plugin, fieldtest_order="A-17")
    role = factory.role(permissions=["support.tickets.view"])
    viewer = factory.user(role=role)
    auth.login(viewer)
    page = client.get(f"/support/tickets/{ticket.number}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "A-17" in html and 'name="fieldtest_order"' not in html
    response = client.post(f"/support/tickets/{ticket.number}/fields", data={"fieldtest_order": "X"})
    assert response.status_code == 403
    assert stored("ticket", ticket.id) == {(ticket.id, "fieldtest_order"): "A-17"}


def test_anonymous_and_staff_who_cannot_see_the_ticket_are_refused(app, client, auth, desk, plugin, factory,
                                                                    set_support):
    _staff_fields(plugin)
    set_support(staff_department_only=True)
    ticket = desk.ticket(department=factory.department())
    response = client.post(f"/support/tickets/{ticket.number}/fields", data={"fieldtest_order": "X"})
    assert response.status_code in (302, 401)
    auth.login(factory.user(departments=[factory.department()]))
    assert client.post(f"/support/tickets/{ticket.number}/fields", data={"fieldtest_order": "X"}).status_code == 404
    assert stored("ticket") == {}


def test_without_fields_the_page_is_unchanged_and_posting_is_404(app, admin_client, desk, plugin):
    ticket = desk.ticket()
    page = admin_client.get(f"/support/tickets/{ticket.number}")
    assert page.status_code == 200 and "ticket-data-fields" not in page.get_data(as_text=True)
    assert admin_client.post(f"/support/tickets/{ticket.number}/fields", data={}).status_code == 404


def test_a_disabled_plugin_s_fields_disappear_and_come_back(app, admin_client, desk, plugin, admin):
    _staff_fields(plugin)
    ticket = desk.ticket()
    _seed(ticket, plugin, fieldtest_order="A-17")
    host().set_enabled(plugin.name, False, user=admin)
    db.session.commit()
    page = admin_client.get(f"/support/tickets/{ticket.number}")
    assert page.status_code == 200 and "A-17" not in page.get_data(as_text=True)
    assert admin_client.post(f"/support/tickets/{ticket.number}/fields",
                             data={"fieldtest_order": "X"}).status_code == 404
    host().set_enabled(plugin.name, True, user=admin)
    db.session.commit()
    assert "A-17" in admin_client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)


def test_the_page_s_query_count_does_not_grow_with_the_fields(app, admin_client, desk, plugin, count_queries):
    ticket = desk.ticket()
    url = f"/support/tickets/{ticket.number}"

    def queries():
        admin_client.get(url)
        with count_queries() as q:
            assert admin_client.get(url).status_code == 200
        return q.count

    none = queries()
    plugin.many(1, ("ticket", "staff_ticket"))
    one = queries()
    assert one == none + 1  # the store's one load
    fields = plugin.many(10, ("ticket", "staff_ticket"))
    _seed(ticket, plugin, **{f.name: f"value {i}" for i, f in enumerate(fields)})
    assert queries() == one


# the services ---------------------------------------------------------------------------------

def test_open_ticket_saves_answers_in_its_unit_of_work(app, factory, plugin):
    order, urgent = plugin.text(), plugin.checkbox(editable=False)
    db.session.commit()
    ticket = services.open_ticket("With answers", author=SYSTEM, contact=factory.contact(), body="hi",
                                  channel="portal", fields=[(order, "E-5"), (urgent, True)])
    assert stored("ticket", ticket.id) == {(ticket.id, "fieldtest_order"): "E-5"}  # read-only: ignored


def test_a_refused_ticket_stores_no_answers(app, factory, plugin):
    db.session.commit()
    with pytest.raises(services.TicketError):
        services.open_ticket("", author=SYSTEM, contact=factory.contact(), body="hi", channel="portal",
                             fields=[(plugin.text(), "F-6")])
    assert stored("ticket") == {}
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_a_failure_after_the_answers_were_staged_rolls_them_back(app, factory, plugin, monkeypatch):
    from plugins.support import notifications

    def broken(*args, **kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(notifications, "email_ticket_opened", broken)
    db.session.commit()
    with pytest.raises(RuntimeError):
        services.open_ticket("Lost", author=SYSTEM, contact=factory.contact(), body="hi", channel="portal",
                             fields=[(plugin.text(), "G-7")], notify_customer=True)
    assert stored("ticket") == {}
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_set_field_values_refuses_unknown_and_read_only_names(app, desk, plugin, admin):
    fields = _staff_fields(plugin)
    ticket = desk.ticket()
    for name in ("fieldtest_os", "nope"):
        with pytest.raises(services.TicketError) as caught:
            services.set_field_values(ticket, {name: "linux"}, actor=admin, fields=fields)
        assert caught.value.field == name
    assert stored("ticket") == {}


def test_set_field_values_checks_the_actor(app, desk, plugin, factory):
    fields = _staff_fields(plugin)
    ticket = desk.ticket()
    viewer = factory.user(role=factory.role(permissions=["support.tickets.view"]))
    with pytest.raises(services.TicketForbidden):
        services.set_field_values(ticket, {"fieldtest_order": "X"}, actor=viewer, fields=fields)
    stranger = access.Customer.of(factory.contact())
    with pytest.raises(services.TicketForbidden):
        services.set_field_values(ticket, {"fieldtest_order": "X"}, actor=stranger, fields=fields)
    with pytest.raises(TypeError):
        services.set_field_values(ticket, {"fieldtest_order": "X"}, actor=None, fields=fields)
    assert stored("ticket") == {}


def test_set_field_values_by_the_customer_asks_for_their_place(app, desk, plugin, factory):
    contact = factory.contact()
    ticket = desk.ticket(contact=contact)
    plugin.fields[("ticket", "portal_ticket")] = [plugin.text()]
    changes = services.set_field_values(ticket, {"fieldtest_order": "H-8"}, actor=contact)
    assert changes == {"fieldtest_order": (None, "H-8")}
    assert stored("ticket", ticket.id) == {(ticket.id, "fieldtest_order"): "H-8"}
    history = db.session.scalar(select(TicketHistory).where(TicketHistory.field == "fieldtest_order"))
    assert history.contact_id == contact.id and history.user_id is None
    assert services.set_field_values(ticket, {"fieldtest_order": "H-8"}, actor=contact) == {}


# the list ---------------------------------------------------------------------------------------

def test_list_fields_are_columns_and_filters(app, admin_client, desk, plugin):
    plugin.fields[("ticket", "staff_list")] = [plugin.choice(), plugin.checkbox()]
    linux, windows, bare = desk.ticket(subject="On Linux"), desk.ticket(subject="On Windows"), desk.ticket(subject="Bare")
    _seed(linux, plugin, fieldtest_os="linux", fieldtest_urgent=True)
    _seed(windows, plugin, fieldtest_os="windows")
    page = admin_client.get("/support/tickets").get_data(as_text=True)
    assert page.count('class="data-field-column"') == 2 + 2 * 3  # headers, then a cell per field and ticket
    assert "Windows" in page and 'name="df_fieldtest_os"' in page
    filtered = admin_client.get("/support/tickets?df_fieldtest_os=linux").get_data(as_text=True)
    assert "On Linux" in filtered and "On Windows" not in filtered and "Bare" not in filtered
    assert "Some filters were not understood" not in filtered
    # the checkbox's store cannot filter: the filter is reported and ignored
    ignored = admin_client.get("/support/tickets?df_fieldtest_urgent=y").get_data(as_text=True)
    assert "Some filters were not understood" in ignored and "On Windows" in ignored and "Bare" in ignored


def test_list_query_count_does_not_grow_with_fields_or_rows(app, admin_client, desk, plugin, count_queries):
    def queries(url="/support/tickets"):
        admin_client.get(url)
        with count_queries() as q:
            assert admin_client.get(url).status_code == 200
        return q.count

    tickets = [desk.ticket(subject=f"T{i}") for i in range(3)]
    none = queries()
    plugin.many(1, ("ticket", "staff_list"))
    one = queries()
    assert one == none + 1  # the store's one load for the page
    fields = plugin.many(10, ("ticket", "staff_list"))
    for ticket in tickets + [desk.ticket(subject=f"U{i}") for i in range(5)]:
        _seed(ticket, plugin, **{f.name: f"v{ticket.id}" for f in fields})
    assert queries() == one
    assert queries(f"/support/tickets?df_{fields[0].name}=v{tickets[0].id}") <= one + 1  # the filter adds a count
