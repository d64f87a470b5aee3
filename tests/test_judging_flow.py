"""The judging flows under a real Prefect server: assignment, then a run paused for typed approval,
resumed with edits (first with a mistake, which pauses it again), recorded with who and when."""

from __future__ import annotations

import csv
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from flows.judging import assign_flow, judging_flow
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import JudgingApproval
from tasks.config import get_settings
from tasks.judging.rubric import CRITERIA, MAXIMA
from tasks.judging.service import import_roster, import_scores
from tests.judging_catalogue import ROSTER, WORKS, add_works, write_roster

pytestmark = pytest.mark.usefixtures("prefect_server")


def _prepare(tmp_path: Path) -> None:
    settings = get_settings()
    add_works(WORKS)
    counts = import_roster(settings, write_roster(tmp_path / "专家.csv", ROSTER), settings.now()).counts
    assert counts is not None
    outcome = assign_flow(per_work=3, originality=False, packets_dir=str(tmp_path / "评审包"))
    assert len(outcome["assignment"]["experts"]) == 5 and len(outcome["packets"]) == 5
    sheet = tmp_path / "评分.csv"
    with sheet.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["评审专家", "编号", *CRITERIA])
        for number, names in sorted(outcome["assignment"]["experts"].items()):
            for name in names:
                share = 0.95 - 0.05 * int(number)
                writer.writerow([name, number, *(round(MAXIMA[c] * share, 1) for c in CRITERIA)])
    assert all(s.ok for s in import_scores(settings, [sheet], settings.now()))


def _paused_run(after: float, timeout: float = 90) -> Any:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["judging"])))
            for run in runs:
                if run.state and run.state.is_paused() and run.state.timestamp.timestamp() > after:
                    return run
            time.sleep(0.5)
    raise AssertionError("the judging run never paused")


def _judging_paused(tmp_path: Path) -> tuple[threading.Thread, dict[str, Any], Any]:
    """The judging flow started in a thread on a prepared catalogue, and its run once paused."""
    _prepare(tmp_path)
    result: dict[str, Any] = {}

    def run() -> None:
        result["value"] = judging_flow(special=1, excellent=3, poll_interval_s=1, timeout_s=120)

    worker = threading.Thread(target=run)
    started = time.time()  # the Prefect server stamps the pause; only runs paused after this count
    worker.start()
    return worker, result, _paused_run(started)


def test_pause_and_resume_with_typed_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], clock: datetime
) -> None:
    from prefect.flow_runs import resume_flow_run

    worker, result, paused = _judging_paused(tmp_path)
    resume_flow_run(paused.id, run_input={"special": ["0099"], "excellent": [], "approver": "李老师"})
    again = _paused_run(paused.state.timestamp.timestamp())  # the mistake pauses it again
    assert again.id == paused.id
    assert main(
        ["approve", "--yes", "--flow-run", str(again.id), "--set-special", "0002", "--set-excellent", "1,3",
         "--by", "筹备组李老师", "--note", "0002改列特别优秀"]
    ) == 0  # fmt: skip
    assert "已提交审批" in capsys.readouterr().out
    worker.join(timeout=120)
    assert not worker.is_alive()
    value = result["value"]
    assert value["by"] == "筹备组李老师"
    assert value["tiers"] == {"特别优秀": ["0002"], "优秀": ["0001", "0003"]}
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        approval = session.query(JudgingApproval).one()
        assert approval.via == "prefect-ui" and approval.approved_by == "筹备组李老师"
        assert approval.flow_run_id == str(paused.id)
        assert approval.note == "0002改列特别优秀"
        assert approval.proposal == {"特别优秀": ["0001"], "优秀": ["0002", "0003"]}
        # On the pipeline's clock, never today's date (SQLite gives it back without its zone, in UTC).
        approved_at = approval.approved_at
        assert (approved_at if approved_at.tzinfo else approved_at.replace(tzinfo=UTC)) == clock
    assert all(Path(p).exists() for p in value["documents"])


def test_approve_without_waiting(tmp_path: Path) -> None:
    _prepare(tmp_path)
    value = judging_flow(special=1, excellent=2, approve=True, approver="演示")
    assert value["tiers"] == {"特别优秀": ["0001"], "优秀": ["0002"]}
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        approval = session.query(JudgingApproval).one()
        assert approval.via == "auto" and approval.approved_by == "演示"


def _form_schema(run: Any) -> dict[str, Any]:
    """The JSON schema the Prefect UI draws the paused run's form from, as the server keeps it."""
    import json

    from prefect.client.orchestration import get_client

    keyset = run.state.state_details.run_input_keyset
    with get_client(sync_client=True) as client:
        return json.loads(client.read_flow_run_input(flow_run_id=run.id, key=keyset["schema"]))


def test_the_approval_form_is_chinese_titled_and_needs_an_approver(tmp_path: Path) -> None:
    from prefect.flow_runs import resume_flow_run

    worker, result, paused = _judging_paused(tmp_path)
    schema = _form_schema(paused)
    titles = {name: field.get("title") for name, field in schema["properties"].items()}
    assert titles == {
        "approve": "批准该名单",
        "special": "特别优秀",
        "excellent": "优秀",
        "approver": "审批人",
        "note": "备注",
    }
    assert schema["title"] == "批准优秀作品名单"
    # The initial data is there, each 编号 with its title.
    assert schema["properties"]["special"]["default"] == ["0001 《红岩魂》"]
    assert schema["properties"]["excellent"]["default"] == ["0002 《歌乐山下》", "0003 《两江红旗》"]
    assert schema["properties"]["approver"]["minLength"] == 1
    # No approver: the server refuses the input (the UI marks the field), the run stays paused.
    with pytest.raises(RuntimeError, match="approver"):
        resume_flow_run(paused.id, run_input={"special": ["0001 《红岩魂》"], "approver": ""})
    # Only spaces: the flow asks again.
    resume_flow_run(paused.id, run_input={"special": ["0001 《红岩魂》"], "approver": "  "})
    again = _paused_run(paused.state.timestamp.timestamp())
    assert "未填写审批人" in _description(again)
    resume_flow_run(
        again.id,
        run_input={
            "special": ["0002 《歌乐山下》"],
            "excellent": ["1", "0003 《两江红旗》"],
            "approver": "李老师",
        },
    )
    worker.join(timeout=120)
    assert not worker.is_alive()
    assert result["value"]["tiers"] == {"特别优秀": ["0002"], "优秀": ["0001", "0003"]}
    assert result["value"]["by"] == "李老师"


def _description(run: Any) -> str:
    from prefect.client.orchestration import get_client

    keyset = run.state.state_details.run_input_keyset
    with get_client(sync_client=True) as client:
        return str(client.read_flow_run_input(flow_run_id=run.id, key=keyset["description"]))
