"""Admin pages: staff users (list, create, edit, deactivate, reactivate, send a password link)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.admin.people import delete_then_redirect, matches, paginate, saving, search_term
from crm.admin.views import bp
from crm.auth.reset import queue_reset_email
from crm.extensions import db
from crm.people.forms import NewStaffForm, StaffForm
from crm.people.models import Department, DepartmentMember, Role, User
from crm.people.services import (
    InvalidChange, create_user, delete_user, person_references, role_title, set_user_active, update_user,
)

STATES = ("active", "inactive")


def _fill_choices(form: StaffForm) -> dict[int, Role]:
    roles = {r.id: r for r in db.session.scalars(select(Role).order_by(Role.builtin.desc(), Role.id))}
    form.role.choices = [(r.id, role_title(r)) for r in roles.values()]
    form.departments.choices = [(d.id, d.name) for d in db.session.execute(
        select(Department.id, Department.name).order_by(Department.name))]
    return roles


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.get("/staff")
def staff():
    """Staff users, 50 a page; search by name or email, filter by role and state."""
    term = search_term()
    role_id = request.args.get("role", type=int)
    state = request.args.get("state", "")
    stmt = (select(User)
            .options(selectinload(User.memberships).selectinload(DepartmentMember.department))
            .order_by(User.name, User.id))
    if term:
        stmt = stmt.where(matches(term, User.name, User.email))
    if role_id:
        stmt = stmt.where(User.role_id == role_id)
    if state in STATES:
        stmt = stmt.where(User.active.is_(state == "active"))
    page = paginate(stmt)
    roles = db.session.scalars(select(Role).order_by(Role.builtin.desc(), Role.id)).all()
    return render_template("crm/admin/staff.html", page=page, roles=roles, role_title=role_title,
                           term=term, role_id=role_id, state=state)


@bp.route("/staff/new", methods=["GET", "POST"])
def staff_new():
    """Add a staff user, with a password or an emailed link to choose one."""
    form = NewStaffForm()
    roles = _fill_choices(form)
    if request.method == "GET":
        staff_role = next((r for r in roles.values() if r.name == "staff"), None)
        if staff_role is not None:
            form.role.data = staff_role.id
    if form.validate_on_submit():
        password = form.password.data if form.password_mode.data == "set" else None
        with saving(form, email=_("Another staff account already uses this email address.")) as outcome:
            user = create_user(form.email.data, form.name.data, password, role=roles[form.role.data],
                               department_ids=form.departments.data)
            if password is None:
                queue_reset_email(user, welcome=True)
        if outcome.saved:
            if password is None:
                flash(_("%(name)s was added and has been emailed a link to choose a password.", name=user.name),
                      "success")
            else:
                flash(_("%(name)s was added.", name=user.name), "success")
            return redirect(url_for("admin.staff"))
    return render_template("crm/admin/staff_form.html", form=form, user=None)


@bp.route("/staff/<int:user_id>", methods=["GET", "POST"])
def staff_edit(user_id: int):
    """Change a staff user's email, name, role and departments."""
    user = _user_or_404(user_id)
    form = StaffForm(obj=None, data={
        "email": user.email, "name": user.name, "role": user.role_id,
        "departments": sorted(user.department_ids),
    } if request.method == "GET" else None)
    roles = _fill_choices(form)
    if form.validate_on_submit():
        with saving(form, email=_("Another staff account already uses this email address.")) as outcome:
            changes = update_user(user, email=form.email.data, name=form.name.data, role=roles[form.role.data],
                                  department_ids=form.departments.data, actor=current_user)
        if outcome.saved:
            flash(_("%(name)s was saved.", name=user.name) if changes else _("Nothing changed."), "success")
            return redirect(url_for("admin.staff"))
    return render_template("crm/admin/staff_form.html", form=form, user=user,
                           references=person_references("user", user))


def _set_active(user_id: int, active: bool):
    user = _user_or_404(user_id)
    try:
        changed = set_user_active(user, active, actor=current_user)
        db.session.commit()
    except InvalidChange as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
    else:
        if changed:
            flash(_("%(name)s was reactivated.", name=user.name) if active
                  else _("%(name)s was deactivated.", name=user.name), "success")
    return redirect(url_for("admin.staff_edit", user_id=user.id))


@bp.post("/staff/<int:user_id>/deactivate")
def staff_deactivate(user_id: int):
    """Deactivate a staff user: they can no longer sign in; their records stay."""
    return _set_active(user_id, False)


@bp.post("/staff/<int:user_id>/reactivate")
def staff_reactivate(user_id: int):
    """Let a deactivated staff user sign in again."""
    return _set_active(user_id, True)


@bp.post("/staff/<int:user_id>/send-reset")
def staff_send_reset(user_id: int):
    """Email a staff user a link to choose a new password."""
    user = _user_or_404(user_id)
    if not user.active:
        flash(_("Reactivate the account before sending a password link."), "error")
    else:
        queue_reset_email(user)
        db.session.commit()
        flash(_("A link to choose a new password was emailed to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.staff_edit", user_id=user.id))


@bp.post("/staff/<int:user_id>/delete")
def staff_delete(user_id: int):
    """Delete a staff user who has left no work behind; anyone else is refused and should be deactivated."""
    user = _user_or_404(user_id)
    return delete_then_redirect(delete_user, user, _("%(name)s was deleted.", name=user.name),
                                url_for("admin.staff_edit", user_id=user_id), url_for("admin.staff"))
