"""Data fields (crm_data_fields, place staff_new) in the "new ticket" wizard: asked for the topic of step 1,
shown and validated by step 2's form, kept in the draft, saved with the ticket or not at all."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.hooks.manager import host
from plugins.support import plugin as support_plugin
from plugins.support.models import Ticket
from tests.fields_kit import field_table, plugin, stored  # noqa: F401
from tests.support.test_new_ticket import Desk, post, start, step1, step2, step3, url


@pytest.fixture
def app_plugins(plugin):
    return [support_plugin, plugin]


@pytest.fixture
def desk(app, db, factory):
    return Desk(db, factory)


def _fields(plugin):
    fields = [plugin.text(required=True), plugin.number(), plugin.choice(editable=False)]
    plugin.fields[("ticket", "staff_new")] = fields
    return fields


def test_step_two_asks_for_the_topic_s_fields_and_the_answers_open_with_the_ticket(desk, db, client, auth, plugin):
    _fields(plugin)
    auth.login(desk.agent)
    draft = start(client)
    assert post(client, draft, 1, **step1(desk)).status_code == 302
    page = client.get(url(draft, 2)).get_data(as_text=True)
    assert 'name="fieldtest_order"' in page and 'name="fieldtest_count"' in page and 'name="fieldtest_os"' not in page
    asked = [c for s, p, c in plugin.asked if (s, p) == ("ticket", "staff_new")]
    assert asked[-1]["topic"] == desk.topic.id and asked[-1]["ticket"] is None
    assert post(client, draft, 2, **step2(fieldtest_order="W-1", fieldtest_count="5",
                                         fieldtest_os="linux")).status_code == 302
    # moving back and forth keeps the answers
    assert 'value="W-1"' in client.get(url(draft, 2)).get_data(as_text=True)
    response = post(client, draft, 3, go="create", **step3(desk))
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert stored("ticket", ticket.id) == {(ticket.id, "fieldtest_order"): "W-1", (ticket.id, "fieldtest_count"): 5}


def test_a_missing_or_bad_answer_is_shown_in_step_two_and_nothing_is_stored(desk, db, client, auth, plugin):
    _fields(plugin)
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    response = post(client, draft, 2, **step2(fieldtest_count="500"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This field is required." in page and "Number must be between 1 and 99." in page
    # finishing from step 3 sends the agent back to step 2 with the errors
    finished = post(client, draft, 3, go="create", **step3(desk))
    assert finished.status_code == 302 and finished.headers["Location"].endswith(f"/{draft}/2?check=1")
    assert "This field is required." in client.get(finished.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0 and stored("ticket") == {}


def test_errors_are_localized(desk, db, client, auth, plugin, factory):
    _fields(plugin)
    auth.login(factory.user(departments=[desk.support], locale="tr"))
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    response = post(client, draft, 2, **step2())
    assert response.status_code == 400 and "Bu alan zorunludur." in response.get_data(as_text=True)


def test_without_a_plugin_answering_the_wizard_is_unchanged(desk, db, client, auth, plugin):
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    assert "fieldtest" not in client.get(url(draft, 2)).get_data(as_text=True)
    assert post(client, draft, 2, **step2(fieldtest_order="ignored")).status_code == 302
    assert post(client, draft, 3, go="create", **step3(desk)).status_code == 302
    assert stored("ticket") == {} and db.session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_disabled_plugin_s_fields_disappear(desk, db, client, auth, plugin, factory):
    _fields(plugin)
    host().set_enabled(plugin.name, False, user=factory.admin())
    db.session.commit()
    auth.login(desk.agent)
    draft = start(client)
    post(client, draft, 1, **step1(desk))
    assert "fieldtest" not in client.get(url(draft, 2)).get_data(as_text=True)
    assert post(client, draft, 2, **step2()).status_code == 302
    assert post(client, draft, 3, go="create", **step3(desk)).status_code == 302
    assert stored("ticket") == {}


def test_the_step_forms_hold_the_rules(app, desk, db):
    from plugins.support import wizard_forms
    from plugins.support.wizard import Choices

    choices = Choices()
    errors = wizard_forms.check_step(2, {"action": "ticket", "customer_email": "nope", "subject": "s" * 251},
                                     choices)
    assert errors == {"customer_name": "Enter the customer's name.", "customer_email": "Enter a valid email address.",
                      "subject": "Use at most 250 characters."}
    assert wizard_forms.check_step(2, {"action": "template"}, choices) == {}
    errors = wizard_forms.check_step(3, {"assign_to": "team", "priority": "nope", "tags": "x" * 2001}, choices)
    assert errors == {"priority": "Choose one of the offered values.",
                      "assignee_department_id": "Choose the team that gets the ticket.",
                      "tags": "Use at most 2000 characters."}
