"""Deleting departments, companies, contacts and staff users: plugins are asked what uses them (H-INTEGRITY).

A throwaway plugin stands in for the desk: it reports what "uses" a record
through ``crm_person_references`` and moves it through ``crm_person_reassign``.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm import PluginInfo, hookimpl
from crm.audit import AuditEntry
from crm.hooks.records import PersonReference
from crm.notify.inapp import Notification
from crm.people.models import Company, CompanyManager, Contact, Department, DepartmentMember, User
from crm.people.services import InvalidChange, delete_department, delete_user, person_references
from tests.orphans import orphans


class Widgets:
    """A plugin whose widgets belong to people records: ``uses[(kind, id)] = how many``."""

    def __init__(self):
        self.uses: dict[tuple[str, int], int] = {}
        self.moves = True
        self.asked: list[tuple[str, int]] = []

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("widgets", "Widgets")

    @hookimpl
    def crm_person_references(self, kind, record):
        self.asked.append((kind, record.id))
        count = self.uses.get((kind, record.id), 0)
        return [PersonReference(count, f"{count} widgets use it.", movable=kind == "department")]

    @hookimpl
    def crm_person_reassign(self, kind, record, target, actor):
        if not self.moves:
            return None
        count = self.uses.pop((kind, record.id), 0)
        self.uses[(kind, target.id)] = self.uses.get((kind, target.id), 0) + count
        return count


@pytest.fixture
def widgets():
    return Widgets()


@pytest.fixture
def app_plugins(widgets):
    return [widgets]


@pytest.fixture
def admin(factory, auth):
    user = factory.admin()
    auth.login(user)
    return user


def flashed(response) -> str:
    return response.get_data(as_text=True)


def audit_actions(db, action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


# departments ---------------------------------------------------------------------------------


def test_a_department_in_use_is_refused_with_the_plugins_count(client, admin, factory, widgets, db):
    dep = factory.department(name="Billing")
    member = factory.user(departments=[dep])
    widgets.uses[("department", dep.id)] = 3
    response = client.post(f"/admin/departments/{dep.id}/delete", follow_redirects=True)
    assert "3 widgets use it. Move them to another department first." in flashed(response)
    db.session.expire_all()
    assert db.session.get(Department, dep.id) is not None and member.department_ids == {dep.id}
    assert audit_actions(db, "department.deleted") == []


def test_disabled_plugins_are_asked_too(client, admin, factory, widgets, app, db):
    dep = factory.department()
    widgets.uses[("department", dep.id)] = 2
    app.extensions["crm"].set_enabled("widgets", False)
    db.session.commit()
    client.post(f"/admin/departments/{dep.id}/delete")
    db.session.expire_all()
    assert db.session.get(Department, dep.id) is not None


def test_the_department_page_offers_to_move_what_uses_it(client, admin, factory, widgets):
    dep, other = factory.department(name="Old desk"), factory.department(name="New desk")
    body = client.get(f"/admin/departments/{dep.id}").get_data(as_text=True)
    assert 'name="move_to"' not in body and "Delete this department" in body
    widgets.uses[("department", dep.id)] = 4
    body = client.get(f"/admin/departments/{dep.id}").get_data(as_text=True)
    assert "4 widgets use it." in body and 'name="move_to"' in body
    assert f'<option value="{other.id}">New desk</option>' in body
    assert f'<option value="{dep.id}">' not in body


def test_moving_then_deleting_a_department(client, admin, factory, widgets, db):
    dep, other = factory.department(name="Old desk"), factory.department(name="New desk")
    factory.user(departments=[dep])
    dep_id = dep.id
    widgets.uses[("department", dep_id)] = 4
    response = client.post(f"/admin/departments/{dep_id}/delete", data={"move_to": other.id},
                           follow_redirects=True)
    assert "The department Old desk was deleted; 4 records were moved to New desk." in flashed(response)
    assert db.session.get(Department, dep_id) is None
    assert widgets.uses == {("department", other.id): 4}
    entry = audit_actions(db, "department.deleted")[0]
    assert entry.changes["moved_to"] == [None, other.id] and entry.changes["moved"] == [None, 4]
    assert orphans() == {}


def test_a_plugin_that_moves_nothing_keeps_the_delete_refused(client, admin, factory, widgets, db):
    dep, other = factory.department(), factory.department()
    widgets.uses[("department", dep.id)] = 1
    widgets.moves = False
    response = client.post(f"/admin/departments/{dep.id}/delete", data={"move_to": other.id},
                           follow_redirects=True)
    assert "1 widgets use it." in flashed(response)
    db.session.expire_all()
    assert db.session.get(Department, dep.id) is not None


@pytest.mark.parametrize("move_to, message", [
    ("abc", "Choose a department from the list."),
    ("999999", "Choose a department from the list."),
    ("99999999999999999999999", "Choose a department from the list."),
    ("٣", "Choose a department from the list."),
    (" ", "Choose a department from the list."),
    ("self", "Choose another department to move them to."),
])
def test_a_bad_move_target_changes_nothing(client, admin, factory, widgets, db, move_to, message):
    dep = factory.department()
    widgets.uses[("department", dep.id)] = 2
    target = str(dep.id) if move_to == "self" else move_to
    response = client.post(f"/admin/departments/{dep.id}/delete", data={"move_to": target}, follow_redirects=True)
    assert message in flashed(response)
    db.session.expire_all()
    assert db.session.get(Department, dep.id) is not None and widgets.uses == {("department", dep.id): 2}


def test_a_department_nothing_uses_is_deleted_with_its_memberships(client, admin, factory, widgets, db):
    dep = factory.department()
    user = factory.user(departments=[dep])
    dep_id = dep.id
    assert client.post(f"/admin/departments/{dep_id}/delete").status_code == 302
    assert db.session.get(Department, dep_id) is None and user.department_ids == set()
    assert ("department", dep_id) in widgets.asked
    assert orphans() == {}


# companies and contacts ------------------------------------------------------------------------


def test_a_company_in_use_is_kept(client, admin, factory, widgets, db):
    company = factory.company()
    widgets.uses[("company", company.id)] = 5
    body = client.get(f"/admin/companies/{company.id}").get_data(as_text=True)
    assert "5 widgets use it." in body and "Delete this company" not in body
    response = client.post(f"/admin/companies/{company.id}/delete", follow_redirects=True)
    assert "5 widgets use it. The company is kept so that their history stays whole." in flashed(response)
    db.session.expire_all()
    assert db.session.get(Company, company.id) is not None


def test_a_company_nothing_uses_is_deleted_and_its_contacts_stay(client, admin, factory, db):
    company = factory.company()
    company.managers = [factory.user()]
    contact = factory.contact(company=company)
    company_id = company.id
    assert client.post(f"/admin/companies/{company_id}/delete").status_code == 302
    assert db.session.get(Company, company_id) is None and db.session.get(Contact, contact.id).company_id is None
    assert db.session.scalars(select(CompanyManager)).all() == []
    assert orphans() == {}


def test_a_contact_in_use_is_kept(client, admin, factory, widgets, db):
    contact = factory.contact()
    widgets.uses[("contact", contact.id)] = 1
    response = client.post(f"/admin/contacts/{contact.id}/delete", follow_redirects=True)
    assert "1 widgets use it. The contact is kept so that their history stays whole." in flashed(response)
    db.session.expire_all()
    assert db.session.get(Contact, contact.id) is not None


# staff users ---------------------------------------------------------------------------------


def test_a_user_with_work_behind_them_is_refused_and_pointed_to_deactivation(client, admin, factory, widgets, db):
    user = factory.user()
    widgets.uses[("user", user.id)] = 7
    response = client.post(f"/admin/staff/{user.id}/delete", follow_redirects=True)
    assert ("7 widgets use it. Deactivate the account instead: it can no longer sign in, "
            "and its work stays under its name.") in flashed(response)
    db.session.expire_all()
    assert db.session.get(User, user.id) is not None


def test_a_user_without_work_is_deleted_with_their_memberships_and_notifications(client, admin, factory, db):
    dep = factory.department()
    company = factory.company()
    user = factory.user(departments=[dep], name="Mistake")
    company.managers = [user]
    db.session.add(Notification(user_id=user.id, kind="crm.test", params={}))
    db.session.commit()
    user_id = user.id
    response = client.post(f"/admin/staff/{user_id}/delete", follow_redirects=True)
    assert "Mistake was deleted." in flashed(response)
    assert db.session.get(User, user_id) is None
    for model in (DepartmentMember, CompanyManager, Notification):
        assert db.session.scalars(select(model)).all() == []
    assert audit_actions(db, "user.deleted")[0].changes["departments"] == [[dep.id], None]
    assert orphans() == {}


def test_nobody_deletes_their_own_account(client, admin, db):
    response = client.post(f"/admin/staff/{admin.id}/delete", follow_redirects=True)
    assert "You cannot delete your own account." in flashed(response)
    assert db.session.get(User, admin.id) is not None


def test_the_last_active_admin_stays(app, factory, db):
    only = factory.admin()
    with pytest.raises(InvalidChange) as refused:
        delete_user(only, actor=None)
    assert refused.value.errors == {"": "This is the last active admin; make someone else admin first."}
    db.session.rollback()
    assert db.session.get(User, only.id) is not None


def test_staff_cannot_delete_people(client, factory, auth, db):
    victim, dep = factory.user(), factory.department()
    auth.login(factory.user())
    assert client.post(f"/admin/staff/{victim.id}/delete").status_code == 403
    assert client.post(f"/admin/departments/{dep.id}/delete", data={"move_to": "1"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(User, victim.id) is not None and db.session.get(Department, dep.id) is not None


def test_references_of_an_unknown_kind_are_a_programming_error(app, factory):
    with pytest.raises(ValueError):
        person_references("ticket", factory.department())


def test_the_service_refuses_moving_a_department_onto_itself(app, factory, widgets, db):
    dep = factory.department()
    with pytest.raises(InvalidChange) as refused:
        delete_department(dep, move_to=dep)
    assert refused.value.errors == {"move_to": "Choose another department to move them to."}


def test_the_orphan_counter_finds_rows_left_behind(app, factory, db):
    """The check the delete tests rely on can fail: a membership whose department is gone is an orphan."""
    dep = factory.department()
    user = factory.user(departments=[dep])
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            conn.exec_driver_sql("SET session_replication_role = replica")
        conn.execute(Department.__table__.delete().where(Department.__table__.c.id == dep.id))
        conn.commit()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        else:
            conn.exec_driver_sql("SET session_replication_role = DEFAULT")
    db.session.expire_all()
    assert orphans() == {"crm_department_member.department_id -> crm_department": 1}
    db.session.execute(DepartmentMember.__table__.delete().where(DepartmentMember.__table__.c.user_id == user.id))
    db.session.commit()
    assert orphans() == {}


def test_the_staff_page_offers_deletion_only_when_nothing_keeps_the_account(client, admin, factory, widgets):
    busy, idle = factory.user(), factory.user()
    widgets.uses[("user", busy.id)] = 2
    body = client.get(f"/admin/staff/{busy.id}").get_data(as_text=True)
    assert "2 widgets use it." in body and "Delete this account" not in body
    assert "Deactivate the account instead" in body
    assert "Delete this account" in client.get(f"/admin/staff/{idle.id}").get_data(as_text=True)
    assert "Delete this account" not in client.get(f"/admin/staff/{admin.id}").get_data(as_text=True)


def test_a_deleted_accounts_sessions_and_links_never_reach_whoever_gets_its_id(client, admin, factory, auth, db):
    """SQLite gives a new row the highest id again: the next account may get a deleted account's id."""
    from crm.auth import reset, tokens

    doomed = factory.user(email="doomed@example.com")
    signed_in = auth.client_for(doomed)
    assert signed_in.get("/profile").status_code == 200
    link = reset.make_reset_token(doomed)
    db.session.commit()
    doomed_id = doomed.id
    assert client.post(f"/admin/staff/{doomed_id}/delete").status_code == 302
    factory.user(email="newcomer@example.com")
    assert signed_in.get("/profile").status_code == 302  # the login page, not the newcomer's profile
    assert tokens.peek(reset.PURPOSE, link) is None
