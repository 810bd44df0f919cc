"""What the support plugin adds to the test kit (``crm.testing``): ``factory.ticket``."""
from __future__ import annotations


def ticket(factory, subject="Printer is on fire", body="It smokes.", contact=None, author=None, **fields):
    """A ticket opened through :func:`plugins.support.api.open_ticket`.

    ``author`` defaults to :data:`crm.actors.SYSTEM` and ``contact`` to a new
    contact made by ``factory``; other keyword arguments go to ``open_ticket``.
    """
    from crm.actors import SYSTEM
    from crm.extensions import db
    from plugins.support import api

    db.session.commit()  # a service refuses to start over uncommitted changes
    fields.setdefault("channel", "portal")
    return api.open_ticket(subject, author=author or SYSTEM, contact=contact or factory.contact(), body=body,
                           **fields)
