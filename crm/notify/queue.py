"""The background task queue (Huey): SQLite in the instance folder, Redis when configured.

Tasks are registered on the app's Huey instance in :func:`init_app`, each
running inside an app context. ``QUEUE_IMMEDIATE`` runs tasks inline (tests).
"""
from __future__ import annotations

from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey


def init_app(app: Flask) -> None:
    """Create the app's Huey instance and register the host's tasks."""
    immediate = bool(app.config.get("QUEUE_IMMEDIATE"))
    if app.config.get("REDIS_URL"):
        huey = RedisHuey("crm", url=app.config["REDIS_URL"], immediate=immediate)
    else:
        huey = SqliteHuey("crm", filename=app.config["QUEUE_FILE"], immediate=immediate)
    app.extensions["crm_queue"] = huey


def huey():
    """The current app's Huey instance."""
    return current_app.extensions["crm_queue"]
