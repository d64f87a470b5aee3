"""The Prefect UI and the CLI do the same thing: each operator action's deployment is run as the UI runs
it (a flow run created from the applied deployment with the form's parameters, executed as a process
worker executes it: `python -m prefect.engine`) on one copy of a prepared data directory, and its CLI
command on another copy; the two catalogues (and the files written) must be the same, and a refusal
must be a refusal on both sides, with nothing changed.

One Prefect server for the file, every run of the UI side started at once; the engines are stand-ins
(`GUANGYING_ENGINES=stand-in`): this is about the doors, not the models."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import regex
import sqlalchemy as sa
from openpyxl import load_workbook

from flows.cli import main
from samples.clips import ClipSpec, render_clip
from tasks.judging.packets import HEADER_ROW
from tasks.judging.rubric import CRITERIA
from tests.judging_catalogue import ROSTER, WORKS, SampleWork, add_works, write_roster

pytestmark = pytest.mark.usefixtures("prefect_server")

ROOT = Path(__file__).resolve().parents[1]
HAN = regex.compile(r"\p{Han}")
OPERATOR = "筹备组李老师"
# Files whose bytes carry the moment they were written (Office and PDF metadata): compared by name.
NAMED_ONLY = (".docx", ".xlsx", ".pdf", ".sqlite3", ".html")
# Not outputs of an action: the catalogue (compared row by row), Prefect's home, logs, caches.
NOT_OUTPUTS = {
    "catalogue.sqlite3",
    "catalogue.sqlite3-wal",
    "catalogue.sqlite3-shm",
    "prefect",
    "logs",
    "cache",
    "scratch",
}
LATE_EXPERT = "王芳"  # whose score sheet is left for the `scores` case


@dataclass(frozen=True)
class Case:
    """One action: the deployment and its form's values, the CLI command; "{dir}" in either is the
    side's own folder (beside its data directory), "{inputs}" the shared read-only inputs."""

    deployment: str
    parameters: dict[str, Any]
    argv: tuple[str, ...]
    base: str  # which prepared data directory it starts from
    refused: bool = False
    changes: bool = True  # whether the catalogue must differ from the base afterwards
    outputs: tuple[str, ...] = ()  # folders under {dir} the action writes
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.deployment


def _fill(value: Any, side: Path, inputs: Path) -> Any:
    if isinstance(value, str):
        return value.replace("{dir}", str(side)).replace("{inputs}", str(inputs))
    if isinstance(value, list):
        return [_fill(v, side, inputs) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, side, inputs) for k, v in value.items()}
    return value


# The prepared data directories -------------------------------------------------------------------


def _cli(*argv: str) -> None:
    code = main(list(argv))
    assert code == 0, argv


