"""The public support form (P-2): anyone opens a ticket without an account, when the portal setting allows it.

Name, surname, email, topic, subject and message, plus the topic's questions
from other plugins. A honeypot field catches bots that fill every field, and
the number of submissions per address is limited through Flask-Limiter's
storage (Redis when configured, so every worker counts together). The
customer is emailed a link to follow the ticket. Nothing is stored when the
input is refused.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request
from flask_babel import get_locale, gettext as _

from crm import settings
from crm.actors import SYSTEM
from crm.database import unit_of_work
from crm.extensions import limiter
from crm.people.services import find_or_create_contact, normalize_email
from crm.fields import form_with_fields
from plugins.portal.form_fields import answered, new_ticket_fields
from plugins.portal.forms import PublicTicketForm
from plugins.portal.sites import current_portal, portal_url
from plugins.portal.views import bp
from plugins.support import services, topics


def submissions_per_hour() -> str:
    """The limit of submissions per address (setting ``portal.public_form_per_hour``)."""
    return f"{settings.get('portal.public_form_per_hour')} per hour"


def _thanks(site):
    flash(_("Thank you. We have received your message and sent you an email with a link to follow it."), "success")
    return redirect(portal_url(site, "portal.public_form"))


@bp.route("/contact", methods=["GET", "POST"])
@limiter.limit(submissions_per_hour, methods=["POST"])
def public_form():
    """Anyone may open a ticket here while ``portal.public_form_enabled`` is on; 404 otherwise."""
    if not settings.get("portal.public_form_enabled"):
        abort(404)
    site = current_portal()
    choices = [(str(t.id), t.label) for t in topics.offered_topics(None)]
    topic_id = choices[0][0] if len(choices) == 1 else (request.form.get("topic") if request.method == "POST" else None)
    fields = new_ticket_fields("public_form", topic_id, None)
    form = form_with_fields(PublicTicketForm, fields)
    form.topic.choices = choices
    if len(choices) == 1 and request.method == "POST":
        form.topic.data = choices[0][0]
    if request.method == "POST" and form.validate():
        if form.website.data:  # the honeypot: people never see this field
            return _thanks(site)
        name = f"{form.name.data.strip()} {form.surname.data.strip()}".strip()
        try:
            with unit_of_work():
                contact, _created = find_or_create_contact(normalize_email(form.email.data), name,
                                                           locale=str(get_locale()))
                ticket = services.open_ticket(
                    form.subject.data, author=SYSTEM, contact=contact, channel="public_form", body=form.body.data,
                    topic=int(form.topic.data) if form.topic.data else None, brand=site.brand_id,
                    notify_customer=True, fields=answered(form, fields))
        except services.TicketError as exc:
            target = getattr(form, exc.field, None) if exc.field else None
            target = target if target is not None and hasattr(target, "errors") else form.body
            target.errors = [*list(target.errors or []), str(exc)]
        else:
            return _thanks(site)
    status = 400 if request.method == "POST" else 200
    return render_template("portal/public_form.html", form=form, single_topic=len(choices) == 1,
                           fields=fields), status
