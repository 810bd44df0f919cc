"""The support plugin's events, fired only after the change that caused them is committed."""
from __future__ import annotations

from flask import current_app

from crm.database import UnitOfWork


def fire_after_commit(work: UnitOfWork, name: str, **kwargs) -> None:
    """Call hook ``name`` on every enabled plugin once ``work`` has committed.

    Each implementation runs on its own: one that raises is logged and
    recorded for admins (audit action ``plugin.event_failed``), and neither the
    other implementations nor the caller see the error.
    """
    host = current_app.extensions["crm"]
    work.after_commit(lambda: host.notify(name, **kwargs))
