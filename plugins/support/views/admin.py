"""Support admin pages: statuses, priorities, brands, services and topics (list, add, edit, reorder, delete)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from crm import audit
from crm.auth.permissions import permission_required
from crm.extensions import db
from crm.people.models import Department
from plugins.support import statuses, topics
from plugins.support.views import topic_admin
from plugins.support import permissions as perms
from plugins.support.forms import NamedForm, PriorityForm, StatusForm, TopicForm
from plugins.support.models import Brand, Priority, Service, Status, StatusCount, Ticket, Topic
from plugins.support.views import admin_bp


@admin_bp.before_request
@permission_required(perms.ADMIN)
def _support_admins_only():
    """Every support admin page needs ``support.admin``: admins, and roles an admin granted it to."""
    return None


@dataclass(frozen=True)
class Kind:
    """One admin-managed lookup table and how its page behaves."""

    name: str
    title: Any
    model: Any
    form: type
    ticket_column: Any
    label: Callable[[Any], str]
    keyed: bool = False


def _plain(row) -> str:
    return row.name


KINDS = {
    "statuses": Kind("statuses", _l("Ticket statuses"), Status, StatusForm, Ticket.status_id,
                     statuses.status_label, keyed=True),
    "priorities": Kind("priorities", _l("Ticket priorities"), Priority, PriorityForm, Ticket.priority_id,
                       statuses.priority_label, keyed=True),
    "brands": Kind("brands", _l("Brands"), Brand, NamedForm, Ticket.brand_id, _plain),
    "services": Kind("services", _l("Services"), Service, NamedForm, Ticket.service_id, _plain),
    "topics": Kind("topics", _l("Topics"), Topic, TopicForm, Ticket.topic_id, topics.topic_label),
}


def _kind(name: str) -> Kind:
    kind = KINDS.get(name)
    if kind is None:
        abort(404)
    return kind


def _rows(kind: Kind) -> list:
    if kind.keyed:
        statuses.ensure_defaults()
        db.session.commit()
    if kind.name == "topics":
        topics.ensure_default()
        db.session.commit()
    return list(db.session.scalars(select(kind.model).order_by(kind.model.position, kind.model.id)))


def _prepare(kind: Kind, form) -> None:
    if kind.name == "topics":
        form.department.choices = [("", _("None"))] + [
            (str(d.id), d.name) for d in db.session.scalars(select(Department).order_by(Department.name))]
        topic_admin.prepare(form)


def _name_taken(kind: Kind, name: str, row=None) -> bool:
    model = kind.model
    stmt = select(model.id).where(func.lower(model.name) == name.strip().lower())
    if row is not None:
        stmt = stmt.where(model.id != row.id)
    if db.session.scalar(stmt) is not None:
        return True
    if kind.name == "topics":
        return topic_admin.label_taken(name, row)
    if kind.keyed:
        labels = statuses.STATUS_LABELS if kind.name == "statuses" else statuses.PRIORITY_LABELS
        for other in db.session.scalars(select(model).where(model.name == "")):
            if (row is None or other.id != row.id) and str(labels.get(other.key, other.key)).lower() == name.lower():
                return True
    return False


def _unique_key(kind: Kind, name: str) -> str:
    import re

    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:30] or "item"
    key, n = base, 1
    while db.session.scalar(select(kind.model.id).where(kind.model.key == key)) is not None:
        n += 1
        key = f"{base}_{n}"
    return key


def _apply(kind: Kind, form, row) -> dict:
    """Copy form values to ``row``; return ``{field: (old, new)}``."""
    changes = {}
    name = form.name.data.strip()
    old_name = kind.label(row) if row.id else None
    if (kind.keyed or kind.name == "topics") and row.id and name == kind.label(row) and not row.name:
        pass  # a default kept its translated name: keep translating it
    elif name != (row.name or None):
        changes["name"] = (old_name, name)
        row.name = name
    if hasattr(form, "colour"):
        colour = form.colour.data.lower()
        if colour != row.colour:
            changes["colour"] = (row.colour, colour)
            row.colour = colour
    if hasattr(form, "is_closed"):
        if bool(form.is_closed.data) != bool(row.is_closed):
            changes["is_closed"] = (row.is_closed, bool(form.is_closed.data))
            row.is_closed = bool(form.is_closed.data)
    if hasattr(form, "department"):
        dep = int(form.department.data) if form.department.data else None
        if dep != row.department_id:
            changes["department"] = (row.department_id, dep)
            row.department_id = dep
    if kind.name == "topics":
        changes.update(topic_admin.apply(form, row))
    return changes


def _list(kind_name: str):
    kind = _kind(kind_name)
    form = kind.form()
    _prepare(kind, form)
    if request.method == "POST":
        if form.validate():
            if _name_taken(kind, form.name.data):
                form.name.errors = list(form.name.errors) + [_("This name is already used.")]
            else:
                row = kind.model()
                if kind.keyed:
                    row.key = _unique_key(kind, form.name.data)
                row.position = (db.session.scalar(select(func.max(kind.model.position))) or 0) + 1
                changes = _apply(kind, form, row)
                db.session.add(row)
                try:
                    db.session.flush()
                    if kind.name == "topics":
                        changes.update(topic_admin.apply_staff(form, row))
                    audit.record(f"support.{kind.name}.created", kind.name, row.id, changes)
                    db.session.commit()
                    statuses.forget()
                except IntegrityError:
                    db.session.rollback()
                    form.name.errors = list(form.name.errors) + [_("This name is already used.")]
                else:
                    flash(_("“%(name)s” was added.", name=form.name.data.strip()), "success")
                    return redirect(url_for(f"support_admin.{kind.name}"))
        return _render_list(kind, form), 400
    return _render_list(kind, form)


def _render_list(kind: Kind, form):
    rows = _rows(kind)
    in_use = db.session.execute(select(kind.ticket_column, func.count()).where(kind.ticket_column.isnot(None))
                                .group_by(kind.ticket_column))
    used = {row_id: count for row_id, count in in_use}
    return render_template("support/admin/list.html", kind=kind, rows=rows, form=form, used=used,
                           label=kind.label, kinds=KINDS, assignee_kinds=topics.ASSIGNEE_KIND_LABELS)


def _row(kind: Kind, row_id: int):
    row = db.session.get(kind.model, row_id)
    if row is None:
        abort(404)
    return row


def _edit(kind_name: str, row_id: int):
    kind = _kind(kind_name)
    row = _row(kind, row_id)
    fields, stored = topic_admin.topic_fields(row) if kind.name == "topics" else ([], {})
    if fields:
        form = topic_admin.topic_form(kind.form, row, fields, stored)
    else:
        form = kind.form(obj=row) if request.method == "POST" else kind.form(formdata=None, obj=row)
    _prepare(kind, form)
    shown = {"data_fields": fields, "data_values": stored}
    if request.method == "GET":
        form.name.data = kind.label(row)
        if kind.name == "topics":
            form.department.data = str(row.department_id or "")
            topic_admin.fill(form, row)
        return render_template("support/admin/edit.html", kind=kind, row=row, form=form, **shown)
    if form.validate():
        if _name_taken(kind, form.name.data, row):
            form.name.errors = list(form.name.errors) + [_("This name is already used.")]
        else:
            changes = _apply(kind, form, row)
            if kind.name == "topics":
                changes.update(topic_admin.apply_staff(form, row))
                changes.update(topic_admin.save_fields(form, row, fields, stored))
            if changes:
                audit.record(f"support.{kind.name}.updated", kind.name, row.id, changes)
            db.session.commit()
            statuses.forget()
            flash(_("Your changes were saved."), "success")
            return redirect(url_for(f"support_admin.{kind.name}"))
    return render_template("support/admin/edit.html", kind=kind, row=row, form=form, **shown), 400


def _move(kind_name: str, row_id: int):
    kind = _kind(kind_name)
    row = _row(kind, row_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        flash(_("Choose up or down."), "error")
        return redirect(url_for(f"support_admin.{kind.name}"))
    rows = _rows(kind)
    index = next(i for i, r in enumerate(rows) if r.id == row.id)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(rows):
        rows[index], rows[other] = rows[other], rows[index]
        for position, r in enumerate(rows):
            r.position = position
        audit.record(f"support.{kind.name}.reordered", kind.name, row.id, {"position": (index, other)})
        db.session.commit()
        statuses.forget()
    return redirect(url_for(f"support_admin.{kind.name}"))


def _in_use_message(kind: Kind, row, count: int) -> str:
    name = kind.label(row)
    if kind.name == "statuses":
        return ngettext("%(num)d ticket has the status “%(name)s”; move it to another status first.",
                        "%(num)d tickets have the status “%(name)s”; move them to another status first.",
                        count, name=name)
    if kind.name == "priorities":
        return ngettext("%(num)d ticket has the priority “%(name)s”; move it to another priority first.",
                        "%(num)d tickets have the priority “%(name)s”; move them to another priority first.",
                        count, name=name)
    return ngettext("%(num)d ticket uses “%(name)s”, so it cannot be deleted.",
                    "%(num)d tickets use “%(name)s”, so it cannot be deleted.", count, name=name)


MAX_ID = 2**31 - 1  # the largest id an INTEGER primary key holds on every database


def _move_target(kind: Kind, row):
    """The row named by the form's ``move_to`` (None when not given); ``False`` when it names no other row."""
    raw = request.form.get("move_to", "")
    if not raw:
        return None
    if not kind.keyed:
        return False
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_ID or int(raw) == row.id:
        return False
    target_id = int(raw)
    return db.session.get(kind.model, target_id) or False


