"""Topics (P-4): the built-in "Other", offers per company, routing of new tickets, and the admin pages."""
import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from crm.actors import SYSTEM
from crm.audit import AuditEntry
from crm.extensions import db
from crm.notify.inapp import Notification
from plugins.support import access, services, topics
from plugins.support import plugin as support_plugin
from plugins.support.models import Ticket, Topic
from plugins.support.topics import CompanyTopic, TopicAssignee


@pytest.fixture
def app_plugins():
    return [support_plugin]


def _topic(name, department=None, company=None, kind="none", staff=()):
    topic = Topic(name=name, department_id=department.id if department else None,
                  company_id=company.id if company else None, assignee_kind=kind,
                  position=db.session.scalar(select(func.count()).select_from(Topic)) + 1)
    db.session.add(topic)
    db.session.flush()
    topics.set_chosen_staff(topic, [u.id for u in staff])
    db.session.commit()
    return topic


def _assigned_to(user):
    return set(db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id)))


def test_a_desk_without_topics_offers_the_builtin_other_translated(app):
    with app.test_request_context():
        offered = topics.offered_topics(None)
        assert [t.label for t in offered] == ["Other"]
        with force_locale("tr"):  # worded at display time from the catalog ("Diğer" once translated)
            from flask_babel import gettext

            assert [t.label for t in topics.offered_topics(None)] == [gettext("Other")]
    row = db.session.scalar(select(Topic))
    assert row.key == "other" and row.name == ""


def test_public_topics_switched_off_renamed_and_company_specific(app, factory):
    acme, other = factory.company("Acme"), factory.company("Globex")
    billing, bugs = _topic("Billing"), _topic("Bugs")
    own = _topic("Acme rollout", company=acme)
    db.session.add_all([CompanyTopic(company_id=acme.id, topic_id=billing.id, enabled=False, name=""),
                        CompanyTopic(company_id=acme.id, topic_id=bugs.id, enabled=True, name="Defects")])
    db.session.commit()
    alice = factory.contact(company=acme)
    with app.test_request_context():
        assert [(t.id, t.label) for t in topics.offered_topics(alice)] == [(bugs.id, "Defects"), (own.id, "Acme rollout")]
        assert [t.label for t in topics.offered_topics(access.Customer.of(alice))] == ["Defects", "Acme rollout"]
        assert [t.label for t in topics.offered_topics(other)] == ["Billing", "Bugs"]
        assert [t.label for t in topics.offered_topics(factory.contact())] == ["Billing", "Bugs"]
        assert [t.label for t in topics.offered_topics(None)] == ["Billing", "Bugs"]


def test_customer_cannot_open_a_ticket_with_a_topic_not_offered_to_them(app, factory):
    acme, globex = factory.company("Acme"), factory.company("Globex")
    secret = _topic("Globex only", company=globex)
    billing = _topic("Billing")
    db.session.add(CompanyTopic(company_id=acme.id, topic_id=billing.id, enabled=False, name=""))
    db.session.commit()
    alice = factory.contact(company=acme)
    for topic in (secret, billing):
        with app.test_request_context(), pytest.raises(services.TicketError) as err:
            services.open_ticket("Help", author=access.Customer.of(alice), contact=alice, channel="portal",
                                 body="Hi", topic=topic)
        assert err.value.field == "topic"
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_one_chosen_person_is_assigned_and_notified(app, factory):
    dep = factory.department("Billing")
    clerk = factory.user(name="Clerk", departments=[dep])
    topic = _topic("Invoices", department=dep, kind="staff", staff=[clerk])
    with app.test_request_context():
        ticket = services.open_ticket("Invoice", author=SYSTEM, contact=factory.contact(), channel="portal",
                                      body="Wrong amount", topic=topic)
    assert ticket.department_id == dep.id and ticket.assignee_department_id == dep.id
    assert ticket.assignee_user_id == clerk.id
    assert "support.ticket_assigned" in _assigned_to(clerk)


