"""Ticket statuses and priorities as data: the defaults, seeding, ordering and display names.

Default rows keep ``name`` empty and are shown translated by their ``key``;
once an admin renames one, the admin's name is shown as entered.
"""
from __future__ import annotations

from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crm.extensions import db
from plugins.support.models import Priority, Status

# key, label, colour, is_closed
DEFAULT_STATUSES = [
    ("open", _l("Open"), "#1a73e8", False),
    ("in_progress", _l("In progress"), "#f29900", False),
    ("answered", _l("Answered"), "#2e7d32", False),
    ("on_hold", _l("On hold"), "#8e24aa", False),
    ("closed", _l("Closed"), "#667085", True),
]
DEFAULT_PRIORITIES = [
    ("low", _l("Low"), "#667085"),
    ("medium", _l("Medium"), "#1a73e8"),
    ("high", _l("High"), "#f29900"),
    ("urgent", _l("Urgent"), "#c62828"),
]
STATUS_LABELS = {key: label for key, label, _c, _x in DEFAULT_STATUSES}
PRIORITY_LABELS = {key: label for key, label, _c in DEFAULT_PRIORITIES}
DEFAULTS = [(key, label) for key, label, _c, _x in DEFAULT_STATUSES]


def ensure_defaults() -> None:
    """Add the default statuses and priorities if none exist yet (the caller commits).

    Safe when two processes seed at once: the loser's rows hit the unique
    keys inside a savepoint and are dropped.
    """
    if db.session.scalar(select(func.count()).select_from(Status)) == 0:
        try:
            with db.session.begin_nested():
                for position, (key, _label, colour, closed) in enumerate(DEFAULT_STATUSES):
                    db.session.add(Status(key=key, colour=colour, position=position, is_closed=closed))
        except IntegrityError:
            pass
    if db.session.scalar(select(func.count()).select_from(Priority)) == 0:
        try:
            with db.session.begin_nested():
                for position, (key, _label, colour) in enumerate(DEFAULT_PRIORITIES):
                    db.session.add(Priority(key=key, colour=colour, position=position))
        except IntegrityError:
            pass
    forget()


def forget() -> None:
    """Drop this request's cached statuses and priorities (after an admin changed them)."""
    if has_request_context():
        g.pop("support_statuses", None)
        g.pop("support_priorities", None)


def _ordered(model, cache_key: str) -> list:
    """Every row of ``model`` in display order, seeded on first use; read once per request."""
    if has_request_context() and cache_key in g:
        return g.get(cache_key)
    query = select(model).order_by(model.position, model.id)
    rows = list(db.session.scalars(query))
    if not rows:
        ensure_defaults()
        db.session.commit()
        rows = list(db.session.scalars(query))
    if has_request_context():
        setattr(g, cache_key, rows)
    return rows


def statuses() -> list[Status]:
    """Every status in display order, seeded on first use; read once per request."""
    return _ordered(Status, "support_statuses")


def priorities() -> list[Priority]:
    """Every priority in display order, seeded on first use; read once per request."""
    return _ordered(Priority, "support_priorities")


def status_label(status: Status | None) -> str:
    """A status's display name: the admin's name, else the default's translation, else the key."""
    if status is None:
        return ""
    if status.name:
        return status.name
    label = STATUS_LABELS.get(status.key)
    return str(label) if label is not None else status.key


def priority_label(priority: Priority | None) -> str:
    """A priority's display name, translated for untouched defaults."""
    if priority is None:
        return ""
    if priority.name:
        return priority.name
    label = PRIORITY_LABELS.get(priority.key)
    return str(label) if label is not None else priority.key


def status_by_key(key: str) -> Status | None:
    """The status with this key, or None."""
    return next((s for s in statuses() if s.key == key), None)


def priority_by_key(key: str) -> Priority | None:
    """The priority with this key, or None."""
    return next((p for p in priorities() if p.key == key), None)


def default_status() -> Status:
    """The status of new tickets: ``open`` if it exists, else the first open-state status."""
    return pick_default_status(statuses())


def default_priority() -> Priority:
    """The priority of new tickets: ``medium`` if it exists, else the first."""
    return pick_default_priority(priorities())


def pick_default_status(rows):
    """Of the statuses ``rows`` (rows or cached lookups, in display order), the one new tickets get."""
    return next((s for s in rows if s.key == "open"), None) or next((s for s in rows if not s.is_closed), rows[0])


def pick_default_priority(rows):
    """Of the priorities ``rows`` (in display order), the one new tickets get."""
    return next((p for p in rows if p.key == "medium"), None) or rows[0]


def choices() -> list[tuple[str, str]]:
    """(key, label) pairs of the defined statuses, for settings and forms."""
    return [(s.key, status_label(s)) for s in statuses()]
