"""Hooks the support plugin offers other plugins: ticket events and the customer's ticket link.

Events are called after the change was committed; their return values are
ignored. Registered through ``crm_add_hookspecs``.
"""
from __future__ import annotations

from crm.hooks import hookspec


@hookspec(firstresult=True)
def support_customer_ticket_url(ticket):
    """Return the absolute URL where the ticket's customer reads the ticket.

    Asked while writing an email to the customer. The portal answers with the
    ticket's page on the brand's portal. Stops at the first non-None result;
    with no answer the email carries the ticket number only. Build the URL
    with :func:`crm.sites.external_url`, never from the request.

    :param ticket: the :class:`plugins.support.models.Ticket`.
    :return: an absolute URL (str), or None.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def support_customer_ticket_url(ticket):
            return external_url("portal.ticket", site=brand_site(ticket.brand_id), number=ticket.number)
    """


@hookspec
def support_ticket_created(ticket):
    """Event: a ticket was opened (after commit), by staff, a customer, email or the API.

    :param ticket: the new :class:`plugins.support.models.Ticket`.
    :return: ignored.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def support_ticket_created(ticket):
            webhooks.enqueue("ticket.created", {"number": ticket.number})
    """


@hookspec
def support_post_added(ticket, post):
    """Event: a reply, customer message or internal note was added (after commit).

    Check ``post.kind`` before exposing the post outside staff: internal notes
    (``"internal_note"``) must never reach a customer.

    :param ticket: the :class:`plugins.support.models.Ticket`.
    :param post: the new :class:`plugins.support.models.Post`.
    :return: ignored.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def support_post_added(ticket, post):
            if post.kind == "customer_message":
                log.info("customer wrote on %s", ticket.number)
    """


@hookspec
def support_ticket_updated(ticket, changes):
    """Event: fields of a ticket changed (after commit).

    :param ticket: the :class:`plugins.support.models.Ticket`.
    :param changes: ``{field: (old, new)}`` with display values, e.g.
        ``{"status": ("open", "closed")}`` (status and priority by key).
    :return: ignored.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def support_ticket_updated(ticket, changes):
            if "status" in changes:
                webhooks.enqueue("ticket.status_changed", {"number": ticket.number})
    """
