"""The app starts with every installed plugin and staff can sign in."""
from crm.people.models import User


def test_builtin_plugins_are_discovered(app):
    host = app.extensions["crm"]
    assert {"support", "portal", "forms"} <= set(host.infos)
    assert host.infos["portal"].requires == ("support",)


def test_login_and_logout(app, client, factory, auth):
    admin = factory.admin()
    assert client.get("/admin/").status_code == 302
    auth.login(admin)
    assert client.get("/admin/").status_code == 200
    auth.logout()
    assert client.get("/admin/").status_code == 302


def test_wrong_password_is_refused(app, client, factory):
    user = factory.user()
    response = client.post("/login", data={"email": user.email, "password": "nope"})
    assert response.status_code == 200
    assert "wrong" in response.get_data(as_text=True)
    assert isinstance(user, User)


def test_staff_gets_403_on_admin(app, client, factory, auth):
    auth.login(factory.user())
    assert client.get("/admin/").status_code == 403
