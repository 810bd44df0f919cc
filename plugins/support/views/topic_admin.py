"""Topic admin: routing fields of the topic form, and each company's topics (switched off, renamed, own ones)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_babel import gettext as _, ngettext
from sqlalchemy import func, select

from crm import audit
from crm.extensions import db
from crm.fields import data_fields, form_with_fields, load_values, save_values, submitted_values
from crm.people.models import Company, Role, User
from plugins.support import topics
from plugins.support.models import Topic
from plugins.support.views import admin_bp

PUBLIC = ""


def prepare(form) -> None:
    """Fill the choices of the topic form's routing fields."""
    form.company.choices = [(PUBLIC, _("Every customer (public topic)"))] + [
        (str(c.id), c.name) for c in db.session.scalars(select(Company).order_by(Company.name, Company.id))]
    form.assignee_kind.choices = [(k, str(topics.ASSIGNEE_KIND_LABELS[k])) for k in topics.ASSIGNEE_KINDS]
    form.assignees.choices = [(str(u.id), u.name) for u in db.session.scalars(
        select(User).join(Role).where(User.active.is_(True), Role.kind.in_(("admin", "staff", "member")))
        .order_by(User.name, User.id))]


def fill(form, topic: Topic) -> None:
    """Show a topic's routing in its edit form."""
    form.company.data = str(topic.company_id or PUBLIC)
    form.assignee_kind.data = topic.assignee_kind
    form.assignees.data = [str(u.id) for u in topics.chosen_staff(topic)]


def label_taken(name: str, row=None) -> bool:
    """Whether another topic has this name or shows it (the built-in topic's translated name counts)."""
    wanted = name.strip().lower()
    for other in db.session.scalars(select(Topic)):
        if (row is None or other.id != row.id) and topics.topic_label(other).lower() == wanted:
            return True
    return False


def apply(form, topic: Topic) -> dict:
    """Copy the company and assignee kind from the form; return ``{field: (old, new)}``."""
    changes = {}
    company_id = int(form.company.data) if form.company.data else None
    if company_id != topic.company_id:
        changes["company"] = (topic.company_id, company_id)
        topic.company_id = company_id
    if form.assignee_kind.data != topic.assignee_kind:
        changes["assignee_kind"] = (topic.assignee_kind, form.assignee_kind.data)
        topic.assignee_kind = form.assignee_kind.data
    return changes


def apply_staff(form, topic: Topic) -> dict:
    """Store the chosen staff of a flushed topic; return the change."""
    old = sorted(u.id for u in topics.chosen_staff(topic)) if topic.id else []
    new = sorted({int(v) for v in form.assignees.data or []})
    if old == new:
        return {}
    topics.set_chosen_staff(topic, new)
    return {"assignees": (old, new)}


def _company_or_404(company_id: int) -> Company:
    company = db.session.get(Company, company_id)
    if company is None:
        abort(404)
    return company


@admin_bp.route("/topics/companies/<int:company_id>", methods=["GET", "POST"])
def company_topics(company_id: int):
    """One company's topics: each public topic on or off and its name for them; the company's own topics."""
    company = _company_or_404(company_id)
    rows = topics.company_settings(company)
    db.session.commit()  # the built-in topic, when it was just seeded
    errors: dict[int, str] = {}
    if request.method == "POST":
        wanted = {}
        for topic, _setting in rows:
            name = request.form.get(f"name-{topic.id}", "")
            if len(name.strip()) > topics.NAME_MAX:
                errors[topic.id] = ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", topics.NAME_MAX)
            wanted[topic.id] = (request.form.get(f"enabled-{topic.id}") == "on", name)
        if not errors:
            changes = {}
            for topic, _setting in rows:
                enabled, name = wanted[topic.id]
                change = topics.save_company_setting(company, topic, enabled, name)
                changes.update({f"{topic.id}.{k}": v for k, v in change.items()})
            if changes:
                audit.record("support.company_topics.updated", "company", company.id, changes)
            db.session.commit()
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("support_admin.company_topics", company_id=company.id))
        values = wanted
    else:
        values = {t.id: (s.enabled if s else True, s.name if s else "") for t, s in rows}
    status = 400 if errors else 200
    return render_template("support/admin/company_topics.html", company=company, rows=rows, values=values,
                           errors=errors, own=topics.company_topics(company), label=topics.topic_label), status


def company_slot(company) -> str:
    """The link from a company's admin page to its topics."""
    count = db.session.scalar(select(func.count()).select_from(Topic).where(Topic.company_id == company.id))
    return render_template("support/admin/company_topics_link.html", company=company, count=count)


def topic_fields(row: Topic) -> tuple[list, dict]:
    """The data fields other plugins add to a topic's settings (place ``topic_settings``) and their values."""
    fields = data_fields("topic", "topic_settings", topic=row, viewer=current_user._get_current_object())
    stored = load_values("topic", [row.id], fields)[row.id] if fields and row.id else {}
    return fields, stored


def topic_form(form_class, row: Topic, fields: list, stored: dict):
    """The topic edit form with the editable data fields attached (filled from ``stored`` when shown)."""
    if request.method == "POST":
        return form_with_fields(form_class, fields, obj=row)
    return form_with_fields(form_class, fields, values=stored, formdata=None, obj=row)


def save_fields(form, row: Topic, fields: list, stored: dict) -> dict:
    """Stage the submitted data-field values of a topic; return ``{"data.<name>": (old, new)}`` for the audit."""
    answers = submitted_values(form, fields)
    if answers:
        save_values("topic", row.id, fields, answers, current_user._get_current_object())
    return {f"data.{name}": (None if stored.get(name) is None else str(stored.get(name)), None if value is None
                             else str(value)) for name, value in answers.items() if stored.get(name) != value}
