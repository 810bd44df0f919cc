"""The office-hours plugin of docs/example-office-hours.md, loaded from the page itself, works as the page says."""
from __future__ import annotations

import importlib.util
import re
import sys
from datetime import datetime
from pathlib import Path

import pytest

from crm.testing import builtin_plugins, plugin_list

DOC = Path(__file__).resolve().parents[2] / "docs" / "example-office-hours.md"


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", DOC.read_text(encoding="utf-8"), re.S | re.M)


@pytest.fixture(scope="module")
def office_hours(tmp_path_factory):
    """The plugin module and its template, written from the page into a folder and imported from there."""
    folder = tmp_path_factory.mktemp("office_hours")
    (python,), (template,) = code_blocks("python"), code_blocks("jinja")
    (folder / "crm_office_hours.py").write_text(python, encoding="utf-8")
    (folder / "templates" / "office_hours").mkdir(parents=True)
    (folder / "templates" / "office_hours" / "index.html").write_text(template, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("crm_office_hours", folder / "crm_office_hours.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["crm_office_hours"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("crm_office_hours", None)


@pytest.fixture
def app_plugins(office_hours):
    return plugin_list(builtin_plugins(), office_hours)


def test_it_is_under_50_lines_as_the_page_says():
    (python,) = code_blocks("python")
    lines = [line for line in python.splitlines() if line.strip()]
    assert len(lines) < 50
    assert f"({len(lines)} lines that are not blank)" in DOC.read_text(encoding="utf-8")


def notes(ticket):
    from plugins.support import api

    return [(p.author_name, p.body_text) for p in api.visible_posts(ticket, actor=api.SYSTEM)
            if p.kind == "internal_note"]


def test_a_ticket_opened_when_closed_gets_a_note(app, factory, frozen_clock):
    frozen_clock.set(datetime(2030, 1, 7, 22, 15))
    assert notes(factory.ticket()) == [("Office hours", "Opened outside office hours.")]


def test_a_ticket_opened_during_office_hours_gets_none(app, factory, frozen_clock):
    frozen_clock.set(datetime(2030, 1, 7, 10, 0))
    assert notes(factory.ticket()) == []


def test_hours_are_the_desks_local_hours(app, db, factory, frozen_clock):
    from crm import settings

    settings.set_many("crm", {"default_timezone": "Europe/Istanbul"})  # UTC+3
    db.session.commit()
    frozen_clock.set(datetime(2030, 1, 7, 7, 30))  # 10:30 in Istanbul
    assert notes(factory.ticket()) == []
    frozen_clock.set(datetime(2030, 1, 7, 15, 0))  # 18:00 in Istanbul
    assert len(notes(factory.ticket())) == 1


def test_staff_see_the_page_through_the_menu(app, client, factory, auth, frozen_clock):
    frozen_clock.set(datetime(2030, 1, 7, 10, 0))
    auth.login(factory.user())
    assert 'href="/office-hours/"' in client.get("/profile").get_data(as_text=True)
    page = client.get("/office-hours/").get_data(as_text=True)
    assert "Open from 9:00 to 17:00." in page and "Open now" in page


def test_people_without_the_permission_are_refused(app, client, factory, auth):
    auth.login(factory.user(role=factory.role("No office hours", [])))
    assert 'href="/office-hours/"' not in client.get("/profile").get_data(as_text=True)
    assert client.get("/office-hours/").status_code == 403


def test_the_settings_page_refuses_hours_out_of_order(app, client, factory, auth):
    from crm import settings

    auth.login(factory.admin())
    page = client.post("/admin/settings/office_hours/hours",
                       data={"open_from": "18", "open_until": "9", "message": "Closed"})
    assert page.status_code == 200
    assert "The desk must close after it opens." in page.get_data(as_text=True)
    assert settings.get("office_hours.open_from") == 9
