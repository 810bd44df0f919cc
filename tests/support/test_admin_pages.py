"""Support admin pages: statuses, priorities, brands, services and topics."""
import pytest
from flask_babel import force_locale
from sqlalchemy import inspect, select

from crm.audit import AuditEntry
from crm.extensions import db
from plugins.support import statuses
from plugins.support.models import Brand, Priority, Status, Topic

# The Turkish names of the default statuses, in their order (translations/tr).
TURKISH_STATUSES = ["Açık", "İşlemde", "Yanıtlandı", "Beklemede", "Kapalı"]


@pytest.fixture
def admin_client(client, auth, factory):
    auth.login(factory.admin())
    return client


def test_defaults_are_seeded_untranslated_and_shown_translated(app, admin_client):
    html = admin_client.get("/admin/support/statuses").get_data(as_text=True)
    assert "In progress" in html and "On hold" in html
    assert set(db.session.scalars(select(Status.name))) == {""}
    assert [s.key for s in statuses.statuses()] == ["open", "in_progress", "answered", "on_hold", "closed"]
    with app.test_request_context(), force_locale("tr"):
        assert [statuses.status_label(s) for s in statuses.statuses()] == TURKISH_STATUSES


def test_default_statuses_are_shown_in_the_readers_language(app, client, auth, factory):
    auth.login(factory.admin(locale="tr"))
    html = client.get("/admin/support/statuses").get_data(as_text=True)
    assert [label for label in TURKISH_STATUSES if label not in html] == []
    assert "In progress" not in html and "On hold" not in html


def test_add_status(app, admin_client):
    response = admin_client.post("/admin/support/statuses", data={"name": "Waiting for vendor",
                                                                  "colour": "#AA3300", "is_closed": "y"})
    assert response.status_code == 302
    row = db.session.scalar(select(Status).where(Status.name == "Waiting for vendor"))
    assert row.key == "waiting_for_vendor" and row.colour == "#aa3300" and row.is_closed
    assert row.position == max(s.position for s in db.session.scalars(select(Status)))
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "support.statuses.created"))


@pytest.mark.parametrize("data, message", [
    ({"name": "", "colour": "#000000"}, "Enter a name."),
    ({"name": "Late", "colour": "red"}, "Enter a colour such as #1a73e8."),
    ({"name": "open", "colour": "#000000"}, "This name is already used."),
    ({"name": "x" * 81, "colour": "#000000"}, "Field cannot be longer than 80 characters."),
])
def test_bad_status_input(app, admin_client, data, message):
    admin_client.get("/admin/support/statuses")
    before = db.session.scalar(select(db.func.count()).select_from(Status))
    response = admin_client.post("/admin/support/statuses", data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count()).select_from(Status)) == before


def test_rename_and_recolour_a_default(app, admin_client):
    row = statuses.status_by_key("answered")
    html = admin_client.get(f"/admin/support/statuses/{row.id}").get_data(as_text=True)
    assert 'value="Answered"' in html
    # saving the translated default name keeps it translated
    admin_client.post(f"/admin/support/statuses/{row.id}", data={"name": "Answered", "colour": "#123456"})
    db.session.expire_all()
    row = db.session.get(Status, row.id)
    assert row.name == "" and row.colour == "#123456"
    admin_client.post(f"/admin/support/statuses/{row.id}", data={"name": "Replied", "colour": "#123456"})
    db.session.expire_all()
    assert db.session.get(Status, row.id).name == "Replied"
    assert "Replied" in admin_client.get("/admin/support/statuses").get_data(as_text=True)


def test_reorder(app, admin_client):
    admin_client.get("/admin/support/statuses")
    closed = statuses.status_by_key("closed")
    admin_client.post(f"/admin/support/statuses/{closed.id}/move", data={"direction": "up"})
    db.session.expire_all()
    keys = [s.key for s in db.session.scalars(select(Status).order_by(Status.position))]
    assert keys == ["open", "in_progress", "answered", "closed", "on_hold"]
    assert admin_client.post(f"/admin/support/statuses/{closed.id}/move", data={"direction": "sideways"}).status_code == 302
    db.session.expire_all()
    assert [s.key for s in db.session.scalars(select(Status).order_by(Status.position))] == keys


def test_status_in_use_cannot_be_deleted(app, admin_client, desk):
    desk.ticket()
    used = statuses.status_by_key("open")
    unused = statuses.status_by_key("on_hold")
    response = admin_client.post(f"/admin/support/statuses/{used.id}/delete", follow_redirects=True)
    assert "1 ticket has the status “Open”; move it to another status first." in response.get_data(as_text=True)
    assert db.session.get(Status, used.id) is not None
    admin_client.post(f"/admin/support/statuses/{unused.id}/delete")
    db.session.expire_all()
    assert db.session.get(Status, inspect(unused).identity[0]) is None


def test_default_reply_status_cannot_be_deleted(app, admin_client):
    answered = statuses.status_by_key("answered")
    admin_client.post(f"/admin/support/statuses/{answered.id}/delete")
    assert db.session.get(Status, answered.id) is not None


def test_priorities_brands_services_topics(app, admin_client, factory):
    dep = factory.department()
    assert admin_client.post("/admin/support/priorities", data={"name": "Blocker", "colour": "#000000"}).status_code == 302
    assert db.session.scalar(select(Priority).where(Priority.name == "Blocker")) is not None
    assert admin_client.post("/admin/support/brands", data={"name": "Acme"}).status_code == 302
    assert admin_client.post("/admin/support/brands", data={"name": "acme"}).status_code == 400
    assert admin_client.post("/admin/support/services", data={"name": "Hosting"}).status_code == 302
    assert admin_client.post("/admin/support/topics", data={"name": "Billing", "department": dep.id}).status_code == 302
    assert admin_client.post("/admin/support/topics", data={"name": "Other", "department": "999"}).status_code == 400
    topic = db.session.scalar(select(Topic))
    assert topic.department_id == dep.id
    brand = db.session.scalar(select(Brand))
    admin_client.post(f"/admin/support/brands/{brand.id}", data={"name": "Acme Cloud"})
    db.session.expire_all()
    assert db.session.get(Brand, brand.id).name == "Acme Cloud"
    assert admin_client.get("/admin/support/brands/99999").status_code == 404


def test_brand_in_use_cannot_be_deleted(app, admin_client, desk):
    brand = Brand(name="Acme")
    db.session.add(brand)
    db.session.commit()
    desk.ticket(brand=brand.id)
    admin_client.post(f"/admin/support/brands/{brand.id}/delete")
    assert db.session.get(Brand, brand.id) is not None


def test_staff_and_anonymous_are_kept_out(app, client, auth, factory):
    assert client.get("/admin/support/statuses").status_code == 302
    auth.login(factory.user())
    assert client.get("/admin/support/statuses").status_code == 403
    assert client.post("/admin/support/brands", data={"name": "Sneaky"}).status_code == 403
    assert db.session.scalar(select(Brand)) is None


def test_admin_navigation_lists_support_pages(app, admin_client):
    html = admin_client.get("/admin/support/brands").get_data(as_text=True)
    for path in ("/admin/support/statuses", "/admin/support/priorities", "/admin/support/topics"):
        assert f'href="{path}"' in html