def test_several_assignees_get_the_team_assigned_and_all_notified(app, factory):
    dep = factory.department("Billing")
    one, two = factory.user(name="Ann", departments=[dep]), factory.user(name="Bob", departments=[dep])
    bystander = factory.user(name="Cid", departments=[dep])
    topic = _topic("Invoices", department=dep, kind="staff", staff=[one, two])
    with app.test_request_context():
        ticket = services.open_ticket("Invoice", author=SYSTEM, contact=factory.contact(), channel="portal",
                                      body="Wrong", topic=topic)
    assert ticket.assignee_user_id is None and ticket.assignee_department_id == dep.id
    assert "support.ticket_assigned" in _assigned_to(one) and "support.ticket_assigned" in _assigned_to(two)
    assert "support.ticket_assigned" not in _assigned_to(bystander)


def test_department_managers_are_the_assignees(app, factory):
    dep = factory.department("Ops")
    boss = factory.user(name="Boss", departments=[dep], managed=[dep])
    factory.user(name="Worker", departments=[dep])
    topic = _topic("Outage", department=dep, kind="department_managers")
    with app.test_request_context():
        ticket = services.open_ticket("Down", author=SYSTEM, contact=factory.contact(), channel="email",
                                      body="All down", topic=topic)
    assert ticket.assignee_user_id == boss.id


def test_customer_managers_fall_back_to_the_general_customer_managers(app, factory):
    from crm.settings import set_many

    dep = factory.department("Accounts")
    own_manager, general = factory.user(name="Own"), factory.user(name="General")
    acme = factory.company("Acme")
    acme.managers.append(own_manager)
    set_many("crm", {"general_customer_managers": [str(general.id)]})
    db.session.commit()
    topic = _topic("Contract", department=dep, kind="customer_managers")
    with app.test_request_context():
        mine = services.open_ticket("A", author=SYSTEM, contact=factory.contact(company=acme), channel="email",
                                    body="x", topic=topic)
        theirs = services.open_ticket("B", author=SYSTEM, contact=factory.contact(), channel="email",
                                      body="x", topic=topic)
    assert mine.assignee_user_id == own_manager.id
    assert theirs.assignee_user_id == general.id


def test_an_assignee_the_caller_names_wins_over_the_topic(app, factory):
    dep = factory.department("Billing")
    clerk, chosen = factory.user(name="Clerk", departments=[dep]), factory.user(name="Chosen", departments=[dep])
    topic = _topic("Invoices", department=dep, kind="staff", staff=[clerk])
    with app.test_request_context():
        ticket = services.open_ticket("Invoice", author=SYSTEM, contact=factory.contact(), channel="portal",
                                      body="x", topic=topic, assignee_user=chosen)
    assert ticket.assignee_user_id == chosen.id


def test_inactive_or_blind_staff_are_not_assigned(app, factory, set_support):
    set_support(staff_department_only=True)
    dep = factory.department("Billing")
    outsider = factory.user(name="Outsider")  # not a member: cannot see the department's tickets
    gone = factory.user(name="Gone", departments=[dep], active=False)
    topic = _topic("Invoices", department=dep, kind="staff", staff=[outsider, gone])
    with app.test_request_context():
        ticket = services.open_ticket("Invoice", author=SYSTEM, contact=factory.contact(), channel="portal",
                                      body="x", topic=topic)
    assert ticket.assignee_user_id is None and ticket.assignee_department_id == dep.id


# admin pages ---------------------------------------------------------------------------------------------

@pytest.fixture
def admin_client(client, auth, factory):
    auth.login(factory.admin())
    return client


def test_admin_adds_a_routed_customer_specific_topic(app, admin_client, factory):
    dep, acme = factory.department("Billing"), factory.company("Acme")
    clerk = factory.user(name="Clerk", departments=[dep])
    response = admin_client.post("/admin/support/topics", data={
        "name": "Acme invoices", "department": str(dep.id), "company": str(acme.id),
        "assignee_kind": "staff", "assignees": [str(clerk.id)]})
    assert response.status_code == 302
    topic = db.session.scalar(select(Topic).where(Topic.name == "Acme invoices"))
    assert topic.company_id == acme.id and topic.assignee_kind == "staff"
    assert [u.id for u in topics.chosen_staff(topic)] == [clerk.id]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "support.topics.created"))
    assert entry is not None
    html = admin_client.get("/admin/support/topics").get_data(as_text=True)
    assert "<td>Acme</td><td>Chosen staff</td>" in html


