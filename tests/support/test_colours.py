"""Status and priority colours are stored only as #rrggbb (SPEC Q-1, Q-3): no CSS rides along, nothing too long
reaches the seven-character column (a 500 on PostgreSQL before)."""
import pytest
from sqlalchemy import func, select

from crm.extensions import db
from plugins.support.models import Priority, Status

HOSTILE = [
    "#123456;background:url(https://evil.test/x)",
    "#123456 url(https://evil.test/x)",
    "#1234567",
    "#" + "a" * 500,
    "#abc",
    "123456",
    "#12345g",
    "",
]


@pytest.fixture
def admin_client(client, auth, factory):
    auth.login(factory.admin())
    return client


@pytest.mark.parametrize("model, page", [(Status, "statuses"), (Priority, "priorities")])
@pytest.mark.parametrize("colour", HOSTILE)
def test_a_colour_that_is_not_exactly_rrggbb_is_refused(app, admin_client, model, page, colour):
    admin_client.get(f"/admin/support/{page}")
    before = db.session.scalar(select(func.count()).select_from(model))
    response = admin_client.post(f"/admin/support/{page}", data={"name": "Planted", "colour": colour})
    assert response.status_code == 400
    assert "Enter a colour such as #1a73e8." in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(model)) == before


@pytest.mark.parametrize("model, page", [(Status, "statuses"), (Priority, "priorities")])
def test_editing_cannot_plant_css_either(app, admin_client, model, page):
    admin_client.get(f"/admin/support/{page}")  # seeds the defaults
    row = db.session.scalars(select(model).order_by(model.id)).first()
    old = row.colour
    response = admin_client.post(f"/admin/support/{page}/{row.id}",
                                 data={"name": "Renamed", "colour": "#000000;background:url(//evil.test)"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(model, row.id).colour == old


def test_a_colour_with_spaces_and_capitals_is_stored_normalised(app, admin_client):
    response = admin_client.post("/admin/support/priorities", data={"name": "Blocker", "colour": "  #AbCdEf "})
    assert response.status_code == 302
    assert db.session.scalar(select(Priority.colour).where(Priority.name == "Blocker")) == "#abcdef"
