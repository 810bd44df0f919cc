"""Demo data: the host's people, then every enabled plugin's steps from ``crm_demo_data``."""
from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from crm.extensions import db
from crm.hooks.records import DemoStep
from crm.people.models import Company, Contact, Department, DepartmentMember, User
from crm.people.services import create_user, ensure_builtin_roles, user_by_email

DEMO_PASSWORD = "demo-password"
DEMO_ADMIN = "admin@example.com"
DEMO_STAFF = [
    ("ayse@example.com", "Ayşe Yılmaz", "staff", ["Billing", "Technical"], ["Billing"]),
    ("mehmet@example.com", "Mehmet Demir", "staff", ["Technical"], []),
    ("emma@example.com", "Emma Clark", "staff", ["Sales"], ["Sales"]),
    ("can@example.com", "Can Kaya", "member", ["Technical"], []),
]
COMPANIES = ["Anadolu Lojistik", "Boğaziçi Yazılım", "Northwind Traders", "Contoso Ltd"]
CONTACTS = [
    ("Zeynep Arslan", "zeynep@anadolu.example"), ("Ali Çelik", "ali@anadolu.example"),
    ("Elif Şahin", "elif@bogazici.example"), ("Burak Öztürk", "burak@bogazici.example"),
    ("John Smith", "john@northwind.example"), ("Mary Jones", "mary@northwind.example"),
    ("Peter Brown", "peter@contoso.example"), ("Olivia Green", "olivia@contoso.example"),
]


def loaded() -> bool:
    """Whether demo data was loaded already (the demo admin exists)."""
    return user_by_email(DEMO_ADMIN) is not None


def host_people() -> None:
    """Admin, staff in departments, companies and contacts."""
    ensure_builtin_roles()
    create_user(DEMO_ADMIN, "Demo Admin", DEMO_PASSWORD, role="admin")
    departments = {}
    for name in ("Billing", "Technical", "Sales"):
        departments[name] = Department(name=name)
        db.session.add(departments[name])
    db.session.flush()
    for email, name, role, deps, managed in DEMO_STAFF:
        user = create_user(email, name, DEMO_PASSWORD, role=role)
        for dep in deps:
            db.session.add(DepartmentMember(department_id=departments[dep].id, user_id=user.id,
                                            is_manager=dep in managed))
    companies = []
    for name in COMPANIES:
        companies.append(Company(name=name))
        db.session.add(companies[-1])
    db.session.flush()
    for i, (name, email) in enumerate(CONTACTS):
        contact = Contact(name=name, email=email, company_id=companies[i // 2].id,
                          locale="tr" if i < 4 else "en")
        contact.set_password(DEMO_PASSWORD)
        db.session.add(contact)


def load() -> None:
    """Run the host's step and every enabled plugin's demo steps, committing after each."""
    steps = [DemoStep("crm.people", host_people, order=0)]
    for result in current_app.extensions["crm"].hook.crm_demo_data():
        steps.extend(result or ())
    for step in sorted(steps, key=lambda s: s.order):
        step.run()
        db.session.commit()


def logins() -> list[str]:
    """Lines that tell who can sign in to the demo."""
    lines = [f"admin:  {DEMO_ADMIN} / {DEMO_PASSWORD}"]
    for email, _name, role, _deps, _managed in DEMO_STAFF:
        if db.session.scalar(select(User.id).where(User.email == email)):
            lines.append(f"{role + ':':<7} {email} / {DEMO_PASSWORD}")
    return lines
