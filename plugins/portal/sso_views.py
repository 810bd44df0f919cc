"""Portal pages of single sign-on: the ``/sso`` entry point, and login pages sent to the company's site."""
from __future__ import annotations

from flask import abort, current_app, redirect, render_template, request

from crm.auth import attempts, sessions
from crm.database import unit_of_work
from crm.extensions import db
from plugins.portal import sso
from plugins.portal.sites import current_portal, portal_url
from plugins.portal.views import bp

REMOTE_ENDPOINTS = ("portal.login", "portal.register", "portal.forgot_password")


@bp.before_request
def _remote_login_only():
    """A portal that signs customers in only on the company's site sends its own login pages there."""
    if request.endpoint in REMOTE_ENDPOINTS:
        url = sso.remote_login_url(current_portal())
        if url is not None:
            return redirect(url)
    return None


def _local_path(site, target: str | None) -> str | None:
    """``return_to`` is followed only to a path of this portal."""
    if not target or len(target) > 500 or "\\" in target or any(ord(c) < 33 for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/sso")
def sso_login():
    """Sign a customer in with a token signed by the company's site (``?jwt=...``); see :mod:`plugins.portal.sso`."""
    site = current_portal()
    if not sso.enabled(site):
        abort(404)
    if not attempts.allow("portal-sso", request.remote_addr or "", current_app.config["LOGIN_RATE_LIMIT"]):
        abort(429)
    token = request.args.get("jwt", "")
    try:
        with unit_of_work():
            customer, return_to = sso.sign_in_with_token(site, token)
            sessions.start(customer)
    except sso.SsoError as refused:
        db.session.rollback()
        return render_template("portal/sso_error.html", site=site, message=str(refused),
                               remote_login_url=sso.config_of(site).remote_login_url or None), 400
    target = _local_path(site, return_to)
    tickets = portal_url(site, "portal.tickets")
    if target is not None:
        base = portal_url(site, "portal.home").rstrip("/")
        return redirect(base + target)
    return redirect(tickets)