def _use_data_dir(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    from tasks.catalogue.db import open_catalogue
    from tasks.config import get_settings

    monkeypatch.setenv("GUANGYING_DATA_DIR", str(folder))
    get_settings.cache_clear()
    open_catalogue.cache_clear()


def _fill_sheets(packets: Path, target: Path) -> dict[str, Path]:
    """Every expert's 评分表 filled in by a fixed rule; expert → the filled sheet."""
    filled = {}
    for path in sorted(packets.glob("*/评分表-*.xlsx")):
        book = load_workbook(path)
        sheet = book.active
        expert = str(sheet.cell(row=2, column=1).value).split("：")[1]
        for row in range(HEADER_ROW + 1, sheet.max_row + 1):
            base = 0.9 - int(sheet.cell(row=row, column=1).value) * 0.05
            for column, (_, maximum) in enumerate(zip(CRITERIA, (25, 25, 20, 10, 20), strict=True)):
                sheet.cell(row=row, column=6 + column).value = round(maximum * base, 1)
        filled[expert] = target / f"交回-{expert}.xlsx"
        book.save(filled[expert])
    return filled


def prepare_judging(folder: Path, inputs: Path, media: Path) -> None:
    """Works under judging (0001 and 0002 the same video: an originality pair), the roster, the
    assignment, the packets and every expert's scores but LATE_EXPERT's."""
    clip = media / "parity-clip.mp4"
    if not clip.exists():
        render_clip(clip, ClipSpec(width=320, height=180, seconds=2, audio=False))
    works = [
        SampleWork(w.title, w.unit, w.category, w.submitter, w.verdict, w.state, (clip,)) for w in WORKS[:2]
    ]
    add_works(works + WORKS[2:])
    _cli("experts", str(write_roster(inputs / "专家名单.xlsx", ROSTER)))
    _cli("assign")
    _cli("packets", "--out", str(inputs / "评审包"))
    sheets = _fill_sheets(inputs / "评审包", inputs)
    _cli("scores", *(str(path) for expert, path in sheets.items() if expert != LATE_EXPERT))
    # A new roster without 赵磊, who holds works: the import needs a choice.
    write_roster(inputs / "新专家名单.xlsx", [row for row in ROSTER if row[0] != "赵磊"])
    (inputs / "不是名单.xlsx").write_bytes(b"not a workbook")


PREPARED: dict[str, Callable[[Path, Path, Path], None]] = {"judging": prepare_judging}

CASES = (
    Case(
        "experts",
        {"path": "{inputs}/新专家名单.xlsx", "dropped_scores": "保留已交评分", "operator": OPERATOR},
        ("experts", "{inputs}/新专家名单.xlsx", "--keep-scores"),
        "judging",
    ),
    Case(
        "experts",
        {"path": "{inputs}/新专家名单.xlsx"},
        ("experts", "{inputs}/新专家名单.xlsx"),
        "judging",
        refused=True,
        name="experts-needs-a-choice",
    ),
    Case(
        "experts",
        {"path": "{inputs}/不是名单.xlsx"},
        ("experts", "{inputs}/不是名单.xlsx"),
        "judging",
        refused=True,
        name="experts-unreadable",
    ),
    Case(
        "packets",
        {"out": "{dir}/评审包"},
        ("packets", "--out", "{dir}/评审包"),
        "judging",
        changes=False,
        outputs=("评审包",),
    ),
    Case(
        "scores",
        {"paths": [f"{{inputs}}/交回-{LATE_EXPERT}.xlsx"], "operator": OPERATOR},
        ("scores", f"{{inputs}}/交回-{LATE_EXPERT}.xlsx"),
        "judging",
    ),
    Case(
        "ranking",
        {"special": 1, "excellent": 3},
        ("ranking", "--special", "1", "--excellent", "3"),
        "judging",
        changes=False,
    ),
)


# Running both sides -------------------------------------------------------------------------------


def _apply(names: set[str]) -> dict[str, Any]:
    """The deployments registered on the server, as `python -m deployments apply` does."""
    from deployments.definitions import DEPLOYMENTS, build

    return {spec.name: build(spec).apply() for spec in DEPLOYMENTS if spec.name in names}


async def _create_runs(
    cases: list[Case], applied: dict[str, Any], sides: list[Path], inputs: Path
) -> list[str]:
    """What the UI's Run button does: a flow run of the applied deployment with the form's values."""
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        runs = []
        for case, side in zip(cases, sides, strict=True):
            run = await client.create_flow_run_from_deployment(
                applied[case.deployment], parameters=_fill(case.parameters, side, inputs)
            )
            runs.append(str(run.id))
        return runs


async def _read_runs(run_ids: list[str]) -> list[Any]:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        return [await client.read_flow_run(run_id) for run_id in run_ids]


async def _artifacts(run_id: str) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    async with get_client() as client:
        return await client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )


