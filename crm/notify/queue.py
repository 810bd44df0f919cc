"""The background task queue (Huey): SQLite in the instance folder, Redis when configured.

Tasks are registered on the app's Huey instance in :func:`init_app`, each
running inside a fresh app context (its own database session). The host's
tasks deliver the outbox:

- ``crm.outbox.relay`` runs :func:`crm.notify.relay.relay`; it is queued
  after every commit that added outbox rows, so mail leaves at once;
- ``crm.outbox.tick`` is a periodic task each minute (Huey's finest periodic
  schedule) that relays and schedules further relay runs every
  ``OUTBOX_RELAY_SECONDS`` within the minute, which picks up retries whose
  backoff has passed and messages left behind by a crashed worker.

``QUEUE_IMMEDIATE`` runs tasks inline when they are queued (tests).
``flask crm worker`` runs the consumer.
"""
from __future__ import annotations

import sqlite3

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import object_session

from crm.extensions import db
from crm.notify.outbox import ADDED as _ADDED, OutboxMessage

RELAY_TASK = "crm.outbox.relay"
TICK_TASK = "crm.outbox.tick"


def init_app(app: Flask) -> None:
    """Create the app's Huey instance and register the host's tasks."""
    immediate = bool(app.config.get("QUEUE_IMMEDIATE"))
    if app.config.get("REDIS_URL"):
        huey = RedisHuey("crm", url=app.config["REDIS_URL"], immediate=immediate)
    else:
        huey = SqliteHuey("crm", filename=app.config["QUEUE_FILE"], immediate=immediate,
                          factory=_QueueConnection)
    app.extensions["crm_queue"] = huey
    _register_outbox_tasks(app, huey)


class _QueueConnection(sqlite3.Connection):
    """The SQLite queue's connections (``sqlite3.connect``'s ``factory``, which Huey passes through): the
    same durability as the app's database, ``synchronous=NORMAL`` with the WAL journal Huey sets.

    Huey's default (``FULL``) waits for the disk at every enqueue, about 4 ms, more than the rest of
    opening a ticket that emails its customer; ``NORMAL`` syncs at checkpoints and cannot corrupt the
    file. A power cut may lose the last queued relay runs, which the periodic tick makes up for: the
    messages themselves are outbox rows in the app's database.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA synchronous=NORMAL")


def _register_outbox_tasks(app: Flask, huey) -> None:
    every = max(1, int(app.config.get("OUTBOX_RELAY_SECONDS") or 60))

    @huey.task(name=RELAY_TASK)
    def relay_outbox():
        """Deliver the due outbox messages."""
        from crm.notify.relay import relay

        with app.app_context():
            relay()

    @huey.periodic_task(crontab(minute="*"), name=TICK_TASK)
    def relay_outbox_tick():
        """Relay now and at every ``OUTBOX_RELAY_SECONDS`` until the next tick."""
        for offset in range(every, 60, every):
            relay_outbox.schedule(delay=offset, expires=60)
        relay_outbox.call_local()

    app.extensions["crm_outbox_relay"] = relay_outbox


def huey():
    """The current app's Huey instance."""
    return current_app.extensions["crm_queue"]


def request_relay() -> None:
    """Queue an outbox relay run now; a queue that is down only delays mail until the periodic run."""
    if not has_app_context() or "crm_outbox_relay" not in current_app.extensions:
        return
    try:
        current_app.extensions["crm_outbox_relay"]()
    except Exception:  # noqa: BLE001 - the rows are safe in the outbox; the periodic task will deliver them
        current_app.logger.exception("could not queue the outbox relay")


@event.listens_for(OutboxMessage, "after_insert")
def _outbox_row_inserted(mapper, connection, target) -> None:
    session = object_session(target)
    if session is not None:
        session.info[_ADDED] = True


@event.listens_for(db.session, "after_commit")
def _relay_after_commit(session) -> None:
    if session.info.pop(_ADDED, False):
        request_relay()


@event.listens_for(db.session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(_ADDED, None)
