"""Canned reply management: shared replies on the support admin pages, personal ones on the agent's own page.

Shared (desk-wide and department) replies need
``support.canned_replies.manage``; personal replies belong to the agent who
wrote them, and nobody else sees or edits them. The service
(:mod:`plugins.support.canned_replies.service`) checks the same rules.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from crm.auth.permissions import permission_required
from crm.extensions import db
from crm.people.models import Department
from plugins.support import permissions as perms
from plugins.support.canned_replies import forms, placeholders, service
from plugins.support.views import bp
from plugins.support.views.tickets import desk_required

# shared replies: their own permission, not ``support.admin`` (which guards every ``support_admin`` page)
canned_admin_bp = Blueprint("support_canned_admin", __name__, url_prefix="/admin/support/canned-replies",
                            template_folder="../templates")


@canned_admin_bp.before_request
@permission_required(perms.CANNED_MANAGE)
def _managers_only():
    """Every page here needs ``support.canned_replies.manage`` (admins hold it)."""
    return None


def _user():
    return current_user._get_current_object()


def _endpoint(personal: bool, name: str) -> str:
    return f"support.my_canned_replies{'_' + name if name else ''}" if personal \
        else f"support_canned_admin.{name or 'index'}"


def _departments() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Department.id, Department.name).order_by(Department.name)))


def _page(template: str, personal: bool, **context):
    return render_template(
        f"support/canned/{template}", personal=personal, endpoint=lambda name: _endpoint(personal, name),
        base="crm/base.html" if personal else "crm/admin/base.html", placeholders=placeholders.names(),
        may_manage_shared=service.may_manage_shared(_user()), **context)


def _list(personal: bool):
    user = _user()
    rows = service.personal_replies(user) if personal else service.shared_replies()
    return _page("list.html", personal, rows=rows)


def _create(personal: bool):
    user = _user()
    form = forms.build(personal, [] if personal else _departments())
    if request.method == "POST":
        if form.validate():
            try:
                reply = service.save(user, forms.values(form), personal=personal)
            except service.CannedReplyInvalid as exc:
                forms.show_errors(form, exc.errors)
            else:
                flash(_("“%(name)s” was added.", name=reply.title), "success")
                return redirect(url_for(_endpoint(personal, "")))
        return _page("edit.html", personal, form=form, reply=None), 400
    return _page("edit.html", personal, form=form, reply=None)


def _edit(personal: bool, reply_id: int):
    user = _user()
    reply = service.editable_or_404(user, reply_id, personal)
    departments = [] if personal else _departments()
    if request.method == "GET":
        form = forms.build(personal, departments, formdata=None)
        forms.fill(form, reply)
        return _page("edit.html", personal, form=form, reply=reply)
    form = forms.build(personal, departments)
    if form.validate():
        try:
            service.save(user, forms.values(form), reply=reply, personal=personal)
        except service.CannedReplyInvalid as exc:
            db.session.rollback()
            forms.show_errors(form, exc.errors)
        else:
            flash(_("Your changes were saved."), "success")
            return redirect(url_for(_endpoint(personal, "")))
    return _page("edit.html", personal, form=form, reply=reply), 400


def _delete(personal: bool, reply_id: int):
    user = _user()
    reply = service.editable_or_404(user, reply_id, personal)
    title = reply.title
    service.delete(user, reply, personal=personal)
    flash(_("“%(name)s” was deleted.", name=title), "success")
    return redirect(url_for(_endpoint(personal, "")))


# shared replies (support admin) ---------------------------------------------------------------

@canned_admin_bp.get("/")
def index():
    """Desk-wide and department canned replies."""
    return _list(personal=False)


@canned_admin_bp.route("/new", methods=["GET", "POST"])
def new():
    """Add a shared canned reply."""
    return _create(personal=False)


@canned_admin_bp.route("/<int:reply_id>", methods=["GET", "POST"])
def edit(reply_id):
    """Edit a shared canned reply."""
    return _edit(False, reply_id)


@canned_admin_bp.post("/<int:reply_id>/delete")
def delete(reply_id):
    """Delete a shared canned reply."""
    return _delete(False, reply_id)


# personal replies (each agent their own) --------------------------------------------------------

def _agent_required(view):
    """Desk users who may reply; others get 403 (anonymous users go to the login page)."""
    from functools import wraps

    @desk_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not service.may_use(_user()):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.get("/canned-replies", endpoint="my_canned_replies")
@_agent_required
def my_replies():
    """The agent's personal canned replies."""
    return _list(personal=True)


@bp.route("/canned-replies/new", methods=["GET", "POST"], endpoint="my_canned_replies_new")
@_agent_required
def my_new():
    """Add a personal canned reply."""
    return _create(personal=True)


@bp.route("/canned-replies/<int:reply_id>", methods=["GET", "POST"], endpoint="my_canned_replies_edit")
@_agent_required
def my_edit(reply_id):
    """Edit one of the agent's own canned replies."""
    return _edit(True, reply_id)


@bp.post("/canned-replies/<int:reply_id>/delete", endpoint="my_canned_replies_delete")
@_agent_required
def my_delete(reply_id):
    """Delete one of the agent's own canned replies."""
    return _delete(True, reply_id)
