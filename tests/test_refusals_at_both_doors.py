"""A service's refusal reads right at both doors. The Prefect UI's forms (flows/actions.py) show it as
the service words it: what is missing, in the words of the form's fields, never a command-line option
the operator there does not have. The command line adds the option that gives the missing input."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path
from typing import Any

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

from cli.main import main
from flows import actions
from tasks.judging.rubric import CRITERIA
from tests.judging_catalogue import ROSTER, WORKS, add_duplicate_pair, add_works, write_roster

pytestmark = pytest.mark.usefixtures("prefect_server")

# (the form's flow, its parameters; the command's arguments; the option the command line names).
# "{work}" and "{dir}" are filled in per test.
REFUSALS: list[tuple[Any, dict[str, Any], list[str], str]] = [
    (
        actions.originality_flow,
        {"pair": 1, "decision": "确认", "copier": "0002", "note": ""},
        ["originality", "--confirm", "1", "--copy", "0002"],
        "--note",
    ),
    (
        actions.originality_flow,
        {"pair": 1, "decision": "确认", "note": "比对原片"},
        ["originality", "--confirm", "1", "--note", "比对原片"],
        "--copy",
    ),
    (
        actions.packets_flow,
        {"out": "{dir}/评审包", "links": True},
        ["packets", "--out", "{dir}/评审包", "--links"],
        "--links",
    ),
    (
        actions.withdraw_flow,
        {"submission_id": "{work}", "note": " "},
        ["withdraw", "{work}", "--note", " "],
        "--note",
    ),
]


def _filled(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**names)
    if isinstance(value, dict):
        return {key: _filled(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_filled(item, names) for item in value]
    return value


def _refused_in_the_ui(flow: Any, parameters: dict[str, Any]) -> str:
    state = flow(**parameters, return_state=True)
    assert state.is_failed(), (flow.name, state)
    return str(state.message)


def _refused_at_the_command_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2, argv
    return capsys.readouterr().err


def test_a_refusal_names_the_option_at_the_command_line_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = add_works(WORKS[:2])
    add_duplicate_pair(ids[0], ids[1])
    names = {"work": ids[0][:8], "dir": str(tmp_path)}
    for flow, parameters, argv, option in REFUSALS:
        said = _refused_in_the_ui(flow, _filled(parameters, names))
        assert "--" not in said, (flow.name, said)
        err = _refused_at_the_command_line(capsys, _filled(argv, names))
        assert f"{said.removesuffix('。')}（{option}）" in err, (argv, err)

    # A decision already taken is changed only when asked for: the form's 改变已作出的结论, --force.
    confirmed = {"pair": 1, "decision": "确认", "copier": "0002", "note": "比对原片，0002为翻录"}
    assert actions.originality_flow(**confirmed, return_state=True).is_completed()
    said = _refused_in_the_ui(actions.originality_flow, {"pair": 1, "decision": "排除", "note": "误判"})
    assert "--" not in said and said.endswith("须选择改变已作出的结论")
    err = _refused_at_the_command_line(capsys, ["originality", "--dismiss", "1", "--note", "误判"])
    assert f"{said}（--force）" in err


def _artifact_text(flow_run_id: Any, key: str) -> str:
    async def read() -> str:
        async with get_client() as client:
            (artifact,) = await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    key=ArtifactFilterKey(any_=[key]), flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])
                )
            )
        return str(artifact.data)

    return asyncio.run(read())


def _sheet(path: Path, expert: str, number: str, first: float) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["评审专家", "编号", *CRITERIA])
        writer.writerow([expert, number, first, 20, 15, 8, 16])
    return path


def test_a_score_correction_is_asked_for_in_words_and_by_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    add_works(WORKS[:1])
    assert main(["experts", str(write_roster(tmp_path / "专家.csv", [list(r) for r in ROSTER]))]) == 0
    capsys.readouterr()
    assert main(["assign", "--no-originality", "--json", "--per-work", "1"]) == 0
    (assigned,) = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    expert, number = assigned["experts"][0], assigned["work"]
    assert main(["scores", str(_sheet(tmp_path / "评分.csv", expert, number, 20))]) == 0
    changed = _sheet(tmp_path / "更正.csv", expert, number, 21)

    state = actions.scores_flow(paths=[str(changed)], return_state=True)
    assert state.is_failed()
    shown = _artifact_text(state.state_details.flow_run_id, "action-scores")
    assert "须选择用新表更正已导入的评分" in shown and "--" not in shown
    capsys.readouterr()
    assert main(["scores", str(changed)]) == 1
    assert "须选择用新表更正已导入的评分（--replace）" in capsys.readouterr().out
