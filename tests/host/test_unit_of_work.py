"""A unit of work begins in place of a transaction that only read, and rolls back one that wrote."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from crm.database import PendingChangesError, unit_of_work
from crm.people.models import Department


def test_objects_read_before_stay_loaded_when_the_transaction_only_read(app, db, factory, count_queries):
    department = factory.department(name="Before")
    db.session.commit()
    department = db.session.get(Department, department.id)  # read in the caller's (reading) transaction
    with unit_of_work():
        with count_queries() as queries:
            assert department.name == "Before"  # not expired: no second read
        department.name = "After"
    assert queries.count == 0
    db.session.expire_all()
    assert db.session.get(Department, department.id).name == "After"


def test_a_write_through_session_execute_is_rolled_back_not_committed_by_the_service(app, db, factory):
    department = factory.department(name="Kept")
    db.session.commit()
    db.session.execute(update(Department).where(Department.id == department.id).values(name="Half-done"))
    with unit_of_work():
        pass
    db.session.expire_all()
    assert db.session.scalar(select(Department.name).where(Department.id == department.id)) == "Kept"


def test_unflushed_changes_are_still_refused(app, db, factory):
    department = factory.department(name="Mine")
    db.session.commit()
    department.name = "Changed"
    with pytest.raises(PendingChangesError):
        with unit_of_work():
            pass
    db.session.rollback()


def test_an_open_savepoint_of_the_caller_is_rolled_back_too(app, db, factory):
    department = factory.department(name="Outer")
    db.session.commit()
    db.session.get(Department, department.id)
    db.session.begin_nested()
    db.session.connection().execute(  # past the session's statement tracking: the savepoint is what shows
        update(Department).where(Department.id == department.id).values(name="In a savepoint"))
    with unit_of_work():
        pass
    db.session.expire_all()
    assert db.session.scalar(select(Department.name).where(Department.id == department.id)) == "Outer"
