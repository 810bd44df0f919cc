"""What the test kit does to keep a session fast: wipe only what holds rows, cheap password hashes, shared URL builders."""
from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from crm.extensions import db
from crm.testing import wipe
from crm.testing.passwords import TEST_METHOD, cheap_password_hashing


def _rows_per_table():
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def test_wipe_empties_every_table_and_ids_start_again(app, factory):
    from crm.people.models import Department

    kept = factory.department("Kept")
    gone = factory.department("Gone")
    factory.user(departments=[kept])
    factory.contact(company=factory.company())
    db.session.delete(gone)
    db.session.commit()
    assert sum(_rows_per_table().values()) > 0

    wipe(app)

    assert {name: n for name, n in _rows_per_table().items() if n} == {}
    again = Department(name="Again")
    db.session.add(again)
    db.session.commit()
    assert again.id == 1


def test_wipe_restarts_ids_of_a_table_emptied_by_the_test(app, factory):
    from crm.people.models import Company

    for _ in range(3):
        db.session.delete(factory.company())
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Company)) == 0

    wipe(app)

    assert factory.company().id == 1


def test_session_passwords_are_cheap_scrypt_hashes_that_check_as_usual(app, factory, client, auth):
    from crm.testing import PASSWORD

    user = factory.user()
    assert user.password_hash.startswith(TEST_METHOD + "$")
    assert check_password_hash(user.password_hash, PASSWORD)
    assert not check_password_hash(user.password_hash, PASSWORD + "x")
    auth.login(user)
    assert client.get("/admin/").status_code in (200, 403)  # signed in: not sent to the login page


def test_cheap_hashing_ends_with_its_block():
    with cheap_password_hashing("scrypt:256:8:1"):
        assert generate_password_hash("secret").startswith("scrypt:256:8:1$")
    assert generate_password_hash("secret").startswith(TEST_METHOD + "$")  # the session's setting is back
    assert generate_password_hash("secret", method="pbkdf2:sha256:1000").startswith("pbkdf2:sha256:1000$")


def test_apps_share_compiled_url_builders_and_build_their_own_urls(make_app):
    first, second = make_app(), make_app(APPLICATION_ROOT="/desk")
    rule_of = {app: app.url_map._rules_by_endpoint["support.ticket"][0] for app in (first, second)}
    assert rule_of[first]._build_unknown.__func__ is rule_of[second]._build_unknown.__func__
    assert rule_of[first] is not rule_of[second]
    for app, prefix in ((first, ""), (second, "/desk")):
        with app.test_request_context(base_url=f"http://desk.example{prefix}"):
            assert url_for("support.ticket", number="2026-00007") == f"{prefix}/support/tickets/2026-00007"
            assert url_for("support.ticket", number="2026-00007", tab="posts") == \
                f"{prefix}/support/tickets/2026-00007?tab=posts"


def test_apps_share_compiled_templates(app, make_app):
    from crm.testing.templates import SHARED_TEMPLATE_CODE

    other = make_app()
    assert app.jinja_env.bytecode_cache is SHARED_TEMPLATE_CODE is other.jinja_env.bytecode_cache


def test_shared_template_code_is_found_only_for_the_same_source_and_settings(monkeypatch):
    from jinja2 import DictLoader, Environment

    from crm.testing.templates import SharedTemplateCode

    compiled = []
    real_compile = Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(source)
        return real_compile(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(Environment, "compile", counting)
    cache = SharedTemplateCode()

    def env(source, **settings):
        return Environment(loader=DictLoader({"page.html": source}), bytecode_cache=cache, **settings)

    assert env("{{ x }}!").get_template("page.html").render(x=1) == "1!"
    assert env("{{ x }}!").get_template("page.html").render(x=2) == "2!"
    assert compiled == ["{{ x }}!"]  # the second environment took the first one's code
    assert env("{{ x }}?").get_template("page.html").render(x=3) == "3?"  # another source: compiled again
    brackets = env("{{ x }}!", variable_start_string="[[", variable_end_string="]]")
    assert brackets.get_template("page.html").render(x=4) == "{{ x }}!"  # other settings: compiled again
    assert len(compiled) == 3
