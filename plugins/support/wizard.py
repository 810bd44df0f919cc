"""Server-side state of the "new ticket" wizard: one draft row per wizard, owned by the staff member.

The three steps (and the callback tab) post to the server, which keeps every
value in the draft, so moving forwards, backwards or sideways loses nothing,
with or without JavaScript, on any worker process. Uploaded files are stored
once when they are added and referenced by their storage key; the ticket's
attachments reuse those keys. Drafts untouched for a day are removed with
their files.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from sqlalchemy import ForeignKey, JSON, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.storage import storage
from crm.timeutil import utcnow

STEPS = (1, 2, 3)
DRAFT_LIFETIME = timedelta(days=1)
FILE_PREFIX = "support-drafts"


class TicketDraft(db.Model):
    """The values entered so far in one "new ticket" wizard, with its uploaded files."""

    __tablename__ = "support_ticket_draft"
    id: Mapped[str] = mapped_column(db.String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id", ondelete="CASCADE"), index=True)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    callback: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("support_ticket.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def get(self, key: str, default: Any = None) -> Any:
        """One value entered in any step."""
        return (self.values or {}).get(key, default)


def start_draft(user, values: dict[str, Any] | None = None) -> TicketDraft:
    """Open a new wizard for ``user`` with optional initial values (the caller commits).

    Stale drafts of everyone are purged on the way, so abandoned wizards do
    not pile up.
    """
    purge_stale_drafts()
    draft = TicketDraft(id=secrets.token_hex(16), user_id=user.id, values=dict(values or {}), files=[])
    db.session.add(draft)
    db.session.flush()
    return draft


def load_draft(draft_id: str, user) -> TicketDraft | None:
    """The draft with this id if it belongs to ``user``; None otherwise (unknown, expired or someone else's)."""
    if not isinstance(draft_id, str) or len(draft_id) != 32:
        return None
    draft = db.session.get(TicketDraft, draft_id)
    if draft is None or draft.user_id != getattr(user, "id", None):
        return None
    if draft.updated_at < utcnow() - DRAFT_LIFETIME:
        return None
    return draft


def update_values(draft: TicketDraft, values: dict[str, Any]) -> None:
    """Merge step values into the draft (the caller commits); keys not given keep their value."""
    merged = dict(draft.values or {})
    merged.update(values)
    draft.values = merged
    draft.updated_at = utcnow()


def replace_values(draft: TicketDraft, values: dict[str, Any]) -> None:
    """Replace every step value at once (a template chosen in step 1 prefills all steps)."""
    draft.values = dict(values)
    draft.updated_at = utcnow()


def add_file(draft: TicketDraft, stream, filename: str, content_type: str, size: int) -> dict[str, Any]:
    """Store an uploaded file once and reference it from the draft; returns the file's record."""
    key = storage().save(stream, filename, prefix=FILE_PREFIX)
    record = {"key": key, "filename": filename, "content_type": content_type, "size": size}
    draft.files = [*(draft.files or []), record]
    draft.updated_at = utcnow()
    return record


def remove_file(draft: TicketDraft, key: str) -> bool:
    """Forget one of the draft's files and delete it from storage; False if the draft has no such file."""
    files = list(draft.files or [])
    kept = [f for f in files if f["key"] != key]
    if len(kept) == len(files):
        return False
    storage().delete(key)
    draft.files = kept
    draft.updated_at = utcnow()
    return True


def set_callback(draft: TicketDraft, email: str, result: dict[str, Any]) -> None:
    """Keep the last callback answer with the draft, so every step can show it beside the form."""
    draft.callback = {"email": email, **result}
    draft.updated_at = utcnow()


def discard_draft(draft: TicketDraft) -> None:
    """Remove a draft and its files (the caller commits)."""
    for record in draft.files or []:
        storage().delete(record["key"])
    db.session.delete(draft)


def purge_stale_drafts(now: datetime | None = None) -> int:
    """Remove drafts untouched for :data:`DRAFT_LIFETIME` and their files; returns how many."""
    limit = (now or utcnow()) - DRAFT_LIFETIME
    stale = list(db.session.execute(select(TicketDraft.id, TicketDraft.files).where(TicketDraft.updated_at < limit)))
    if not stale:
        return 0
    for _id, files in stale:
        for record in files or []:
            storage().delete(record["key"])
    db.session.execute(delete(TicketDraft).where(TicketDraft.id.in_([row.id for row in stale])))
    return len(stale)


# the steps' fields, choices and rules -------------------------------------------------------------

#: The values each step posts; the draft keeps them as entered (strings, a list for tags).
STEP_FIELDS = {
    1: ("action", "template_name", "brand_id", "template_id", "topic_id", "service_id", "status"),
    2: ("customer_name", "customer_email", "subject", "description"),
    3: ("priority", "assign_to", "assignee_user_id", "assignee_department_id", "tags", "also_create"),
}
#: Which step shows the field a service complains about.
FIELD_STEP = {
    "action": 1, "template_name": 1, "brand": 1, "brand_id": 1, "topic": 1, "topic_id": 1, "status": 1,
    "service": 1, "service_id": 1,
    "customer_name": 2, "customer_email": 2, "contact": 2, "subject": 2, "description": 2, "body": 2,
    "attachments": 2, "priority": 3, "assignee_user": 3, "assignee_department": 3, "tags": 3,
}
SERVICE_FIELD = {"brand": "brand_id", "topic": "topic_id", "service": "service_id", "contact": "customer_email", "body": "description",
                 "assignee_user": "assignee_user_id", "assignee_department": "assignee_department_id"}
from plugins.support.wizard_forms import DESCRIPTION_MAX, NAME_MAX, SUBJECT_MAX, TAGS_TEXT_MAX  # noqa: E402,F401


class Choices:
    """What the steps offer, loaded once per request: brands, templates, topics, statuses, priorities,
    teams (a fixed number of queries whatever their size; tags are typed, and suggested by
    :mod:`plugins.support.tag_search`)."""

    def __init__(self):
        from crm.people.models import Department
        from plugins.support import statuses
        from crm import settings
        from plugins.support.models import Brand, Service, Topic
        from plugins.support.ticket_templates import TicketTemplate

        self.brands = list(db.session.scalars(select(Brand).order_by(Brand.position, Brand.name)))
        self.templates = list(db.session.scalars(select(TicketTemplate).order_by(TicketTemplate.name)))
        self.topics = list(db.session.scalars(select(Topic).order_by(Topic.position, Topic.name)))
        self.statuses = statuses.statuses()
        self.priorities = statuses.priorities()
        self.departments = list(db.session.scalars(select(Department).order_by(Department.name)))
        #: the services to classify by, only while "Use services" (S-10) is on
        self.services = list(db.session.scalars(select(Service).order_by(Service.position, Service.name))) \
            if settings.get("support.use_services") else []
        self._assignees: dict = {}

    def status_labels(self):
        """(status, translated label) pairs."""
        from plugins.support.statuses import status_label

        return [(s, status_label(s)) for s in self.statuses]

    def priority_labels(self):
        """(priority, translated label) pairs."""
        from plugins.support.statuses import priority_label

        return [(p, priority_label(p)) for p in self.priorities]

    def department_for(self, values: dict[str, Any]) -> int | None:
        """The ticket's department: the topic's, else the team it is assigned to."""
        topic = _by_id(self.topics, values.get("topic_id"))
        if topic is not None and topic.department_id:
            return topic.department_id
        if values.get("assign_to") == "team":
            team = _by_id(self.departments, values.get("assignee_department_id"))
            return team.id if team is not None else None
        return None

    def assignees(self, values: dict[str, Any]) -> list:
        """The staff who may be assigned: those who can see a ticket of the chosen department."""
        from plugins.support.services import assignable_users

        department = self.department_for(values)
        if department not in self._assignees:
            self._assignees[department] = assignable_users(department)
        return self._assignees[department]


def tags_text(values: dict[str, Any]) -> str:
    """The step's tags as comma-separated names. Drafts and templates saved before tags were typed keep tag
    ids (``tag_ids``): their names are looked up."""
    if "tags" in values or not values.get("tag_ids"):
        return values.get("tags") or ""
    from plugins.support.models import Tag

    ids = {int(v) for v in values["tag_ids"] if str(v).isascii() and str(v).isdigit() and int(v) < 2**31}
    if not ids:
        return ""
    return ", ".join(db.session.scalars(select(Tag.name).where(Tag.id.in_(ids)).order_by(Tag.name)))


def _by_id(rows, value):
    try:
        wanted = int(value)
    except (TypeError, ValueError):
        return None
    return next((r for r in rows if r.id == wanted), None)


def read_step(step: int, form, choices: Choices, draft: TicketDraft) -> dict[str, Any]:
    """The values a step posted (``form`` is the request's form), ready to keep in the draft."""
    values: dict[str, Any] = {}
    for name in STEP_FIELDS[step]:
        if name == "tags":
            values[name] = (form.get(name) or "").strip()[:TAGS_TEXT_MAX + 1]
            values["tag_ids"] = []  # the typed names replace the ids of older drafts and templates
        elif name == "also_create":
            values[name] = form.get(name) in ("y", "on", "1", "true")
        elif name == "action" and draft.get("editing_template_id"):
            values[name] = "template"  # editing a template stays editing a template
        elif name == "description":  # kept as typed: the first post is plain text (plugins.support.text)
            values[name] = (form.get(name) or "")[:DESCRIPTION_MAX + 1]
        else:
            values[name] = (form.get(name) or "").strip()[:DESCRIPTION_MAX + 1]
    return values


def creates_ticket(values: dict[str, Any]) -> bool:
    """Whether finishing the wizard opens a ticket (always, except a template saved on its own)."""
    return values.get("action") != "template" or bool(values.get("also_create"))


def validate_step(step: int, values: dict[str, Any], choices: Choices, fields=()) -> dict[str, str]:
    """Check one step's values with the step's form (:mod:`plugins.support.wizard_forms`, where the rules
    live); ``fields`` are the data fields of step 2. Return ``{field: translated message}`` (empty when valid)."""
    from plugins.support.wizard_forms import check_step

    return check_step(step, values, choices, fields)


def valid_email(email: str) -> bool:
    """Whether ``email`` is a syntactically valid address (no DNS lookup)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def default_subject_hint() -> str:
    """The email subject used when staff leave it empty, in the current language (a placeholder)."""
    from crm import settings

    return settings.get("support.new_ticket_email_subject") or _("About your support request")


def default_subject_for(contact) -> str:
    """The default email subject in the customer's language: the setting, else the translated default."""
    from flask import current_app
    from flask_babel import force_locale

    from crm import settings

    configured = settings.get("support.new_ticket_email_subject")
    if configured:
        return configured
    locale = getattr(contact, "locale", None)
    if locale not in current_app.config["LANGUAGES"]:
        locale = settings.get("crm.default_locale")
    with force_locale(locale):
        return _("About your support request")


@dataclass
class Outcome:
    """What finishing the wizard did: the new ticket, or errors and the step that shows them."""

    ticket: Any = None
    errors: dict[str, str] = field(default_factory=dict)
    step: int = 1
    already_created: bool = False  # another submission of the same draft opened the ticket

    def ticket_url(self, reply: bool = False) -> str:
        """The staff ticket page (at the reply box when staff reply at once)."""
        from flask import url_for
        from werkzeug.routing import BuildError

        try:
            url = url_for("support.ticket", number=self.ticket.number)
        except BuildError:
            return url_for("support.new_ticket")
        return url + ("#reply" if reply else "")


def open_ticket_from_draft(draft: TicketDraft, user, *, reply_now: bool, choices: Choices, fields=()) -> Outcome:
    """Open the ticket the wizard describes, on channel ``internal``, in one unit of work.

    The draft row is locked first, so when the same draft is submitted several
    times at once exactly one ticket is opened: the other submissions find the
    draft finished and get that ticket back (:attr:`Outcome.already_created`).
    The customer is found or created by email (subject to S-15 through the
    service), the description becomes an internal note with the draft's
    files, and the customer is emailed unless staff reply at once (S-31).
    ``fields`` are the ``(DataField, value)`` answers of step 2, saved with the ticket.
    On refusal nothing is stored and :attr:`Outcome.errors` says why.
    """
    from crm.database import lock, unit_of_work
    from crm.people.services import find_or_create_contact
    from plugins.support import services
    from plugins.support.attachments import CheckedUpload
    from plugins.support.services.values import tag_names
    from plugins.support.models import Ticket

    draft_id = draft.id
    try:
        with unit_of_work() as work:
            rows = lock(TicketDraft, draft_id)
            if not rows:
                return Outcome(errors={"action": _("This form was closed. Start a new ticket.")}, step=1)
            draft = rows[0]
            if draft.ticket_id is not None:
                return Outcome(ticket=db.session.get(Ticket, draft.ticket_id), already_created=True)
            values = draft.values
            contact, _created = find_or_create_contact(values["customer_email"], values.get("customer_name", ""),
                                                       actor=user)
            uploads = []
            for record in draft.files or []:
                with storage().open(record["key"]) as handle:
                    uploads.append(CheckedUpload(record["filename"], record["content_type"], handle.read()))
            tags = tag_names(tags_text(values))
            target = values.get("assign_to") or ""
            email_subject = (values.get("subject") or "").strip()
            ticket = services.open_ticket(
                email_subject or default_subject_for(contact), contact=contact, channel="internal",
                body=values.get("description") or "", body_kind="internal_note", author=user,
                topic=values.get("topic_id") or None, brand=values.get("brand_id") or None,
                service=(values.get("service_id") or None) if choices.services else None,
                status=values.get("status") or None, priority=values.get("priority") or None,
                department=choices.department_for(values),
                assignee_user=values.get("assignee_user_id") if target == "user" else None,
                assignee_department=values.get("assignee_department_id") if target == "team" else None,
                tags=tags, attachments=uploads, notify_customer=not reply_now,
                email_subject=email_subject or None, fields=fields,
            )
            keys = [record["key"] for record in draft.files or []]
            draft.ticket_id = ticket.id
            draft.files = []
            draft.updated_at = utcnow()
            work.after_commit(lambda: [storage().delete(key) for key in keys])
    except services.TicketError as exc:
        name = exc.field or "assignee_user"  # a refusal without a field is the assign permission
        return Outcome(errors={SERVICE_FIELD.get(name, name): str(exc)}, step=FIELD_STEP.get(name, 2))
    return Outcome(ticket=ticket)
