"""Turning the values callers pass (rows, ids, keys, names) into rows, with translated refusals."""
from __future__ import annotations

import re
from typing import Iterable

from flask_babel import gettext as _, ngettext
from sqlalchemy import select

from crm.database import upsert_insert
from crm.extensions import db
from crm.parsing import parse_id
from plugins.support import statuses
from plugins.support.models import Priority, Status, Tag
from plugins.support.services.errors import TicketError

SUBJECT_MAX = 250
BODY_MAX = 100_000
TAG_MAX = 60


def resolve(model, value, field: str, required: bool = False):
    """A row of ``model`` from an instance, an id or a numeric string; TicketError if it does not exist."""
    if value in (None, "", 0, "0"):
        if required:
            raise TicketError(_("This field is required."), field)
        return None
    if isinstance(value, model):
        return value
    ident = parse_id(value)
    row = db.session.get(model, ident) if ident is not None else None
    if row is None:
        raise TicketError(_("Choose one of the offered values."), field)
    return row


def _by_key_or_id(model, value, field: str, by_key):
    if isinstance(value, model):
        return value
    if isinstance(value, str) and parse_id(value) is None:
        found = by_key(value) if len(value) <= 40 else None
        if found is None:
            raise TicketError(_("Choose one of the offered values."), field)
        return found
    return resolve(model, value, field, required=True)


def status(value) -> Status:
    """A status given as the row, its key or its id."""
    return _by_key_or_id(Status, value, "status", statuses.status_by_key)


def priority(value) -> Priority:
    """A priority given as the row, its key or its id."""
    return _by_key_or_id(Priority, value, "priority", statuses.priority_by_key)


def clean_subject(value) -> str:
    """A subject with its whitespace collapsed; TicketError when empty, too long or holding NUL."""
    subject = " ".join(str(value or "").split())
    if not subject:
        raise TicketError(_("Enter a subject."), "subject")
    if len(subject) > SUBJECT_MAX:
        raise TicketError(ngettext("Enter at most %(num)s character.", "Enter at most %(num)s characters.", SUBJECT_MAX), "subject")
    if "\x00" in subject:
        raise TicketError(_("The text contains characters that are not allowed."), "subject")
    return subject


def check_body(body) -> None:
    """Refuse a message that is too long or holds NUL characters."""
    if len(body or "") > BODY_MAX:
        raise TicketError(_("The message is too long."), "body")
    if "\x00" in (body or ""):
        raise TicketError(_("The text contains characters that are not allowed."), "body")


def tag_names(value) -> list[str]:
    """Tag names from a list or a comma/line separated text: whitespace collapsed, duplicates dropped."""
    items = value if isinstance(value, (list, tuple, set)) else re.split(r"[,\n]", str(value or ""))
    wanted: list[str] = []
    for name in items:
        name = " ".join(str(name).split())
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise TicketError(ngettext("A tag has at most %(num)s character.", "A tag has at most %(num)s characters.", TAG_MAX), "tags")
        if "\x00" in name:
            raise TicketError(_("The text contains characters that are not allowed."), "tags")
        if name.lower() not in {w.lower() for w in wanted}:
            wanted.append(name)
    if len(wanted) > 50:
        raise TicketError(ngettext("Use at most %(num)s tag.", "Use at most %(num)s tags.", 50), "tags")
    return wanted


def tags_by_name(names: Iterable[str] | str, create: bool = True) -> list[Tag]:
    """The tags with these names (a list, or text as :func:`tag_names` reads it), creating missing ones.

    Creating is safe when two transactions add the same new tag at once: the
    insert skips an existing name and the rows are read back.
    """
    wanted = tag_names(names if isinstance(names, str) else list(names or ()))
    if not wanted:
        return []
    existing = _existing(wanted)
    missing = [n for n in wanted if n.lower() not in existing]
    if missing and create:
        _insert_missing(missing)
        existing = _existing(wanted)
    return [existing[n.lower()] for n in wanted if n.lower() in existing]


def _existing(names: list[str]) -> dict[str, Tag]:
    rows = db.session.scalars(select(Tag).where(Tag.name.in_(names)))
    return {t.name.lower(): t for t in rows}


def _insert_missing(names: list[str]) -> None:
    stmt = upsert_insert(Tag)
    if stmt is None:  # a database without ON CONFLICT: add one by one
        for name in names:
            db.session.add(Tag(name=name))
        db.session.flush()
        return
    db.session.execute(stmt.values([{"name": n} for n in names]).on_conflict_do_nothing())
