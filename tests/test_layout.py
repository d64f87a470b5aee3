"""Dependencies point one way (deployments/ and cli/ → flows/ → tasks/), and sample material stays out of
the product: a newcomer can trust the README's layout. The layers are a contract: no import cycle between
modules or packages, no private name taken from another module, no SQL in a command, flows/ kept to wiring."""

from __future__ import annotations

import ast
import graphlib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported(module: str, path: Path) -> Iterator[tuple[str, str]]:
    """(module imported, name taken from it or "") for every import in the file, imports inside
    functions included, relative ones made absolute."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, "") for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            yield from ((source, alias.name) for alias in node.names)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(folder: str) -> dict[str, set[tuple[str, str]]]:
    """(module, name) of every import (name "" for `import module`), per file under `folder`."""
    return {
        str(path.relative_to(ROOT)): set(_imported(_module_name(path), path))
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts
    }


def _imports(folder: str) -> dict[str, set[str]]:
    """Top-level package of every import, per file under `folder`."""
    return {file: {module.split(".")[0] for module, _ in found} for file, found in _modules(folder).items()}


def test_tasks_import_neither_flows_nor_the_doors_nor_samples() -> None:
    wrong = {f: n & {"flows", "cli", "deployments", "samples", "tests"} for f, n in _imports("tasks").items()}
    assert {f: n for f, n in wrong.items() if n} == {}


def test_flows_never_import_the_doors_and_only_the_demo_uses_samples() -> None:
    imports = {**_imports("flows"), **_imports("cli")}
    assert {f for f, n in imports.items() if n & {"deployments", "tests"}} == set()
    assert {f for f, n in _imports("flows").items() if "cli" in n} == set()
    assert {f for f, n in imports.items() if "samples" in n} == {"flows/demo.py", "cli/commands/demo.py"}


def test_benches_and_samples_never_import_the_tests() -> None:
    """What a bench needs (packages, clips, a local cluster) is in samples/, which the tests use too:
    a bench runs without the test suite, and a test helper can change without breaking a bench."""
    wrong = {f: n & {"tests"} for folder in ("bench", "samples") for f, n in _imports(folder).items()}
    assert {f: n for f, n in wrong.items() if n} == {}


def test_no_private_name_crosses_a_module() -> None:
    ours = ("tasks", "flows", "cli", "deployments", "tests", "samples")
    crossing = {
        f"{file}: {module}.{name}"
        for folder in ("tasks", "flows", "cli", "deployments", "bench")
        for file, imports in _modules(folder).items()
        for module, name in imports
        if module.split(".")[0] in ours and name.startswith("_") and not name.startswith("__")
    }
    assert crossing == set()


def test_the_intake_rules_sit_below_the_catalogue() -> None:
    """tasks/intake reads packages (the catalogue records them, tasks/submissions and tasks/report
    build on both)."""
    above = ("tasks.catalogue", "tasks.report", "tasks.submissions")
    upwards = {
        f"{file}: {module}"
        for file, imports in _modules("tasks/intake").items()
        for module, _ in imports
        if module.startswith(above)
    }
    assert upwards == set()


def test_the_commands_hold_no_sql() -> None:
    """`guangying …` parses and prints; what a command does is a service function of tasks/."""
    for path in sorted((ROOT / "cli" / "commands").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert "select(" not in text and "session." not in text and "catalogue_session" not in text, path.name


# The import graph, imports inside functions included ------------------------------------------

LAYERS = ("deployments", "cli", "flows", "tasks")
FLOWS_MAX_LINES = 2_500


def _sources(*tops: str) -> dict[str, Path]:
    return {
        _module_name(path): path
        for top in tops
        for path in sorted((ROOT / top).rglob("*.py"))
        if "migrations" not in path.parts
    }


MODULES = _sources(*LAYERS)


def _resolve(name: str) -> str | None:
    """The project module that an import of `name` loads (a name inside a module → that module)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for module, path in MODULES.items():
        for source, name in _imported(module, path):
            target = _resolve(f"{source}.{name}" if name else source)
            if target and target != module:
                graph[module].add(target)
    return graph


def _package(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        return list(error.args[1])
    return []


def test_no_module_imports_another_that_imports_it_back() -> None:
    assert _cycle(_module_graph()) == []


def test_the_packages_of_tasks_and_flows_depend_one_way() -> None:
    packages: dict[str, set[str]] = {}
    for module, targets in _module_graph().items():
        packages.setdefault(_package(module), set()).update(
            _package(target) for target in targets if _package(target) != _package(module)
        )
    assert _cycle(packages) == []


def test_flows_stay_wiring() -> None:
    lines = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in (ROOT / "flows").rglob("*.py"))
    assert lines < FLOWS_MAX_LINES
