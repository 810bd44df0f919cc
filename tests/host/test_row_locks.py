"""``crm.database.lock`` locks the rows of models whose relations are eager-joined (PostgreSQL refuses
``FOR UPDATE`` on the nullable side of an outer join unless the lock names the model's own table)."""
from __future__ import annotations

from crm.database import lock, unit_of_work
from crm.people.models import Contact, User


def test_rows_with_eager_joined_relations_can_be_locked(app, db, factory):
    contact = factory.contact(company=factory.company())  # Contact.company is joined eagerly
    loner = factory.contact()  # no company: the outer join's nullable side is empty
    user = factory.user()  # User.role is joined eagerly
    db.session.commit()
    with unit_of_work():
        assert [c.id for c in lock(Contact, loner.id, contact.id)] == sorted([contact.id, loner.id])
        assert [u.id for u in lock(User, user.id)] == [user.id]