def _start_runs(run_ids: list[str], sides: list[Path]) -> list[subprocess.Popen[bytes]]:
    """Each run executed as a process worker executes it, with that side's data directory."""
    from prefect.settings import PREFECT_API_URL

    processes = []
    for run_id, side in zip(run_ids, sides, strict=True):
        env = {
            **os.environ,
            "GUANGYING_DATA_DIR": str(side / "var"),
            "GUANGYING_ENGINES": "stand-in",
            "PREFECT__FLOW_RUN_ID": run_id,
            "PREFECT_API_URL": PREFECT_API_URL.value(),
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
        env.pop("GUANGYING_OPERATOR", None)  # a worker does not know who pressed Run: the form says
        log = (side / "engine.log").open("wb")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "prefect.engine"], cwd=ROOT, env=env, stdout=log, stderr=log
            )
        )
    return processes


def catalogue_rows(data_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the catalogue, rows sorted, minus what names the run rather than the action."""
    from tasks.catalogue.models import Base

    engine = sa.create_engine(f"sqlite:///{data_dir / 'catalogue.sqlite3'}")
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if c.name not in VOLATILE.get(table.name, ())]
            rows = connection.execute(sa.select(*columns)).all()
            tables[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    engine.dispose()
    return tables


VOLATILE: dict[str, tuple[str, ...]] = {"judging_approvals": ("flow_run_id", "via")}


def outputs(folder: Path) -> dict[str, str]:
    """Relative path → sha256 (or only its presence, for files stamped with the time of writing)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or set(relative.parts) & NOT_OUTPUTS or relative.name == "engine.log":
            continue
        named = path.suffix in NAMED_ONLY
        found[str(relative)] = "" if named else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_each_action_from_the_ui_does_what_its_cli_command_does(
    tmp_path: Path, media_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    monkeypatch.setenv("GUANGYING_ENGINES", "stand-in")
    monkeypatch.setenv("GUANGYING_OPERATOR", OPERATOR)  # the CLI's operator; the UI's is the form's
    bases = {}
    for name, prepare in PREPARED.items():
        bases[name] = tmp_path / "base" / name
        _use_data_dir(monkeypatch, bases[name] / "var")
        prepare(bases[name] / "var", inputs, media_dir)
    capsys.readouterr()

    cases = list(CASES)
    ui = [tmp_path / "ui" / f"{index:02d}-{case.label}" for index, case in enumerate(cases)]
    cli = [tmp_path / "cli" / f"{index:02d}-{case.label}" for index, case in enumerate(cases)]
    for case, side in zip(cases * 2, ui + cli, strict=True):
        shutil.copytree(bases[case.base], side)
    applied = _apply({case.deployment for case in cases})
    run_ids = asyncio.run(_create_runs(cases, applied, ui, inputs))
    processes = _start_runs(run_ids, ui)

    codes = []
    for case, side in zip(cases, cli, strict=True):
        _use_data_dir(monkeypatch, side / "var")
        codes.append(main([str(_fill(arg, side, inputs)) for arg in case.argv]))
    capsys.readouterr()
    for process in processes:
        process.wait(timeout=300)

    runs = asyncio.run(_read_runs(run_ids))
    for case, run, code, ui_side, cli_side in zip(cases, runs, codes, ui, cli, strict=True):
        log = (ui_side / "engine.log").read_text(encoding="utf-8", errors="replace")[-2000:]
        assert run.state.type.value == ("FAILED" if case.refused else "COMPLETED"), (
            case.label,
            run.state,
            log,
        )
        assert (code != 0) == case.refused, (case.label, code)
        assert HAN.search(run.state.message or ""), (case.label, run.state.message)
        (artifact,) = asyncio.run(_artifacts(str(run.id)))
        assert artifact.key == f"action-{case.deployment}" and HAN.search(artifact.data), case.label
        base = catalogue_rows(bases[case.base] / "var")
        ui_rows, cli_rows = catalogue_rows(ui_side / "var"), catalogue_rows(cli_side / "var")
        assert ui_rows == cli_rows, case.label
        assert (ui_rows != base) == (case.changes and not case.refused), case.label
        assert outputs(ui_side) == outputs(cli_side), case.label
        for folder in case.outputs:
            assert any((ui_side / folder).rglob("*")), case.label
