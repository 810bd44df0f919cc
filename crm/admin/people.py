"""Admin pages for people: staff, roles, departments, companies and contacts, one module each.

This module holds what their list pages share; the pages themselves add
routes to the admin blueprint when imported at the bottom.
"""
from __future__ import annotations

from typing import Callable

from flask import flash, redirect, request
from flask_login import current_user
from sqlalchemy import func, or_

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


def delete_then_redirect(delete: Callable, obj, done_message: str, back_url: str, list_url: str):
    """Run ``delete(obj, actor=...)`` and commit; flash the refusal or ``done_message`` and redirect.

    A refusal (:class:`crm.people.services.InvalidChange`) changes nothing and
    goes back to the object's page; success goes to the list.
    """
    from crm.extensions import db
    from crm.people.services import InvalidChange

    try:
        delete(obj, actor=current_user)
        db.session.commit()
    except InvalidChange as exc:
        db.session.rollback()
        for message in exc.errors.values():
            flash(message, "error")
        return redirect(back_url)
    flash(done_message, "success")
    return redirect(list_url)


from crm.admin import companies, contacts, departments, roles, staff  # noqa: E402,F401
