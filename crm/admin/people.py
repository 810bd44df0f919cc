"""Admin pages for people: staff, roles, departments, companies and contacts, one module each.

This module holds what their list pages share; the pages themselves add
routes to the admin blueprint when imported at the bottom.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

from flask import flash, redirect, request
from flask_login import current_user
from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError

PER_PAGE = 50


def search_term() -> str:
    """The trimmed ``q`` query argument (at most 100 characters)."""
    return (request.args.get("q") or "").strip()[:100]


def matches(term: str, *columns):
    """A case-insensitive "contains" condition over several columns; ``%`` and ``_`` are matched literally."""
    needle = term.lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


def paginate(stmt):
    """One page (``?page=``) of ``stmt``; a missing, bad or too high page number never fails."""
    from crm.extensions import db

    return db.paginate(stmt, per_page=PER_PAGE, max_per_page=PER_PAGE, error_out=False)


MAX_ID = 2**31 - 1  # the largest id an INTEGER primary key holds on every database


def posted_id(name: str) -> int | None:
    """The form field ``name`` as a row id (1 to :data:`MAX_ID`), or None when missing or not such a number."""
    value = request.form.get(name, "").strip()
    if not value.isascii() or not value.isdigit() or not 0 < int(value) <= MAX_ID:
        return None
    return int(value)


class Outcome:
    """Whether the change made in a :func:`saving` block was committed."""

    saved = False


@contextmanager
def saving(form, **conflicts: str):
    """Commit what the block changes, or roll it back and show why beside the form's fields.

    A refusal (:class:`crm.people.services.InvalidChange`) shows each message
    beside its field; a unique-constraint conflict shows the message given for
    it, e.g. ``saving(form, email=_("Another contact already uses this email address."))``.
    Check ``outcome.saved`` after the block.
    """
    from crm.extensions import db
    from crm.people.forms import show_errors
    from crm.people.services import InvalidChange

    outcome = Outcome()
    try:
        yield outcome
        db.session.commit()
    except InvalidChange as exc:
        db.session.rollback()
        show_errors(form, exc.errors)
    except IntegrityError:
        if not conflicts:
            raise
        db.session.rollback()
        show_errors(form, conflicts)
    else:
        outcome.saved = True


def delete_then_redirect(delete: Callable, obj, done_message: str | Callable, back_url: str, list_url: str,
                         **options):
    """Run ``delete(obj, actor=..., **options)`` and commit; flash the refusal or ``done_message`` and redirect.

    The delete runs as one write transaction (:func:`crm.database.unit_of_work`),
    so what the service checks (nothing uses the record) still holds when it
    deletes. A refusal (:class:`crm.people.services.InvalidChange`) changes
    nothing and goes back to the object's page; success goes to the list.
    ``done_message`` may be a callable that words the message from what
    ``delete`` returned.
    """
    from crm.database import unit_of_work
    from crm.people.services import InvalidChange

    try:
        with unit_of_work():
            result = delete(obj, actor=current_user, **options)
    except InvalidChange as exc:
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(back_url)
    flash(done_message(result) if callable(done_message) else done_message, "success")
    return redirect(list_url)


from crm.admin import companies, contacts, departments, roles, staff  # noqa: E402,F401