def _refusal(kind: Kind, row, target) -> str | None:
    """Why ``row`` cannot be deleted now (its row and the target's are locked first), or None."""
    ids = sorted({row.id} | ({target.id} if target else set()))
    found = set(db.session.scalars(select(kind.model.id).where(kind.model.id.in_(ids))
                                   .order_by(kind.model.id).with_for_update()))
    if target and target.id not in found:
        return _("Choose where the tickets go from the list.")
    if kind.name == "statuses":
        from crm import settings

        if settings.get("support.default_reply_status") == row.key:
            return _("“%(name)s” is the default reply status and cannot be deleted.", name=kind.label(row))
    if kind.keyed and db.session.scalar(select(func.count()).select_from(kind.model)) <= 1:
        return _("At least one must remain.")
    used = db.session.scalar(select(func.count()).select_from(Ticket).where(kind.ticket_column == row.id)) or 0
    if used and target is None:
        return _in_use_message(kind, row, used)
    return None


class _Refused(Exception):
    """A delete the rules refuse; its message is flashed and nothing changes."""


def _delete(kind_name: str, row_id: int):
    """Delete a row; a status or priority that tickets use can move them to another one (``move_to``) first.

    The check and the delete run in one write transaction with the row (and
    the target) locked, so a ticket given the row meanwhile cannot be missed.
    """
    from crm.database import unit_of_work

    kind = _kind(kind_name)
    row = _row(kind, row_id)
    back = redirect(url_for(f"support_admin.{kind.name}"))
    target = _move_target(kind, row)
    if target is False:
        flash(_("Choose where the tickets go from the list."), "error")
        return back
    moved = 0
    try:
        with unit_of_work():
            refusal = _refusal(kind, row, target)
            if refusal is not None:
                raise _Refused(refusal)
            name = kind.label(row)
            changes = {"name": (name, None)}
            if target is not None:
                from plugins.support import moves

                move = moves.move_status if kind.name == "statuses" else moves.move_priority
                moved = move(row, target, actor=current_user)
                changes.update({"moved_to": (None, target.key), "moved": (None, moved)})
            audit.record(f"support.{kind.name}.deleted", kind.name, row.id, changes)
            if kind.name == "statuses":
                db.session.execute(delete(StatusCount).where(StatusCount.status_id == row.id))
            db.session.delete(row)
    except _Refused as refused:
        flash(str(refused), "error")
        return back
    statuses.forget()
    if target is None:
        flash(_("“%(name)s” was deleted.", name=name), "success")
    else:
        flash(ngettext("“%(name)s” was deleted; %(num)d ticket was moved to “%(target)s”.",
                       "“%(name)s” was deleted; %(num)d tickets were moved to “%(target)s”.",
                       moved, name=name, target=kind.label(target)), "success")
    return back


for _name in KINDS:
    admin_bp.add_url_rule(f"/{_name}", endpoint=_name, view_func=lambda n=_name: _list(n), methods=["GET", "POST"])
    admin_bp.add_url_rule(f"/{_name}/<int:row_id>", endpoint=f"{_name}_edit",
                          view_func=lambda row_id, n=_name: _edit(n, row_id), methods=["GET", "POST"])
    admin_bp.add_url_rule(f"/{_name}/<int:row_id>/move", endpoint=f"{_name}_move",
                          view_func=lambda row_id, n=_name: _move(n, row_id), methods=["POST"])
    admin_bp.add_url_rule(f"/{_name}/<int:row_id>/delete", endpoint=f"{_name}_delete",
                          view_func=lambda row_id, n=_name: _delete(n, row_id), methods=["POST"])


@admin_bp.get("/")
def index():
    """The support admin start page: the first data page."""
    return redirect(url_for("support_admin.statuses"))
