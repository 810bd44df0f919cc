"""What the test kit does to keep a session fast: wipe only what holds rows, cheap password hashes, shared template code."""
from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from crm.extensions import db
from crm.testing import wipe
from crm.testing.fixtures import TEST_PASSWORD_HASH_METHOD


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


def test_test_apps_hash_passwords_cheaply_with_scrypt_and_check_them_as_usual(app, factory, client, auth):
    from crm.testing import PASSWORD

    user = factory.user()
    assert user.password_hash.startswith(TEST_PASSWORD_HASH_METHOD + "$")
    assert check_password_hash(user.password_hash, PASSWORD)
    assert not check_password_hash(user.password_hash, PASSWORD + "x")
    auth.login(user)
    assert client.get("/admin/").status_code in (200, 403)  # signed in: not sent to the login page


def test_the_hash_method_is_a_setting_and_production_keeps_werkzeugs_default(make_app):
    from crm.auth.passwords import hash_password, verify_password

    with make_app(PASSWORD_HASH_METHOD="pbkdf2:sha256:1000").app_context():
        assert hash_password("secret").startswith("pbkdf2:sha256:1000$")
        assert not verify_password(None, "secret")  # the unknown account's check runs too
    with make_app(PASSWORD_HASH_METHOD=None).app_context():
        assert hash_password("secret").startswith("scrypt:32768:8:1$")


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
