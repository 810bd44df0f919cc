"""What the people services share: the refusal exception, email rules and small helpers."""
from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crm.extensions import db


class InvalidChange(ValueError):
    """A change the people rules refuse; nothing was changed.

    ``errors`` maps a form field name (or ``""`` for the whole object) to a
    localized message, so views can show each one beside its field.
    """

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


def normalize_email(email: str) -> str:
    """The stored form of an email address: trimmed and lower-case."""
    return email.strip().lower()


def email_taken(model: type, email: str, exclude_id: int | None = None) -> bool:
    """Whether a ``User`` or ``Contact`` other than ``exclude_id`` uses ``email`` (case-insensitive)."""
    stmt = select(model.id).where(func.lower(model.email) == normalize_email(email))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def apply_changes(obj: Any, values: dict[str, Any]) -> dict[str, tuple]:
    """Set attributes that differ and return ``{field: (old, new)}`` of those."""
    changes = {}
    for key, new in values.items():
        old = getattr(obj, key)
        if old != new:
            setattr(obj, key, new)
            changes[key] = (old, new)
    return changes


def check_locale_and_timezone(locale: str | None, timezone: str | None) -> dict[str, str]:
    """Errors (``{field: message}``) for a language the app does not offer or an unknown timezone."""
    from crm.i18n import valid_timezone

    errors = {}
    if locale and locale not in current_app.config["LANGUAGES"]:
        errors["locale"] = _("Choose one of the offered languages.")
    if timezone and not valid_timezone(timezone):
        errors["timezone"] = _("Enter a timezone name such as Europe/Istanbul.")
    return errors


def delete_row(obj: Any) -> None:
    """Delete a row in a savepoint; when the database refuses (rows still point at it), keep it and refuse."""
    try:
        with db.session.begin_nested():
            db.session.delete(obj)
            db.session.flush()
    except IntegrityError:
        raise InvalidChange({"": _("This record is still in use and cannot be deleted.")}) from None


def lock_rows(model: type, *row_ids: int) -> set[int]:
    """Hold ``model``'s rows until commit (PostgreSQL ``FOR UPDATE``; SQLite writes one at a time); the ids found.

    Taken before checking that nothing uses a row and deleting it: a
    concurrent insert that points at the row waits for the delete's
    transaction, so the check cannot miss it. Rows are locked in id order, so
    two deletes that lock the same rows cannot deadlock. Only the ids are
    selected: a model's joined relationships (a user's role) would make
    PostgreSQL refuse ``FOR UPDATE`` on an outer join.
    """
    ids = sorted(set(row_ids))
    return set(db.session.scalars(select(model.id).where(model.id.in_(ids)).order_by(model.id).with_for_update()))
