"""Hostile input on the host's pages: NUL, bytes that are not UTF-8, numbers beyond an integer column, huge pages.

Each refusal is a 4xx with a localized message, and nothing is stored.
"""
from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from crm import settings
from crm.input_guard import StrictIntParameters
from crm.parsing import MAX_ID, parse_id, parse_ids, parse_int
from crm.people.models import Department

REFUSAL = ("The request contained characters that cannot be accepted (a NUL character or text that is "
           "not UTF-8). Please correct the text and try again.")
HUGE = "99999999999999999999999"


@pytest.fixture
def app_plugins():
    return []


@pytest.fixture
def admin(factory, auth):
    user = factory.admin(name="Ada Admin")
    auth.login(user)
    return user


def departments(db) -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(Department.name).order_by(Department.id)))


def refused(app, response, locale="en") -> bool:
    with app.test_request_context(), force_locale(locale):
        message = gettext(REFUSAL)
    return response.status_code == 400 and message in response.get_data(as_text=True)


def multipart(fields: list[tuple[str, bytes]], files: list[tuple[str, bytes]] = ()) -> tuple[bytes, str]:
    """A multipart body with raw field bytes (the test client would encode text as UTF-8)."""
    out = b""
    for name, value in fields:
        out += (b"--B\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\"\r\n\r\n" + value + b"\r\n")
    for name, filename in files:
        out += (b"--B\r\nContent-Disposition: form-data; name=\"" + name.encode() + b"\"; filename=\"" + filename
                + b"\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n")
    return out + b"--B--\r\n", "multipart/form-data; boundary=B"


# NUL and bytes that are not UTF-8 -------------------------------------------------------------------

def test_nul_in_a_form_value_is_refused_and_nothing_is_stored(app, client, db, admin):
    response = client.post("/admin/departments/new", data={"name": "Sales\x00", "description": ""})
    assert refused(app, response)
    assert departments(db) == []


def test_bytes_that_are_not_utf8_in_a_form_body_are_refused_and_nothing_is_stored(app, client, db, admin):
    response = client.post("/admin/departments/new", data=b"name=Sales\xff\xfe&description=",
                           content_type="application/x-www-form-urlencoded")
    assert refused(app, response)
    response = client.post("/admin/departments/new", data=b"name=Sales%FF%FE&description=",
                           content_type="application/x-www-form-urlencoded")
    assert refused(app, response)
    assert departments(db) == []


def test_bytes_that_are_not_utf8_in_a_multipart_field_are_refused_and_the_setting_is_kept(app, client, db, admin):
    body, content_type = multipart([("site_name", b"Help \xff desk"), ("default_locale", b"en"),
                                    ("default_timezone", b"UTC"), ("password_min_length", b"10")])
    response = client.post("/admin/settings/crm/general", data=body, content_type=content_type)
    assert refused(app, response)
    db.session.rollback()
    assert "\ufffd" not in settings.get("crm.site_name")


def test_nul_in_an_uploaded_file_name_is_refused(app, client, admin):
    body, content_type = multipart([("site_name", b"Desk")], files=[("logo", b"logo\x00.png")])
    assert refused(app, client.post("/admin/settings/crm/general", data=body, content_type=content_type))


@pytest.mark.parametrize("query", ["q=a%00b", "q=%FF%FE", "a%00=1", "q=%C3"])
def test_nul_or_bytes_that_are_not_utf8_in_the_query_are_refused(app, client, admin, query):
    assert refused(app, client.get(f"/admin/departments?{query}"))


def test_nul_or_bytes_that_are_not_utf8_in_the_path_are_refused(app, client, admin):
    assert refused(app, client.get("/reset-password/abc%00def"))
    # a server gives the path's raw bytes as latin-1 text (the test client would re-encode "%FF" as UTF-8)
    assert refused(app, client.get("/", environ_overrides={"PATH_INFO": "/reset-password/abc\xffdef"}))


