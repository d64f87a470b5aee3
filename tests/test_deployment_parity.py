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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import regex
import sqlalchemy as sa
from openpyxl import load_workbook

from cli.main import main
from samples.clips import ClipSpec, render_clip
from samples.packages import clip, good_form, package_files, zip_package
from tasks.judging.packets import HEADER_ROW
from tasks.judging.rubric import CRITERIA
from tests.judging_catalogue import ROSTER, WORKS, SampleWork, add_works, write_roster

pytestmark = pytest.mark.usefixtures("prefect_server")

ROOT = Path(__file__).resolve().parents[1]
HAN = regex.compile(r"\p{Han}")
OPERATOR = "筹备组李老师"
# Files whose bytes carry the moment they were written (Office and PDF metadata): compared by name.
NAMED_ONLY = (".docx", ".xlsx", ".pdf", ".sqlite3", ".html")
TEXT = (".json", ".txt", ".vtt", ".srt", ".md")
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
    """One action: the deployment and its form's values, the CLI command. In either, "{dir}" is the
    side's own folder (beside its data directory), "{inputs}" the shared read-only inputs, and other
    "{name}"s what the prepared data directory names (e.g. "{work}": a 受理编号 prefix)."""

    deployment: str
    parameters: dict[str, Any]
    argv: tuple[str, ...]
    base: str  # which prepared data directory it starts from
    refused: bool = False  # the run ends Failed, the command exits 2, nothing changes
    changes: bool = True  # whether the catalogue must differ from the base afterwards
    outputs: tuple[str, ...] = ()  # folders under {dir} the action writes
    name: str = ""
    run_state: str | None = None  # when not the refusal's: the flow run's final state
    cli_code: int | None = None  # when not the refusal's: the command's exit status
    artifact: bool = True  # a flow of flows/actions.py: its Chinese result as `action-<name>`

    @property
    def label(self) -> str:
        return self.name or self.deployment

    @property
    def expected_state(self) -> str:
        return self.run_state or ("FAILED" if self.refused else "COMPLETED")

    @property
    def expected_code(self) -> int:
        return self.cli_code if self.cli_code is not None else (2 if self.refused else 0)


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, text in names.items():
            value = value.replace(f"{{{name}}}", text)
        return value
    if isinstance(value, list | tuple):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
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


def prepare_judging(inputs: Path, media: Path) -> dict[str, str]:
    """Works under judging (0001 and 0002 the same video: an originality pair), the roster, the
    assignment, the packets and every expert's scores but LATE_EXPERT's."""
    clip = media / "parity-clip.mp4"
    if not clip.exists():
        render_clip(clip, ClipSpec(width=320, height=180, seconds=2, audio=False))
    works = [
        SampleWork(w.title, w.unit, w.category, w.submitter, w.verdict, w.state, (clip,)) for w in WORKS[:2]
    ]
    (first, *_) = add_works(works + WORKS[2:])
    _cli("experts", str(write_roster(inputs / "专家名单.xlsx", ROSTER)))
    _cli("assign")  # the originality check first: 0001 and 0002 are suspected pair 1
    _cli("packets", "--out", str(inputs / "评审包"))
    sheets = _fill_sheets(inputs / "评审包", inputs)
    _cli("scores", *(str(path) for expert, path in sheets.items() if expert != LATE_EXPERT))
    # A new roster without 赵磊, who holds works: the import needs a choice.
    write_roster(inputs / "新专家名单.xlsx", [row for row in ROSTER if row[0] != "赵磊"])
    (inputs / "不是名单.xlsx").write_bytes(b"not a workbook")
    return {"first": first[:8]}


def prepare_intake(inputs: Path, media: Path) -> dict[str, str]:
    """One work taken in without screening (received in time, stated by an operator), an empty folder."""
    files = package_files(inputs / "源文件", clip(media), form=good_form())
    package = zip_package(inputs / f"{PREFIX}.zip", files, folder=PREFIX)
    _cli("ingest", "--no-screen", "--received-at", "2026-11-28T10:00+08:00", "--by", "王老师", str(package))
    (inputs / "空文件夹" / "子文件夹").mkdir(parents=True)
    (item,) = service_works()
    return {"work": item.id[:8]}


def service_works() -> list[Any]:
    from tasks.config import get_settings
    from tasks.submissions.service import works

    return works(get_settings())


PREPARED: dict[str, Callable[[Path, Path], dict[str, str]]] = {
    "judging": prepare_judging,
    "intake": prepare_intake,
}
PREFIX = "张明（江北区融媒体中心）+红岩家书"
BY = ("--by", OPERATOR)

