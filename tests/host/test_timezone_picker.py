"""One timezone picker of canonical zones (no deprecated aliases), grouped by area, on the profile and settings pages."""
from __future__ import annotations

import re
from zoneinfo import available_timezones

from crm.timezones import canonical_timezones, grouped_choices


def _options(html, select_name):
    select = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option[^>]*value="([^"]*)"', select), select


def test_canonical_zones_leave_out_aliases_and_administrative_names():
    zones = canonical_timezones()
    assert zones[0] == "UTC" and "Europe/Istanbul" in zones and "Europe/Kyiv" in zones
    for alias in ("Europe/Kiev", "Asia/Calcutta", "US/Eastern", "Etc/GMT+3", "Turkey", "America/Buenos_Aires"):
        assert alias not in zones
    assert set(zones) <= set(available_timezones()) | {"UTC"}
    assert len(zones) < len(available_timezones()) - 100


def test_profile_offers_a_grouped_select_of_canonical_zones(client, factory, auth, db):
    user = factory.user()
    auth.login(user)
    html = client.get("/profile").get_data(as_text=True)
    values, select = _options(html, "profile-timezone")
    assert values[0] == "" and set(values[1:]) == set(canonical_timezones())
    assert '<optgroup label="Europe">' in select and "Europe/Kiev" not in select
    assert client.post("/profile", data={"profile-name": "N", "profile-locale": "",
                                         "profile-timezone": "Asia/Tokyo"}).status_code == 302
    db.session.expire_all()
    assert user.timezone == "Asia/Tokyo"


def test_profile_keeps_an_alias_chosen_before(client, factory, auth, db):
    user = factory.user()
    user.timezone = "Europe/Kiev"
    db.session.commit()
    auth.login(user)
    values, _select = _options(client.get("/profile").get_data(as_text=True), "profile-timezone")
    assert "Europe/Kiev" in values
    assert client.post("/profile", data={"profile-name": "N", "profile-locale": "",
                                         "profile-timezone": "Europe/Kiev"}).status_code == 302


def test_settings_page_offers_the_same_zones(client, factory, auth):
    auth.login(factory.admin())
    html = client.get("/admin/settings/crm/general").get_data(as_text=True)
    values, select = _options(html, "default_timezone")
    assert values == list(canonical_timezones())
    assert "Europe / Istanbul" in select and "Asia/Calcutta" not in select


def test_groups_are_areas_with_city_labels():
    groups = grouped_choices()
    assert list(groups)[0] == "UTC"
    assert ("America/Argentina/Buenos_Aires", "Argentina / Buenos Aires") in groups["America"]
