"""Dependencies point one way (deployments/ → flows/ → tasks/), and sample material stays out of the
product: a newcomer can trust the README's layout."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(folder: str) -> dict[str, set[str]]:
    """Top-level package of every import, per file under `folder`."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_tasks_import_neither_flows_nor_deployments_nor_samples() -> None:
    wrong = {f: n & {"flows", "deployments", "samples", "tests"} for f, n in _imports("tasks").items()}
    assert {f: n for f, n in wrong.items() if n} == {}


def test_flows_never_import_deployments_and_only_the_demo_uses_samples() -> None:
    imports = _imports("flows")
    assert {f for f, n in imports.items() if "deployments" in n} == set()
    assert {f for f, n in imports.items() if "samples" in n} == {"flows/demo.py", "flows/commands/demo.py"}