CASES = (
    # Works taken in.
    Case(
        "ingest",
        {"paths": ["{inputs}/空文件夹"], "screen": False},
        ("ingest", "--no-screen", "{inputs}/空文件夹"),
        "intake",
        changes=False,
        name="ingest-an-empty-folder",
        run_state="COMPLETED",  # the run reports the folder it refused, as the command does
        cli_code=1,
        artifact=False,
    ),
    Case(
        "decide",
        {
            "submission_id": "{work}",
            "action": "更正收到时间",
            "value": "2026-11-29 09:00",
            "note": "邮件服务器延迟，按原始邮件时间更正",
            "operator": OPERATOR,
        },
        (
            "decide",
            "{work}",
            "set-received",
            "2026-11-29 09:00",
            "--note",
            "邮件服务器延迟，按原始邮件时间更正",
            *BY,
        ),
        "intake",
    ),
    Case(
        "decide",
        {"submission_id": "{work}", "action": "免除该项", "note": "画面静止是作者的设计"},
        ("decide", "{work}", "waive", "--note", "画面静止是作者的设计"),
        "intake",
        refused=True,
        name="decide-a-waiver-without-its-check",
    ),
    Case(
        "decide",
        {"submission_id": "ffff", "action": "不予受理", "note": "重复报送"},
        ("decide", "ffff", "reject", "--note", "重复报送"),
        "intake",
        refused=True,
        name="decide-an-unknown-work",
    ),
    Case(
        "withdraw",
        {"submission_id": "{work}", "note": "误投的文件", "mistake": True, "operator": OPERATOR},
        ("withdraw", "{work}", "--note", "误投的文件", "--mistake", *BY),
        "intake",
    ),
    Case(
        "rescreen",
        {"submission_id": "{work}", "note": "受理时未审核", "operator": OPERATOR},
        ("rescreen", "{work}", "--note", "受理时未审核", *BY),
        "intake",
        cli_code=1,  # the 640×360 test clip fails the resolution rule: `screen`'s exit status
    ),
    Case(
        "recheck",
        {"note": "截止时间设置更正后重新核对", "operator": OPERATOR},
        ("recheck", "--note", "截止时间设置更正后重新核对", *BY),
        "intake",
    ),
    Case(
        "original",
        {"submission_id": "{work}", "out": "{dir}/原件"},
        ("original", "{work}", "--out", "{dir}/原件"),
        "intake",
        changes=False,
        outputs=("原件",),
    ),
    Case(
        "original",
        {"submission_id": "{work}"},
        ("original", "{work}", "--links"),
        "intake",
        refused=True,  # a local store has no link another machine opens
        name="original-links-from-a-local-store",
    ),
    # Judging.
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
        cli_code=1,
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
        "category",
        {"number": "0003", "category": "微纪录片", "operator": OPERATOR},
        ("category", "0003", "微纪录片"),
        "judging",
    ),
    Case(
        "originality",
        {"pair": 1, "decision": "确认", "copier": "2", "note": "两件作品为同一视频", "operator": OPERATOR},
        ("originality", "--confirm", "1", "--copy", "2", "--note", "两件作品为同一视频"),
        "judging",
    ),
    Case(
        "judging-assign",
        {"originality": False, "redo": ["3"], "operator": OPERATOR},
        ("assign", "--no-originality", "--redo", "3"),
        "judging",
        artifact=False,
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
    Case(
        "approve",
        {"set_special": "1", "set_excellent": "", "approver": OPERATOR, "note": "评审委员会会议决定"},
        ("approve", "--yes", "--set-special", "1", "--set-excellent", "", "--note", "评审委员会会议决定"),
        "judging",
        outputs=("var/judging",),
    ),
    Case(
        "publish",
        {"submission_ids": ["{first}"], "preset": "ultrafast"},
        ("publish", "{first}", "--preset", "ultrafast"),
        "judging",
        changes=False,
        cli_code=1,  # not on an approved list: said and not published, the page written, at both doors
        artifact=False,
    ),
    Case(
        "report",
        {"parameters": {"out": "{dir}/状态报告.html"}},
        ("report", "--out", "{dir}/状态报告.html"),
        "judging",
        changes=False,
        artifact=False,
    ),
)


# Running both sides -------------------------------------------------------------------------------


def _apply(names: set[str]) -> dict[str, Any]:
    """The deployments registered on the server, as `python -m deployments apply` does."""
    from deployments.definitions import DEPLOYMENTS, build

    return {spec.name: build(spec).apply() for spec in DEPLOYMENTS if spec.name in names}


