"""Canned replies for agents: which ones a user sees, the text inserted into a reply, and their management.

Visibility: a desk-wide reply is seen by every agent, a department's by the
staff of that department, a personal one by its owner only. Inactive replies
are listed on the management pages but never offered for insertion.

Management: desk-wide and department replies need
``support.canned_replies.manage`` (admins by default); personal replies are
kept by any agent who may reply, each managing only their own. Every
function takes the acting user and checks it through
:mod:`plugins.support.access`, so the views cannot forget a check.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app
from flask_babel import get_locale, gettext as _
from sqlalchemy import and_, case, false, or_, select

from crm import audit, generation, settings
from crm.extensions import db
from crm.people.models import Department, DepartmentMember
from plugins.support import access, roster
from plugins.support import permissions as perms
from plugins.support.canned_replies.models import SCOPES, CannedReply, CannedReplyText
from plugins.support.canned_replies.placeholders import fill
from plugins.support.text import normalise

TITLE_MAX = 120
BODY_MAX = 20_000
POSITION_MAX = 9_999
MAX_ID = 2**31 - 1
CANNED_KEY = "support.canned_replies"  # generation counter: moves on any ORM write to canned replies
generation.watch(CANNED_KEY, CannedReply, CannedReplyText)


class CannedReplyInvalid(ValueError):
    """Refused input; ``errors`` maps a field (``title``, ``text-tr``, ``texts``...) to a translated message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Choice:
    """A reply offered in the ticket page's select: its id, title and scope."""

    id: int
    title: str
    scope: str


# who may do what ------------------------------------------------------------------------------

def may_manage_shared(user) -> bool:
    """Whether ``user`` may create, edit and delete desk-wide and department replies."""
    return access.can(user, perms.CANNED_MANAGE)


def may_use(user) -> bool:
    """Whether ``user`` may insert canned replies and keep personal ones: agents who may reply."""
    return access.can(user, perms.REPLY)


def _visible(user):
    """A WHERE clause on :class:`CannedReply` for the replies ``user`` may insert (active or not)."""
    return _visible_to(user.id) if may_use(user) else false()


def _visible_to(user_id: int):
    """The replies a user who may use them sees: desk-wide, their departments' and their own."""
    own_departments = select(DepartmentMember.department_id).where(DepartmentMember.user_id == user_id)
    return or_(
        CannedReply.scope == "desk",
        and_(CannedReply.scope == "department", CannedReply.department_id.in_(own_departments)),
        and_(CannedReply.scope == "personal", CannedReply.owner_user_id == user_id),
    )


_SCOPE_ORDER = case({"personal": 0, "department": 1}, value=CannedReply.scope, else_=2)


def choices(user) -> list[Choice]:
    """The active replies ``user`` may insert, personal ones first, then by position and title.

    One query per user until a canned reply or the staff roster (memberships) changes: every worker
    keeps them per user under those generation counters, so the ticket page pays no query for them.
    """
    if not may_use(user):
        return []
    return list(_active_choices(user.id))


@generation.cached(CANNED_KEY, roster.KEY, size=512)
def _active_choices(user_id: int) -> tuple[Choice, ...]:
    rows = db.session.execute(
        select(CannedReply.id, CannedReply.title, CannedReply.scope)
        .where(CannedReply.active.is_(True), _visible_to(user_id))
        .order_by(_SCOPE_ORDER, CannedReply.position, CannedReply.title, CannedReply.id))
    return tuple(Choice(*row) for row in rows)


def _parse_id(raw) -> int | None:
    text = str(raw if raw is not None else "").strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)


def insertable_or_404(user, reply_id) -> CannedReply:
    """The active reply ``reply_id`` if ``user`` may insert it; otherwise 404 (never saying it exists)."""
    number = _parse_id(reply_id)
    if number is None:
        abort(404)
    reply = db.session.scalar(select(CannedReply).where(
        CannedReply.id == number, CannedReply.active.is_(True), _visible(user)))
    if reply is None:
        abort(404)
    return reply


# the text inserted ------------------------------------------------------------------------------

def default_language() -> str:
    """The desk's default language (the ``crm.default_locale`` setting when offered, else the app's)."""
    offered = current_app.config["LANGUAGES"]
    chosen = settings.get("crm.default_locale")
    return chosen if chosen in offered else current_app.config["BABEL_DEFAULT_LOCALE"]


def _candidates(code) -> list[str]:
    """``"tr_TR"`` → ``["tr_TR", "tr"]``: a language with a region also matches the language alone."""
    if not code:
        return []
    code = str(code)
    base = code.replace("-", "_").split("_")[0]
    return [code] if base == code else [code, base]


def choose_text(reply: CannedReply, *languages) -> str:
    """The reply's text in the first of ``languages`` it has, else the default language's, else any."""
    texts = {t.language: t.body for t in reply.texts}
    for language in [*languages, default_language()]:
        for code in _candidates(language):
            if code in texts:
                return texts[code]
    offered = current_app.config["LANGUAGES"]
    for code in [*offered, *sorted(texts)]:
        if code in texts:
            return texts[code]
    return ""


def text_for_ticket(user, reply: CannedReply, ticket) -> str:
    """The text ``user`` inserts into a reply on ``ticket``: placeholders filled, in the customer's language.

    The language is the customer's (the ticket's contact) when the reply has a
    text in it, else the agent's page language, else the desk's default. The
    ticket must be visible to ``user`` and the reply insertable by them (404).
    """
    if not access.can_see(user, ticket):
        abort(404)
    insertable_or_404(user, reply.id)
    contact_language = ticket.contact.locale if ticket.contact is not None else None
    return fill(choose_text(reply, contact_language, str(get_locale() or "")), ticket, user)


