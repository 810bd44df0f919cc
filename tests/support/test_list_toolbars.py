"""The ticket list's filter options and bulk toolbar: rendered once per locale and configuration, always current."""
import re

from crm.extensions import db
from crm.fragments import with_selected
from plugins.support import statuses


def _select(html: str, name: str) -> str:
    found = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert found, name
    return found.group(1)


def _selected(html: str, name: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)" selected>', _select(html, name))


def test_the_chosen_filters_are_selected(app, client, auth, factory, desk):
    auth.login(factory.admin())
    dep = factory.department("Billing")
    staff = factory.user(name="Zeynep Agent")
    desk.ticket(department=dep)
    on_hold = statuses.status_by_key("on_hold")
    html = client.get(f"/support/tickets?status={on_hold.id}&department={dep.id}&assignee=u{staff.id}"
                      "&channel=email&sort=subject").get_data(as_text=True)
    assert _selected(html, "status") == [str(on_hold.id)]
    assert _selected(html, "department") == [str(dep.id)]
    assert _selected(html, "assignee") == [f"u{staff.id}"]
    assert _selected(html, "channel") == ["email"]
    assert _selected(html, "sort") == ["subject"]
    assert _selected(html, "priority") == []
    plain = client.get("/support/tickets").get_data(as_text=True)  # the kept options carry no selection
    assert _selected(plain, "status") == [] and _selected(plain, "department") == []
    assert "Zeynep Agent" in _select(plain, "assignee") and "Billing" in _select(plain, "department")


def test_a_changed_department_or_new_staff_member_shows_on_the_next_list(app, client, auth, factory):
    auth.login(factory.admin())
    dep = factory.department("Old name")
    html = client.get("/support/tickets").get_data(as_text=True)
    assert "Old name" in _select(html, "department")
    dep.name = "New name"
    db.session.commit()
    factory.user(name="Brand New Agent")
    html = client.get("/support/tickets").get_data(as_text=True)
    assert "New name" in _select(html, "department") and "Old name" not in html
    assert "Brand New Agent" in _select(html, "assignee")
    assert "Team: New name" in _select(html, "assignee")


def test_each_language_gets_its_own_toolbars(app, client, auth, factory):
    auth.login(factory.admin())
    english = client.get("/support/tickets").get_data(as_text=True)
    client.post("/logout")
    auth.login(factory.admin(locale="tr"))
    turkish = client.get("/support/tickets").get_data(as_text=True)
    assert "Assigned to me" in _select(english, "assignee") and "Set status" in english
    assert "Assigned to me" not in _select(turkish, "assignee") and "Set status" not in turkish


def test_the_bulk_toolbar_follows_the_viewers_permissions(app, client, auth, factory):
    editor = factory.role(permissions=["support.tickets.view", "support.tickets.edit"])
    viewer = factory.role(permissions=["support.tickets.view"])
    auth.login(factory.user(role=editor))
    html = client.get("/support/tickets").get_data(as_text=True)
    assert 'value="status">' in _select(html, "action") and 'value="assign">' not in _select(html, "action")
    assert 'data-bulk-for="assign"' not in html
    client.post("/logout")
    auth.login(factory.user(role=viewer))
    html = client.get("/support/tickets").get_data(as_text=True)
    assert "data-bulk-action" not in html


def test_with_selected_marks_one_option_and_escapes_the_value():
    options = '<option value="1">One</option><option value="11">Eleven</option><option value="1">Again</option>'
    assert with_selected(options, 1) == options.replace('"1">One', '"1" selected>One')
    assert with_selected(options, None) == options and with_selected(options, "") == options
    assert with_selected(options, '"><script>') == options  # nothing matches; nothing is injected