async def _create_runs(cases: list[Case], applied: dict[str, Any], names: list[dict[str, str]]) -> list[str]:
    """What the UI's Run button does: a flow run of the applied deployment with the form's values."""
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        runs = []
        for case, known in zip(cases, names, strict=True):
            run = await client.create_flow_run_from_deployment(
                applied[case.deployment], parameters=_fill(case.parameters, known)
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


def _engine(run_id: str, side: Path) -> subprocess.Popen[bytes]:
    """One run executed as a process worker executes it, with that side's data directory."""
    from prefect.settings import PREFECT_API_URL

    env = {
        **os.environ,
        "GUANGYING_DATA_DIR": str(side / "var"),
        "GUANGYING_ENGINES": "stand-in",
        "PREFECT__FLOW_RUN_ID": run_id,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    env.pop("GUANGYING_OPERATOR", None)  # a worker does not know who pressed Run: the form says
    with (side / "engine.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "prefect.engine"], cwd=ROOT, env=env, stdout=log, stderr=log
        )


class Worker(threading.Thread):
    """Takes the runs in order, at most PARALLEL at once (a worker's --limit), beside the CLI side."""

    def __init__(self, runs: list[tuple[str, Path]]) -> None:
        super().__init__(daemon=True)
        self.runs, self.codes = runs, [None] * len(runs)

    def run(self) -> None:
        active: dict[int, subprocess.Popen[bytes]] = {}
        pending = list(enumerate(self.runs))
        while pending or active:
            while pending and len(active) < PARALLEL:
                index, (run_id, side) = pending.pop(0)
                active[index] = _engine(run_id, side)
            for index, process in list(active.items()):
                if process.poll() is not None:
                    self.codes[index] = process.returncode
                    del active[index]
            time.sleep(0.1)


PARALLEL = 4


def catalogue_rows(data_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the catalogue, rows sorted, minus what names the run rather than the action."""
    from tasks.catalogue.models import Base

    assert set(VOLATILE) <= set(Base.metadata.tables)  # a renamed table is noticed
    side = data_dir.parent
    engine = sa.create_engine(f"sqlite:///{data_dir / 'catalogue.sqlite3'}")
    tables: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if c.name not in WRITTEN_AT and c.name not in VOLATILE.get(table.name, ())
            ]
            rows = connection.execute(sa.select(*columns)).all()
            tables[table.name] = sorted(tuple(_normal(repr(value), side) for value in row) for row in rows)
    engine.dispose()
    return tables


def _normal(text: str, side: Path) -> str:
    """What differs between two runs of the same action: the side's folder, the run's scratch
    folder, Prefect's run ids, measured durations."""
    text = text.replace(str(side), "{dir}")
    text = regex.sub(r"scratch/[^/'\"]+/", "scratch/…/", text)
    text = regex.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<run>", text)
    return regex.sub(r"(\w+_seconds[\"']?): [0-9.e-]+", r"\1: …", text)


VOLATILE: dict[str, tuple[str, ...]] = {"judging_approval": ("flow_run_id", "via")}  # which door, which run
# When a row was written, by the system clock (the pipeline's own times follow GUANGYING_CLOCK).
WRITTEN_AT = {"created_at", "updated_at", "computed_at"}


def outputs(folder: Path) -> dict[str, str]:
    """Relative path → sha256, or the text as `_normal` makes it, or only its presence (for files
    stamped with the time of writing)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or set(relative.parts) & NOT_OUTPUTS or relative.name == "engine.log":
            continue
        if path.suffix in NAMED_ONLY:
            found[str(relative)] = ""
        elif path.suffix in TEXT:
            found[str(relative)] = _normal(path.read_bytes().decode("utf-8", "surrogateescape"), folder)
        else:
            found[str(relative)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.mark.usefixtures("stand_in_engines")  # the CLI side runs in this process, which may hold real engines
def test_each_action_from_the_ui_does_what_its_cli_command_does(
    tmp_path: Path, media_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    monkeypatch.setenv("GUANGYING_ENGINES", "stand-in")  # the UI side's engine processes
    monkeypatch.setenv("GUANGYING_OPERATOR", OPERATOR)  # the CLI's operator; the UI's is the form's
    bases, known = {}, {}
    for name, prepare in PREPARED.items():
        bases[name] = tmp_path / "base" / name
        _use_data_dir(monkeypatch, bases[name] / "var")
        known[name] = {"inputs": str(inputs), **prepare(inputs, media_dir)}
    capsys.readouterr()

    cases = list(CASES)
    ui = [tmp_path / "ui" / f"{index:02d}-{case.label}" for index, case in enumerate(cases)]
    cli = [tmp_path / "cli" / f"{index:02d}-{case.label}" for index, case in enumerate(cases)]
    for case, side in zip(cases * 2, ui + cli, strict=True):
        shutil.copytree(bases[case.base], side)
    ui_names = [{**known[case.base], "dir": str(side)} for case, side in zip(cases, ui, strict=True)]
    run_ids = asyncio.run(_create_runs(cases, _apply({case.deployment for case in cases}), ui_names))
    worker = Worker(list(zip(run_ids, ui, strict=True)))
    worker.start()

    codes = []
    for case, side in zip(cases, cli, strict=True):
        _use_data_dir(monkeypatch, side / "var")
        codes.append(main([str(arg) for arg in _fill(case.argv, {**known[case.base], "dir": str(side)})]))
    capsys.readouterr()
    worker.join(timeout=600)

    runs = asyncio.run(_read_runs(run_ids))
    for case, run, code, ui_side, cli_side in zip(cases, runs, codes, ui, cli, strict=True):
        log = (ui_side / "engine.log").read_text(encoding="utf-8", errors="replace")[-2000:]
        assert run.state.type.value == case.expected_state, (case.label, run.state, log)
        assert code == case.expected_code, (case.label, code)
        if case.artifact:
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
