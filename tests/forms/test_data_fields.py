"""Data fields (F-4): shown at the places the builder chose, editable or view-only there; list filters; topic forms.

Through the host's field API (:mod:`crm.fields`) as every page uses it,
and through the staff ticket page.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from crm.actors import SYSTEM
from crm.extensions import db
from crm.fields import data_fields, filter_statement, form_with_fields, load_values, save_values, submitted_values
from flask_babel import refresh
from flask_wtf import FlaskForm
from plugins.forms.models import ContactValue, Response, TicketValue, TopicForm
from plugins.forms.stores import DATA_VALUES
from plugins.support.models import Ticket


class Empty(FlaskForm):
    """A page form with nothing of its own."""


def _names(fields):
    return {f.name: f.editable for f in fields}


def test_fields_appear_at_the_places_chosen_view_or_edit(app, kit):
    edit = kit.field(label="Seri no", places={"staff_ticket": "edit", "portal_ticket": "view"})
    view = kit.field(label="Sözleşme", places={"staff_ticket": "view", "portal_new": "edit"})
    hidden = kit.field(label="Gizli", places={})
    profile = kit.field(subject="contact", label="Vergi no", places={"portal_profile": "edit",
                                                                     "staff_contact": "view"})
    with app.test_request_context():
        assert _names(data_fields("ticket", "staff_ticket")) == {f"forms_df{edit.id}": True,
                                                                 f"forms_df{view.id}": False}
        assert _names(data_fields("ticket", "portal_ticket")) == {f"forms_df{edit.id}": False}
        # the new-ticket pages offer only fields to fill in; the public form follows the portal's choice
        assert _names(data_fields("ticket", "portal_new")) == {f"forms_df{view.id}": True}
        assert _names(data_fields("ticket", "public_form")) == {f"forms_df{view.id}": True}
        assert _names(data_fields("ticket", "staff_new")) == {}
        assert _names(data_fields("contact", "portal_profile")) == {f"forms_df{profile.id}": True}
        assert _names(data_fields("contact", "staff_contact")) == {f"forms_df{profile.id}": False}
        assert f"forms_df{hidden.id}" not in _names(data_fields("ticket", "export"))


def test_labels_and_options_follow_the_reader_language(app, kit):
    field = kit.field(kind="choice", label="Cihaz", options=["Yazıcı"], places={"staff_ticket": "edit"},
                      translations={"en": {"label": "Device", "options": ["Printer"]}})
    from plugins.forms.models import Option

    option = db.session.scalar(select(Option).where(Option.field_id == field.id))
    option.translations = {"en": {"label": "Printer"}}
    db.session.commit()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        [shown] = data_fields("ticket", "staff_ticket")
        assert shown.label == "Device" and shown.choices == ((str(option.id), "Printer"),)
    with app.test_request_context(headers={"Accept-Language": "tr"}):
        refresh()  # the test's app context outlives the first request's locale
        [shown] = data_fields("ticket", "staff_ticket")
        assert shown.label == "Cihaz" and shown.choices == ((str(option.id), "Yazıcı"),)


def test_values_of_every_kind_save_load_and_show(app, kit, factory):
    kinds = {
        "text": ("A-17", "A-17"), "number": ("12.50", Decimal("12.5")), "date": ("2026-11-30", date(2026, 11, 30)),
        "checkbox": ("y", True), "email": ("it@example.org", "it@example.org"),
    }
    rows = {kind: kit.field(kind=kind, label=kind, places={"staff_ticket": "edit"}) for kind in kinds}
    choice = kit.field(kind="multichoice", label="multi", options=["a", "b", "c"], places={"staff_ticket": "edit"})
    ticket = factory.ticket("Printer", "It smokes.")
    with app.test_request_context(method="POST", data=MultiDict(
            [(f"forms_df{rows[k].id}", v[0]) for k, v in kinds.items()]
            + [(f"forms_df{choice.id}", str(o.id)) for o in choice.options[:2]])):
        fields = data_fields("ticket", "staff_ticket", ticket=ticket)
        form = form_with_fields(Empty, fields)
        assert form.validate(), form.errors
        save_values("ticket", ticket.id, fields, submitted_values(form, fields), SYSTEM)
        db.session.commit()
        values = load_values("ticket", [ticket.id], fields)[ticket.id]
        for kind, (_raw, expected) in kinds.items():
            assert values[f"forms_df{rows[kind].id}"] == expected, kind
        shown = {f.name: f.text(values.get(f.name)) for f in fields}
        assert shown[f"forms_df{choice.id}"] == "a, b"
        assert shown[f"forms_df{rows['checkbox'].id}"] == "Yes"
    # emptied values are removed, not kept as blanks
    with app.test_request_context(method="POST", data={}):
        fields = data_fields("ticket", "staff_ticket", ticket=ticket)
        form = form_with_fields(Empty, fields)
        assert form.validate()
        save_values("ticket", ticket.id, fields, submitted_values(form, fields), SYSTEM)
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(TicketValue)) == 1  # the unchecked checkbox: "no"


def test_required_and_typed_fields_refuse_bad_values(app, kit):
    number = kit.field(kind="number", label="Adet", required=True, min_value=1, max_value=5,
                       places={"portal_new": "edit"})
    with app.test_request_context(method="POST", data={f"forms_df{number.id}": "7"}):
        fields = data_fields("ticket", "portal_new")
        form = form_with_fields(Empty, fields)
        assert not form.validate()
        assert form.errors[f"forms_df{number.id}"] == ["Number must be between 1 and 5."]
    with app.test_request_context(method="POST", data={}):
        form = form_with_fields(Empty, data_fields("ticket", "portal_new"))
        assert not form.validate() and f"forms_df{number.id}" in form.errors


def test_the_staff_ticket_page_shows_and_saves_data_fields(app, client, auth, factory, kit):
    editable = kit.field(label="Seri no", places={"staff_ticket": "edit"})
    readonly = kit.field(label="Sözleşme no", places={"staff_ticket": "view"})
    ticket = factory.ticket("Printer", "It smokes.")
    db.session.add(TicketValue(ticket_id=ticket.id, field_id=readonly.id, value="S-1", text="S-1", match_key="s-1"))
    db.session.commit()
    auth.login(factory.admin())
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert f'name="forms_df{editable.id}"' in page and f'name="forms_df{readonly.id}"' not in page
    assert "Sözleşme no" in page and "S-1" in page
    response = client.post(f"/support/tickets/{ticket.number}/fields", data={
        "version": ticket.version, f"forms_df{editable.id}": "SN-42", f"forms_df{readonly.id}": "hacked"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = {v.field_id: v.text for v in db.session.scalars(select(TicketValue))}
    assert stored == {editable.id: "SN-42", readonly.id: "S-1"}  # a view-only field is never taken from a request


def test_contact_values_are_kept_per_contact(app, kit, factory):
    field = kit.field(subject="contact", label="Vergi no", places={"portal_profile": "edit"})
    first, second = factory.contact(), factory.contact()
    with app.test_request_context():
        fields = data_fields("contact", "portal_profile")
        save_values("contact", first.id, fields, {f"forms_df{field.id}": "123"}, SYSTEM)
        db.session.commit()
        assert load_values("contact", [first.id, second.id], fields) == {first.id: {f"forms_df{field.id}": "123"},
                                                                          second.id: {}}
    assert db.session.scalar(select(ContactValue.text)) == "123"


@pytest.mark.parametrize("kind, stored, raw, matches", [
    ("text", ["HP LaserJet", "Canon"], "laserjet", [0]),
    ("text", ["100%", "100 x"], "100%", [0]),
    ("checkbox", [True, False], "yes", [0]),
    ("number", ["3", "4"], "4", [1]),
    ("choice", None, "first", [0]),
    ("multichoice", None, "second", [0, 1]),
])
def test_list_filters_select_matching_tickets(app, kit, factory, kind, stored, raw, matches):
    field = kit.field(kind=kind, label="F", list_filter=True, options=["first", "second"])
    tickets = [factory.ticket(f"T{n}", "b") for n in range(3)]
    options = {o.label: str(o.id) for o in field.options}
    if kind == "choice":
        stored = [options["first"], options["second"]]
    elif kind == "multichoice":
        stored = [[options["first"], options["second"]], [options["second"]]]
        raw = "second"
    with app.test_request_context():
        [record] = data_fields("ticket", "staff_list")
        assert record.editable is False
        for ticket, value in zip(tickets, stored):
            DATA_VALUES.save("ticket", ticket.id, {record.name: value}, SYSTEM)
        db.session.commit()
        wanted = options.get(raw, raw)
        found = set(db.session.scalars(filter_statement("ticket", record, wanted)))
        assert found == {tickets[i].id for i in matches}
        # a value that is no option, or a wildcard, matches nothing rather than everything
        if kind in ("choice", "multichoice"):
            assert set(db.session.scalars(filter_statement("ticket", record, "%"))) == set()


def test_the_topic_settings_choose_the_topic_form(app, kit):
    topic = kit.topic()
    form = kit.form(label="Donanım")
    with app.test_request_context():
        [field] = data_fields("topic", "topic_settings", topic=topic)
        assert ("", "No form") in field.choices and (str(form.id), "Donanım") in field.choices
        save_values("topic", topic.id, [field], {field.name: str(form.id)}, SYSTEM)
        db.session.commit()
        assert load_values("topic", [topic.id], [field]) == {topic.id: {field.name: str(form.id)}}
        save_values("topic", topic.id, [field], {field.name: ""}, SYSTEM)
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(TopicForm)) == 0


def test_asking_for_fields_costs_no_query_but_the_ticket_answered_forms(app, kit, factory,
                                                                                   count_queries):
    ticket = factory.ticket("Printer", "It smokes.")

    def cost():
        with app.test_request_context():
            data_fields("ticket", "staff_ticket", ticket=ticket)  # the host's own caches warm up first
            with count_queries() as q:
                found = data_fields("ticket", "staff_ticket", ticket=ticket)
            return q.count, len(found)

    assert cost() == (0, 0)  # the builder's rows are kept per process until they change
    for n in range(5):
        kit.field(kind="choice", label=f"F{n}", options=["a", "b"], places={"staff_ticket": "view"})
    assert cost() == (0, 5)
    form = kit.form(questions=[{"kind": "text", "label": "Q1"}, {"kind": "text", "label": "Q2"}])
    db.session.add(Response(form_id=form.id, ticket_id=ticket.id))
    db.session.commit()
    assert cost() == (1, 7)  # which forms the ticket answered: one query, whatever their questions


def test_the_ticket_page_query_count_does_not_grow_with_fields_and_answers(app, client, auth, factory, kit,
                                                                          count_queries):
    admin = factory.admin()
    auth.login(admin)
    ticket = factory.ticket("Printer", "It smokes.")
    client.get(f"/support/tickets/{ticket.number}")

    def measure():
        with count_queries() as q:
            assert client.get(f"/support/tickets/{ticket.number}").status_code == 200
        return q.count

    kit.field(label="Only one", places={"staff_ticket": "view"})
    one = measure()
    for n in range(10):
        field = kit.field(kind="choice", label=f"F{n}", options=["a", "b"], places={"staff_ticket": "edit"},
                          position=n + 1)
        db.session.add(TicketValue(ticket_id=ticket.id, field_id=field.id, value=str(field.options[0].id),
                                   text="a", match_key="x"))
    db.session.commit()
    assert measure() == one
    assert db.session.get(Ticket, ticket.id) is not None



def test_the_staff_list_shows_and_filters_by_list_fields_in_constant_queries(app, client, auth, factory, kit,
                                                                            count_queries):
    auth.login(factory.admin())
    device = kit.field(kind="choice", label="Cihaz", options=["Yazıcı", "Tarayıcı"], list_filter=True)
    printer, scanner = (str(o.id) for o in device.options)
    tickets = [factory.ticket(f"Ticket {n}", "b") for n in range(4)]
    for ticket, option in zip(tickets, [printer, scanner, printer, None]):
        if option:
            db.session.add(TicketValue(ticket_id=ticket.id, field_id=device.id, value=option,
                                       text="Yazıcı" if option == printer else "Tarayıcı", match_key=f"|{option}|"))
    db.session.commit()
    page = client.get(f"/support/tickets?df_forms_df{device.id}={printer}").get_data(as_text=True)
    assert "Ticket 0" in page and "Ticket 2" in page and "Ticket 1" not in page and "Ticket 3" not in page
    assert "Yazıcı" in page  # the column

    def measure():
        with count_queries() as q:
            assert client.get("/support/tickets").status_code == 200
        return q.count

    client.get("/support/tickets")
    before = measure()
    for n in range(9):
        field = kit.field(kind="text", label=f"Alan {n}", list_filter=True, position=n + 1)
        for ticket in tickets:
            db.session.add(TicketValue(ticket_id=ticket.id, field_id=field.id, value=f"v{n}", text=f"v{n}",
                                       match_key=f"v{n}"))
    db.session.commit()
    client.get("/support/tickets")
    assert measure() == before
