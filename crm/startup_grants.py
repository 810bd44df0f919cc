"""At start-up, grant the default roles of permissions the database has not seen yet.

A plugin installed into a running site declares new permissions; their
``default_roles`` are granted the first time an app starts against the
database, so restarting is enough (``flask crm init`` is not needed). Grants
already decided by admins are never touched (see ``ensure_builtin_roles``).
"""
from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from crm.extensions import db

log = logging.getLogger(__name__)


def apply_new_permission_defaults(app: Flask) -> bool:
    """Grant new permissions' defaults once; return whether anything was granted.

    Skipped quietly while the database has no tables yet (before the first
    migration) and, with a warning, while it cannot be reached: the next
    start or ``flask crm init`` applies them. Two processes starting at
    once grant each default once (the loser of the race finds it done).
    """
    from crm.people.models import KnownPermission
    from crm.people.services import ensure_builtin_roles

    with app.app_context():
        try:
            if not inspect(db.engine).has_table(KnownPermission.__tablename__):
                return False
            seen = set(db.session.scalars(select(KnownPermission.name)))
            if set(app.extensions["crm"].permissions) <= seen:
                return False
            ensure_builtin_roles()
            db.session.commit()
            return True
        except IntegrityError:
            db.session.rollback()
            return False
        except SQLAlchemyError as exc:
            db.session.rollback()
            log.warning("default grants of new permissions not applied at start-up: %s", exc.__class__.__name__)
            return False
        finally:
            db.session.remove()
