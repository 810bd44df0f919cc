"""Data fields (crm_data_fields) on the topic edit page (subject ``topic``, place ``topic_settings``)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.audit import AuditEntry
from crm.extensions import db
from plugins.support.models import Topic
from tests.fields_kit import app_plugins, field_table, plugin, stored  # noqa: F401


@pytest.fixture
def topic(app, client, auth, factory):
    auth.login(factory.admin())
    client.post("/admin/support/topics", data={"name": "Teknik Sorun", "department": "", "company": "",
                                               "assignee_kind": "none"})
    return db.session.scalar(select(Topic).where(Topic.name == "Teknik Sorun"))


def _form(**extra):
    return {"name": "Teknik Sorun", "department": "", "company": "", "assignee_kind": "none", **extra}


def test_the_topic_page_shows_and_saves_the_fields_with_an_audit_entry(app, client, topic, plugin):
    plugin.fields[("topic", "topic_settings")] = [plugin.choice(label="Form")]
    page = client.get(f"/admin/support/topics/{topic.id}").get_data(as_text=True)
    assert 'name="fieldtest_os"' in page and "Additional information" in page
    assert client.post(f"/admin/support/topics/{topic.id}", data=_form(fieldtest_os="windows")).status_code == 302
    assert stored("topic", topic.id) == {(topic.id, "fieldtest_os"): "windows"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "support.topics.updated"))
    assert entry.changes["data.fieldtest_os"] == [None, "windows"]
    assert plugin.asked[-1][2]["topic"] == topic.id


def test_a_value_not_offered_is_refused_and_nothing_is_stored(app, client, topic, plugin):
    plugin.fields[("topic", "topic_settings")] = [plugin.choice(label="Form")]
    response = client.post(f"/admin/support/topics/{topic.id}", data=_form(name="Renamed", fieldtest_os="beos"))
    assert response.status_code == 400
    assert stored("topic") == {}
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).name == "Teknik Sorun"


def test_without_fields_the_page_is_as_before(app, client, topic, plugin):
    page = client.get(f"/admin/support/topics/{topic.id}")
    assert page.status_code == 200 and "data-fields" not in page.get_data(as_text=True)
    assert client.post(f"/admin/support/topics/{topic.id}", data=_form(fieldtest_os="linux")).status_code == 302
    assert stored("topic") == {}
