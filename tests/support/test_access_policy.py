"""One access policy per audience: the SQL filter, the per-ticket check and the counts per status agree.

A property-style test builds random tickets (departments, assignees, teams,
contacts, companies, statuses), moves some of them through the services, and
checks for every kind of user and every combination of the access settings
(S-11, S-12, S-17) that the maintained counts equal a recount through the
policy, and that the SQL filter selects exactly the tickets the per-ticket
check allows.
"""
from __future__ import annotations

import itertools
import random

import pytest
from sqlalchemy import select

from crm.actors import SYSTEM
from crm.extensions import db
from plugins.support import access, counts, listing, services, statuses
from plugins.support.models import Post, Ticket


@pytest.fixture
def world(app, factory, desk):
    rng = random.Random(20261201)
    statuses.ensure_defaults()
    db.session.commit()
    departments = [factory.department() for _ in range(3)]
    companies = [factory.company() for _ in range(2)]
    people = {
        "admin": factory.admin(),
        "staff_first": factory.user(departments=[departments[0]]),
        "staff_two": factory.user(departments=[departments[1], departments[2]]),
        "staff_none": factory.user(),
        "member": factory.user(role="member", departments=[departments[0]]),
    }
    contacts = [factory.contact(company=rng.choice(companies + [None])) for _ in range(5)]
    status_ids = [s.id for s in statuses.statuses()]
    user_ids = [u.id for u in people.values()]
    for i in range(60):
        ticket = desk.ticket(subject=f"Ticket {i}", contact=rng.choice(contacts),
                             department=rng.choice(departments + [None]))
        ticket = db.session.get(Ticket, ticket.id)
        ticket.status_id = rng.choice(status_ids)
        ticket.assignee_user_id = rng.choice(user_ids + [None, None])
        ticket.assignee_department_id = rng.choice([d.id for d in departments] + [None, None])
        db.session.commit()
    counts.recount()
    db.session.commit()
    # then some moves through the services, which maintain the counts
    for ticket in rng.sample(list(db.session.scalars(select(Ticket))), 15):
        try:
            services.update_ticket(ticket, {"status": rng.choice(status_ids),
                                            "department": rng.choice([d.id for d in departments] + [None])},
                                   actor=SYSTEM)
        except services.TicketError:  # the assignee may not work in the new department: the status alone
            services.update_ticket(ticket, {"status": rng.choice(status_ids)}, actor=SYSTEM)
    return people, contacts, companies


def actors(people, contacts):
    yield from people.items()
    for i, contact in enumerate(contacts):
        yield f"customer{i}", access.Customer.of(contact)
        yield f"customer{i}_company", access.Customer.of(contact, company_wide=True)
    yield "system", SYSTEM


@pytest.mark.parametrize("department_only,updates_only_assigned,members_access",
                         list(itertools.product([False, True], repeat=3)))
def test_counts_filter_and_check_agree_for_every_actor_and_setting(
        world, set_support, department_only, updates_only_assigned, members_access):
    people, contacts, _companies = world
    set_support(staff_department_only=department_only, updates_only_assigned=updates_only_assigned,
                members_access=members_access)
    tickets = list(db.session.scalars(select(Ticket)))
    for name, actor in actors(people, contacts):
        scope = access.scope(actor)
        by_sql = set(db.session.scalars(select(Ticket.id).where(access.visible_tickets(actor))))
        by_check = {t.id for t in tickets if access.can_see(actor, t)}
        assert by_sql == by_check, name
        expected = {}
        for ticket in tickets:
            if ticket.id in by_check:
                expected[ticket.status_id] = expected.get(ticket.status_id, 0) + 1
        assert counts.per_status(scope) == expected, name
        assert counts.recount_query(scope) == expected, name