def append(typed: str | None, inserted: str) -> str:
    """The reply box after an insert without JavaScript: what was typed, a blank line, then the text."""
    typed = normalise(typed)
    return f"{typed}\n\n{inserted}" if typed else inserted


# management ----------------------------------------------------------------------------------

def shared_replies() -> list[CannedReply]:
    """Desk-wide and department replies for the admin page (departments and texts loaded up front)."""
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(
        select(CannedReply).where(CannedReply.scope.in_(("desk", "department")))
        .options(joinedload(CannedReply.department))
        .order_by(_SCOPE_ORDER.desc(), CannedReply.position, CannedReply.title, CannedReply.id)))


def personal_replies(user) -> list[CannedReply]:
    """``user``'s own replies (none when they may not keep any)."""
    if not may_use(user):
        return []
    return list(db.session.scalars(
        select(CannedReply).where(CannedReply.scope == "personal", CannedReply.owner_user_id == user.id)
        .order_by(CannedReply.position, CannedReply.title, CannedReply.id)))


def editable_or_404(user, reply_id, personal: bool) -> CannedReply:
    """A reply ``user`` may edit: on the personal page their own, on the admin page a shared one (else 404)."""
    number = _parse_id(reply_id)
    if number is None:
        abort(404)
    reply = db.session.get(CannedReply, number)
    if reply is None:
        abort(404)
    if personal:
        if not may_use(user) or reply.scope != "personal" or reply.owner_user_id != user.id:
            abort(404)
    elif not may_manage_shared(user) or reply.scope == "personal":
        abort(404)
    return reply


def _clean(values: dict, personal: bool) -> dict:
    """Validated values, or :class:`CannedReplyInvalid` with a message per field."""
    errors: dict[str, str] = {}
    title = " ".join(str(values.get("title") or "").split())
    if not title:
        errors["title"] = _("Enter a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Use at most %(num)d characters.", num=TITLE_MAX)
    offered = current_app.config["LANGUAGES"]
    texts = {}
    for language, raw in (values.get("texts") or {}).items():
        if language not in offered:
            errors["texts"] = _("Texts can only be given in the offered languages.")
            continue
        body = normalise(raw)
        if len(body) > BODY_MAX:
            errors[f"text-{language}"] = _("Use at most %(num)d characters.", num=BODY_MAX)
        elif body:
            texts[language] = body
    if not texts and not any(k.startswith("text") for k in errors):
        errors["texts"] = _("Write the text in at least one language.")
    scope = "personal" if personal else values.get("scope") or "desk"
    department_id = None
    if not personal:
        if scope not in SCOPES or scope == "personal":
            errors["scope"] = _("Choose who sees this reply.")
        elif scope == "department":
            department_id = _parse_id(values.get("department_id"))
            if department_id is None or db.session.get(Department, department_id) is None:
                errors["department_id"] = _("Choose a department.")
    raw_position = str(values.get("position", "") if values.get("position") is not None else "").strip() or "0"
    position = int(raw_position) if raw_position.isascii() and raw_position.isdigit() else -1
    if not 0 <= position <= POSITION_MAX:
        errors["position"] = _("Enter a whole number from 0 to %(max)d.", max=POSITION_MAX)
    if errors:
        raise CannedReplyInvalid(errors)
    return {"title": title, "texts": texts, "scope": scope, "department_id": department_id,
            "active": bool(values.get("active", True)), "position": position}


def _snapshot(reply: CannedReply) -> dict:
    return {"title": reply.title, "scope": reply.scope, "department": reply.department_id,
            "active": reply.active, "position": reply.position,
            "languages": ",".join(sorted(t.language for t in reply.texts))}


def save(user, values: dict, reply: CannedReply | None = None, personal: bool = False) -> CannedReply:
    """Create (``reply`` None) or update a reply from ``values`` and commit; refused input stores nothing.

    ``values``: ``title``, ``texts`` (``{language: text}``), ``scope``
    (``desk``/``department``, ignored for personal replies), ``department_id``,
    ``active``, ``position``. Personal replies belong to ``user``.
    Raises :class:`CannedReplyInvalid`; a user who may not manage such
    replies gets 403.
    """
    if not (may_use(user) if personal else may_manage_shared(user)):
        abort(403)
    if reply is not None:
        editable_or_404(user, reply.id, personal)
    clean = _clean(values, personal)
    before = _snapshot(reply) if reply is not None else {}
    if reply is None:
        reply = CannedReply(owner_user_id=user.id if personal else None)
        db.session.add(reply)
    reply.title, reply.scope = clean["title"], clean["scope"]
    reply.department_id = clean["department_id"]
    reply.active, reply.position = clean["active"], clean["position"]
    current = {t.language: t for t in reply.texts}
    for language, row in current.items():
        if language not in clean["texts"]:
            reply.texts.remove(row)
    for language, body in clean["texts"].items():
        if language in current:
            current[language].body = body
        else:
            reply.texts.append(CannedReplyText(language=language, body=body))
    db.session.flush()
    after = _snapshot(reply)
    changes = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
    audit.record("support.canned_reply.updated" if before else "support.canned_reply.created",
                 "support_canned_reply", reply.id, changes, user=user)
    db.session.commit()
    return reply


def delete(user, reply: CannedReply, personal: bool = False) -> None:
    """Delete a reply ``user`` may edit (see :func:`editable_or_404`) and commit."""
    editable_or_404(user, reply.id, personal)
    audit.record("support.canned_reply.deleted", "support_canned_reply", reply.id,
                 {"title": (reply.title, None)}, user=user)
    db.session.delete(reply)
    db.session.commit()
