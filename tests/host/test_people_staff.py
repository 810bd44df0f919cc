"""Admin pages for staff users: list, create, edit, deactivate (H-7)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit import AuditEntry
from crm.notify.outbox import OutboxMessage
from crm.people.models import Role, User
from crm.people.services import InvalidChange, set_user_active, update_user
from tests.conftest import PASSWORD


@pytest.fixture
def app_plugins():
    return []


@pytest.fixture
def admin(factory, auth):
    user = factory.admin(name="Ada Admin")
    auth.login(user)
    return user


def role(db, name):
    return db.session.scalar(select(Role).where(Role.name == name))


def entries(db, action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def field_error(body: str, name: str) -> bool:
    """Whether the form shows an error beside the field ``name``."""
    import re

    return re.search(rf'has-error[^"]*"[^>]*>\s*(<label[^>]*>\s*)?<label for="{name}"|'
                     rf'has-error[^"]*"[^>]*>\s*<label for="{name}"', body) is not None


# access ----------------------------------------------------------------------------------------

PAGES = ["/admin/staff", "/admin/staff/new", "/admin/roles", "/admin/roles/new", "/admin/departments",
         "/admin/departments/new", "/admin/companies", "/admin/companies/new", "/admin/contacts",
         "/admin/contacts/new"]


@pytest.mark.parametrize("path", PAGES)
def test_people_pages_are_for_admins_only(client, factory, auth, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    auth.login(factory.user())
    assert client.get(path).status_code == 403
    assert client.post(path, data={}).status_code in (403, 405)


def test_people_actions_deny_staff(client, factory, auth, db):
    target = factory.user()
    auth.login(factory.user())
    for path in (f"/admin/staff/{target.id}", f"/admin/staff/{target.id}/deactivate",
                 f"/admin/staff/{target.id}/send-reset"):
        assert client.post(path, data={"name": "Hacked"}).status_code == 403
    db.session.expire_all()
    assert target.active and target.name != "Hacked"


def test_people_forms_need_csrf(make_app, app):
    strict = make_app(plugins=[], WTF_CSRF_ENABLED=True)
    with strict.app_context():
        from tests.conftest import Factory

        admin = Factory(strict).admin()
        target = Factory(strict).user()
        email, target_id = admin.email, target.id
    client = strict.test_client()
    page = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302
    assert client.post(f"/admin/staff/{target_id}/deactivate").status_code == 400
    with strict.app_context():
        from crm.extensions import db

        assert db.session.get(User, target_id).active


# list --------------------------------------------------------------------------------------------


def test_staff_list_searches_and_filters(client, admin, factory, db):
    factory.user(name="Zeynep Kaya", email="zeynep@example.com")
    factory.user(name="Mehmet Demir", email="md@example.com", role="member")
    body = client.get("/admin/staff?q=KAYA").get_data(as_text=True)
    assert "Zeynep Kaya" in body and "Mehmet Demir" not in body
    body = client.get("/admin/staff?q=md@").get_data(as_text=True)
    assert "Mehmet Demir" in body and "Zeynep Kaya" not in body
    body = client.get(f"/admin/staff?role={role(db, 'member').id}").get_data(as_text=True)
    assert "Mehmet Demir" in body and "Zeynep Kaya" not in body
    body = client.get("/admin/staff?q=%25").get_data(as_text=True)  # a literal %, not a wildcard
    assert "Zeynep Kaya" not in body
    for odd in ("?page=abc", "?page=-3", "?page=999", "?role=x", "?state=nonsense"):
        assert client.get("/admin/staff" + odd).status_code == 200


def test_staff_list_pages_by_fifty(client, admin, factory):
    for n in range(55):
        factory.user(name=f"Person {n:02d}")
    first = client.get("/admin/staff").get_data(as_text=True)
    second = client.get("/admin/staff?page=2").get_data(as_text=True)
    assert first.count("/admin/staff/") - second.count("/admin/staff/") > 0
    assert first.count('<tr class="') == 50
    assert second.count('<tr class="') == 6  # 55 staff and the admin


def test_staff_list_query_count_is_fixed(client, admin, factory, count_queries):
    departments = [factory.department() for _ in range(3)]

    def measure():
        client.get("/admin/staff")
        with count_queries() as q:
            assert client.get("/admin/staff").status_code == 200
        return q.count

    for _ in range(4):
        factory.user(departments=departments, managed=departments[:1])
    few = measure()
    for _ in range(35):
        factory.user(departments=departments)
    assert measure() == few


# create --------------------------------------------------------------------------------------------


def test_create_staff_with_password(client, admin, factory, db, auth):
    dep = factory.department()
    response = client.post("/admin/staff/new", data={
        "email": "New.Person@Example.com", "name": "New Person", "role": role(db, "staff").id,
        "departments": [dep.id], "password_mode": "set", "password": "long enough password",
    })
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user.name == "New Person" and user.department_ids == {dep.id}
    [entry] = entries(db, "user.created")[-1:]
    assert entry.object_id == str(user.id) and "password" not in entry.changes
    assert db.session.scalars(select(OutboxMessage)).all() == []
    auth.logout()
    auth.login("new.person@example.com", "long enough password")


def test_create_staff_with_emailed_link(client, admin, db):
    response = client.post("/admin/staff/new", data={
        "email": "invitee@example.com", "name": "Invitee", "role": role(db, "member").id, "password_mode": "email",
    })
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "invitee@example.com"))
    assert user.password_hash == "" and user.is_member
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.payload["to"] == ["invitee@example.com"]
    assert "/reset-password/" in message.payload["text"]


@pytest.mark.parametrize("change, field", [
    ({"email": "not-an-email"}, "email"),
    ({"email": "TAKEN@example.com"}, "email"),
    ({"name": ""}, "name"),
    ({"role": "9999"}, "role"),
    ({"role": "abc"}, "role"),
    ({"departments": ["9999"]}, "departments"),
    ({"password": "short"}, "password"),
    ({"password": ""}, "password"),
])
def test_create_staff_refuses_bad_input(client, admin, factory, db, change, field):
    factory.user(email="taken@example.com")
    before = db.session.scalar(select(User.id).order_by(User.id.desc()))
    data = {"email": "fresh@example.com", "name": "Fresh", "role": str(role(db, "staff").id),
            "password_mode": "set", "password": "long enough password"}
    data.update(change)
    response = client.post("/admin/staff/new", data=data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'role="alert"' in body
    if field != "password":
        assert field_error(body, field), body
    assert db.session.scalar(select(User.id).order_by(User.id.desc())) == before


# edit, deactivate ---------------------------------------------------------------------------------


def test_edit_staff_changes_role_and_departments_with_audit(client, admin, factory, db):
    a, b = factory.department(), factory.department()
    user = factory.user(departments=[a], managed=[a])
    response = client.post(f"/admin/staff/{user.id}", data={
        "email": user.email, "name": "Renamed", "role": role(db, "member").id, "departments": [a.id, b.id],
    })
    assert response.status_code == 302
    db.session.expire_all()
    assert user.name == "Renamed" and user.role.name == "member"
    assert user.department_ids == {a.id, b.id} and user.managed_department_ids == {a.id}
    entry = entries(db, "user.updated")[-1]
    assert entry.changes["role"] == ["staff", "member"]
    assert entry.changes["departments"] == [[a.id], sorted([a.id, b.id])]
    assert entry.actor_id == admin.id


def test_edit_refuses_an_email_used_by_another(client, admin, factory, db):
    user = factory.user()
    other = factory.user()
    response = client.post(f"/admin/staff/{user.id}", data={
        "email": other.email.upper(), "name": user.name, "role": user.role_id,
    })
    assert field_error(response.get_data(as_text=True), "email")
    db.session.expire_all()
    assert user.email != other.email


def test_admin_cannot_demote_or_deactivate_themself(client, admin, factory, db):
    factory.admin()  # another admin exists: the rule is about oneself, not the last admin
    response = client.post(f"/admin/staff/{admin.id}", data={
        "email": admin.email, "name": admin.name, "role": role(db, "staff").id,
    })
    assert field_error(response.get_data(as_text=True), "role")
    client.post(f"/admin/staff/{admin.id}/deactivate")
    db.session.expire_all()
    assert admin.is_admin and admin.active
    assert entries(db, "user.deactivated") == []


def test_deactivated_staff_is_signed_out_and_can_be_reactivated(app, client, admin, factory, db):
    from tests.conftest import Auth

    user = factory.user()
    their_browser = app.test_client()
    Auth(their_browser).login(user)
    assert their_browser.get("/profile").status_code == 200
    assert client.post(f"/admin/staff/{user.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert not user.active
    assert their_browser.get("/profile").status_code == 302  # an existing session no longer loads the user
    assert entries(db, "user.deactivated")[0].changes == {"active": [True, False]}
    client.post(f"/admin/staff/{user.id}/reactivate")
    db.session.expire_all()
    assert user.active
    assert entries(db, "user.reactivated")[0].actor_id == admin.id


def test_last_active_admin_keeps_the_role(app, factory, db):
    only = factory.admin()
    staff_role = role(db, "staff")
    with pytest.raises(InvalidChange) as refused:
        update_user(only, email=only.email, name=only.name, role=staff_role, department_ids=[], actor=None)
    assert "role" in refused.value.errors
    with pytest.raises(InvalidChange):
        set_user_active(only, False, actor=None)
    db.session.rollback()
    second = factory.admin()
    update_user(only, email=only.email, name=only.name, role=staff_role, department_ids=[], actor=second)
    db.session.commit()
    assert not only.is_admin


def test_send_reset_link_queues_an_email(client, admin, factory, db):
    user = factory.user()
    assert client.post(f"/admin/staff/{user.id}/send-reset").status_code == 302
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.payload["to"] == [user.email]


def test_unknown_staff_is_404(client, admin):
    assert client.get("/admin/staff/999999").status_code == 404
    assert client.post("/admin/staff/999999/deactivate").status_code == 404
