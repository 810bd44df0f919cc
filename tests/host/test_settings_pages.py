"""The generated settings pages: every setting type round-trips, bad input is refused beside its field."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from crm import PluginInfo, hookimpl
from crm.audit import AuditEntry
from crm.settings import (
    Bool, Choice, Colour, File, Int, List, MultiChoice, Secret, Section, SettingsSchema, Text,
)
from crm.settings.store import SettingValue
from crm.timeutil import utcnow

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40

SCHEMA = SettingsSchema("kitchen", "Kitchen", [
    Section("main", "Main", [
        Bool("flag", label="Flag"),
        Int("count", default=3, min=1, max=10, label="Count"),
        Choice("size", default="s", choices=[("s", "Small"), ("l", "Large")], label="Size"),
        MultiChoice("days", choices=[("mon", "Monday"), ("tue", "Tuesday"), ("wed", "Wednesday")], label="Days"),
        Text("title", default="Hi", max_length=20, label="Title", help="Shown on top."),
        Text("notes", multiline=True, max_length=200, label="Notes"),
        List("tags", item_pattern=r"[a-z]+", label="Tags"),
        Colour("accent", default="#112233", label="Accent"),
        Secret("api_key", max_length=30, label="API key"),
    ]),
    Section("files", "Files", [
        File("logo", extensions=("png",), max_bytes=1024, label="Logo"),
    ]),
])

# A submission that changes nothing: the defaults of the "main" section.
UNCHANGED = {"count": "3", "size": "s", "title": "Hi", "notes": "", "tags": "", "accent": "#112233"}


class Kitchen:
    """A throwaway plugin with one setting of every type; records the settings events it receives."""

    def __init__(self):
        self.changed = []

    @hookimpl
    def crm_plugin_info(self):
        return PluginInfo("kitchen", "Kitchen")

    @hookimpl
    def crm_register_settings(self):
        return SCHEMA

    @hookimpl
    def crm_settings_changed(self, namespace, changes, user):
        self.changed.append((namespace, changes, getattr(user, "email", None)))


@pytest.fixture
def kitchen():
    return Kitchen()


@pytest.fixture
def app_plugins(kitchen):
    return [kitchen]


@pytest.fixture
def admin(factory, auth):
    user = factory.admin()
    auth.login(user)
    return user


class FormState(HTMLParser):
    """What a rendered form shows: input values, ticked boxes, selected options and text areas."""

    def __init__(self, html):
        super().__init__()
        self.values, self.checked, self.selected, self.textareas = {}, {}, {}, {}
        self._select = self._textarea = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") in ("checkbox", "radio"):
            if "checked" in a:
                self.checked.setdefault(a["name"], []).append(a.get("value"))
        elif tag == "input":
            self.values[a.get("name")] = a.get("value", "")
        elif tag == "select":
            self._select = a["name"]
        elif tag == "option" and "selected" in a:
            self.selected.setdefault(self._select, []).append(a["value"])
        elif tag == "textarea":
            self._textarea = a["name"]
            self.textareas[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.textareas[self._textarea] += data


def field_block(html: str, name: str) -> str:
    """The markup of one setting's field on the page."""
    match = re.search(rf'id="setting-{name}"(.*?)(?=id="setting-|</form>)', html, re.S)
    assert match, f"no field {name} on the page"
    return match.group(1)


def stored(db):
    return dict(db.session.execute(select(SettingValue.key, SettingValue.value)
                                   .where(SettingValue.namespace == "kitchen")).all())


def audit_count(db):
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "settings.changed"))


ROUND_TRIPS = [
    ("flag", "y", True, lambda s: s.checked.get("flag") == ["y"]),
    ("count", "7", 7, lambda s: s.values["count"] == "7"),
    ("size", "l", "l", lambda s: s.selected["size"] == ["l"]),
    ("days", ["mon", "wed"], ["mon", "wed"], lambda s: s.checked["days"] == ["mon", "wed"]),
    ("title", "Hello", "Hello", lambda s: s.values["title"] == "Hello"),
    ("notes", "line one\nline two", "line one\nline two", lambda s: s.textareas["notes"].strip() == "line one\nline two"),
    ("tags", "red\nblue, green", ["red", "blue", "green"], lambda s: s.textareas["tags"].split() == ["red", "blue", "green"]),
    ("accent", "#ABCDEF", "#abcdef", lambda s: s.values["accent"] == "#abcdef"),
    ("api_key", "s3cret-value", "s3cret-value", lambda s: s.values["api_key"] == ""),
]


@pytest.mark.parametrize("key, submitted, expected, shown", ROUND_TRIPS, ids=[r[0] for r in ROUND_TRIPS])
def test_each_setting_type_round_trips(app, client, db, admin, kitchen, key, submitted, expected, shown):
    from crm import settings

    response = client.post("/admin/settings/kitchen/main", data={**UNCHANGED, key: submitted})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/settings/kitchen/main")
    assert settings.get(f"kitchen.{key}") == expected
    assert stored(db) == {key: expected}
    assert kitchen.changed == [("kitchen", {key: (SCHEMA.fields()[key].default, expected)}, admin.email)]
    page = client.get("/admin/settings/kitchen/main")
    html = page.get_data(as_text=True)
    assert "The settings were saved." in html
    assert shown(FormState(html))


