"""The example third-party plugin installs with pip and works with no change to the host (SPEC H-3, H-6).

The package is installed into a temporary folder (the suite's own
environment stays as it was) and exercised in a subprocess whose
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
from pathlib import Path

import pytest

from crm import create_app
from tests.conftest import PASSWORD, _wipe

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "crm-hello"

SCRIPT = r'''
import json, sys
from crm import create_app
from crm.extensions import db

url, instance, password = sys.argv[1:4]
app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                  "RATELIMIT_ENABLED": False, "QUEUE_IMMEDIATE": True, "INSTANCE_PATH": instance}, plugins=None)
host = app.extensions["crm"]
out = {"plugins": sorted(host.infos), "module": host.objects["hello"].__file__ if "hello" in host.objects else None}
with app.app_context():
    from crm.people.services import create_user, ensure_builtin_roles
    ensure_builtin_roles()
    for role in ("staff", "member", "admin"):
        create_user(f"hello-{role}@example.com", f"Hello {role.title()}", password, role=role)
    db.session.commit()

def signed_in(role):
    client = app.test_client()
    response = client.post("/login", data={"email": f"hello-{role}@example.com", "password": password})
    assert response.status_code == 302, response.status_code
    return client

def page(client, path, **kw):
    response = client.open(path, **kw)
    return {"status": response.status_code, "html": response.get_data(as_text=True),
            "location": response.headers.get("Location", "")}

staff, member, admin = signed_in("staff"), signed_in("member"), signed_in("admin")
out["anonymous"] = page(app.test_client(), "/hello")
out["staff_hello"] = page(staff, "/hello")
out["staff_profile"] = page(staff, "/profile")
out["member_hello"] = page(member, "/hello")
out["member_profile"] = page(member, "/profile")
out["settings_index"] = page(admin, "/admin/settings")
out["settings_page"] = page(admin, "/admin/settings/hello/general")
out["settings_bad"] = page(admin, "/admin/settings/hello/general", method="POST",
                           data={"greeting": "", "colour": "#1a73e8"})
out["settings_save"] = page(admin, "/admin/settings/hello/general", method="POST",
                            data={"greeting": "Merhaba", "colour": "#1a73e8"})
out["staff_hello_after"] = page(staff, "/hello")
out["admin_dashboard"] = page(admin, "/admin/")
out["cli"] = app.test_cli_runner().invoke(args=["crm", "hello", "show"]).output
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The example package installed with pip into a temporary target folder."""
    work = tmp_path_factory.mktemp("crm-hello")
    source, target = work / "src", work / "site"
    # Build from a copy so that the build leaves nothing behind in the repository.
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index",
         "--quiet", "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return target


@pytest.fixture(scope="module")
def hello_run(installed, database_url, tmp_path_factory):
    """Run the app with the installed example plugin in a subprocess once and return what it saw."""
    tmp_path = tmp_path_factory.mktemp("hello-run")
    env = {**os.environ, "PYTHONPATH": str(installed)}
    env.pop("CRM_DATABASE_URL", None)
    try:
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, database_url, str(tmp_path / "instance"), PASSWORD],
            capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        yield json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        # Leave the shared test database empty for the next test, as the app fixtures do.
        _wipe(create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                          "INSTANCE_PATH": str(tmp_path / "wipe")}, plugins=[]))


def test_the_plugin_is_found_through_its_entry_point(hello_run, installed):
    assert "hello" in hello_run["plugins"]
    assert {"support", "portal", "forms"} <= set(hello_run["plugins"])
    assert Path(hello_run["module"]).resolve().is_relative_to(installed.resolve())


def test_the_page_needs_the_plugins_permission(hello_run):
    assert hello_run["anonymous"]["status"] == 302 and "/login" in hello_run["anonymous"]["location"]
    assert hello_run["staff_hello"]["status"] == 200
    assert "Hello, Hello Staff!" in hello_run["staff_hello"]["html"]
    assert hello_run["member_hello"]["status"] == 403


def test_the_navigation_item_shows_to_holders_of_the_permission(hello_run):
    assert 'href="/hello"' in hello_run["staff_profile"]["html"]
    assert hello_run["member_profile"]["status"] == 200
    assert 'href="/hello"' not in hello_run["member_profile"]["html"]


def test_the_setting_appears_on_the_generated_settings_page(hello_run):
    assert 'href="/admin/settings/hello/general"' in hello_run["settings_index"]["html"]
    page = hello_run["settings_page"]
    assert page["status"] == 200
    assert 'name="greeting"' in page["html"] and 'value="Hello"' in page["html"]
    assert 'type="color"' in page["html"]
    bad = hello_run["settings_bad"]
    assert bad["status"] == 200 and "This field is required." in bad["html"]
    assert hello_run["settings_save"]["status"] == 302
    assert "Merhaba, Hello Staff!" in hello_run["staff_hello_after"]["html"]


def test_the_plugins_command_and_dashboard_slot_work(hello_run):
    assert hello_run["cli"].strip() == "Merhaba"
    assert "Change the greeting" in hello_run["admin_dashboard"]["html"]
    assert 'href="/admin/settings/hello/general"' in hello_run["admin_dashboard"]["html"]


def test_the_plugin_uses_only_the_host_and_its_dependencies():
    allowed = {"crm", "crm_hello", "flask", "flask_babel", "markupsafe", "click", "__future__"}
    imported = set()
    for path in EXAMPLE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add(node.module.split(".")[0])
    assert "crm" in imported
    assert imported <= allowed, imported - allowed
