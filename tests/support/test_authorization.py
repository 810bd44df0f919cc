"""Authorization matrix over every support route: admin, staff in and outside the ticket's department
(with staff_department_only on), non-staff member with members_access off and on, anonymous."""
import io

import pytest
from flask import url_for
from sqlalchemy import select

from crm.actors import SYSTEM
from crm.extensions import db
from plugins.support import services, statuses
from plugins.support.models import Attachment, Brand, Service, Topic

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
ROLES = ["admin", "staff_in", "staff_out", "member_off", "member_on", "anonymous"]
OK = {200, 302}
LOGIN = "login"

# endpoint -> {role: expected}; "ok" means 200 or a redirect that is not to the login page
DESK_VIEW = {"admin": "ok", "staff_in": "ok", "staff_out": 404, "member_off": 403, "member_on": "ok",
             "anonymous": LOGIN}
DESK_EDIT = {**DESK_VIEW, "member_on": 403}
DESK_DELETE = {**DESK_VIEW, "staff_in": 403, "member_on": 403}
ADMIN_ONLY = {"admin": "ok", "staff_in": 403, "staff_out": 403, "member_off": 403, "member_on": 403,
              "anonymous": LOGIN}
EXPECTED = {
    "support.tickets": {**DESK_VIEW, "staff_out": "ok"},
    "support.bulk": {**DESK_EDIT, "staff_out": "ok"},
    "support.ticket": DESK_VIEW,
    "support.attachment": DESK_VIEW,
    "support.attachment_preview": DESK_VIEW,
    "support.contact_search": {**DESK_VIEW, "staff_out": "ok"},  # finds only contacts they may open tickets for
    "support.reply": DESK_VIEW,
    "support.note": DESK_VIEW,
    "support.edit": DESK_EDIT,
    # data fields: no plugin adds any here, so 404 after the access checks (tests/support/test_ticket_data_fields.py)
    "support.set_fields": {**DESK_EDIT, "admin": 404, "staff_in": 404},
    "support.delete_post": DESK_DELETE,
    "support.delete": DESK_DELETE,
}
# routes of the "new ticket" wizard, ticket templates and callback are checked by their own tests;
# here they only must not serve anonymous users nor fail
OTHER_FEATURES = {"support.new_ticket", "support.new_ticket_step", "support.new_ticket_callback",
                  "support.ticket_templates", "support.delete_ticket_template",
                  # canned replies: tests/support/test_canned_replies.py
                  "support.canned_reply_text", "support.canned_insert", "support.my_canned_replies",
                  "support.my_canned_replies_new", "support.my_canned_replies_edit",
                  "support.my_canned_replies_delete", "support_canned_admin.index", "support_canned_admin.new",
                  "support_canned_admin.edit", "support_canned_admin.delete",
                  "support.tag_suggestions"}  # tests/support/test_wizard_tags.py


def _support_rules(app):
    # static files (scripts) are public like the host's own; every other route is checked
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint.startswith(("support.", "support_admin.", "support_canned_admin."))
             and not r.endpoint.endswith(".static")]
    # destructive routes last, the ticket's own deletion at the very end
    order = lambda r: (r.endpoint == "support.delete", "delete" in r.endpoint, r.endpoint)
    return sorted(rules, key=order)


def _expected(endpoint):
    if endpoint.startswith("support_admin."):
        return ADMIN_ONLY
    return EXPECTED.get(endpoint)


