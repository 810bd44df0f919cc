"""Hooks the portal offers other plugins: extra questions on the portal's ticket forms.

Registered through ``crm_add_hookspecs``. The forms plugin answers them with
the topic's form questions.
"""
from __future__ import annotations

from crm.hooks import hookspec


@hookspec
def portal_ticket_form_fields(topic, form_name):
    """Return extra fields for a portal ticket form; asked each time the form is built.

    :param topic: the chosen :class:`plugins.support.models.Topic`, or None
        before one is chosen.
    :param form_name: ``"new_ticket"`` (signed-in customer) or ``"public_form"``.
    :return: a dict ``{name: unbound WTForms field}`` (names are letters,
        digits and ``_``), or None. The portal adds the fields to the form,
        validates them with it and shows their errors; a field with the same
        name as a portal field is ignored.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def portal_ticket_form_fields(topic, form_name):
            return {"order_number": StringField(_l("Order number"), [DataRequired()])}
    """


@hookspec
def portal_ticket_form_submitted(ticket, data):
    """Event: a portal ticket form with extra fields opened ``ticket`` (after commit).

    :param ticket: the new :class:`plugins.support.models.Ticket`.
    :param data: ``{name: value}`` of the extra fields this plugin and
        others returned from :func:`portal_ticket_form_fields`.
    :return: ignored.

    .. versionadded:: 0.1

    Example::

        @hookimpl
        def portal_ticket_form_submitted(ticket, data):
            save_answers(ticket.id, data.get("order_number"))
    """
