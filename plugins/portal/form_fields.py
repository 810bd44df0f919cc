"""Data fields other plugins add to the portal's pages (the forms plugin's topic questions and data fields).

Through the host's ``crm_data_fields`` hook (:mod:`crm.fields`): subject
``ticket`` at ``portal_new``, ``public_form`` and ``portal_ticket``, subject
``contact`` at ``portal_profile``. The portal attaches the editable fields to
its own forms, so they are validated with them, and saves the answers of a
new ticket inside ``open_ticket``'s unit of work.
"""
from __future__ import annotations

from crm.extensions import db
from crm.fields import data_fields
from crm.parsing import parse_id
from plugins.support.models import Topic


def chosen_topic(topic_id) -> Topic | None:
    """The topic a form names by id (None for a missing or bad id)."""
    key = parse_id(str(topic_id)) if topic_id not in (None, "") else None
    return db.session.get(Topic, key) if key is not None and key < 2**31 else None


def new_ticket_fields(place: str, topic_id, viewer) -> list:
    """The data fields of a new ticket at ``place`` (``portal_new`` or ``public_form``) for the chosen topic."""
    return data_fields("ticket", place, topic=chosen_topic(topic_id), viewer=viewer, ticket=None)


def answered(form, fields) -> list[tuple]:
    """``(field, value)`` pairs of the editable ``fields`` attached to ``form``, for ``open_ticket(fields=...)``."""
    names = set(getattr(form, "data_field_names", ()))
    return [(f, form[f.name].data) for f in fields if f.name in names]
