"""The customer's link to a ticket, for support's emails (``support_customer_ticket_url``)."""
from __future__ import annotations

from plugins.portal import autologin
from plugins.portal.sites import link_site, portal_url


def customer_ticket_url(ticket) -> str | None:
    """An auto-login link to the ticket on its brand's portal (the default portal for tickets without a brand).

    Support asks for it while writing an email to the customer, so every
    such email carries a fresh single-use link (:mod:`plugins.portal.autologin`).
    Without a customer on the ticket, the plain ticket page. None when
    there is no portal (no brand at all).
    """
    site = link_site(ticket)  # from the process's cache of portals
    if site is None or not site.enabled:
        return None
    token = autologin.issue(ticket)
    if token is None:
        return portal_url(site, "portal.ticket", number=ticket.number)
    return portal_url(site, "portal.auto_login", token=token)
