"""Canned reply tables: a reply (title, scope, owner) and its text per language."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.people.models import Department, User

SCOPES = ("desk", "department", "personal")


class CannedReply(db.Model):
    """A saved reply. ``scope`` says who sees it: everyone on the desk, one department's staff, or its owner."""

    __tablename__ = "support_canned_reply"
    __table_args__ = (Index("ix_support_canned_reply_scope_position", "scope", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(db.String(120))
    scope: Mapped[str] = mapped_column(db.String(20), default="desk")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("crm_department.id", ondelete="CASCADE"),
                                                      index=True)
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id", ondelete="CASCADE"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)
    department: Mapped[Department | None] = relationship(lazy="select")
    owner: Mapped[User | None] = relationship(lazy="select")
    texts: Mapped[list["CannedReplyText"]] = relationship(
        back_populates="reply", cascade="all, delete-orphan", lazy="selectin",
        order_by="CannedReplyText.language")


class CannedReplyText(db.Model):
    """The text of a canned reply in one language."""

    __tablename__ = "support_canned_reply_text"
    reply_id: Mapped[int] = mapped_column(ForeignKey("support_canned_reply.id", ondelete="CASCADE"),
                                          primary_key=True)
    language: Mapped[str] = mapped_column(db.String(10), primary_key=True)
    body: Mapped[str] = mapped_column(db.Text)
    reply: Mapped[CannedReply] = relationship(back_populates="texts")
