"""Extra questions on the portal's ticket forms, asked of other plugins (the forms plugin's topic questions).

Through the portal's hooks ``portal_ticket_form_fields`` and
``portal_ticket_form_submitted`` (see :mod:`plugins.portal.hookspecs`).
"""
from __future__ import annotations

import logging
import re

from flask import current_app

from crm.extensions import db
from crm.parsing import parse_id
from plugins.support.models import Topic

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,59}$")


def extra_fields_form(form_class, topic_id, form_name: str, **kwargs):
    """An instance of ``form_class`` with the fields plugins add for the topic; ``form.extra_names`` lists them."""
    topic_key = parse_id(str(topic_id)) if topic_id not in (None, "") else None
    topic = db.session.get(Topic, topic_key) if topic_key is not None and topic_key < 2**31 else None
    answers = current_app.extensions["crm"].hook.portal_ticket_form_fields(topic=topic, form_name=form_name)
    attrs, names = {}, []
    for answer in answers:
        for name, field in (answer or {}).items():
            if not isinstance(name, str) or not _NAME.match(name) or hasattr(form_class, name) or name in attrs:
                continue
            attrs[name] = field
            names.append(name)
    cls = type(form_class.__name__, (form_class,), attrs) if attrs else form_class
    form = cls(**kwargs)
    form.extra_names = names
    return form


def extra_values(form) -> dict:
    """``{name: value}`` of the form's extra fields."""
    return {name: form[name].data for name in getattr(form, "extra_names", ())}


def fire_submitted(ticket, data: dict) -> None:
    """Tell plugins a form with extra fields opened ``ticket`` (after the ticket was committed; failures are logged)."""
    if not data:
        return
    try:
        current_app.extensions["crm"].hook.portal_ticket_form_submitted(ticket=ticket, data=data)
    except Exception:  # noqa: BLE001 - the ticket stands whatever a plugin does with the answers
        log.exception("portal_ticket_form_submitted failed")
        db.session.rollback()