def test_the_refusal_is_localized_and_json_clients_get_json(app, client, admin):
    response = client.get("/admin/departments?q=%00", headers={"Accept-Language": "tr"})
    assert refused(app, response, "tr")
    assert '<html lang="tr">' in response.get_data(as_text=True)
    response = client.get("/admin/departments?q=%00", headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json["error"] == "Bad Request"


def test_anonymous_visitors_are_refused_too(app, client, db):
    response = client.post("/login", data={"email": "a\x00@example.com", "password": "x"})
    assert refused(app, response)


def test_text_in_any_script_is_accepted_and_stored_exactly(app, client, db, admin):
    name = "Müşteri Hizmetleri ²٣ 🎧 «ok»"
    response = client.post("/admin/departments/new", data={"name": name, "description": ""})
    assert response.status_code == 302
    assert departments(db) == [name]


def test_an_over_long_name_gets_a_form_error_and_nothing_is_stored(app, client, db, admin):
    response = client.post("/admin/departments/new", data={"name": "x" * 100_000, "description": ""})
    assert response.status_code in (200, 400)
    assert "cannot be longer than 120 characters" in response.get_data(as_text=True)
    assert departments(db) == []


# numbers -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [f"/admin/departments/{HUGE}", f"/admin/departments/{2**63}",
                                 f"/admin/departments/{2**31}", f"/admin/departments/{2**63 - 1}",
                                 f"/admin/departments/{MAX_ID}", f"/admin/departments/{HUGE}/delete"])
def test_ids_beyond_an_integer_column_in_the_url_are_unknown_ids(client, admin, url):
    method = client.post if url.endswith("/delete") else client.get
    assert method(url).status_code == 404


@pytest.mark.parametrize("query", [f"role={HUGE}", f"role=-{HUGE}", "role=²", "role=٣", f"role={2**31}",
                                   f"role={2**63 - 1}", f"page={HUGE}", "page=²"])
def test_numbers_in_the_query_beyond_an_integer_column_or_not_ascii_are_ignored(client, admin, query):
    assert client.get(f"/admin/staff?{query}").status_code == 200


@pytest.mark.parametrize("path", ["/admin/audit", "/notifications/", "/admin/contacts", "/admin/companies"])
def test_a_page_number_beyond_any_integer_gives_an_empty_page(client, admin, path):
    assert client.get(f"{path}?page={HUGE}").status_code == 200
    assert client.get(f"{path}?page=-{HUGE}").status_code == 200


def test_parse_int_accepts_ascii_digits_within_an_integer_column_only():
    assert parse_int(" 42 ") == 42
    assert parse_int("-7") == -7
    assert parse_int(str(MAX_ID)) == MAX_ID == 2**31 - 1
    assert parse_int(str(-(2**31))) == -(2**31)
    assert parse_int(str(2**31)) is None and parse_int(str(-(2**31) - 1)) is None
    for bad in ("²", "٣", "１２", HUGE, str(MAX_ID + 1), "1e3", "0x10", "1_000", "+1", "", " ", None, True, 2.0):
        assert parse_int(bad) is None, bad
    assert parse_int("5", 1, 4) is None
    assert parse_id("0") is None and parse_id("-1") is None and parse_id("12") == 12
    assert parse_ids(["1", "2"]) == [1, 2]
    assert parse_ids(["1", "²"]) is None


def test_strict_int_parameters_refuse_what_int_would_misread():
    args = StrictIntParameters([("a", "²"), ("b", "٣"), ("c", HUGE), ("d", "12"), ("e", "1"), ("e", "x"),
                                ("e", "3")])
    assert args.get("a", type=int) is None
    assert args.get("b", 5, type=int) == 5
    assert args.get("c", type=int) is None
    assert args.get("d", type=int) == 12
    assert args.getlist("e", type=int) == [1, 3]
    assert args.get("d") == "12"


def test_the_guard_runs_before_every_other_request_hook(app, client, admin):
    """Plugins look URL values up in hooks (a portal's slug); NUL must not reach them (PostgreSQL refuses it)."""
    calls = []
    app.url_value_preprocessors.setdefault("admin", []).append(lambda endpoint, values: calls.append(endpoint))
    app.url_value_preprocessors[None].append(lambda endpoint, values: calls.append(endpoint))
    app.before_request_funcs.setdefault(None, []).append(lambda: calls.append("before"))
    assert refused(app, client.get("/admin/departments/1?q=%00"))
    assert calls == []
    assert client.get("/admin/departments").status_code == 200
    assert calls == ["admin.departments", "admin.departments", "before"]
