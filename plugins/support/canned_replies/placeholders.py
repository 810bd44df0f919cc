"""Placeholders in canned replies: ``{customer_name}`` and the like, filled from the ticket and the agent.

Unknown placeholders (``{order_id}``) and lone braces stay exactly as typed.
Values are inserted as text: the reply box holds plain text (see
:mod:`plugins.support.text`), so nothing here is HTML.
"""
from __future__ import annotations

import re
from typing import Callable

from flask_babel import lazy_gettext as _l

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _contact(ticket):
    return ticket.contact


def _company(ticket):
    if ticket.company is not None:
        return ticket.company
    contact = ticket.contact
    return contact.company if contact is not None else None


# name -> (help text, value from ticket and agent)
PLACEHOLDERS: dict[str, tuple[object, Callable]] = {
    "customer_name": (_l("The customer's name"),
                      lambda ticket, agent: _contact(ticket).name if _contact(ticket) else ""),
    "customer_email": (_l("The customer's email address"),
                       lambda ticket, agent: _contact(ticket).email if _contact(ticket) else ""),
    "company_name": (_l("The customer's company"),
                     lambda ticket, agent: _company(ticket).name if _company(ticket) else ""),
    "ticket_number": (_l("The ticket number"), lambda ticket, agent: ticket.number),
    "ticket_subject": (_l("The ticket's subject"), lambda ticket, agent: ticket.subject),
    "agent_name": (_l("Your name (the agent inserting the reply)"),
                   lambda ticket, agent: getattr(agent, "name", "") or ""),
    "department_name": (_l("The ticket's department"),
                        lambda ticket, agent: ticket.department.name if ticket.department else ""),
}


def names() -> list[tuple[str, object]]:
    """Every placeholder as ``("{name}", help text)``, for the help on the management pages."""
    return [("{" + name + "}", help_text) for name, (help_text, _value) in PLACEHOLDERS.items()]


def fill(text: str, ticket, agent) -> str:
    """``text`` with every known placeholder replaced by its value for ``ticket`` and ``agent``.

    Example: ``fill("Hello {customer_name}, {ticket_number}", ticket, agent)``
    gives ``"Hello Ayşe Yılmaz, 2026-00042"``. Values are computed once each,
    only for the placeholders the text uses.
    """
    values: dict[str, str] = {}

    def replace(match: re.Match) -> str:
        name = match.group(1)
        entry = PLACEHOLDERS.get(name)
        if entry is None:
            return match.group(0)
        if name not in values:
            values[name] = str(entry[1](ticket, agent) or "")
        return values[name]

    return _PLACEHOLDER.sub(replace, text)
