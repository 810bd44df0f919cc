"""In-app notifications for staff: stored as a kind and parameters, worded in the reader's language when shown.

A plugin declares the kinds it sends through the ``crm_notification_kinds``
hook (``{kind: render(params) -> str}``) and adds notifications with
:func:`notify` in the same transaction as the change they report.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable

from flask import Flask, current_app, g, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, Index, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.timeutil import utcnow


class Notification(db.Model):
    """One notification for one staff user; ``read_at`` is None while unread."""

    __tablename__ = "crm_notification"
    __table_args__ = (
        Index("ix_crm_notification_unread", "user_id", "read_at"),
        Index("ix_crm_notification_list", "user_id", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(db.String(80))
    params: Mapped[Any] = mapped_column(JSON, default=dict)
    url: Mapped[str] = mapped_column(db.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()

    @property
    def text(self) -> str:
        """The notification worded in the current locale by its kind's renderer."""
        return render(self)

    @property
    def safe_url(self) -> str | None:
        """The link, if it stays on this site (a path); None otherwise."""
        url = self.url or ""
        return url if url.startswith("/") and not url.startswith("//") and "\\" not in url else None


Renderer = Callable[[dict], str]


def _collect(app: Flask) -> dict[str, tuple[str, Renderer]]:
    """``{kind: (plugin name, renderer)}`` from every installed plugin; a kind declared twice fails."""
    kinds: dict[str, tuple[str, Renderer]] = {}
    for owner, result in app.extensions["crm"].results("crm_notification_kinds"):
        for kind, renderer in result.items():
            if kind in kinds:
                raise RuntimeError(f"notification kind {kind!r} is declared by {kinds[kind][0]!r} and {owner!r}")
            if not callable(renderer):
                raise RuntimeError(f"notification kind {kind!r} of {owner!r} has no renderer")
            kinds[kind] = (owner, renderer)
    return kinds


def init_app(app: Flask) -> None:
    """Collect the notification kinds (failing at start-up on duplicates) and add the template helper."""
    app.extensions["crm_notification_kinds"] = _collect(app)
    app.jinja_env.globals["unread_notifications"] = lambda: unread_count(current_user._get_current_object())


def kinds() -> dict[str, tuple[str, Renderer]]:
    """Every declared notification kind with its plugin and renderer."""
    return current_app.extensions["crm_notification_kinds"]


def notify(user_ids: Iterable[int], kind: str, params: dict | None = None, url: str = "") -> list[Notification]:
    """Add a notification for each user to the current transaction; the caller commits.

    :param user_ids: staff user ids; duplicates are notified once.
    :param kind: a kind some plugin declares in ``crm_notification_kinds``.
    :param params: JSON-serialisable values the kind's renderer words the text from.
    :param url: a site path the notification links to, e.g. ``/tickets/42``.
    :return: the new rows.
    """
    rows = [Notification(**values) for values in notification_rows(user_ids, kind, params, url)]
    db.session.add_all(rows)
    return rows


def notification_rows(user_ids: Iterable[int], kind: str, params: dict | None = None, url: str = "") -> list[dict]:
    """The rows :func:`notify` would add, as column values (the kind checked the same way), to be gathered
    with those of other kinds and added in one :func:`insert_notifications`."""
    if kind not in kinds():
        raise KeyError(f"unknown notification kind {kind!r}")
    return [{"user_id": uid, "kind": kind, "params": dict(params or {}), "url": url or ""}
            for uid in dict.fromkeys(user_ids)]


def insert_notifications(rows: list[dict]) -> None:
    """Add the rows of :func:`notification_rows` in the current transaction with one multi-row INSERT:
    no ORM objects, nothing read back (for senders that notify many people at once); the caller commits."""
    if rows:
        db.session.execute(insert(Notification.__table__), rows)


def render(notification: Notification) -> str:
    """Word a notification in the current locale; a kind whose plugin is off or missing gets a generic text."""
    owner, renderer = kinds().get(notification.kind, (None, None))
    if renderer is not None and current_app.extensions["crm"].is_enabled(owner):
        try:
            return str(renderer(dict(notification.params or {})))
        except Exception:  # noqa: BLE001 - one bad row must not break the page
            current_app.logger.exception("notification %s could not be rendered", notification.id)
    return _("You have a notification.")


def unread_count(user) -> int:
    """How many unread notifications ``user`` has; one query, cached for the request."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_staff_user", False):
        return 0
    key = f"crm_unread_{user.id}"
    if has_request_context() and key in g:
        return g.get(key)
    count = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ) or 0
    if has_request_context():
        setattr(g, key, count)
    return count


def unread_count_column(user_id):
    """A scalar subquery: the unread notifications of the user whose id is ``user_id`` (a column or value).

    The sign-in loader selects it beside the user, so the badge every staff
    page shows costs no query of its own; see :func:`remember_unread_count`.
    """
    return (select(func.count(Notification.id))
            .where(Notification.user_id == user_id, Notification.read_at.is_(None)).scalar_subquery())


def remember_unread_count(user, count: int | None) -> None:
    """Keep ``count`` (read with :func:`unread_count_column`) as ``user``'s unread count for this request."""
    if has_request_context() and count is not None:
        setattr(g, f"crm_unread_{user.id}", count)


def _forget_count(user) -> None:
    if has_request_context():
        g.pop(f"crm_unread_{user.id}", None)


def notifications_for(user):
    """The query for a user's notifications, newest first."""
    return (select(Notification).where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))


def mark_read(user, notification_id: int) -> Notification | None:
    """Mark one of the user's notifications read; None if it is not theirs or does not exist."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        return None
    if row.read_at is None:
        row.read_at = utcnow()
    _forget_count(user)
    return row


def mark_all_read(user) -> int:
    """Mark every unread notification of the user read in one statement; return how many were."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)
    )
    _forget_count(user)
    return result.rowcount
