"""The app starts with the built-in plugins, found through their entry points, and staff can sign in."""
from crm.hooks.manager import discover
from crm.people.models import User
from tests.conftest import BUILTIN_PLUGINS, PASSWORD, builtin_plugins


def test_builtin_plugins_are_discovered():
    """Each built-in plugin is an entry point, found like a third party's, and is what the suite loads."""
    assert set(builtin_plugins()) <= set(discover())


def test_the_app_loads_the_builtin_plugins(app):
    host = app.extensions["crm"]
    assert set(host.infos) == set(BUILTIN_PLUGINS)
    assert host.infos["portal"].requires == ("support",)


def test_login_and_logout(app, client, factory, auth):
    admin = factory.admin()
    assert client.get("/admin/").status_code == 302
    auth.login(admin)
    assert client.get("/admin/").status_code == 200
    auth.logout()
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused(app, client, factory, db):
    user = factory.user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD + "x"})
    assert response.status_code == 200
    assert "The email or password is wrong." in response.get_data(as_text=True)
    # still signed out, and the sign-in was not recorded
    assert client.get("/profile").status_code == 302
    assert db.session.get(User, user.id).last_login_at is None
    # the same form with the right password signs in: it was the password that was refused
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    assert client.get("/profile").status_code == 200


def test_staff_gets_403_on_admin(app, client, factory, auth):
    auth.login(factory.user())
    assert client.get("/admin/").status_code == 403
