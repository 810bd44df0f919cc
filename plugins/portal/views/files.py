"""The customer's notifications, files and activity lists (P-12)."""
from __future__ import annotations

from flask import render_template

from plugins.portal import feeds, ticket_pages
from plugins.portal.customers import current_customer
from plugins.portal.views import bp, customer_required
from plugins.support import statuses


def _status_name(key: str | None) -> str:
    found = statuses.status_by_key(key) if key else None
    return statuses.status_label(found) if found is not None else (key or "")


@bp.get("/notifications")
@customer_required
def notifications():
    """Staff replies and status changes on the customer's tickets."""
    return render_template("portal/feed.html", title_key="notifications",
                           entries=feeds.notifications(current_customer()), status_name=_status_name)


@bp.get("/activity")
@customer_required
def activity():
    """What the customer did: tickets opened, messages, status changes."""
    return render_template("portal/feed.html", title_key="activity",
                           entries=feeds.activity(current_customer()), status_name=_status_name)


@bp.get("/files")
@customer_required
def files():
    """Files on the customer's tickets: those they uploaded and those staff shared in replies."""
    return render_template("portal/files.html", rows=ticket_pages.customer_files(current_customer()))
