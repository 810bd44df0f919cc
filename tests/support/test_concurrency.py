"""Writes stay correct when many people change one ticket at once, on SQLite and PostgreSQL.

Every test runs real threads, each with its own app context and database
session, started together at a barrier. Afterwards the maintained counters
must equal a recount, and no thread may have seen an error.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from crm.actors import SYSTEM
from crm.extensions import db
from plugins.support import access, counts, services, statuses
from plugins.support.models import Post, Tag, Ticket, TicketHistory, ticket_tags


@pytest.fixture
def app(make_app, app_plugins):
    """The app with mail queued for the worker, as in production: relaying inline would make every thread
    hold two database connections at once and measure the pool, not the services."""
    application = make_app(plugins=app_plugins, QUEUE_IMMEDIATE=False)
    with application.app_context():
        yield application


def run_together(app, count, work):
    """Run ``work(i)`` in ``count`` threads started at once; return the errors they raised."""
    errors = []
    barrier = threading.Barrier(count)

    def runner(i):
        with app.app_context():
            try:
                barrier.wait(30)
                work(i)
            except Exception as exc:  # noqa: BLE001 - reported by the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def assert_counts_match_recount():
    db.session.expire_all()
    assert counts.per_status(access.ALL) == counts.recount_query(access.ALL)


def test_parallel_status_changes_keep_counts_right(app, desk, factory):
    staff = factory.user()
    department = factory.department()
    ticket = desk.ticket(department=department)
    ticket_id, staff_id = ticket.id, staff.id
    keys = [s.key for s in statuses.statuses()]
    db.session.commit()

    def change(i):
        from crm.people.models import User

        services.update_ticket(db.session.get(Ticket, ticket_id), {"status": keys[i % len(keys)]},
                               actor=db.session.get(User, staff_id))

    assert run_together(app, 20, change) == []
    assert_counts_match_recount()
    final = db.session.get(Ticket, ticket_id)
    history = list(db.session.scalars(select(TicketHistory).where(
        TicketHistory.ticket_id == ticket_id, TicketHistory.field == "status").order_by(TicketHistory.id)))
    # each recorded change starts where the one before ended: no change was made from a stale value
    for before, after in zip(history, history[1:]):
        assert before.new == after.old
    assert history[-1].new == db.session.get(type(statuses.statuses()[0]), final.status_id).key
    assert final.version == 1 + len(history)


def test_parallel_replies_count_every_post(app, desk, factory):
    staff = factory.user()
    ticket = desk.ticket(department=factory.department())
    ticket_id, staff_id = ticket.id, staff.id

    def reply(i):
        from crm.people.models import User

        services.add_reply(db.session.get(Ticket, ticket_id), f"Reply {i}", author=db.session.get(User, staff_id),
                           status="answered" if i % 2 else "in_progress")

    assert run_together(app, 50, reply) == []
    db.session.expire_all()
    posts = db.session.scalar(select(func.count()).select_from(Post).where(Post.ticket_id == ticket_id))
    assert posts == 51
    assert db.session.get(Ticket, ticket_id).post_count == 51
    assert_counts_match_recount()


def test_parallel_tag_edits_never_fail(app, desk, factory):
    staff = factory.user()
    ticket = desk.ticket()
    ticket_id, staff_id = ticket.id, staff.id
    wanted = [f"shared, new-{i % 3}, other-{i}" for i in range(12)]

    def tag(i):
        from crm.people.models import User

        services.update_ticket(db.session.get(Ticket, ticket_id), {"tags": wanted[i]},
                               actor=db.session.get(User, staff_id))

    assert run_together(app, 12, tag) == []
    names = sorted(db.session.scalars(select(Tag.name).join(ticket_tags).where(ticket_tags.c.ticket_id == ticket_id)))
    assert names in [sorted(w.split(", ")) for w in wanted]
    assert db.session.scalar(select(func.count()).select_from(Tag).where(Tag.name == "shared")) == 1


def test_moves_between_departments_in_both_directions_do_not_deadlock(app, desk, factory):
    staff = factory.user()
    first, second = factory.department(), factory.department()
    tickets = [desk.ticket(department=first if i % 2 else second) for i in range(8)]
    ids, staff_id = [t.id for t in tickets], staff.id
    targets = {first.id: second.id, second.id: first.id}

    def move(i):
        from crm.people.models import User

        ticket = db.session.get(Ticket, ids[i % len(ids)])
        services.update_ticket(ticket, {"department": targets[ticket.department_id], "status": "on_hold"},
                               actor=db.session.get(User, staff_id))

    assert run_together(app, 16, move) == []
    assert_counts_match_recount()


def test_a_stale_edit_form_does_not_revert_another_change(app, desk, factory, client, auth):
    staff = factory.user()
    ticket = desk.ticket()
    auth.login(staff)
    page = client.get(f"/support/tickets/{ticket.number}").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{ticket.version}"' in page
    services.update_ticket(ticket, {"status": "on_hold"}, actor=SYSTEM)  # someone else, meanwhile
    open_id = statuses.status_by_key("open").id
    medium = statuses.priority_by_key("medium").id
    response = client.post(f"/support/tickets/{ticket.number}/edit", data={
        "status": open_id, "priority": medium, "department": "", "assignee_user": "", "assignee_department": "",
        "tags": "", "version": "1"})
    assert response.status_code == 409
    assert "Someone else changed this ticket" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status_id == statuses.status_by_key("on_hold").id


def test_services_refuse_to_commit_the_callers_pending_work(app, desk, factory):
    from crm.database import PendingChangesError
    from crm.people.models import Department

    ticket = desk.ticket()
    db.session.add(Department(name="Half-made"))
    try:
        services.add_note(ticket, "hello", author=SYSTEM)
        raise AssertionError("the service committed the caller's pending department")
    except PendingChangesError:
        pass
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Department).where(Department.name == "Half-made")) == 0


def test_services_need_an_explicit_actor(app, desk):
    ticket = desk.ticket()
    for call in (lambda: services.update_ticket(ticket, {"status": "closed"}, actor=None),
                 lambda: services.add_note(ticket, "x", author=None),
                 lambda: services.delete_ticket(ticket, actor=None)):
        try:
            call()
            raise AssertionError("a missing actor was accepted")
        except TypeError:
            pass
