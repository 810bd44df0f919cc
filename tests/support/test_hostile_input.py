"""Hostile input on the support pages: Unicode digits and huge numbers in filters, blank choices, NUL in
posts, over-long names and tags. Each is a 4xx or an ignored filter, never a 500, and nothing is stored."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from crm.extensions import db
from plugins.support.models import Post, Status, Tag, Topic
from tests.hostile_input import parse_page

HUGE = "99999999999999999999999"


@pytest.fixture
def sign_in(client, auth, factory):
    """``sign_in()`` signs an admin in (after the test made its rows) and gives the client."""

    def signer():
        auth.login(factory.admin())
        return client

    return signer


def _numbers(html):
    return re.findall(r'name="ids" value="\d+" aria-label="Choose ([\d-]+)"', html)


@pytest.mark.parametrize("query", [
    "status=²", "priority=٣", "department=１２", "brand=" + HUGE, "service=-1", "page=²", "page=" + HUGE,
    "assignee=u²", "assignee=d" + HUGE, "assignee=u٣",
])
def test_list_filters_that_are_not_ids_are_ignored_with_a_message(app, sign_in, desk, query):
    ticket = desk.ticket()
    admin_client = sign_in()
    response = admin_client.get(f"/support/tickets?{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _numbers(html) == [ticket.number]
    if not query.startswith("page="):
        assert "were not understood" in html


def _form(client, url: str, action: str) -> dict:
    """The filled-in values of the page's form posting to ``action`` (every field the page shows)."""
    page = parse_page(url, client.get(url).get_data(as_text=True))
    form = next(f for f in page.forms if f.action == action)
    return dict(form.fields)


def test_a_blank_department_on_a_topic_is_refused_and_the_topic_is_kept(app, sign_in, factory):
    department = factory.department("Billing")
    topic = Topic(name="Invoices", department_id=department.id)
    db.session.add(topic)
    db.session.commit()
    admin_client = sign_in()
    edit_url, new_url = f"/admin/support/topics/{topic.id}", "/admin/support/topics"
    edit, new = _form(admin_client, edit_url, edit_url), _form(admin_client, new_url, new_url)
    for blank in (" ", " \t\n"):
        assert admin_client.post(edit_url, data={**edit, "department": blank}).status_code == 400
        assert admin_client.post(new_url, data={**new, "name": "New topic", "department": blank}).status_code == 400
    db.session.rollback()
    assert db.session.get(Topic, topic.id).department_id == department.id
    assert "New topic" not in db.session.scalars(select(Topic.name)).all()
    # "no department" is still a choice
    assert admin_client.post(edit_url, data={**edit, "department": ""}).status_code == 302
    db.session.rollback()
    assert db.session.get(Topic, topic.id).department_id is None


def test_nul_in_a_reply_or_note_is_refused_and_nothing_is_posted(app, sign_in, desk):
    ticket = desk.ticket()
    admin_client = sign_in()
    before = db.session.scalar(select(func.count()).select_from(Post))
    for kind in ("reply", "note"):
        response = admin_client.post(f"/support/tickets/{ticket.number}/{kind}", data={"body": "Hello\x00there"},
                                     content_type="multipart/form-data")
        assert response.status_code == 400
        body, content_type = (b"--B\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nBad \xff\xfe bytes\r\n"
                              b"--B--\r\n", "multipart/form-data; boundary=B")
        response = admin_client.post(f"/support/tickets/{ticket.number}/{kind}", data=body,
                                     content_type=content_type)
        assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Post)) == before


@pytest.mark.parametrize("fields", [
    {"name": "x" * 100_000, "colour": "#123456"},
    {"name": "Waiting", "colour": "#" + "1" * 100_000},
    {"name": "Waiting", "colour": "#12345６"},
])
def test_over_long_status_names_and_colours_are_refused_and_nothing_is_stored(app, sign_in, fields):
    admin_client = sign_in()
    admin_client.get("/admin/support/statuses")  # the default statuses
    db.session.rollback()
    before = db.session.scalar(select(func.count()).select_from(Status))
    response = admin_client.post("/admin/support/statuses", data=fields)
    assert response.status_code == 400
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Status)) == before


def test_over_long_tags_are_refused_and_the_tags_are_kept(app, sign_in, desk):
    ticket = desk.ticket(tags=["vip"])
    admin_client = sign_in()
    page = admin_client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    fields = dict(re.findall(r'<select[^>]*name="(\w+)"[^>]*>.*?<option[^>]*value="([^"]*)"[^>]*selected',
                             page, re.S))
    version = re.search(r'name="version"[^>]*value="([^"]*)"', page)
    data = {**fields, "tags": "x" * 100_000, **({"version": version.group(1)} if version else {})}
    response = admin_client.post(f"/support/tickets/{ticket.number}/edit", data=data)
    assert response.status_code == 400
    db.session.rollback()
    assert list(db.session.scalars(select(Tag.name))) == ["vip"]
