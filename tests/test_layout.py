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


def _modules(folder: str) -> dict[str, set[tuple[str, str]]]:
    """(module, name) of every absolute `from module import name` (name "" for `import module`)."""
    found: dict[str, set[tuple[str, str]]] = {}
    for path in (ROOT / folder).rglob("*.py"):
        names: set[tuple[str, str]] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {(alias.name, "") for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names |= {(node.module, alias.name) for alias in node.names}
        found[str(path.relative_to(ROOT))] = names
    return found


def test_no_private_name_crosses_a_module() -> None:
    ours = ("tasks", "flows", "deployments", "tests", "samples")
    crossing = {
        f"{file}: {module}.{name}"
        for folder in ("tasks", "flows", "deployments", "bench")
        for file, imports in _modules(folder).items()
        for module, name in imports
        if module.split(".")[0] in ours and name.startswith("_") and not name.startswith("__")
    }
    assert crossing == set()


def test_the_intake_rules_sit_below_the_catalogue_and_the_commands_below_the_cli() -> None:
    """tasks/intake reads packages (the catalogue records them, tasks/submissions and tasks/report
    build on both); flows/cli.py builds its parser from flows/commands, never the other way."""
    above = ("tasks.catalogue", "tasks.report", "tasks.submissions")
    upwards = {
        f"{file}: {module}"
        for file, imports in _modules("tasks/intake").items()
        for module, _ in imports
        if module.startswith(above)
    }
    assert upwards == set()
    cycle = {
        f for f, imports in _modules("flows/commands").items() if any(m == "flows.cli" for m, _ in imports)
    }
    assert cycle == set()


def test_the_commands_hold_no_sql() -> None:
    """`guangying …` parses and prints; what a command does is a service function of tasks/."""
    for path in sorted((ROOT / "flows" / "commands").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "select(" not in text and "session." not in text and "catalogue_session" not in text, path.name