def test_widgets_follow_the_setting_types(app, client, admin):
    html = client.get("/admin/settings/kitchen/main").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="flag"[^>]*type="checkbox"', html)
    assert re.search(r'<input[^>]*max="10"[^>]*min="1"[^>]*name="count"[^>]*type="number"', html)
    assert re.search(r'<select[^>]*name="size"', html)
    assert len(re.findall(r'<input[^>]*name="days"[^>]*type="checkbox"', html)) == 3
    assert re.search(r'<input[^>]*name="title"[^>]*type="text"', html)
    assert re.search(r'<textarea[^>]*name="notes"', html)
    assert re.search(r'<textarea[^>]*name="tags"', html)
    assert re.search(r'<input[^>]*name="accent"[^>]*type="color"', html)
    assert re.search(r'<input[^>]*name="api_key"[^>]*type="password"', html)
    assert "Shown on top." in field_block(html, "title")
    files = client.get("/admin/settings/kitchen/files").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="logo"[^>]*type="file"', files)


def test_a_stored_secret_is_never_shown_and_an_empty_submission_keeps_it(app, client, db, admin):
    from crm import settings

    client.post("/admin/settings/kitchen/main", data={**UNCHANGED, "api_key": "hunter2-secret"})
    html = client.get("/admin/settings/kitchen/main").get_data(as_text=True)
    assert "hunter2-secret" not in html
    assert "A value is stored" in field_block(html, "api_key")
    response = client.post("/admin/settings/kitchen/main", data={**UNCHANGED, "api_key": "", "count": "4"})
    assert response.status_code == 302
    assert settings.get("kitchen.api_key") == "hunter2-secret"
    assert settings.get("kitchen.count") == 4


BAD_INPUT = [
    ("flag", "maybe", "Choose yes or no."),
    ("count", "many", "Enter a whole number."),
    ("count", "11", "Enter a number of at most 10."),
    ("count", "0", "Enter a number of at least 1."),
    ("size", "xl", "Choose one of the offered values."),
    ("days", ["mon", "sun"], "Choose only offered values."),
    ("title", "x" * 21, "Enter at most 20 characters."),
    ("notes", "n" * 201, "Enter at most 200 characters."),
    ("tags", "fine\nNot Fine", "is not a valid entry."),
    ("accent", "blue", "Enter a colour such as #1a73e8."),
    ("api_key", "k" * 31, "Enter at most 30 characters."),
]


@pytest.mark.parametrize("key, submitted, message", BAD_INPUT, ids=[f"{r[0]}-{i}" for i, r in enumerate(BAD_INPUT)])
def test_bad_input_shows_the_error_beside_the_field_and_stores_nothing(app, client, db, admin, kitchen,
                                                                       key, submitted, message):
    # Another field changes in the same submission: it must not be saved either.
    other = "count" if key != "count" else "title"
    response = client.post("/admin/settings/kitchen/main",
                           data={**UNCHANGED, other: "5" if other == "count" else "Changed", key: submitted})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    block = field_block(html, key)
    assert 'class="error"' in block and message in block.replace("&#34;", '"').replace("&#39;", "'")
    assert message not in field_block(html, other)
    assert stored(db) == {}
    assert audit_count(db) == 0
    assert kitchen.changed == []


def test_every_saved_change_is_audited_with_who_when_old_and_new(app, client, db, admin):
    before = utcnow() - timedelta(seconds=5)
    client.post("/admin/settings/kitchen/main", data={**UNCHANGED, "count": "8", "api_key": "topsecret"})
    client.post("/admin/settings/kitchen/main", data={**UNCHANGED, "count": "9"})
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "settings.changed")
                                 .order_by(AuditEntry.id)).all()
    assert [e.changes for e in entries] == [
        {"count": [3, 8], "api_key": ["***", "***"]},
        {"count": [8, 9]},
    ]
    for entry in entries:
        assert entry.actor_id == admin.id and entry.actor_label == admin.email
        assert (entry.object_type, entry.object_id) == ("settings", "kitchen")
        assert before <= entry.created_at <= utcnow() + timedelta(seconds=5)
    assert all("topsecret" not in str(e.changes) for e in entries)


def test_saving_without_a_change_stores_and_audits_nothing(app, client, db, admin, kitchen):
    response = client.post("/admin/settings/kitchen/main", data=UNCHANGED, follow_redirects=True)
    assert "Nothing was changed." in response.get_data(as_text=True)
    assert stored(db) == {} and audit_count(db) == 0 and kitchen.changed == []