@pytest.fixture
def world(app, factory, set_support):
    set_support(staff_department_only=True)
    dep_a, dep_b = factory.department(), factory.department()
    people = {
        "admin": factory.admin(),
        "staff_in": factory.user(departments=[dep_a]),
        "staff_out": factory.user(departments=[dep_b]),
        "member_off": factory.user(role="member", departments=[dep_a]),
        "member_on": factory.user(role="member", departments=[dep_a]),
    }
    from werkzeug.datastructures import FileStorage

    ticket = services.open_ticket("Matrix", contact=factory.contact(), department=dep_a, body="hello", author=SYSTEM,
                                  channel="portal")
    post = services.add_note(ticket, "with file", author=people["admin"],
                             attachments=[FileStorage(io.BytesIO(PNG), filename="a.png")])
    attachment = db.session.scalar(select(Attachment).where(Attachment.post_id == post.id))
    for row in (Brand(name="B"), Service(name="S"), Topic(name="T")):
        db.session.add(row)
    db.session.commit()
    rows = {
        "statuses": statuses.status_by_key("on_hold").id, "priorities": statuses.priority_by_key("low").id,
        "brands": db.session.scalar(select(Brand.id)), "services": db.session.scalar(select(Service.id)),
        "topics": db.session.scalar(select(Topic.id)),
    }
    return {"people": people, "ticket": ticket, "post": post, "attachment": attachment, "rows": rows,
            "dep": dep_a, "company": factory.company()}


def _url(app, rule, world):
    values = {}
    for arg in rule.arguments:
        if arg == "number":
            values[arg] = world["ticket"].number
        elif arg == "post_id":
            values[arg] = world["post"].id
        elif arg == "attachment_id":
            values[arg] = world["attachment"].id
        elif arg == "row_id":
            values[arg] = world["rows"][rule.endpoint.split(".")[1].split("_")[0]]
        elif arg == "step":
            values[arg] = 1
        elif arg == "company_id":
            values[arg] = world["company"].id
        elif "id" in arg and "draft" not in arg:
            values[arg] = 1
        else:
            values[arg] = "0" * 32
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def _form(endpoint, world):
    if endpoint in ("support.reply", "support.note"):
        return {"body": "authorized text", "status": statuses.status_by_key("answered").id}
    if endpoint == "support.bulk":
        return {"ids": [world["ticket"].id], "action": "status", "status": statuses.status_by_key("on_hold").id}
    if endpoint == "support.edit":
        return {"status": statuses.status_by_key("in_progress").id, "priority": statuses.priority_by_key("high").id,
                "department": world["dep"].id, "assignee_user": "", "assignee_department": "", "tags": "x"}
    if endpoint.endswith("_move"):
        return {"direction": "up"}
    return {}


@pytest.mark.parametrize("role", ROLES)
def test_every_support_route(app, client, auth, world, role, set_support):
    if role == "member_on":
        set_support(members_access=True)
    if role != "anonymous":
        auth.login(world["people"][role])
    checked = 0
    for rule in _support_rules(app):
        url = _url(app, rule, world)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method, data=_form(rule.endpoint, world) if method == "POST" else None)
        where = f"{role} {method} {rule.endpoint} -> {response.status_code}"
        assert response.status_code < 500, where
        location = response.headers.get("Location", "")
        expected = _expected(rule.endpoint)
        if expected is None:
            assert rule.endpoint in OTHER_FEATURES, f"{rule.endpoint} has no expectation"
            if role == "anonymous":
                assert response.status_code in (302, 401, 404) and (response.status_code != 302 or "/login" in location), where
            continue
        want = expected[role]
        if want == "ok":
            assert response.status_code in OK and "/login" not in location, where
        elif want == LOGIN:
            assert response.status_code == 302 and "/login" in location, where
        else:
            assert response.status_code == want, where
        checked += 1
    assert checked >= len(EXPECTED) + 20


def test_matrix_covers_every_route(app):
    endpoints = {r.endpoint for r in _support_rules(app)}
    assert "support.tickets" in endpoints and "support_admin.statuses" in endpoints
    for endpoint in endpoints:
        assert _expected(endpoint) is not None or endpoint in OTHER_FEATURES, endpoint


def test_disabled_plugin_routes_answer_404(app, client, auth, world):
    host = app.extensions["crm"]
    host.set_enabled("forms", False)
    host.set_enabled("portal", False)
    host.set_enabled("support", False, user=world["people"]["admin"])
    db.session.commit()
    auth.login(world["people"]["admin"])
    assert client.get("/support/tickets").status_code == 404
    assert client.get(f"/support/tickets/{world['ticket'].number}").status_code == 404
    assert client.get("/admin/support/statuses").status_code == 404
