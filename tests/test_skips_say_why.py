"""A test that skips says why: every skip in the suite carries a reason a reader can act on."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def _dotted(node: ast.AST) -> str:
    """``pytest.mark.skipif`` for the expression ``pytest.mark.skipif``; "" for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _has_reason(call: ast.Call, positional: int) -> bool:
    """Whether ``call`` passes a reason: a ``reason=`` keyword or a positional argument at ``positional``."""
    reason = next((k.value for k in call.keywords if k.arg in ("reason", "msg")), None)
    if reason is None and len(call.args) > positional:
        reason = call.args[positional]
    if isinstance(reason, ast.Constant):
        return isinstance(reason.value, str) and bool(reason.value.strip())
    return reason is not None  # an f-string or a name: a reason computed at run time


# The skipping calls, with the position of their reason argument.
SKIPS = {"pytest.skip": 0, "pytest.mark.skip": 0, "pytest.mark.skipif": 1, "pytest.importorskip": 2}


def skips_without_reason(path: Path) -> list[str]:
    """``file:line call`` of every skip in ``path`` that gives no reason."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        if id(node) in called:
            continue  # looked at as part of its call
        target = node.func if isinstance(node, ast.Call) else node
        name = _dotted(target)
        if name not in SKIPS:
            continue
        if not isinstance(node, ast.Call) or not _has_reason(node, SKIPS[name]):
            found.append(f"{path.relative_to(TESTS.parent).as_posix()}:{node.lineno} {name}")
    return found


def test_every_skip_in_the_suite_gives_its_reason():
    missing = [entry for path in sorted(TESTS.rglob("*.py")) for entry in skips_without_reason(path)]
    assert missing == [], "give these skips a reason:\n" + "\n".join(missing)


@pytest.mark.parametrize("source, silent", [
    ("import pytest\npytest.skip()\n", True),
    ("import pytest\npytest.skip('')\n", True),
    ("import pytest\n@pytest.mark.skip\ndef test_x():\n    pass\n", True),
    ("import pytest\n@pytest.mark.skipif(True)\ndef test_x():\n    pass\n", True),
    ("import pytest\nthing = pytest.importorskip('thing')\n", True),
    ("import pytest\npytest.skip('no Redis on 127.0.0.1:6379')\n", False),
    ("import pytest\npytest.skip(f'{1} server missing')\n", False),
    ("import pytest\n@pytest.mark.skip(reason='slow')\ndef test_x():\n    pass\n", False),
    ("import pytest\n@pytest.mark.skipif(True, reason='only on PostgreSQL')\ndef test_x():\n    pass\n", False),
    ("import pytest\nthing = pytest.importorskip('thing', reason='install thing')\n", False),
])
def test_the_check_tells_a_silent_skip_from_an_explained_one(tmp_path, monkeypatch, source, silent):
    monkeypatch.setattr(f"{__name__}.TESTS", tmp_path)
    path = tmp_path / "tests" / "test_fake.py"
    path.parent.mkdir()
    path.write_text(source, encoding="utf-8")
    assert bool(skips_without_reason(path)) is silent