def test_what_each_audience_sees(world, set_support):
    people, contacts, _companies = world
    set_support(staff_department_only=True, members_access=False)
    first = people["staff_first"]
    for ticket in db.session.scalars(select(Ticket)):
        mine = (ticket.department_id in first.department_ids or ticket.assignee_user_id == first.id
                or ticket.assignee_department_id in first.department_ids)
        assert access.can_see(first, ticket) == mine
        assert access.can_see(people["admin"], ticket)
        assert not access.can_see(people["member"], ticket), "S-17 off: members see nothing"
        assert not access.can_see(None, ticket)
        customer = access.Customer.of(contacts[0])
        assert access.can_see(customer, ticket) == (ticket.contact_id == contacts[0].id)


def test_a_company_wide_customer_sees_the_company_tickets(app, desk, factory):
    company = factory.company()
    me, colleague, stranger = factory.contact(company=company), factory.contact(company=company), factory.contact()
    mine, theirs, other = desk.ticket(contact=me), desk.ticket(contact=colleague), desk.ticket(contact=stranger)
    alone, wide = access.Customer.of(me), access.Customer.of(me, company_wide=True)
    assert [access.can_see(alone, t) for t in (mine, theirs, other)] == [True, False, False]
    assert [access.can_see(wide, t) for t in (mine, theirs, other)] == [True, True, False]


def test_services_refuse_a_ticket_the_actor_may_not_see(app, desk, factory, set_support):
    set_support(staff_department_only=True)
    inside, outside = factory.department(), factory.department()
    staff = factory.user(departments=[outside])
    ticket = desk.ticket(department=inside)
    before = db.session.get(Ticket, ticket.id).post_count
    for call in (lambda: services.add_reply(ticket, "hi", author=staff),
                 lambda: services.add_note(ticket, "hi", author=staff),
                 lambda: services.update_ticket(ticket, {"status": "closed"}, actor=staff),
                 lambda: services.add_customer_message(ticket, "hi", author=factory.contact())):
        with pytest.raises(services.TicketForbidden):
            call()
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).post_count == before
    assert db.session.get(Ticket, ticket.id).status_id == statuses.default_status().id


def test_a_customer_search_never_matches_internal_notes(app, desk, factory):
    contact = factory.contact()
    ticket = desk.ticket(contact=contact, body="My printer is broken")
    services.add_note(ticket, "zebracorn secret internal remark", author=SYSTEM)
    customer = access.Customer.of(contact)
    staff = factory.admin()

    def found(actor, words):
        filters = listing.Filters(q=words)
        return [row.number for row in listing.ticket_page(actor, filters).items]

    assert found(staff, "zebracorn") == [ticket.number]
    assert found(customer, "zebracorn") == []
    assert found(customer, "printer") == [ticket.number]
    assert listing.status_counts(customer) == {ticket.status_id: 1}


def test_a_customer_opens_only_for_themselves_and_without_staff_fields(app, desk, factory):
    me, other = factory.contact(), factory.contact()
    customer = access.Customer.of(me)
    ticket = services.open_ticket("Help", author=customer, channel="portal", body="Please help")
    assert ticket.contact_id == me.id
    assert db.session.scalar(select(Post.kind).where(Post.ticket_id == ticket.id)) == "customer_message"
    for kw in ({"contact": other}, {"status": "closed"}, {"assignee_user": factory.user().id},
               {"body_kind": "internal_note"}, {"tags": ["vip"]}):
        with pytest.raises(services.TicketForbidden):
            services.open_ticket("Help", author=customer, channel="portal", body="Please help", **kw)


def test_assignee_choices_follow_the_policy(app, factory, set_support):
    set_support(staff_department_only=True, members_access=False)
    department = factory.department()
    member_of = factory.user(departments=[department])
    outsider = factory.user()
    member_role = factory.user(role="member", departments=[department])
    admin = factory.admin()
    choices = {row.id for row in access.assignable_users(department.id)}
    assert member_of.id in choices and admin.id in choices
    assert outsider.id not in choices and member_role.id not in choices
    set_support(members_access=True)
    assert access.may_be_assigned(member_role, department.id)
    factory.user(departments=[department], name="Newcomer")  # a new colleague appears without a restart
    assert "Newcomer" in {row.name for row in access.assignable_users(department.id)}
