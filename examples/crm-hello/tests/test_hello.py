"""The hello plugin's tests, on the desk's test kit (``crm.testing``: no conftest needed)."""
import pytest
from flask_babel import force_locale

from crm import settings
from crm.testing import builtin_plugins, plugin_list
from crm_hello import plugin as hello


@pytest.fixture
def app_plugins():
    """The desk's own plugins and this one (installed or not, it is loaded once)."""
    return plugin_list(builtin_plugins(), hello)


def test_a_new_customer_is_greeted_once(app, factory, outbox):
    from plugins.support import api

    contact = factory.contact(name="Ana")
    first = factory.ticket(contact=contact)
    factory.ticket(contact=contact)
    assert [m["subject"] for m in outbox.to(contact.email)] == ["Welcome!"]
    notes = [p for p in api.visible_posts(first, actor=api.SYSTEM) if p.kind == "internal_note"]
    assert [(n.author_name, n.body_text) for n in notes] == [("Hello", "Greeted Ana: Welcome!")]


def test_no_greeting_when_switched_off(app, db, factory, outbox):
    settings.set_many("hello", {"enabled": False})
    db.session.commit()
    contact = factory.contact()
    factory.ticket(contact=contact)
    assert outbox.to(contact.email) == []


def test_staff_see_greetings(app, client, factory, auth):
    factory.ticket(contact=factory.contact(name="Ana"))
    auth.login(factory.user())
    page = client.get("/hello/")
    assert page.status_code == 200
    assert "Ana" in page.get_data(as_text=True)


def test_the_menu_shows_greetings_to_holders_only(app, client, factory, auth):
    auth.login(factory.user())
    assert 'href="/hello/"' in client.get("/profile").get_data(as_text=True)
    other = auth.client_for(factory.user(role=factory.role("Nothing", [])))
    assert 'href="/hello/"' not in other.get("/profile").get_data(as_text=True)
    assert other.get("/hello/").status_code == 403


def test_anonymous_visitors_are_sent_to_login(app, client):
    response = client.get("/hello/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_disabled_plugin_answers_404(app, client, factory, auth, db):
    from crm.hooks.manager import host

    host().set_enabled("hello", False)
    db.session.commit()
    auth.login(factory.admin())
    assert client.get("/hello/").status_code == 404


def test_the_plugin_ships_its_translations(app):
    with force_locale("tr"):
        assert settings.get("hello.greeting") == "Hoş geldiniz!"
