"""Every hook is documented in docs/hooks.md with its exact signature, has an example, and is implemented."""
from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest

from crm.hooks import PROJECT, specs

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "hooks.md"
SPEC_FILES = {ROOT / "crm" / "hooks" / "specs.py", *ROOT.glob("plugins/*/hookspecs.py")}
SEARCHED = ("crm", "plugins", "examples", "tests")


def spec_modules():
    modules = [specs]
    for path in sorted(ROOT.glob("plugins/*/hookspecs.py")):
        modules.append(importlib.import_module(f"plugins.{path.parent.name}.hookspecs"))
    return modules


def hookspecs():
    """``(name, function)`` of every hook specification of the host and the plugins."""
    found = []
    for module in spec_modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if hasattr(function, f"{PROJECT}_spec"):
                found.append((name, function))
    return found


def signature(name, function) -> str:
    params = [p for p in inspect.signature(function).parameters if p != "self"]
    return f"{name}({', '.join(params)})"


HOOKSPECS = hookspecs()
IDS = [name for name, _f in HOOKSPECS]


def test_the_hookspecs_are_found():
    names = set(IDS)
    assert {"crm_plugin_info", "crm_register_settings", "crm_navigation_items", "crm_plugin_toggled"} <= names
    assert all(name.startswith(("crm_", "support_", "portal_", "forms_")) for name in names)


@pytest.mark.parametrize("name, function", HOOKSPECS, ids=IDS)
def test_each_hook_is_documented_with_its_exact_signature(name, function):
    doc = DOC.read_text(encoding="utf-8")
    assert f"### `{signature(name, function)}`" in doc


def test_the_reference_documents_no_hook_that_does_not_exist():
    documented = re.findall(r"^### `([a-z_]+)\(", DOC.read_text(encoding="utf-8"), re.M)
    assert sorted(documented) == sorted(IDS)


@pytest.mark.parametrize("name, function", HOOKSPECS, ids=IDS)
def test_each_hookspec_has_a_docstring_with_an_example(name, function):
    docstring = inspect.getdoc(function) or ""
    assert docstring.strip(), f"{name} has no docstring"
    assert re.search(r"^Example::?\s*$", docstring, re.M), f"{name}'s docstring has no Example block"
    assert f"def {name}(" in docstring.split("Example", 1)[1]


def implementations(name: str) -> list[Path]:
    """Python files outside the spec modules that define a function called ``name``."""
    pattern = re.compile(rf"^\s*def {re.escape(name)}\(", re.M)
    found = []
    for folder in SEARCHED:
        for path in (ROOT / folder).rglob("*.py"):
            if path in SPEC_FILES or ".venv" in path.parts:
                continue
            if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                found.append(path)
    return found


@pytest.mark.parametrize("name", [n for n in IDS if n.startswith("crm_")])
def test_each_host_hook_is_implemented_somewhere(name):
    assert implementations(name), f"no plugin, example or test implements {name}"
