"""Every hook is documented in docs/hooks.md with its exact signature, has an example, and is implemented."""
from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import re
from pathlib import Path

import pluggy
import pytest

from crm import builtin
from crm.hooks import PROJECT, specs
from tests.conftest import builtin_plugins

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "hooks.md"


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


EXAMPLE_PLUGIN = ROOT / "examples" / "crm-hello" / "crm_hello" / "plugin.py"
MARKER_MODULES = ("crm", "crm.hooks")  # where the real ``hookimpl`` marker is imported from


def _example_plugin():
    """The example third-party plugin's module, loaded from its file (it is not installed beside the suite)."""
    spec = importlib.util.spec_from_file_location("crm_hello_plugin_under_test", EXAMPLE_PLUGIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plugin_implementers(name: str) -> list[str]:
    """The plugins whose registered hook implementations include ``name``, as pluggy sees them.

    The host's own implementations, the built-in plugins and the example
    plugin are registered in a plugin manager that knows the host's
    hookspecs, so a function only counts when it carries the ``hookimpl``
    marker and its arguments fit the specification.
    """
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(specs)
    pm.register(builtin, name="crm")
    for plugin in [*builtin_plugins(), _example_plugin()]:
        pm.register(plugin, name=plugin.__name__)
    return [pm.get_name(impl.plugin) for impl in getattr(pm.hook, name).get_hookimpls()]


def _imports_the_marker(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module in MARKER_MODULES
               and any(alias.name == "hookimpl" and alias.asname is None for alias in node.names)
               for node in ast.walk(tree))


def _is_marked(function: ast.FunctionDef) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name) and target.id == "hookimpl":
            return True
    return False


def implementations_in_test_plugins(name: str, root: Path = ROOT) -> list[str]:
    """``file::Class`` of every test plugin class with a method ``name`` marked ``@hookimpl``.

    The method must sit in a class body (a test plugin, not a helper that
    happens to share the name), the module must import the host's
    ``hookimpl`` marker, and its arguments must be among the
    specification's, as pluggy requires.
    """
    allowed = set(inspect.signature(getattr(specs, name)).parameters)
    found = []
    for path in sorted((root / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not _imports_the_marker(tree):
            continue
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == name and _is_marked(item):
                    arguments = {a.arg for a in item.args.args + item.args.kwonlyargs} - {"self"}
                    if arguments <= allowed:
                        found.append(f"{path.relative_to(root).as_posix()}::{node.name}")
    return found


HOST_HOOKS = [n for n in IDS if n.startswith("crm_")]


@pytest.mark.parametrize("name", HOST_HOOKS)
def test_each_host_hook_is_implemented_somewhere(name):
    assert plugin_implementers(name) or implementations_in_test_plugins(name), (
        f"no plugin, the example plugin or a test plugin class implements {name} with @hookimpl")


FAKE_TESTS = {
    "no marker": "from crm import hookimpl\n\n\ndef crm_plugin_toggled(name, enabled, user):\n    pass\n\n\n"
                 "class Helper:\n    def crm_plugin_toggled(self, name, enabled, user):\n        pass\n",
    "not in a class": "from crm import hookimpl\n\n\n@hookimpl\ndef crm_plugin_toggled(name, enabled, user):\n"
                      "    pass\n",
    "another marker": "hookimpl = lambda function: function\n\n\n"
                      "class Fake:\n    @hookimpl\n    def crm_plugin_toggled(self, name, enabled, user):\n        pass\n",
    "wrong arguments": "from crm import hookimpl\n\n\n"
                       "class Wrong:\n    @hookimpl\n    def crm_plugin_toggled(self, name, switched):\n        pass\n",
}


@pytest.mark.parametrize("source", FAKE_TESTS.values(), ids=FAKE_TESTS.keys())
def test_a_function_that_only_shares_a_hooks_name_does_not_count(tmp_path, source):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_fake.py").write_text(source, encoding="utf-8")
    assert implementations_in_test_plugins("crm_plugin_toggled", root=tmp_path) == []


def test_a_marked_method_of_a_test_plugin_class_counts(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_fake.py").write_text(
        "from crm import hookimpl\n\n\n"
        "class Listener:\n    @hookimpl\n    def crm_plugin_toggled(self, name, user):\n        pass\n",
        encoding="utf-8")
    assert implementations_in_test_plugins("crm_plugin_toggled", root=tmp_path) == ["tests/test_fake.py::Listener"]

