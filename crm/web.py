"""Request plumbing: plugin gating, user loading (see :mod:`crm.auth.loading`), template helpers and error pages."""
from __future__ import annotations

from flask import Flask, abort, current_app, render_template, request
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from crm import database_outage, i18n, input_guard
from crm.extensions import db, login_manager


def _owner_disabled() -> None:
    """Answer 404 for every route of a disabled plugin."""
    host = current_app.extensions["crm"]
    blueprint = request.blueprint
    if blueprint:
        owner = host.blueprint_owner.get(blueprint)
        if owner and not host.is_enabled(owner):
            abort(404)


def navigation(area: str) -> list:
    """The enabled plugins' navigation items for ``area`` that the current user may see, in order."""
    from crm.auth.permissions import has_permission

    user = current_user._get_current_object()
    items = []
    for result in current_app.extensions["crm"].hook.crm_navigation_items(area=area, user=user):
        for item in result or ():
            if item.permission and not has_permission(user, item.permission):
                continue
            items.append(item)
    return sorted(items, key=lambda i: (i.order, str(i.label)))


def slot(name: str, **context) -> Markup:
    """Markup that enabled plugins put into the named template slot."""
    parts = current_app.extensions["crm"].hook.crm_template_slot(name=name, context=context)
    return Markup("").join(Markup(p) for p in parts if p)


def _site_name() -> str:
    from crm import settings

    return settings.get("crm.site_name")


def _error(exc: HTTPException):
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": exc.name, "description": exc.description}, exc.code
    return render_template("crm/error.html", code=exc.code, title=_error_title(exc.code)), exc.code


def _error_title(code: int) -> str:
    titles = {
        400: _("The request could not be understood."),
        403: _("You do not have access to this page."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many attempts. Please wait a moment and try again."),
    }
    return titles.get(code, _("Something went wrong. Please try again."))


def _csrf_error(exc: CSRFError):
    return render_template("crm/error.html", code=400,
                           title=_("The form expired or was sent from elsewhere. Please reload the page and try again.")), 400


def _server_error(exc):
    db.session.rollback()
    current_app.logger.exception("unhandled error")
    return render_template("crm/error.html", code=500, title=_error_title(500)), 500


def init_app(app: Flask) -> None:
    """Wire the request hooks, the user loader, template helpers and error pages."""
    from crm import security

    security.init_app(app)  # trusted hosts before the host's other request hooks; security headers
    app.before_request(_owner_disabled)
    from crm.auth import loading

    loading.init_app(app)  # sessions checked against the database; remember cookies
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    from crm.auth.permissions import has_permission

    app.jinja_env.globals.update(
        nav=navigation,
        slot=slot,
        has_permission=lambda name: has_permission(current_user._get_current_object(), name),
        languages=i18n.languages,
        site_name=_site_name,
        get_locale=get_locale,
    )
    i18n.install_fast_gettext(app)
    app.jinja_env.filters["datetime"] = i18n.format_datetime
    app.jinja_env.filters["age"] = i18n.format_age
    from crm.fragments import with_selected

    app.jinja_env.filters["with_selected"] = with_selected  # marks the chosen option of cached option lists
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _error)
    app.register_error_handler(Exception, _server_error)
    database_outage.init_app(app, otherwise=_server_error)  # 503 when the database cannot be reached
    input_guard.init_app(app)  # 400 for NUL and bytes that are not UTF-8; 404 for ids no column can hold
    from crm import upload_limit

    upload_limit.init_app(app)  # the body limit follows the plugins' upload settings; set before the guard reads

    from crm import storage

    storage.init_app(app)  # a mistyped STORAGE_URL fails at start-up, not at the first upload
