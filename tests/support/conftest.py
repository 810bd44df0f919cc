"""Fixtures for the support plugin's tests: settings, tickets and a recorder of the plugin's events."""
from __future__ import annotations

import pytest

from crm import hookimpl
from crm.extensions import db as _db


@pytest.fixture
def set_support(app):
    """``set_support(name=value, ...)`` stores support settings as an admin would."""

    def setter(**values):
        from crm.settings import set_many

        set_many("support", values)
        _db.session.commit()

    return setter


class Desk:
    """Makes departments, staff and tickets for support tests."""

    def __init__(self, factory):
        self.factory = factory

    def ticket(self, subject="Printer is on fire", contact=None, department=None, body="It smokes.", **kw):
        from crm.actors import SYSTEM
        from plugins.support import services

        if contact is None:
            contact = self.factory.contact()
        kw.setdefault("author", SYSTEM)
        return services.open_ticket(subject, contact=contact, department=department, body=body,
                                    channel=kw.pop("channel", "portal"), **kw)


@pytest.fixture
def desk(factory):
    return Desk(factory)


class EventRecorder:
    """A throwaway plugin that records the support events it receives."""

    def __init__(self):
        self.events = []
        self.url = None

    @hookimpl
    def crm_plugin_info(self):
        from crm import PluginInfo

        return PluginInfo("recorder", "Recorder")

    @hookimpl
    def support_ticket_created(self, ticket):
        self.events.append(("created", ticket.number))

    @hookimpl
    def support_post_added(self, ticket, post):
        self.events.append(("post", ticket.number, post.kind))

    @hookimpl
    def support_ticket_updated(self, ticket, changes):
        self.events.append(("updated", ticket.number, dict(changes)))

    @hookimpl
    def support_customer_ticket_url(self, ticket):
        return self.url and f"{self.url}/{ticket.number}"


@pytest.fixture
def recorder():
    return EventRecorder()