def test_going_back_to_the_default_removes_the_stored_value(app, client, db, admin):
    client.post("/admin/settings/kitchen/main", data={**UNCHANGED, "count": "8"})
    assert stored(db) == {"count": 8}
    client.post("/admin/settings/kitchen/main", data=UNCHANGED)
    assert stored(db) == {}
    assert audit_count(db) == 2


# file settings ------------------------------------------------------------------------------------


def upload(data: bytes, name: str):
    return {"logo": (io.BytesIO(data), name)}


def stored_files(app):
    from pathlib import Path

    root = Path(app.config["STORAGE_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_file_setting_is_stored_downloaded_replaced_and_removed(app, client, db, admin):
    from crm import settings
    from crm.storage import storage

    response = client.post("/admin/settings/kitchen/files", data=upload(PNG, "logo.png"),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    first = settings.get("kitchen.logo")
    assert first and first.endswith("logo.png") and storage().exists(first)
    html = client.get("/admin/settings/kitchen/files").get_data(as_text=True)
    assert "/admin/settings/kitchen/files/logo" in html and 'name="logo__remove"' in html
    download = client.get("/admin/settings/kitchen/files/logo")
    assert download.status_code == 200 and download.data == PNG
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "logo.png" in download.headers["Content-Disposition"]

    # Saving the page without a new upload keeps the file.
    client.post("/admin/settings/kitchen/files", data={}, content_type="multipart/form-data")
    assert settings.get("kitchen.logo") == first

    client.post("/admin/settings/kitchen/files", data=upload(PNG + b"2", "new.png"),
                content_type="multipart/form-data")
    second = settings.get("kitchen.logo")
    assert second != first and second.endswith("new.png")
    assert not storage().exists(first) and storage().exists(second)

    client.post("/admin/settings/kitchen/files", data={"logo__remove": "y"}, content_type="multipart/form-data")
    assert settings.get("kitchen.logo") is None
    assert not storage().exists(second)
    assert stored_files(app) == []
    assert client.get("/admin/settings/kitchen/files/logo").status_code == 404


@pytest.mark.parametrize("data, name, message", [
    (PNG, "logo.gif", "Upload a file of one of these types: png."),
    (PNG + b"x" * 2000, "logo.png", "Upload a file of at most 1 KB."),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "logo.png", "content does not match its type"),
    (b"GIF89a" + b"\x00" * 20, "logo.png", "content does not match its type"),
    (b"", "logo.png", "The file is empty."),
], ids=["extension", "size", "not-an-image", "other-image-type", "empty"])
def test_a_refused_upload_is_a_field_error_and_stores_nothing(app, client, db, admin, data, name, message):
    response = client.post("/admin/settings/kitchen/files", data=upload(data, name),
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert message in field_block(response.get_data(as_text=True), "logo").replace("&#39;", "'")
    assert stored(db) == {} and audit_count(db) == 0
    assert stored_files(app) == []


# pages and 404s -----------------------------------------------------------------------------------


def test_index_lists_the_host_and_plugin_namespaces_with_their_sections(app, client, admin):
    html = client.get("/admin/settings").get_data(as_text=True)
    for path in ("/admin/settings/crm/general", "/admin/settings/crm/email",
                 "/admin/settings/kitchen/main", "/admin/settings/kitchen/files"):
        assert f'href="{path}"' in html
    assert html.index("/admin/settings/crm/general") < html.index("/admin/settings/kitchen/main")


def test_the_host_settings_pages_render(app, client, admin):
    for section in ("general", "customers", "email"):
        assert client.get(f"/admin/settings/crm/{section}").status_code == 200
    assert client.get("/admin/settings/crm").headers["Location"].endswith("/admin/settings/crm/general")


@pytest.mark.parametrize("path", [
    "/admin/settings/nowhere/main", "/admin/settings/kitchen/nosuch", "/admin/settings/nowhere",
    "/admin/settings/kitchen/files/nosuch", "/admin/settings/kitchen/files/title",
    "/admin/settings/kitchen/files/logo",
])
def test_unknown_namespaces_sections_and_files_answer_404(app, client, admin, path):
    assert client.get(path).status_code == 404
    if path.count("/") == 4:
        assert client.post(path, data=UNCHANGED).status_code == 404


def test_a_disabled_plugins_settings_answer_404_and_leave_the_index(app, client, db, admin):
    app.extensions["crm"].set_enabled("kitchen", False)
    db.session.commit()
    assert client.get("/admin/settings/kitchen/main").status_code == 404
    assert client.post("/admin/settings/kitchen/main", data={**UNCHANGED, "count": "5"}).status_code == 404
    assert "/admin/settings/kitchen/" not in client.get("/admin/settings").get_data(as_text=True)
    assert stored(db) == {}


def test_staff_cannot_reach_the_settings_pages(app, client, db, factory, auth):
    auth.login(factory.user())
    assert client.get("/admin/settings/kitchen/main").status_code == 403
    assert client.post("/admin/settings/kitchen/main", data={**UNCHANGED, "count": "5"}).status_code == 403
    assert stored(db) == {}
