"""The support plugin's tables: tickets, posts, attachments, history and the admin-managed lookups."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.extensions import db
from crm.people.models import Company, Contact, Department, User
from crm.timeutil import utcnow
from plugins.support.search_text import post_default, ticket_default

CHANNELS = ("email", "portal", "public_form", "internal", "chat", "api", "phone")
POST_KINDS = ("public_reply", "customer_message", "internal_note")


class Status(db.Model):
    """A ticket status. Built-in ones keep ``name`` empty and are translated by ``key`` at display time."""

    __tablename__ = "support_status"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(db.String(40), unique=True)
    name: Mapped[str] = mapped_column(db.String(80), default="")
    colour: Mapped[str] = mapped_column(db.String(7), default="#667085")
    position: Mapped[int] = mapped_column(default=0)
    is_closed: Mapped[bool] = mapped_column(default=False)


class Priority(db.Model):
    """A ticket priority; like statuses, built-in names are translated by ``key``."""

    __tablename__ = "support_priority"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(db.String(40), unique=True)
    name: Mapped[str] = mapped_column(db.String(80), default="")
    colour: Mapped[str] = mapped_column(db.String(7), default="#667085")
    position: Mapped[int] = mapped_column(default=0)


class Brand(db.Model):
    """A brand (product) of the company; every ticket belongs to one, and each brand has a portal."""

    __tablename__ = "support_brand"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class Service(db.Model):
    """A service that tickets are classified by when ``support.use_services`` is on."""

    __tablename__ = "support_service"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(120), unique=True)
    position: Mapped[int] = mapped_column(default=0)


class Topic(db.Model):
    """What a ticket is about; routes new tickets to a department."""

    __tablename__ = "support_topic"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(120), unique=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("crm_department.id", ondelete="SET NULL"),
                                                      index=True)
    position: Mapped[int] = mapped_column(default=0)
    # the built-in topic ("other") keeps ``name`` empty and is translated by key, like statuses
    key: Mapped[str | None] = mapped_column(db.String(40), unique=True)
    # a customer-specific topic belongs to one company; topics without one are public (every customer)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("crm_company.id", ondelete="CASCADE"), index=True)
    # who new tickets are assigned to: see plugins.support.topics.ASSIGNEE_KINDS
    assignee_kind: Mapped[str] = mapped_column(db.String(30), default="none", server_default="none")
    department: Mapped[Department | None] = relationship(lazy="joined")
    company: Mapped[Company | None] = relationship(lazy="select")

    @property
    def label(self) -> str:
        """The name shown: the admin's, or the built-in topic's translated by its key."""
        from plugins.support.topics import topic_label

        return topic_label(self)


class Tag(db.Model):
    """A label put on tickets."""

    __tablename__ = "support_tag"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(db.String(60), unique=True)


ticket_tags = Table(
    "support_ticket_tag", db.metadata,
    Column("ticket_id", ForeignKey("support_ticket.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("support_tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class TicketCounter(db.Model):
    """The last ticket number given out in a year; its row is locked while the next number is taken."""

    __tablename__ = "support_ticket_counter"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(default=0)


class Ticket(db.Model):
    """A customer's request and its conversation."""

    __tablename__ = "support_ticket"
    __table_args__ = (
        Index("ix_support_ticket_dept_status", "department_id", "status_id"),
        # the list sorts by (updated_at, id) or (created_at, id): ties on the date are ordered by the index too
        Index("ix_support_ticket_updated_id", "updated_at", "id"),
        Index("ix_support_ticket_created_id", "created_at", "id"),
        Index("ix_support_ticket_subject", "subject"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(db.String(20), unique=True)
    subject: Mapped[str] = mapped_column(db.String(250))
    status_id: Mapped[int] = mapped_column(ForeignKey("support_status.id"), index=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("support_priority.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("crm_department.id", ondelete="SET NULL"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("support_service.id", ondelete="SET NULL"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("support_topic.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(db.String(20), default="internal", index=True)
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("support_brand.id", ondelete="SET NULL"), index=True)
    assignee_user_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id", ondelete="SET NULL"), index=True)
    assignee_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("crm_department.id", ondelete="SET NULL"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("crm_contact.id", ondelete="SET NULL"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("crm_company.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column()
    waiting_since: Mapped[datetime | None] = mapped_column(index=True)
    post_count: Mapped[int] = mapped_column(default=0)
    email_message_id: Mapped[str | None] = mapped_column(db.String(250))
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # moves with every field change
    # number, subject and customer folded for search (plugins.support.folding); kept by every writer
    search_text: Mapped[str] = mapped_column(db.Text, default=ticket_default, server_default="")
    # the folded words of its searchable data-field values (plugins.support.field_search); the end of
    # search_text, which staff searches match and customers' searches leave out
    field_text: Mapped[str] = mapped_column(db.Text, default="", server_default="")

    status: Mapped[Status] = relationship(lazy="select")
    priority: Mapped[Priority] = relationship(lazy="select")
    department: Mapped[Department | None] = relationship(foreign_keys=[department_id], lazy="select")
    service: Mapped[Service | None] = relationship(lazy="select")
    topic: Mapped[Topic | None] = relationship(lazy="select")
    brand: Mapped[Brand | None] = relationship(lazy="select")
    assignee_user: Mapped[User | None] = relationship(foreign_keys=[assignee_user_id], lazy="select")
    assignee_department: Mapped[Department | None] = relationship(foreign_keys=[assignee_department_id],
                                                                  lazy="select")
    contact: Mapped[Contact | None] = relationship(lazy="select")
    company: Mapped[Company | None] = relationship(lazy="select")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id], lazy="select")
    tags: Mapped[list[Tag]] = relationship(secondary=ticket_tags, lazy="select", order_by=Tag.name)
    posts: Mapped[list["Post"]] = relationship(back_populates="ticket", cascade="all, delete-orphan",
                                               passive_deletes=True, lazy="select", order_by="Post.id")

    @property
    def is_closed(self) -> bool:
        """Whether the ticket's status is a closed one."""
        return bool(self.status and self.status.is_closed)


class Post(db.Model):
    """One message of a ticket's conversation: a public reply, a customer message or an internal note."""

    __tablename__ = "support_post"
    __table_args__ = (Index("ix_support_post_ticket", "ticket_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(db.String(20))
    body: Mapped[str] = mapped_column(db.Text, default="")
    body_text: Mapped[str] = mapped_column(db.Text, default="")
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id", ondelete="SET NULL"), index=True)
    author_contact_id: Mapped[int | None] = mapped_column(ForeignKey("crm_contact.id", ondelete="SET NULL"),
                                                          index=True)
    # the name a plugin wrote under (add_note(..., author=SYSTEM, author_label="Office hours")); else empty
    author_label: Mapped[str] = mapped_column(db.String(120), default="", server_default="")
    # body_text folded for search (plugins.support.folding); kept by every writer
    search_text: Mapped[str] = mapped_column(db.Text, default=post_default, server_default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="posts", lazy="select")
    author_user: Mapped[User | None] = relationship(lazy="select")
    author_contact: Mapped[Contact | None] = relationship(lazy="select")
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="post", cascade="all, delete-orphan",
                                                           passive_deletes=True, lazy="select",
                                                           order_by="Attachment.id")

    @property
    def is_internal(self) -> bool:
        """Internal notes are for staff only, never shown to customers nor emailed."""
        return self.kind == "internal_note"

    @property
    def author_name(self) -> str:
        """The name of who wrote the post: the person, or the label a plugin wrote under."""
        if self.author_label:
            return self.author_label
        if self.author_user is not None:
            return self.author_user.name
        if self.author_contact is not None:
            return self.author_contact.name
        return ""


class Attachment(db.Model):
    """A file attached to a post, kept in file storage under ``storage_key``."""

    __tablename__ = "support_attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("support_post.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(db.String(255))
    content_type: Mapped[str] = mapped_column(db.String(120), default="application/octet-stream")
    size: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str] = mapped_column(db.String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    post: Mapped[Post] = relationship(back_populates="attachments", lazy="select")


class TicketHistory(db.Model):
    """One changed field of a ticket: who changed it, when, from which value to which."""

    __tablename__ = "support_ticket_history"
    __table_args__ = (Index("ix_support_ticket_history_ticket", "ticket_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("crm_user.id", ondelete="SET NULL"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("crm_contact.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    field: Mapped[str] = mapped_column(db.String(40))
    old: Mapped[str | None] = mapped_column(db.String(400))
    new: Mapped[str | None] = mapped_column(db.String(400))

    user: Mapped[User | None] = relationship(lazy="select")


class StatusCount(db.Model):
    """How many tickets have a status in a department (0 = no department), maintained by the services.

    Lets the ticket list show counts per status without counting tickets; see
    :mod:`plugins.support.counts` for how each access policy reads them.
    """

    __tablename__ = "support_status_count"
    status_id: Mapped[int] = mapped_column(ForeignKey("support_status.id", ondelete="CASCADE"), primary_key=True)
    department_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(default=0)


__all__ = [
    "CHANNELS", "POST_KINDS", "Attachment", "Brand", "Post", "Priority", "Service", "Status", "StatusCount",
    "Tag", "Ticket", "TicketCounter", "TicketHistory", "Topic", "ticket_tags",
]
