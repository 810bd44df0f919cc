"""The audit log shows readable, translated labels: actions, setting names and choices, ticket statuses."""
from __future__ import annotations

import re

from flask_babel import force_locale

from crm import audit
from crm.extensions import db
from crm.settings import set_many
from plugins.support import services, statuses


def _rows(html):
    return re.findall(r'<tr class="audit-entry">(.*?)</tr>', html, re.S)


def _text(fragment):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def _audit_page(client, auth, admin, **query):
    auth.login(admin)
    return client.get("/admin/audit", query_string=query).get_data(as_text=True)


def test_reply_and_status_change_are_worded(app, client, auth, factory, desk):
    admin = factory.admin()
    ticket = desk.ticket()
    services.add_reply(ticket, "On its way.", author=admin,
                       status=statuses.status_by_key("answered").id)
    html = _audit_page(client, auth, admin, object_type="ticket")
    shown = " | ".join(_text(row) for row in _rows(html))
    assert "Replied" in shown and "ticket.public_reply" not in shown
    assert "Ticket changed" in shown
    assert "Status Open → Answered" in shown
    assert "open → answered" not in shown


def test_renamed_status_shows_the_admins_name(app, client, auth, factory, desk):
    admin = factory.admin()
    answered = statuses.status_by_key("answered")
    answered.name = "Waiting for you"
    db.session.commit()
    audit.record("ticket.updated", "ticket", "2026-00001", {"status": ("open", "answered")}, user=admin)
    db.session.commit()
    html = _audit_page(client, auth, admin)
    assert "Open → Waiting for you" in _text(_rows(html)[0])


def test_settings_show_their_schema_labels_and_choice_labels(app, client, auth, factory):
    admin = factory.admin()
    set_many("support", {"reply_order": "desc", "staff_may_delete": True}, user=admin)
    db.session.commit()
    row = _text(_rows(_audit_page(client, auth, admin))[0])
    assert "Settings changed" in row and "settings.changed" not in row
    assert "Reply order Oldest first → Newest first" in row
    assert "Non-admin staff may delete tickets and replies no → yes" in row
    assert "reply_order" not in row and "staff_may_delete" not in row


def test_unknown_codes_are_shown_as_recorded(app, client, auth, factory):
    admin = factory.admin()
    audit.record("mystery.happened", "gizmo", 7, {"colour_key": ("red", "blue")}, user=admin)
    db.session.commit()
    row = _text(_rows(_audit_page(client, auth, admin))[0])
    assert "mystery.happened" in row and "gizmo" in row and "colour_key red → blue" in row


def test_labels_follow_the_readers_language(app, client, auth, factory, desk):
    """In Turkish no action code is shown raw, and the status values are the Turkish status names."""
    admin = factory.admin(locale="tr")
    ticket = desk.ticket()
    services.add_reply(ticket, "Yolda.", author=admin, status=statuses.status_by_key("answered").id)
    html = _audit_page(client, auth, admin, object_type="ticket")
    shown = " | ".join(_text(row) for row in _rows(html))
    assert "ticket.public_reply" not in shown and "ticket.updated" not in shown
    with force_locale("tr"):
        open_tr, answered_tr = (statuses.status_label(statuses.status_by_key(k)) for k in ("open", "answered"))
    assert open_tr != "Open"
    assert f"{open_tr} → {answered_tr}" in shown
