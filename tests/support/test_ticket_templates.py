"""Ticket templates (S-32): the service functions, the list page, editing and deleting with their access rules."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.audit import AuditEntry
from plugins.support import ticket_templates as tt
from plugins.support.ticket_templates import TicketTemplate


def count(db):
    return db.session.scalar(select(func.count()).select_from(TicketTemplate))


def test_save_keeps_only_step_values(app, db, factory):
    author = factory.user()
    template = tt.save_template("  Sipariş Durumu ", {
        "subject": "Siparişiniz", "priority": "medium", "customer_email": "x@example.org",
        "customer_name": "Ahmet", "unknown": 1, "tag_ids": ["1"], "description": "",
    }, author)
    db.session.commit()
    stored = db.session.get(TicketTemplate, template.id)
    assert stored.name == "Sipariş Durumu"
    assert stored.values == {"subject": "Siparişiniz", "priority": "medium", "tag_ids": ["1"]}
    assert stored.author_id == author.id
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "support_ticket_template")) \
        == "support.template.created"


@pytest.mark.parametrize("name, message", [
    ("", "Give the template a name."),
    ("   ", "Give the template a name."),
    ("x" * 121, "Use at most 120 characters."),
])
def test_bad_names_are_refused(app, db, factory, name, message):
    with pytest.raises(tt.TemplateInvalid) as info:
        tt.save_template(name, {}, factory.user())
    assert info.value.errors == {"template_name": message}
    db.session.rollback()
    assert count(db) == 0


def test_names_are_unique_ignoring_case(app, db, factory):
    user = factory.user()
    tt.save_template("Order status", {}, user)
    db.session.commit()
    with pytest.raises(tt.TemplateInvalid) as info:
        tt.save_template("ORDER STATUS", {}, user)
    assert "already exists" in info.value.errors["template_name"]
    db.session.rollback()
    assert count(db) == 1


def test_only_the_author_or_an_admin_may_change_a_template(app, db, factory):
    author, other, admin = factory.user(), factory.user(), factory.admin()
    template = tt.save_template("Order status", {"priority": "low"}, author)
    db.session.commit()
    assert tt.can_manage(author, template) and tt.can_manage(admin, template)
    assert not tt.can_manage(other, template)
    with pytest.raises(PermissionError):
        tt.update_template(template, "Stolen", {}, other)
    with pytest.raises(PermissionError):
        tt.delete_template(template, other)
    db.session.rollback()
    tt.update_template(template, "Order status (EN)", {"priority": "high"}, admin)
    db.session.commit()
    assert db.session.get(TicketTemplate, template.id).values == {"priority": "high"}
    tt.delete_template(template, author)
    db.session.commit()
    assert count(db) == 0


def test_renaming_onto_another_name_is_refused(app, db, factory):
    user = factory.user()
    tt.save_template("A", {}, user)
    second = tt.save_template("B", {}, user)
    db.session.commit()
    with pytest.raises(tt.TemplateInvalid):
        tt.update_template(second, "a", {}, user)
    db.session.rollback()
    tt.update_template(second, "b", {}, user)  # its own name in another case is fine
    db.session.commit()
    assert db.session.get(TicketTemplate, second.id).name == "b"


def test_get_template_accepts_any_input(app, db):
    assert tt.get_template("abc") is None
    assert tt.get_template(None) is None
    assert tt.get_template(10 ** 30) is None


# pages ---------------------------------------------------------------------------------------------


def test_list_shows_templates_in_a_fixed_number_of_queries(app, db, factory, client, auth, count_queries):
    users = [factory.user() for _ in range(3)]
    user = users[0]
    tt.save_template("Alpha", {}, users[1])
    db.session.commit()
    auth.login(user)
    client.get("/support/ticket-templates")  # warm the per-process caches
    db.session.expire_all()
    with count_queries() as few:
        client.get("/support/ticket-templates")
    for n, author in enumerate(users * 3):
        tt.save_template(f"Name {n}", {}, author)
    db.session.commit()
    db.session.expire_all()
    with count_queries() as many:
        page = client.get("/support/ticket-templates")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Alpha" in text and "Name 8" in text
    assert many.count == few.count


def test_list_offers_edit_and_delete_only_on_own_templates(app, db, factory, client, auth):
    me, other = factory.user(), factory.user()
    mine = tt.save_template("Mine", {}, me)
    theirs = tt.save_template("Theirs", {}, other)
    db.session.commit()
    auth.login(me)
    text = client.get("/support/ticket-templates").get_data(as_text=True)
    assert f"/support/tickets/new?edit={mine.id}" in text
    assert f"/support/tickets/new?edit={theirs.id}" not in text
    assert f"/support/ticket-templates/{theirs.id}/delete" not in text
    assert f"/support/tickets/new?template={theirs.id}" in text


def test_deleting_someone_elses_template_is_forbidden(app, db, factory, client, auth):
    other = factory.user()
    template = tt.save_template("Theirs", {}, other)
    db.session.commit()
    auth.login(factory.user())
    assert client.post(f"/support/ticket-templates/{template.id}/delete").status_code == 403
    assert client.get(f"/support/tickets/new?edit={template.id}").status_code == 403
    assert count(db) == 1


def test_author_and_admin_delete(app, db, factory, client, auth):
    author = factory.user()
    first = tt.save_template("First", {}, author)
    second = tt.save_template("Second", {}, author)
    db.session.commit()
    auth.login(author)
    response = client.post(f"/support/ticket-templates/{first.id}/delete")
    assert response.status_code == 302
    auth.logout()
    auth.login(factory.admin())
    assert client.post(f"/support/ticket-templates/{second.id}/delete").status_code == 302
    assert count(db) == 0
    assert client.post("/support/ticket-templates/999/delete").status_code == 404


def test_templates_need_the_create_permission(app, db, factory, client, auth):
    from crm.people.models import Role, RolePermission

    staff = db.session.scalar(select(Role).where(Role.name == "staff"))
    db.session.execute(RolePermission.__table__.delete().where(
        RolePermission.role_id == staff.id, RolePermission.permission == "support.tickets.create"))
    from crm import generation

    generation.bump()
    db.session.commit()
    template = tt.save_template("T", {}, factory.admin())
    db.session.commit()
    assert client.get("/support/ticket-templates").status_code == 302  # anonymous: to the login page
    auth.login(factory.user())
    assert client.get("/support/ticket-templates").status_code == 403
    assert client.post(f"/support/ticket-templates/{template.id}/delete").status_code == 403
    assert count(db) == 1


def test_members_see_templates_only_with_members_access(app, db, factory, client, auth):
    from crm import settings

    auth.login(factory.user(role="member"))
    assert client.get("/support/ticket-templates").status_code == 403
    settings.set_many("support", {"members_access": True})
    db.session.commit()
    # members hold no create permission by default, so they stay out
    assert client.get("/support/ticket-templates").status_code == 403
