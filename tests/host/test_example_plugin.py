"""The example third-party plugin is the walkthrough's finished package: it installs with pip, its own tests
pass on the desk's test kit, its migration branch upgrades, and it uses only public APIs.

The package is installed into a temporary folder (the suite's own
environment stays as it was) and exercised in subprocesses whose
``PYTHONPATH`` holds that folder, so the app finds the plugin only through
entry-point discovery, as in production.
"""
from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crm-hello"

SCRIPT = r'''
import json, sys
from sqlalchemy import inspect
from crm import create_app
from crm.cli import upgrade_database
from crm.extensions import db

url, instance = sys.argv[1:3]
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "INSTANCE_PATH": instance}, plugins=None)
host = app.extensions["crm"]
with app.app_context():
    upgrade_database()
    tables = inspect(db.engine).get_table_names()
print(json.dumps({"plugins": sorted(host.infos), "module": host.objects["hello"].__file__,
                  "greeting_table": "hello_greeting" in tables}))
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The example package, copied to a clean folder and installed with pip into a temporary target."""
    work = tmp_path_factory.mktemp("crm-hello")
    source, target = work / "src", work / "site"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return source, target


def run(args, target, cwd, timeout=600):
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("CRM_DATABASE_URL", None)
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def test_the_plugin_is_found_and_its_migrations_upgrade(installed, tmp_path):
    _source, target = installed
    result = run([sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path / 'hello.db'}", str(tmp_path / "i")],
                 target, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"hello", "support", "portal", "forms"} <= set(seen["plugins"])
    assert Path(seen["module"]).resolve().is_relative_to(target.resolve())
    assert seen["greeting_table"]


def test_the_examples_own_tests_pass_on_the_kit(installed):
    source, target = installed
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], target, source)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_the_package_is_the_walkthroughs():
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"
    assert project["project"]["entry-points"]["crm.plugins"] == {"hello": "crm_hello.plugin"}
    assert not (EXAMPLE / "setup.cfg").exists()
    for part in ("plugin.py", "settings.py", "permissions.py", "models.py", "views.py", "services.py",
                 "templates/hello/index.html", "translations/tr/LC_MESSAGES/messages.po",
                 "translations/tr/LC_MESSAGES/messages.mo"):
        assert (EXAMPLE / "crm_hello" / part).is_file(), part
    assert list((EXAMPLE / "crm_hello" / "migrations").glob("*_hello_tables.py"))


def test_the_plugin_uses_only_public_apis():
    allowed = {"crm", "crm_hello", "flask", "flask_babel", "sqlalchemy", "pathlib", "datetime", "pytest",
               "__future__", "plugins.support.api", "alembic"}
    imported = set()
    for path in EXAMPLE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                module = node.module
                if module == "plugins.support":
                    module = "plugins.support." + ".".join(a.name for a in node.names)
                imported.add(module if module.startswith("plugins") else module.split(".")[0])
    assert imported <= allowed, imported - allowed
