"""Admin pages: roles and their grants (one checkbox per permission of an enabled plugin)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from crm.admin.people import delete_then_redirect, saving
from crm.admin.views import bp
from crm.extensions import db
from crm.people.forms import RoleForm
from crm.people.models import Role, RolePermission, User
from crm.people.services import (
    create_role, delete_role, grantable_permissions, role_permissions, role_title, update_role,
)


def _groups() -> list[tuple[str, str, list]]:
    """``(owner, owner title, permissions)`` for the grants matrix."""
    host = current_app.extensions["crm"]
    groups = []
    for owner, permissions in grantable_permissions().items():
        title = _("General") if owner not in host.infos else str(host.infos[owner].title)
        groups.append((owner, title, permissions))
    return groups


def _prepare(form: RoleForm, role: Role | None) -> list:
    groups = _groups()
    if role is not None and role.kind == "admin":
        del form.permissions
    else:
        form.permissions.choices = [(p.name, str(p.label)) for _o, _t, perms in groups for p in perms]
    if role is not None and role.builtin:
        del form.title
        del form.kind
    return groups


def _role_or_404(role_id: int) -> Role:
    return db.get_or_404(Role, role_id)


@bp.get("/roles")
def roles():
    """Every role with how many users hold it and how many permissions it grants."""
    users = (select(User.role_id, func.count(User.id).label("n")).group_by(User.role_id).subquery())
    grants = (select(RolePermission.role_id, func.count().label("n")).group_by(RolePermission.role_id).subquery())
    rows = db.session.execute(
        select(Role, func.coalesce(users.c.n, 0), func.coalesce(grants.c.n, 0))
        .outerjoin(users, users.c.role_id == Role.id)
        .outerjoin(grants, grants.c.role_id == Role.id)
        .order_by(Role.builtin.desc(), Role.id)
    ).all()
    return render_template("crm/admin/roles.html", rows=rows, role_title=role_title)


@bp.route("/roles/new", methods=["GET", "POST"])
def role_new():
    """Add a custom role (staff or non-staff member) with its grants."""
    form = RoleForm()
    groups = _prepare(form, None)
    if form.validate_on_submit():
        with saving(form) as outcome:
            role = create_role(form.title.data, form.kind.data, form.permissions.data or [], actor=current_user)
        if outcome.saved:
            flash(_("The role %(title)s was added.", title=role.title), "success")
            return redirect(url_for("admin.roles"))
    return render_template("crm/admin/role_form.html", form=form, role=None, groups=groups, role_title=role_title)


@bp.route("/roles/<int:role_id>", methods=["GET", "POST"])
def role_edit(role_id: int):
    """Change a role: title and kind for custom roles, grants for every role but admin."""
    role = _role_or_404(role_id)
    data = None
    if request.method == "GET":
        data = {"title": role.title, "kind": role.kind, "permissions": sorted(role_permissions(role))}
    form = RoleForm(data=data)
    groups = _prepare(form, role)
    if form.validate_on_submit():
        with saving(form) as outcome:
            changes = update_role(
                role,
                title=form.title.data if "title" in form else None,
                kind=form.kind.data if "kind" in form else None,
                permissions=(form.permissions.data or []) if "permissions" in form else None,
                actor=current_user,
            )
        if outcome.saved:
            flash(_("The role %(title)s was saved.", title=role_title(role)) if changes else _("Nothing changed."),
                  "success")
            return redirect(url_for("admin.roles"))
    return render_template("crm/admin/role_form.html", form=form, role=role, groups=groups, role_title=role_title)


@bp.post("/roles/<int:role_id>/delete")
def role_delete(role_id: int):
    """Delete a custom role that nobody holds."""
    role = _role_or_404(role_id)
    return delete_then_redirect(delete_role, role, _("The role %(title)s was deleted.", title=role_title(role)),
                                url_for("admin.role_edit", role_id=role_id), url_for("admin.roles"))
