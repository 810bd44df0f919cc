"""Admin pages for departments, companies and contacts, and the customer-manager fallback (H-8, H-9)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm import settings
from crm.audit import AuditEntry
from crm.people.models import Company, Contact, Department, DepartmentMember
from crm.people.services import customer_managers, department_managers


@pytest.fixture
def app_plugins():
    return []


@pytest.fixture
def admin(factory, auth):
    user = factory.admin()
    auth.login(user)
    return user


def audit(db, action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).all()


def error_beside(body: str, field: str) -> bool:
    return any(f'<label for="{field}"' in part[:200] for part in body.split("has-error")[1:])


def measure(client, count_queries, path):
    client.get(path)
    with count_queries() as q:
        assert client.get(path).status_code == 200
    return q.count


# departments ---------------------------------------------------------------------------------


def test_department_with_members_and_managers(client, admin, factory, db):
    ayse, can = factory.user(name="Ayşe"), factory.user(name="Can", role="member")
    response = client.post("/admin/departments/new", data={
        "name": "Billing", "description": "Invoices", "members": [can.id], "managers": [ayse.id],
    })
    assert response.status_code == 302
    billing = db.session.scalar(select(Department).where(Department.name == "Billing"))
    assert {(m.user_id, m.is_manager) for m in billing.members} == {(ayse.id, True), (can.id, False)}
    assert department_managers(billing) == [ayse]
    # a staff member can be in several departments
    client.post("/admin/departments/new", data={"name": "Technical", "members": [ayse.id]})
    db.session.expire_all()
    assert len(ayse.department_ids) == 2
    client.post(f"/admin/departments/{billing.id}", data={"name": "Billing", "members": [ayse.id]})
    db.session.expire_all()
    assert {(m.user_id, m.is_manager) for m in billing.members} == {(ayse.id, False)}
    changes = audit(db, "department.updated")[-1].changes
    assert changes["members"] == [sorted([ayse.id, can.id]), [ayse.id]]
    assert changes["managers"] == [[ayse.id], []]


@pytest.mark.parametrize("data, field", [
    ({"name": ""}, "name"),
    ({"name": "taken"}, "name"),
    ({"name": "Fresh", "members": ["999999"]}, "members"),
    ({"name": "Fresh", "managers": ["abc"]}, "managers"),
])
def test_bad_department_input_is_refused(client, admin, factory, db, data, field):
    factory.department(name="Taken")
    response = client.post("/admin/departments/new", data=data)
    assert response.status_code == 200
    assert field == "members" or field == "managers" or error_beside(response.get_data(as_text=True), field)
    assert 'role="alert"' in response.get_data(as_text=True)
    assert db.session.scalars(select(Department.name)).all() == ["Taken"]


def test_delete_department_removes_memberships(client, admin, factory, db):
    dep = factory.department()
    user = factory.user(departments=[dep])
    dep_id = dep.id
    assert client.post(f"/admin/departments/{dep_id}/delete").status_code == 302
    assert db.session.get(Department, dep_id) is None and user.department_ids == set()
    assert audit(db, "department.deleted")[0].object_id == str(dep_id)


def test_departments_list_query_count_is_fixed(client, admin, factory, db, count_queries):
    people = [factory.user() for _ in range(3)]
    for _ in range(5):
        dep = factory.department()
        for person in people:
            db.session.add(DepartmentMember(department_id=dep.id, user_id=person.id, is_manager=person is people[0]))
    db.session.commit()
    few = measure(client, count_queries, "/admin/departments")
    for _ in range(35):
        factory.department()
    assert measure(client, count_queries, "/admin/departments") == few


# companies -----------------------------------------------------------------------------------


def test_company_with_customer_managers(client, admin, factory, db):
    manager = factory.user(name="Manager")
    response = client.post("/admin/companies/new", data={
        "name": "Anadolu Lojistik", "domain": "Anadolu.example", "managers": [manager.id],
    })
    assert response.status_code == 302
    company = db.session.scalar(select(Company).where(Company.name == "Anadolu Lojistik"))
    assert company.domain == "anadolu.example" and company.managers == [manager]
    assert customer_managers(company) == [manager]
    entry = audit(db, "company.created")[0]
    assert entry.changes["managers"] == [[], [manager.id]]


@pytest.mark.parametrize("data, field", [
    ({"name": ""}, "name"),
    ({"name": "X", "domain": "not a domain"}, "domain"),
    ({"name": "X", "managers": ["999999"]}, "managers"),
])
def test_bad_company_input_is_refused(client, admin, db, data, field):
    response = client.post("/admin/companies/new", data=data)
    assert response.status_code == 200
    assert error_beside(response.get_data(as_text=True), field)
    assert db.session.scalars(select(Company)).all() == []


def test_non_staff_members_cannot_manage_customers(client, admin, factory, db):
    member = factory.user(role="member")
    response = client.post("/admin/companies/new", data={"name": "X", "managers": [member.id]})
    assert error_beside(response.get_data(as_text=True), "managers")
    assert db.session.scalars(select(Company)).all() == []


def test_customer_managers_fall_back_to_the_general_setting(app, factory, db):
    company = factory.company()
    general = factory.user(name="General")
    assert customer_managers(company) == []
    settings.set_many("crm", {"general_customer_managers": [str(general.id)]})
    db.session.commit()
    assert customer_managers(company) == [general]
    assert customer_managers(None) == [general]
    own = factory.user(name="Own")
    company.managers = [own]
    db.session.commit()
    assert customer_managers(company) == [own]
    own.active = False  # an inactive manager does not count: the fallback applies again
    db.session.commit()
    assert customer_managers(company) == [general]
    settings.set_many("crm", {"general_customer_managers": []})
    db.session.commit()
    assert customer_managers(company) == []


def test_company_search_and_query_count(client, admin, factory, count_queries):
    manager = factory.user()
    for n in range(5):
        company = factory.company(name=f"Alpha {n}")
        company.managers = [manager]
        factory.contact(company=company)
    body = client.get("/admin/companies?q=alpha 3").get_data(as_text=True)
    assert "Alpha 3" in body and "Alpha 2" not in body
    few = measure(client, count_queries, "/admin/companies")
    for n in range(35):
        company = factory.company(name=f"Beta {n}")
        company.managers = [manager]
        factory.contact(company=company)
    assert measure(client, count_queries, "/admin/companies") == few


def test_delete_company_keeps_its_contacts(client, admin, factory, db):
    company = factory.company()
    contact = factory.contact(company=company)
    company_id = company.id
    assert client.post(f"/admin/companies/{company_id}/delete").status_code == 302
    assert db.session.get(Company, company_id) is None
    assert db.session.get(Contact, contact.id).company_id is None


# contacts ------------------------------------------------------------------------------------


def test_create_and_edit_a_contact(client, admin, factory, db):
    company = factory.company()
    response = client.post("/admin/contacts/new", data={
        "name": "Zeynep Arslan", "email": "Zeynep@Anadolu.example", "phone": "+90 555", "position": "Buyer",
        "company_id": company.id, "locale": "tr", "timezone": "Europe/Istanbul", "external_id": "Z-1",
    })
    assert response.status_code == 302
    contact = db.session.scalar(select(Contact).where(Contact.email == "zeynep@anadolu.example"))
    assert (contact.company_id, contact.locale, contact.timezone, contact.external_id) == \
        (company.id, "tr", "Europe/Istanbul", "Z-1")
    client.post(f"/admin/contacts/{contact.id}", data={"name": "Zeynep A.", "email": contact.email,
                                                       "company_id": "", "locale": ""})
    db.session.expire_all()
    assert contact.name == "Zeynep A." and contact.company_id is None and contact.external_id is None
    changes = audit(db, "contact.updated")[0].changes
    assert changes["company_id"] == [company.id, None] and changes["name"] == ["Zeynep Arslan", "Zeynep A."]


@pytest.mark.parametrize("change, field", [
    ({"name": ""}, "name"),
    ({"email": "nope"}, "email"),
    ({"email": "TAKEN@example.org"}, "email"),
    ({"company_id": "999999"}, "company_id"),
    ({"company_id": "abc"}, "company_id"),
    ({"locale": "xx"}, "locale"),
    ({"timezone": "Not/AZone"}, "timezone"),
    ({"external_id": "EXT-1"}, "external_id"),
])
def test_bad_contact_input_is_refused(client, admin, factory, db, change, field):
    factory.contact(email="taken@example.org", external_id="EXT-1")
    data = {"name": "New", "email": "new@example.org", "company_id": "", "locale": "", "timezone": ""}
    data.update(change)
    response = client.post("/admin/contacts/new", data=data)
    assert response.status_code == 200
    assert error_beside(response.get_data(as_text=True), field)
    assert len(db.session.scalars(select(Contact)).all()) == 1


def test_contact_search_by_name_email_or_company(client, admin, factory):
    acme = factory.company(name="Acme Widgets")
    factory.contact(name="Peter Brown", email="peter@contoso.example")
    factory.contact(name="Mary Jones", email="mary@elsewhere.example", company=acme)
    for term, shown, hidden in (("brown", "Peter", "Mary"), ("contoso", "Peter", "Mary"), ("widgets", "Mary", "Peter")):
        body = client.get(f"/admin/contacts?q={term}").get_data(as_text=True)
        assert shown in body and hidden not in body


def test_contacts_list_query_count_is_fixed(client, admin, factory, count_queries):
    company = factory.company()
    for _ in range(5):
        factory.contact(company=company)
    few = measure(client, count_queries, "/admin/contacts")
    for _ in range(35):
        factory.contact(company=factory.company())
    assert measure(client, count_queries, "/admin/contacts") == few


def test_delete_contact(client, admin, factory, db):
    contact = factory.contact()
    contact_id, email = contact.id, contact.email
    assert client.post(f"/admin/contacts/{contact_id}/delete").status_code == 302
    assert db.session.get(Contact, contact_id) is None
    assert audit(db, "contact.deleted")[0].changes == {"email": [email, None]}


def test_customer_pages_deny_staff(client, factory, auth, db):
    company = factory.company()
    contact = factory.contact()
    dep = factory.department()
    auth.login(factory.user())
    for path in (f"/admin/companies/{company.id}/delete", f"/admin/contacts/{contact.id}/delete",
                 f"/admin/departments/{dep.id}/delete", f"/admin/companies/{company.id}"):
        assert client.post(path, data={"name": "Hacked"}).status_code == 403
    db.session.expire_all()
    assert company.name != "Hacked" and db.session.get(Contact, contact.id) is not None
    assert db.session.get(Department, dep.id) is not None


def test_duplicate_company_names_are_refused(client, admin, factory, db):
    """A second company of the same name (whatever its case) is refused beside the name; renaming too."""
    factory.company(name="Anadolu Lojistik")
    other = factory.company(name="Ege Gıda")
    for name in ("Anadolu Lojistik", "anadolu lojistik", "  Anadolu Lojistik "):
        response = client.post("/admin/companies/new", data={"name": name})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert error_beside(html, "name") and "Another company is already called" in html
    response = client.post(f"/admin/companies/{other.id}", data={"name": "Anadolu Lojistik"})
    assert response.status_code == 200 and error_beside(response.get_data(as_text=True), "name")
    db.session.expire_all()
    assert sorted(db.session.scalars(select(Company.name))) == ["Anadolu Lojistik", "Ege Gıda"]
    assert client.post(f"/admin/companies/{other.id}",
                       data={"name": "Ege Gıda", "notes": "kept its own name"}).status_code == 302


def test_the_database_refuses_a_duplicate_company_name(app, factory, db):
    from sqlalchemy.exc import IntegrityError

    factory.company(name="Marmara Tekstil")
    db.session.add(Company(name="Marmara Tekstil"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
