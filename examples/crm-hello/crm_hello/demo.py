"""Demo data of the hello plugin."""
from sqlalchemy import select

from crm.extensions import db


def greet_demo_contacts() -> None:
    """Greet the customers of the demo tickets, as new tickets would."""
    from plugins.support import api

    from crm_hello.services import greet

    for ticket in db.session.scalars(select(api.Ticket).order_by(api.Ticket.id).limit(20)).all():
        greet(ticket)
