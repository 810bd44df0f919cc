"""Admin pages for roles and the grants matrix (H-7)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm import generation, hookimpl
from crm.audit import AuditEntry
from crm.auth.permissions import has_permission
from crm.hooks.records import Permission, PluginInfo
from crm.people.models import Role, RolePermission


class ExtraPlugin:
    """A throwaway plugin that declares two permissions."""

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("extra", "Extra things")

    @hookimpl
    def crm_register_permissions(self):
        return [Permission("extra.read", "Read extra things"), Permission("extra.write", "Write extra things")]


@pytest.fixture
def app_plugins():
    return [ExtraPlugin()]


@pytest.fixture
def admin(factory, auth):
    user = factory.admin()
    auth.login(user)
    return user


def role(db, name):
    return db.session.scalar(select(Role).where(Role.name == name))


def grants(db, role_row):
    return set(db.session.scalars(select(RolePermission.permission).where(RolePermission.role_id == role_row.id)))


def test_grants_matrix_shows_permissions_grouped_by_plugin(client, admin, db):
    body = client.get(f"/admin/roles/{role(db, 'staff').id}").get_data(as_text=True)
    assert "Extra things" in body
    assert 'value="extra.read"' in body and 'value="extra.write"' in body


def test_admin_role_has_no_checkboxes(client, admin, db):
    body = client.get(f"/admin/roles/{role(db, 'admin').id}").get_data(as_text=True)
    assert 'name="permissions"' not in body
    client.post(f"/admin/roles/{role(db, 'admin').id}", data={"permissions": ["extra.read"]})
    assert grants(db, role(db, "admin")) == set()


def test_saving_grants_takes_effect_and_bumps_the_generation(client, admin, factory, db):
    staff_role = role(db, "staff")
    user = factory.user()
    before = generation.read()
    assert not has_permission(user, "extra.read")
    response = client.post(f"/admin/roles/{staff_role.id}", data={"permissions": ["extra.read"]})
    assert response.status_code == 302
    assert grants(db, staff_role) == {"extra.read"}
    assert generation.read() > before
    assert has_permission(user, "extra.read") and not has_permission(user, "extra.write")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "role.updated")).one()
    assert entry.changes == {"permissions": [[], ["extra.read"]]}
    client.post(f"/admin/roles/{staff_role.id}", data={})
    assert grants(db, staff_role) == set()


def test_unknown_permission_is_refused(client, admin, db):
    staff_role = role(db, "staff")
    response = client.post(f"/admin/roles/{staff_role.id}", data={"permissions": ["extra.read", "nope.nothing"]})
    assert response.status_code == 200 and 'role="alert"' in response.get_data(as_text=True)
    assert grants(db, staff_role) == set()


def test_disabled_plugins_permissions_are_hidden_and_kept(client, admin, db, app):
    staff_role = role(db, "staff")
    client.post(f"/admin/roles/{staff_role.id}", data={"permissions": ["extra.read"]})
    app.extensions["crm"].set_enabled("extra", False)
    db.session.commit()
    generation.forget()
    body = client.get(f"/admin/roles/{staff_role.id}").get_data(as_text=True)
    assert 'value="extra.read"' not in body
    client.post(f"/admin/roles/{staff_role.id}", data={})
    assert grants(db, staff_role) == {"extra.read"}


def test_create_edit_and_delete_a_custom_role(client, admin, factory, db):
    response = client.post("/admin/roles/new", data={"title": "Şirket Ekibi", "kind": "member",
                                                     "permissions": ["extra.write"]})
    assert response.status_code == 302
    custom = db.session.scalar(select(Role).where(Role.title == "Şirket Ekibi"))
    assert custom.kind == "member" and not custom.builtin and custom.name == "sirket-ekibi"
    assert grants(db, custom) == {"extra.write"}
    client.post(f"/admin/roles/{custom.id}", data={"title": "Partners", "kind": "staff"})
    db.session.expire_all()
    assert (custom.title, custom.kind) == ("Partners", "staff") and grants(db, custom) == set()
    holder = factory.user(role=custom.name)
    client.post(f"/admin/roles/{custom.id}/delete")
    assert db.session.get(Role, custom.id) is not None  # in use
    holder.role = role(db, "staff")
    db.session.commit()
    custom_id = custom.id
    client.post(f"/admin/roles/{custom_id}/delete")
    assert db.session.get(Role, custom_id) is None
    actions = [e.action for e in db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "role"))]
    assert actions == ["role.created", "role.updated", "role.deleted"]


@pytest.mark.parametrize("data, field", [
    ({"title": "", "kind": "staff"}, "title"),
    ({"title": "staff team", "kind": "admin"}, "kind"),
    ({"title": "Duplicate", "kind": "staff"}, "title"),
    ({"title": "Administrator", "kind": "staff"}, "title"),
])
def test_bad_role_input_is_refused(client, admin, db, data, field):
    client.post("/admin/roles/new", data={"title": "duplicate", "kind": "staff"})
    count = len(db.session.scalars(select(Role)).all())
    response = client.post("/admin/roles/new", data=data)
    assert response.status_code == 200
    assert f'<label for="{field}"' in response.get_data(as_text=True).split('has-error', 1)[1][:200]
    assert len(db.session.scalars(select(Role)).all()) == count


def test_builtin_roles_cannot_be_deleted_or_renamed(client, admin, db):
    staff_role = role(db, "staff")
    client.post(f"/admin/roles/{staff_role.id}/delete")
    client.post(f"/admin/roles/{staff_role.id}", data={"title": "Renamed", "kind": "member"})
    db.session.expire_all()
    assert db.session.get(Role, staff_role.id) is not None
    assert staff_role.kind == "staff" and staff_role.title == ""


def test_roles_pages_deny_staff(client, factory, auth, db):
    auth.login(factory.user())
    staff_role = role(db, "staff")
    assert client.get("/admin/roles").status_code == 403
    assert client.post(f"/admin/roles/{staff_role.id}", data={"permissions": ["extra.read"]}).status_code == 403
    assert grants(db, staff_role) == set()


def test_roles_list_query_count_is_fixed(client, admin, factory, db, count_queries):
    def measure():
        client.get("/admin/roles")
        with count_queries() as q:
            assert client.get("/admin/roles").status_code == 200
        return q.count

    for n in range(3):
        client.post("/admin/roles/new", data={"title": f"Role {n}", "kind": "staff", "permissions": ["extra.read"]})
    few = measure()
    for n in range(3, 30):
        client.post("/admin/roles/new", data={"title": f"Role {n}", "kind": "staff", "permissions": ["extra.read"]})
    assert measure() == few
