"""Answering 503 Service Unavailable, with ``Retry-After``, when the database cannot be reached.

A lost connection, a server that refuses connections, a database that was
dropped or a file that cannot be opened is an outage, not a bug: the person
gets a localized "try again in a moment" page instead of a 500, and load
balancers see a status they retry. The page is rendered without touching the
database (no signed-in user, no settings): its language comes from the
browser's Accept-Language header.
"""
from __future__ import annotations

from typing import Callable

from flask import Flask, current_app, request
from flask_babel import force_locale, gettext as _
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from crm.extensions import db

RETRY_AFTER_SECONDS = 30


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` means the database is unreachable or unusable right now (rather than a bug).

    True for a connection SQLAlchemy found dead (``connection_invalidated``)
    and for the DB-API's ``OperationalError`` and ``InterfaceError``: errors of
    the database's operation (refused or lost connections, a missing database
    or file, a locked database), not of the statement sent.
    """
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OperationalError, InterfaceError))


def unavailable_page(exc: BaseException):
    """The 503 response: a localized page (or JSON for API clients) with ``Retry-After``."""
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone: nothing to roll back on it
        pass
    current_app.logger.error("database unavailable: %s", exc)
    offered = current_app.config["LANGUAGES"]
    locale = request.accept_languages.best_match(offered) or current_app.config["BABEL_DEFAULT_LOCALE"]
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    with force_locale(locale):
        message = _("The service is temporarily unavailable. Please try again in a moment.")
        if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
            return {"error": "Service Unavailable", "description": message}, 503, headers
        # straight from the Jinja environment: context processors (the signed-in user) would read the database
        page = current_app.jinja_env.get_template("crm/unavailable.html").render(message=message, locale=locale)
        return page, 503, headers


def init_app(app: Flask, otherwise: Callable) -> None:
    """Answer database outages with :func:`unavailable_page`; other database errors go to ``otherwise``."""

    def handle(exc: DBAPIError):
        return unavailable_page(exc) if is_outage(exc) else otherwise(exc)

    app.register_error_handler(DBAPIError, handle)
