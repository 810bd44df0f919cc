"""The test client's requests see the database as a separate client would, not through the test's session."""
from __future__ import annotations

import pytest
from flask import Blueprint, g
from sqlalchemy import select

from crm import PluginInfo, hookimpl
from crm.extensions import db
from crm.people.models import User

probe = Blueprint("probe", __name__)


@probe.get("/probe/session")
def session_identity():
    """The identity of the request's database session and whether it saw the test's ``g``."""
    return {"session": id(db.session()), "saw_test_g": "marker" in g}


@probe.post("/probe/rename/<int:user_id>")
def rename_without_commit(user_id: int):
    """Change a name and end without committing: the change must die with the request."""
    db.session.get(User, user_id).name = "Changed by the request"
    db.session.flush()
    return {"ok": True}


@probe.get("/probe/names")
def names():
    """Every user's name, read by the request."""
    return {"names": sorted(db.session.scalars(select(User.name)))}


class Probe:
    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("probe", "Probe")

    @hookimpl
    def crm_register_blueprints(self):
        return [probe]


@pytest.fixture
def app_plugins():
    return [Probe()]


def test_a_request_has_its_own_session_and_g(app, client):
    g.marker = True
    answer = client.get("/probe/session").get_json()
    assert answer["session"] != id(db.session())
    assert answer["saw_test_g"] is False
    assert g.get("marker") is None  # the test's g is emptied after a request, as before


def test_what_the_test_prepared_is_visible_to_the_request(app, client, factory):
    user = factory.user(name="Before")
    user.name = "Prepared, not committed by the test"
    assert client.get("/probe/names").get_json()["names"] == ["Prepared, not committed by the test"]


def test_the_test_reads_what_was_stored_not_what_the_request_left_in_memory(app, client, factory):
    user = factory.user(name="Stored name")
    assert client.post(f"/probe/rename/{user.id}").status_code == 200
    assert user.name == "Stored name"
    assert db.session.scalar(select(User.name).where(User.id == user.id)) == "Stored name"


def test_the_test_sees_a_change_the_request_committed(app, client, factory, auth):
    user = factory.user(name="Old name", locale="en")
    auth.login(user)
    assert client.post("/profile", data={"profile-name": "New name", "profile-locale": "",
                                         "profile-timezone": ""}).status_code == 302
    assert user.name == "New name"
