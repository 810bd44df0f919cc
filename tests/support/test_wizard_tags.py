"""The wizard's tags: a text field of comma-separated names (no JavaScript needed), normalised like the ticket
page's tags, and the suggestions endpoint its script uses, behind the ticket-create permission."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import plugins.support.plugin as support_plugin
from crm.extensions import db
from plugins.support import permissions as perms
from plugins.support.models import Brand, Tag, Ticket
from plugins.support.tag_search import suggest_tags
from plugins.support.wizard import TicketDraft


@pytest.fixture
def app_plugins():
    return [support_plugin]


@pytest.fixture
def agent(app, factory):
    db.session.add_all([Brand(name="Acme"), Tag(name="vip"), Tag(name="late delivery")])
    db.session.commit()
    return factory.user()


def _draft(client) -> str:
    return client.get("/support/tickets/new").headers["Location"].rstrip("/").split("/")[-2]


def _post(client, draft, step, go="next", **data):
    return client.post(f"/support/tickets/new/{draft}/{step}", data={**data, "go": go},
                       content_type="multipart/form-data")


def _to_step3(client):
    draft = _draft(client)
    brand = db.session.scalar(select(Brand.id))
    assert _post(client, draft, 1, action="ticket", brand_id=str(brand)).status_code == 302
    assert _post(client, draft, 2, customer_name="Ahmet Kaya", customer_email="ahmet@example.org").status_code == 302
    return draft


def test_the_tags_are_a_text_field_with_suggestions(app, client, auth, agent):
    auth.login(agent)
    draft = _to_step3(client)
    page = client.get(f"/support/tickets/new/{draft}/3").get_data(as_text=True)
    assert 'name="tags" type="text"' in page and 'data-suggest-url="/support/tags/suggest"' in page
    assert "tag_chips.js" in page and "<select" in page and 'name="tag_ids"' not in page


def test_typed_tags_are_normalised_and_new_ones_created(app, client, auth, agent):
    auth.login(agent)
    draft = _to_step3(client)
    response = _post(client, draft, 3, go="create", priority="", assign_to="",
                     tags="  vip ,new   tag,vip,,\nlate delivery, ")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    ticket = db.session.scalar(select(Ticket))
    assert sorted(t.name for t in ticket.tags) == ["late delivery", "new tag", "vip"]
    assert db.session.scalar(select(Tag.id).where(Tag.name == "new tag")) is not None


def test_tags_are_kept_in_the_draft_when_moving_back(app, client, auth, agent):
    auth.login(agent)
    draft = _to_step3(client)
    assert _post(client, draft, 3, go="back", tags="vip, urgent").status_code == 302
    assert db.session.get(TicketDraft, draft).values["tags"] == "vip, urgent"
    page = client.get(f"/support/tickets/new/{draft}/3").get_data(as_text=True)
    assert 'value="vip, urgent"' in page


@pytest.mark.parametrize("tags, message", [
    ("a" * 61, "A tag has at most 60 characters."),
    (", ".join(f"t{i}" for i in range(51)), "Use at most 50 tags."),
    ("x," * 1001, "Use at most 2000 characters."),
])
def test_bad_tags_are_refused_with_a_message_and_nothing_is_created(app, client, auth, agent, tags, message):
    auth.login(agent)
    draft = _to_step3(client)
    response = _post(client, draft, 3, go="create", tags=tags)
    # finishing sends the agent to the step with the error, the typed tags kept
    assert response.status_code == 302 and response.headers["Location"].endswith("/3?check=1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert db.session.get(TicketDraft, draft).values["tags"] == tags.strip()[:2001]  # beyond the limit: cut
    assert db.session.scalar(select(Ticket.id)) is None
    assert db.session.scalar(select(Tag.id).where(Tag.name.like("t1%"))) is None


def test_suggestions_contain_the_text_starts_first_and_wildcards_are_literal(app, agent):
    for name in ("delivery", "redeliver", "50% off", "a_b"):
        db.session.add(Tag(name=name))
    db.session.commit()
    assert suggest_tags("DELIV") == ["delivery", "late delivery", "redeliver"]
    assert suggest_tags("%") == ["50% off"] and suggest_tags("_") == ["a_b"]
    assert suggest_tags("   ") == [] and suggest_tags("") == []


def test_at_most_ten_suggestions(app, agent):
    for n in range(14):
        db.session.add(Tag(name=f"topic {n:02d}"))
    db.session.commit()
    assert len(suggest_tags("topic")) == 10


@pytest.mark.parametrize("who, expected", [("anonymous", "login"), ("no_create", 403), ("agent", 200)])
def test_the_suggestions_need_the_ticket_create_permission(app, client, auth, factory, agent, who, expected):
    if who == "agent":
        auth.login(agent)
    elif who == "no_create":
        auth.login(factory.user(role=factory.role(permissions=[perms.VIEW, perms.REPLY])))
    response = client.get("/support/tags/suggest", query_string={"q": "vi"})
    if expected == "login":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == expected
    if expected == 200:
        assert response.get_json() == {"tags": ["vip"]}
        assert "no-store" in response.headers["Cache-Control"]
