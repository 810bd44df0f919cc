"""A ticket's conversation as pages show it: the window of posts (the staff page's, and the customer's in the
portal, limited to the kinds customers read) and the staff page's markup of each post.

A post's markup depends on the post (its author's current name, body, files),
the viewer's locale and timezone, whether the viewer may delete posts and the
configuration (preview rules, labels); all of that is its key in
:func:`crm.fragments.memo_each`, so a ticket opened again renders only the
posts that are new or changed. The delete forms' CSRF token, the one part of
the viewer's own, is a placeholder filled in for each page.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _, pgettext
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from sqlalchemy import select

from crm import i18n
from crm.extensions import db
from crm.fragments import memo_each
from crm.people.models import Contact, User
from plugins.support.models import Attachment, Post, Ticket

CONVERSATION_WINDOW = 50  # posts shown at once on the ticket page; earlier ones one window at a time
_TOKEN = Markup("<crm-csrf-token>")  # escaped content can never hold a "<": the placeholder is unambiguous


@dataclass(slots=True)
class FileRow:
    """An attachment as the conversation shows it."""

    id: int
    filename: str
    size: int
    content_type: str


@dataclass(slots=True)
class PostRow:
    """A post as the conversation shows it: plain values, no ORM object (the page only shows them)."""

    id: int
    kind: str
    body_text: str
    created_at: datetime
    author_name: str
    attachments: list[FileRow] = field(default_factory=list)


def conversation_window(ticket: Ticket, before: int | None, descending: bool,
                        kinds: Collection[str] | None = None) -> tuple[list[PostRow], int | None]:
    """The newest :data:`CONVERSATION_WINDOW` posts (older than post ``before`` when given), in reply order
    (S-20), and the id to ask for the window before them (None when there is nothing earlier).
    ``kinds`` limits the posts to those kinds (the portal shows customers no internal notes).

    One query: the window's posts (the newest first, one more than shown to know whether earlier ones
    exist) with their authors' names and their files. A ticket with thousands of replies opens in the
    same time and memory as one with fifty.
    """
    window = select(Post.id, Post.kind, Post.body_text, Post.created_at, Post.author_label, Post.author_user_id,
                    Post.author_contact_id).where(Post.ticket_id == ticket.id)
    if before is not None:
        window = window.where(Post.id < before)
    if kinds is not None:
        window = window.where(Post.kind.in_(list(kinds)))
    window = window.order_by(Post.id.desc()).limit(CONVERSATION_WINDOW + 1).subquery()
    rows = db.session.execute(
        select(window.c.id, window.c.kind, window.c.body_text, window.c.created_at, window.c.author_label,
               User.name, Contact.name, Attachment.id, Attachment.filename, Attachment.size, Attachment.content_type)
        .select_from(window)
        .outerjoin(User, User.id == window.c.author_user_id)
        .outerjoin(Contact, Contact.id == window.c.author_contact_id)
        .outerjoin(Attachment, Attachment.post_id == window.c.id)
        .order_by(window.c.id.desc(), Attachment.id))
    posts: list[PostRow] = []
    for (post_id, kind, body_text, created_at, label, user_name, contact_name,
         file_id, filename, size, content_type) in rows:
        if not posts or posts[-1].id != post_id:
            posts.append(PostRow(post_id, kind, body_text or "", created_at, label or user_name or contact_name or ""))
        if file_id is not None:
            posts[-1].attachments.append(FileRow(file_id, filename, size, content_type))
    earlier = None
    if len(posts) > CONVERSATION_WINDOW:
        posts = posts[:CONVERSATION_WINDOW]
        earlier = posts[-1].id
    if not descending:
        posts.reverse()
    return posts, earlier


def shown(post: PostRow) -> tuple:
    """What a post's markup shows of it, as a key: its body by its hash (a key need not hold a second copy)."""
    return (post.id, post.kind, post.created_at, post.author_name, hash(post.body_text),
            tuple((f.id, f.filename, f.size, f.content_type) for f in post.attachments))


def rendered_posts(ticket: Ticket, posts: list[PostRow], may_delete: bool) -> Markup:
    """The ``<article>`` of every post, in the given order (see the module's docstring)."""
    markup = memo_each("support.conversation", posts, lambda post: (may_delete, ticket.number, shown(post)),
                       lambda missing: _render(ticket, missing, may_delete))
    if may_delete:
        markup = Markup(markup.replace(_TOKEN, escape(generate_csrf())))
    return markup


def _render(ticket: Ticket, posts: list[PostRow], may_delete: bool) -> list[Markup]:
    context = {
        "formatted": i18n.datetime_formatter(), "may_delete": may_delete, "token": _TOKEN,
        "kind_labels": {"internal_note": _("Internal note"), "customer_message": _("Customer message")},
        "reply_label": pgettext("post kind", "Reply"), "unknown_author": _("Unknown"),
        "delete_question": _("Delete this message?"), "delete_label": _("Delete"), "preview_label": _("Preview"),
    }
    macro = current_app.jinja_env.get_template("support/_ticket_post.html").module.post_markup
    return [macro(post, ticket.number, context) for post in posts]
