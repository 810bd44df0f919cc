"""Topics: what customers may write about, per company, and who new tickets of a topic go to (P-4).

A topic routes a new ticket to a department and to assignees of one kind
(:data:`ASSIGNEE_KINDS`): chosen staff, the department's managers, or the
customer's managers (the company's own, else the general customer managers,
see :func:`crm.people.services.customer_managers`).

How routing assigns, as mature desks do (a ticket has one owner, and a group
works a queue rather than each of its members owning every ticket):

- the department becomes the ticket's department and its assigned team;
- when the topic's assignees resolve to exactly one person, that person is
  the assignee;
- when they resolve to several, nobody is picked arbitrarily: the team is
  assigned and every one of them is notified, so whoever takes it assigns
  it to themselves;
- only active staff who may see tickets of the department count
  (:func:`plugins.support.access.assignable_users`).

Routing applies only when whoever opens the ticket names no assignee.

Public topics (no company) are offered in every customer's portal; an admin
may switch one off or rename it for one company (:class:`CompanyTopic`), and
add topics that only one company's contacts see (``Topic.company_id``).
:func:`offered_topics` is what portal forms show; keep its name and return
type stable. When it returns a single topic, forms hide the selector.
A desk with no topic at all gets the built-in one, "Other" (key ``other``,
translated at display time).
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from crm.extensions import db
from crm.people.models import Company, Contact, DepartmentMember, User
from plugins.support.models import Topic

DEFAULT_KEY = "other"
TOPIC_LABELS = {DEFAULT_KEY: _l("Other")}
ASSIGNEE_KINDS = ("none", "staff", "department_managers", "customer_managers")
ASSIGNEE_KIND_LABELS = {
    "none": _l("Nobody (the department's queue)"),
    "staff": _l("Chosen staff"),
    "department_managers": _l("The department's managers"),
    "customer_managers": _l("The customer's managers (else the general customer managers)"),
}
NAME_MAX = 120


class TopicAssignee(db.Model):
    """A staff member chosen to receive new tickets of a topic (assignee kind ``staff``)."""

    __tablename__ = "support_topic_assignee"
    topic_id: Mapped[int] = mapped_column(ForeignKey("support_topic.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("crm_user.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)


class CompanyTopic(db.Model):
    """One company's setting of a public topic: switched off, or shown under another name."""

    __tablename__ = "support_company_topic"
    company_id: Mapped[int] = mapped_column(ForeignKey("crm_company.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("support_topic.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    name: Mapped[str] = mapped_column(db.String(NAME_MAX), default="")


@dataclass(frozen=True)
class OfferedTopic:
    """A topic as one customer sees it: its id and the name shown to them."""

    id: int
    label: str


@dataclass(frozen=True)
class Routing:
    """Where a new ticket of a topic goes: department, team, assignee, and staff to notify."""

    department_id: int | None
    assignee_user: User | None
    assignee_department_id: int | None
    notify: tuple[User, ...] = ()


def topic_label(topic: Topic) -> str:
    """The topic's name: the admin's, or the built-in one translated by key."""
    if topic.name:
        return topic.name
    return str(TOPIC_LABELS.get(topic.key or "", topic.key or ""))


def ensure_default() -> None:
    """Add the built-in topic "Other" when the desk has no topic at all (the caller commits).

    Safe when two processes seed at once: the key is unique and the loser's row is dropped.
    """
    if db.session.scalar(select(func.count()).select_from(Topic)):
        return
    try:
        with db.session.begin_nested():
            db.session.add(Topic(key=DEFAULT_KEY, name="", position=0))
    except IntegrityError:
        pass


def _company_id(contact_or_company) -> int | None:
    if contact_or_company is None:
        return None
    if isinstance(contact_or_company, Company):
        return contact_or_company.id
    if isinstance(contact_or_company, Contact):
        return contact_or_company.company_id
    company_id = getattr(contact_or_company, "company_id", None)  # access.Customer
    return company_id


def offered_topics(contact_or_company=None) -> list[OfferedTopic]:
    """The topics a customer may choose, in the admin's order, with the names shown to them.

    :param contact_or_company: a :class:`~crm.people.models.Contact`, an
        :class:`~plugins.support.access.Customer`, a
        :class:`~crm.people.models.Company`, or None (someone without an
        account: the public form), who then gets the public topics.
    :return: public topics not switched off for the company (renamed where
        the admin renamed them), then the company's own topics. A form shows
        no selector when the list has one entry (and opens with that topic).

    Two queries; seeds the built-in topic (and commits it) on a desk without topics.
    """
    if not db.session.scalar(select(func.count()).select_from(Topic)):
        ensure_default()
        db.session.commit()
    company_id = _company_id(contact_or_company)
    stmt = select(Topic).order_by(Topic.position, Topic.id)
    stmt = stmt.where(or_(Topic.company_id.is_(None), Topic.company_id == company_id)) \
        if company_id is not None else stmt.where(Topic.company_id.is_(None))
    topics = list(db.session.scalars(stmt))
    own = {}
    if company_id is not None:
        own = {row.topic_id: row for row in db.session.scalars(
            select(CompanyTopic).where(CompanyTopic.company_id == company_id))}
    offered = []
    for topic in topics:
        setting = own.get(topic.id)
        if setting is not None and not setting.enabled:
            continue
        offered.append(OfferedTopic(topic.id, (setting.name if setting is not None and setting.name else None)
                                    or topic_label(topic)))
    return offered


def is_offered(topic: Topic, contact_or_company) -> bool:
    """Whether ``topic`` is one the customer may choose (see :func:`offered_topics`)."""
    return any(t.id == topic.id for t in offered_topics(contact_or_company))


def chosen_staff(topic: Topic) -> list[User]:
    """The staff chosen for ``topic`` (assignee kind ``staff``), by name."""
    return list(db.session.scalars(select(User).join(TopicAssignee, TopicAssignee.user_id == User.id)
                                   .where(TopicAssignee.topic_id == topic.id).order_by(User.name, User.id)))


def set_chosen_staff(topic: Topic, user_ids) -> None:
    """Replace the staff chosen for ``topic`` (the caller commits)."""
    db.session.execute(db.delete(TopicAssignee).where(TopicAssignee.topic_id == topic.id))
    for user_id in sorted(set(user_ids)):
        db.session.add(TopicAssignee(topic_id=topic.id, user_id=user_id))


def candidates(topic: Topic, contact: Contact | None) -> list[User]:
    """The active staff the topic's assignee kind names for a ticket of ``contact``, by name."""
    from crm.people.services import customer_managers

    kind = topic.assignee_kind
    if kind == "staff":
        users = chosen_staff(topic)
    elif kind == "department_managers" and topic.department_id:
        users = list(db.session.scalars(
            select(User).join(DepartmentMember, DepartmentMember.user_id == User.id)
            .where(DepartmentMember.department_id == topic.department_id, DepartmentMember.is_manager.is_(True))
            .order_by(User.name, User.id)))
    elif kind == "customer_managers":
        users = customer_managers(contact.company if contact is not None else None)
    else:
        users = []
    return [u for u in users if u.active]


def route(topic: Topic, contact: Contact | None) -> Routing:
    """Where a new ticket of ``topic`` for ``contact`` goes (see the module's rules)."""
    from plugins.support.access import assignable_users

    department_id = topic.department_id
    allowed = {u.id for u in assignable_users(department_id)}
    people = tuple(u for u in candidates(topic, contact) if u.id in allowed)
    return Routing(department_id=department_id, assignee_user=people[0] if len(people) == 1 else None,
                   assignee_department_id=department_id, notify=people if len(people) > 1 else ())


def company_settings(company: Company) -> list[tuple[Topic, CompanyTopic | None]]:
    """Every public topic with the company's setting of it (None: offered as it is)."""
    ensure_default()
    topics = list(db.session.scalars(select(Topic).where(Topic.company_id.is_(None))
                                      .order_by(Topic.position, Topic.id)))
    own = {row.topic_id: row for row in db.session.scalars(
        select(CompanyTopic).where(CompanyTopic.company_id == company.id))}
    return [(t, own.get(t.id)) for t in topics]


def company_topics(company: Company) -> list[Topic]:
    """The topics only ``company``'s contacts see."""
    return list(db.session.scalars(select(Topic).where(Topic.company_id == company.id)
                                   .order_by(Topic.position, Topic.id)))


def save_company_setting(company: Company, topic: Topic, enabled: bool, name: str) -> dict:
    """Set one public topic's state for ``company``; return ``{field: (old, new)}`` (the caller commits).

    A topic offered as it is (on, no own name) keeps no row.
    """
    row = db.session.get(CompanyTopic, (company.id, topic.id))
    old = (row.enabled, row.name) if row is not None else (True, "")
    name = name.strip()
    changes = {}
    if old[0] != enabled:
        changes["enabled"] = (old[0], enabled)
    if old[1] != name:
        changes["name"] = (old[1] or None, name or None)
    if enabled and not name:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(CompanyTopic(company_id=company.id, topic_id=topic.id, enabled=enabled, name=name))
    else:
        row.enabled, row.name = enabled, name
    return changes
