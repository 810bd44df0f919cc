"""Admin pages: departments, their members and managers."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.admin.people import delete_then_redirect, paginate, posted_id, saving
from crm.admin.views import bp
from crm.extensions import db
from crm.people.forms import DepartmentForm
from crm.people.models import Department, DepartmentMember
from crm.people.services import (
    delete_department, person_references, references_movable, save_department, staff_choices,
)


def _department_or_404(department_id: int) -> Department:
    return db.get_or_404(Department, department_id)


@bp.get("/departments")
def departments():
    """Departments by name with their members and managers."""
    stmt = (select(Department)
            .options(selectinload(Department.members).selectinload(DepartmentMember.user))
            .order_by(Department.name, Department.id))
    return render_template("crm/admin/departments.html", page=paginate(stmt))


def _edit(department: Department | None):
    data = None
    if department is not None and request.method == "GET":
        data = {"name": department.name, "description": department.description,
                "members": [m.user_id for m in department.members],
                "managers": [m.user_id for m in department.members if m.is_manager]}
    form = DepartmentForm(data=data)
    current = [m.user_id for m in department.members] if department is not None else []
    people = staff_choices(include_ids=current)
    form.members.choices = people
    form.managers.choices = people
    if form.validate_on_submit():
        managers = set(form.managers.data or [])
        members = {user_id: user_id in managers for user_id in {*(form.members.data or []), *managers}}
        with saving(form, name=_("Another department already has this name.")) as outcome:
            department, changes = save_department(department, name=form.name.data,
                                                  description=form.description.data or "",
                                                  members=members, actor=current_user)
        if outcome.saved:
            flash(_("The department %(name)s was saved.", name=department.name) if changes
                  else _("Nothing changed."), "success")
            return redirect(url_for("admin.departments"))
    references, move_targets = [], []
    if department is not None:
        references = person_references("department", department)
        if references_movable(references):
            move_targets = [(d.id, d.name) for d in db.session.execute(
                select(Department.id, Department.name).where(Department.id != department.id).order_by(Department.name))]
    return render_template("crm/admin/department_form.html", form=form, department=department, people=people,
                           references=references, move_targets=move_targets)


@bp.route("/departments/new", methods=["GET", "POST"])
def department_new():
    """Add a department with its members and managers."""
    return _edit(None)


@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
def department_edit(department_id: int):
    """Change a department's name, description, members and managers."""
    return _edit(_department_or_404(department_id))


@bp.post("/departments/<int:department_id>/delete")
def department_delete(department_id: int):
    """Delete a department (its memberships go with it); with ``move_to``, first move what uses it there.

    While tickets or other plugins' records use the department the delete is
    refused with their counts, unless the form names another department
    (``move_to``) to move them to.
    """
    department = _department_or_404(department_id)
    back = url_for("admin.department_edit", department_id=department_id)
    name = department.name
    move_to = None
    if request.form.get("move_to"):
        target_id = posted_id("move_to")
        move_to = db.session.get(Department, target_id) if target_id is not None else None
        if move_to is None:
            flash(_("Choose a department from the list."), "error")
            return redirect(back)

    def done(moved: int) -> str:
        if move_to is None:
            return _("The department %(name)s was deleted.", name=name)
        return ngettext("The department %(name)s was deleted; %(num)d record was moved to %(target)s.",
                        "The department %(name)s was deleted; %(num)d records were moved to %(target)s.",
                        moved, name=name, target=move_to.name)

    return delete_then_redirect(delete_department, department, done, back, url_for("admin.departments"),
                                move_to=move_to)
