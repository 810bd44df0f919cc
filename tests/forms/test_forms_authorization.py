"""Authorization over every forms route, enumerated from the URL map.

The builder and the responses (``forms_admin``) need ``forms.manage``:
anonymous visitors go to the login page, staff and members without it and
portal customers get 403, staff granted it and admins get the pages. File
answers (``forms``) are served only to those who may see the ticket, and
answer 404 to everyone else (tested with real files in ``test_answers``).
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from crm.audit import AuditEntry
from crm.extensions import db
from plugins.forms.models import Answer, DataField, Form, Question, Response
from tests.portal.portal_kit import portal, site  # noqa: F401

METHODS = ("GET", "POST")


def _rules(app, prefix):
    return [(method, rule) for rule in app.url_map.iter_rules() if rule.endpoint.startswith(prefix)
            and not rule.endpoint.endswith(".static") for method in sorted(rule.methods & set(METHODS))]


@pytest.fixture
def rows(app, kit, factory):
    """Fresh rows for every route parameter (made again before each request: deletes must not hide refusals)."""

    def make():
        topic_form = kit.form(label="Access", questions=[{"kind": "text", "label": "Q"}])
        question = kit.questions(topic_form)[0]
        field = kit.field(label="F")
        ticket = factory.ticket("Access", "b")
        response = Response(form_id=topic_form.id, ticket_id=ticket.id)
        db.session.add(response)
        db.session.flush()
        answer = Answer(response_id=response.id, question_id=question.id, ticket_id=ticket.id,
                        value={"key": "forms/none", "filename": "x.txt"}, text="x.txt")
        db.session.add(answer)
        db.session.commit()
        return {"form_id": topic_form.id, "question_id": question.id, "field_id": field.id, "answer_id": answer.id}

    return make


def _audited() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (Form, Question, DataField))


def test_the_enumeration_finds_the_builder(app):
    endpoints = {rule.endpoint for _method, rule in _rules(app, "forms")}
    assert {"forms_admin.index", "forms_admin.form_edit", "forms_admin.question_new", "forms_admin.question_move",
            "forms_admin.field_edit", "forms_admin.responses", "forms_admin.responses_csv",
            "forms.answer_file"} <= endpoints


def _call(app, client, method, rule, values):
    url = app.url_map.bind("localhost").build(rule.endpoint, {k: values[k] for k in rule.arguments},
                                              method=method)
    return url, client.open(url, method=method, data={"label": "Changed", "kind": "text", "direction": "up"})


@pytest.mark.parametrize("who", ["anonymous", "staff", "member", "customer"])
def test_everyone_without_the_permission_is_refused(app, client, auth, factory, rows, who, portal, site):
    if who in ("staff", "member"):
        auth.login(factory.user(role=who))
    elif who == "customer":
        portal.login(client, site, portal.customer())
    failures = []
    for method, rule in _rules(app, "forms_admin."):
        values = rows()
        before, audited = _counts(), _audited()
        url, response = _call(app, client, method, rule, values)
        location = urlsplit(response.headers.get("Location", ""))
        expected = (response.status_code == 302 and location.path == "/login") if who == "anonymous" \
            else response.status_code == 403
        if not expected or _counts() != before or _audited() != audited:
            failures.append(f"{who} {method} {url}: {response.status_code} {location.geturl()}")
    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("who", ["granted", "admin"])
def test_holders_of_the_permission_reach_every_page(app, client, auth, factory, rows, who):
    if who == "admin":
        auth.login(factory.admin())
    else:
        auth.login(factory.user(role=factory.role("Form keepers", ["forms.manage"])))
    failures = []
    for method, rule in _rules(app, "forms_admin."):
        url, response = _call(app, client, method, rule, rows())
        ok = response.status_code in ((200,) if method == "GET" else (200, 302, 400)) or (
            response.status_code == 302 and urlsplit(response.headers["Location"]).path.startswith("/admin/forms"))
        if not ok:
            failures.append(f"{who} {method} {url}: {response.status_code}")
    assert failures == [], "\n".join(failures)


def test_the_admin_navigation_shows_the_builder_to_holders_only(app, client, auth, factory):
    auth.login(factory.user(role=factory.role("Form keepers", ["forms.manage"])))
    page = client.get("/admin/forms/").get_data(as_text=True)
    assert 'href="/admin/forms/"' in page and 'href="/admin/forms/fields"' in page


def test_file_answers_refuse_everyone_who_may_not_see_the_ticket(app, client, auth, factory, rows, portal, site):
    values = rows()
    url = f"/forms/answers/{values['answer_id']}/file"
    assert client.get(url).status_code == 404  # anonymous
    portal.login(client, site, portal.customer())
    assert client.get(url).status_code == 404  # a customer whose ticket it is not
    assert client.post(url).status_code == 405
