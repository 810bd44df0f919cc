"""Hourly clean-up of sign-in state: expired sessions, old one-time links and ended attempt windows."""
from __future__ import annotations

from flask import Flask
from huey import crontab

PURGE_TASK = "crm.auth.purge"


def purge_expired() -> dict[str, int]:
    """Delete expired sign-in rows (sessions, links, attempt counters) and commit; returns the counts."""
    from crm.auth import attempts, sessions, tokens
    from crm.database import unit_of_work

    with unit_of_work():
        counts = {"sessions": sessions.purge_expired(), "tokens": tokens.purge_expired(),
                  "attempts": attempts.purge_expired()}
    return counts


def init_app(app: Flask) -> None:
    """Register the hourly purge on the app's task queue (call after the queue exists)."""
    huey = app.extensions["crm_queue"]

    @huey.periodic_task(crontab(minute="17"), name=PURGE_TASK)
    def purge_sign_in_state():
        """Delete expired sessions, links and attempt counters."""
        with app.app_context():
            purge_expired()

    app.extensions["crm_auth_purge"] = purge_sign_in_state
