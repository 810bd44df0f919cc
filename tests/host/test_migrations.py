"""Migrations (H-14): ``flask crm init`` builds the schema the models describe, on SQLite and PostgreSQL.

Each test builds its own app on a brand-new database (not the suite's
shared one, whose tables come from ``create_all``), with every installed
plugin, as production does. Nothing here names a revision: the checks hold
for whatever migrations the host and the plugins ship.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url

from crm import create_app
from crm.cli import upgrade_database
from crm.extensions import db
from tests.conftest import builtin_plugins

HOST_BRANCH = "crm"
COMPARE_OPTIONS = ("compare_type", "compare_server_default", "include_object", "include_name", "include_schemas")


@pytest.fixture
def sqlite_url(tmp_path):
    """A fresh SQLite file database."""
    return f"sqlite:///{tmp_path / 'migrated.db'}"


@pytest.fixture
def postgresql_url():
    """A fresh, uniquely named PostgreSQL database, dropped after the test."""
    server_url = os.environ.get("CRM_TEST_DATABASE_URL", "")
    if not server_url.startswith("postgresql") and os.environ.get("CRM_REQUIRE_SERVICES"):
        # CI runs the SQLite suite too; the PostgreSQL migration check must not be skipped there.
        server_url = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    if not server_url.startswith("postgresql"):
        pytest.skip("CRM_TEST_DATABASE_URL does not point at a PostgreSQL server "
                    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres), so the PostgreSQL "
                    "migration check cannot run; .ci/run sets it")
    server = make_url(server_url)
    name = f"crm_migrate_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_app(request, tmp_path):
    """An app with the built-in plugins on an empty database of each kind."""
    url = request.getfixturevalue(f"{request.param}_url")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "QUEUE_IMMEDIATE": True,
    }, plugins=builtin_plugins())
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _alembic_config(app):
    state = app.extensions["migrate"]
    return state.migrate.get_config(state.directory)


def _differences(app):
    """What autogenerate would still write after the migrations ran: empty when models and migrations agree."""
    # The same comparison options as the migration environment (crm/migrations/env.py passes the
    # configure_args given to Flask-Migrate), so objects it is told to ignore are ignored here too.
    given = app.extensions["migrate"].configure_args
    opts = {key: given[key] for key in COMPARE_OPTIONS if key in given}
    opts.setdefault("compare_type", True)
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)


def test_migrations_build_the_schema_the_models_describe(fresh_app):
    with fresh_app.app_context():
        upgrade_database()
        tables = set(inspect(db.engine).get_table_names())
        differences = _differences(fresh_app)
    assert "alembic_version" in tables
    assert {t for t in db.metadata.tables} <= tables
    assert not differences, (
        "models and migrations disagree; regenerate the migrations "
        "(flask db revision --autogenerate on the right branch):\n"
        + "\n".join(repr(d) for d in differences)
    )


def _applied(script, current):
    """Every revision the database is at or past, dependencies included.

    Alembic keeps only the newest revision of a chain in ``alembic_version``:
    once a plugin's branch (which depends on the host's) is applied, the
    host's head is implied by it rather than listed.
    """
    return {r.revision for r in script.iterate_revisions(tuple(current), "base")}


def test_migrations_reach_every_head(fresh_app):
    with fresh_app.app_context():
        upgrade_database()
        script = ScriptDirectory.from_config(_alembic_config(fresh_app))
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    assert current and set(script.get_heads()) <= _applied(script, current)


def _branch_problems(script, owner, folder):
    """What is wrong with a plugin's revision folder: its one root must be labelled with its name and depend on "crm"."""
    host_revisions = {r.revision for r in script.iterate_revisions(f"{HOST_BRANCH}@head", "base")}
    folder = Path(folder).resolve()
    mine = [r for r in script.walk_revisions() if Path(r.path).resolve().parent == folder]
    if not mine:
        return [f"{owner}: {folder} holds no revisions"]
    roots = [r for r in mine if not r.down_revision]
    if len(roots) != 1:
        return [f"{owner}: needs exactly one root revision, found {len(roots)}"]
    root, problems = roots[0], []
    if owner not in (root.branch_labels or ()):
        problems.append(f"{owner}: the root revision must carry branch_labels=({owner!r},)")
    needs = root.dependencies if isinstance(root.dependencies, tuple) else (root.dependencies,)
    resolved = {rev.revision for dep in needs if dep for rev in script.get_revisions(dep)}
    if not resolved & host_revisions:
        problems.append(f"{owner}: the root revision must have depends_on='crm'")
    return problems


def test_each_plugin_branch_starts_from_the_host_branch(make_app):
    app = make_app(plugins=None)
    with app.app_context():
        script = ScriptDirectory.from_config(_alembic_config(app))
    host_roots = [r for r in script.get_bases() if HOST_BRANCH in (script.get_revision(r).branch_labels or ())]
    assert len(host_roots) == 1, "the host's first revision must carry branch_labels=('crm',)"
    problems = []
    for owner, folder in app.extensions["crm"].results("crm_register_migrations"):
        problems += _branch_problems(script, owner, folder)
    assert not problems, "\n".join(problems)


def _plugin_folder(tmp_path, depends_on):
    folder = tmp_path / "versions"
    folder.mkdir()
    (folder / "aaa_first.py").write_text(
        f'revision = "aaa"\ndown_revision = None\nbranch_labels = ("stray",)\ndepends_on = {depends_on!r}\n'
        "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    )
    return folder


@pytest.mark.parametrize("depends_on, problem", [(None, "depends_on='crm'"), ("crm", None)])
def test_branch_check_catches_a_root_without_the_host_dependency(tmp_path, depends_on, problem):
    folder = _plugin_folder(tmp_path, depends_on)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "TESTING": True,
                      "INSTANCE_PATH": str(tmp_path / "instance")}, plugins=[])
    app.config["CRM_MIGRATION_FOLDERS"] = [*app.config["CRM_MIGRATION_FOLDERS"], str(folder)]
    with app.app_context():
        script = ScriptDirectory.from_config(_alembic_config(app))
    problems = _branch_problems(script, "stray", folder)
    if problem is None:
        assert problems == []
    else:
        assert len(problems) == 1 and problem in problems[0]
    assert _branch_problems(script, "other", folder) != []


def test_init_twice_is_harmless(fresh_app):
    from crm.people.models import Role

    runner = fresh_app.test_cli_runner()
    first = runner.invoke(args=["crm", "init"])
    assert first.exit_code == 0, first.output
    with fresh_app.app_context():
        roles = db.session.scalar(select(func.count()).select_from(Role))
        db.session.remove()
    second = runner.invoke(args=["crm", "init"])
    assert second.exit_code == 0, second.output
    assert "up to date" in second.output
    with fresh_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Role)) == roles > 0
        script = ScriptDirectory.from_config(_alembic_config(fresh_app))
        with db.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
        assert set(script.get_heads()) <= _applied(script, current)