@pytest.mark.parametrize("data, message", [
    ({"name": "Sales", "company": "", "assignee_kind": "staff"}, "Choose at least one person."),
    ({"name": "Sales", "company": "", "assignee_kind": "department_managers", "department": ""},
     "Choose the department whose managers get the tickets."),
    ({"name": "Sales", "company": "", "assignee_kind": "everyone"}, "Not a valid choice"),
    ({"name": "Sales", "company": "999999", "assignee_kind": "none"}, "Not a valid choice"),
    ({"name": "Other", "company": "", "assignee_kind": "none"}, "This name is already used."),
])
def test_bad_topic_input_stores_nothing(app, admin_client, data, message):
    admin_client.get("/admin/support/topics")  # seeds "Other"
    data = {"department": "", **data}
    before = db.session.scalar(select(func.count()).select_from(Topic))
    response = admin_client.post("/admin/support/topics", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Topic)) == before
    assert db.session.scalar(select(func.count()).select_from(TopicAssignee)) == 0


def test_editing_the_builtin_topic_keeps_it_translated(app, admin_client):
    admin_client.get("/admin/support/topics")
    row = db.session.scalar(select(Topic).where(Topic.key == "other"))
    html = admin_client.get(f"/admin/support/topics/{row.id}").get_data(as_text=True)
    assert 'value="Other"' in html
    response = admin_client.post(f"/admin/support/topics/{row.id}", data={
        "name": "Other", "department": "", "company": "", "assignee_kind": "none"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Topic, row.id).name == ""


def test_company_topics_page_switches_off_and_renames(app, admin_client, factory):
    acme = factory.company("Acme")
    billing, bugs = _topic("Billing"), _topic("Bugs")
    assert "Support topics of this company" in admin_client.get(f"/admin/companies/{acme.id}").get_data(as_text=True)
    page = admin_client.get(f"/admin/support/topics/companies/{acme.id}")
    assert page.status_code == 200 and "Billing" in page.get_data(as_text=True)
    response = admin_client.post(f"/admin/support/topics/companies/{acme.id}", data={
        f"enabled-{bugs.id}": "on", f"name-{bugs.id}": "Defects"})
    assert response.status_code == 302
    with app.test_request_context():
        assert [t.label for t in topics.offered_topics(acme)] == ["Defects"]
    # switching back on with no name leaves no row behind
    admin_client.post(f"/admin/support/topics/companies/{acme.id}", data={
        f"enabled-{bugs.id}": "on", f"enabled-{billing.id}": "on"})
    assert db.session.scalar(select(func.count()).select_from(CompanyTopic)) == 0
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "support.company_topics.updated"))


def test_company_topics_page_refuses_a_long_name_and_stores_nothing(app, admin_client, factory):
    acme = factory.company("Acme")
    bugs = _topic("Bugs")
    response = admin_client.post(f"/admin/support/topics/companies/{acme.id}", data={
        f"enabled-{bugs.id}": "on", f"name-{bugs.id}": "x" * 121})
    assert response.status_code == 400 and "Use at most 120 characters." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CompanyTopic)) == 0


def test_company_topics_page_of_an_unknown_company_is_404(app, admin_client):
    assert admin_client.get("/admin/support/topics/companies/999999").status_code == 404


@pytest.mark.parametrize("role", ["staff", "member"])
def test_company_topics_page_is_for_admins_only(app, client, auth, factory, role):
    acme = factory.company("Acme")
    bugs = _topic("Bugs")
    auth.login(factory.user(role=role))
    assert client.get(f"/admin/support/topics/companies/{acme.id}").status_code in (403, 404)
    assert client.post(f"/admin/support/topics/companies/{acme.id}",
                       data={f"name-{bugs.id}": "Mine"}).status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(CompanyTopic)) == 0
    assert "Support topics of this company" not in client.get(f"/admin/companies/{acme.id}").get_data(as_text=True)


def test_company_topics_page_needs_a_login(app, client, factory):
    acme = factory.company("Acme")
    response = client.get(f"/admin/support/topics/companies/{acme.id}")
    assert response.status_code in (302, 401)
