"""Corrections are decisions: a received time corrected (`set-received`), a decision taken back
(`revoke`), and every decision that cannot apply refused with one sentence, nothing changed."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import pytest

from cli.main import main
from samples.packages import clip, good_form, package_files, zip_package
from tasks.rules import SHANGHAI

pytestmark = pytest.mark.usefixtures("prefect_server")
PREFIX = "张明（江北区融媒体中心）+红岩家书"


@pytest.fixture(autouse=True)
def _fresh_root_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])


def _taken_in(tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str], received: str) -> dict:  # type: ignore[type-arg]
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form())
    archive = zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)
    capsys.readouterr()
    assert main(["ingest", "--no-screen", "--json", "--received-at", received, str(archive)]) in (0, 1)
    (item,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return item  # type: ignore[no-any-return]


def _decide(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict | str]:  # type: ignore[type-arg]
    capsys.readouterr()
    code = main(["decide", *args, "--json"] if "--json" not in args else ["decide", *args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else err)


def _deadline(item: dict) -> str:  # type: ignore[type-arg]
    return next(f["status"] for f in item["findings"] if f["check"] == "deadline")


def test_set_received_corrects_the_time_and_revoke_takes_it_back(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    late = _taken_in(tmp_path, media_dir, capsys, "2026-12-01 08:00")
    assert _deadline(late) == "fail"
    note = "邮件11月28日已发出，服务器退信后12月1日转来"
    code, item = _decide(
        capsys, late["id"][:8], "set-received", "2026-11-28 10:00", "--note", note, "--by", "左老师"
    )
    assert code == 0 and isinstance(item, dict)
    assert datetime.fromisoformat(item["received_at"]) == datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    assert item["received_basis"] == "operator" and item["received_set_by"] == "左老师"
    assert _deadline(item) == "pass"
    (decision,) = item["decisions"]
    assert decision["action"] == "set-received" and decision["number"] == 1 and decision["note"] == note
    assert datetime.fromisoformat(decision["value"]["previous"]) == datetime(
        2026, 12, 1, 8, 0, tzinfo=SHANGHAI
    )

    # Taken back: the old time and its basis return, the deadline fails again; both are recorded.
    code, item = _decide(capsys, late["id"][:8], "revoke", "1")
    assert code == 0 and isinstance(item, dict)
    assert datetime.fromisoformat(item["received_at"]) == datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI)
    assert _deadline(item) == "fail" and item["verdict"] == "fail"
    assert [d["action"] for d in item["decisions"]] == ["set-received", "revoke"]
    assert item["decisions"][1]["value"] == {"revokes": 1}

    # A revoked accept-late no longer counts.
    code, item = _decide(capsys, late["id"][:8], "accept-late", "--note", "筹备组同意")
    assert code == 0 and isinstance(item, dict) and item["verdict"] != "fail"
    code, item = _decide(capsys, late["id"][:8], "revoke", "3", "--note", "误操作")
    assert code == 0 and isinstance(item, dict) and item["verdict"] == "fail"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["accept-late", "--note", "x"], "不是逾期收到的"),
        (["waive", "--check", "deadline", "--note", "x"], "没有不通过或提示"),
        (["accept-late", "--check", "deadline", "--note", "x"], "不接受 --check"),
        (["reject", "2026-11-28", "--note", "x"], "不接受"),
        (["set-received", "--note", "x"], "需要写明收到时间"),
        (["set-received", "2030-01-01 10:00", "--note", "x"], "晚于当前时间"),
        (["revoke", "7"], "没有第7项决定"),
        (["revoke", "一"], "序号"),
    ],
)
def test_decide_refuses_what_cannot_apply(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    work = _taken_in(tmp_path, media_dir, capsys, "2026-11-28 10:00")
    code, err = _decide(capsys, work["id"][:8], *args)
    assert code == 2 and isinstance(err, str) and said in err and len(err.strip().splitlines()) == 1
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    (after,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert after["decisions"] == [] and after["received_at"] == work["received_at"]


def test_a_second_withdraw_and_a_second_revoke_are_refused(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    work = _taken_in(tmp_path, media_dir, capsys, "2026-11-28 10:00")
    assert main(["withdraw", work["id"][:8], "--note", "重复报送"]) == 0
    assert main(["withdraw", work["id"][:8], "--note", "重复报送"]) == 2
    assert "已经撤销过" in capsys.readouterr().err
    code, item = _decide(capsys, work["id"][:8], "revoke", "1", "--note", "并非重复")
    assert code == 0 and isinstance(item, dict) and item["state"] != "withdrawn"
    code, err = _decide(capsys, work["id"][:8], "revoke", "1")
    assert code == 2 and "已经撤回过" in str(err)
    code, err = _decide(capsys, work["id"][:8], "revoke", "2")
    assert code == 2 and "不能撤回" in str(err)


def test_withdraw_mistake_removes_the_work_from_every_list_but_keeps_its_originals(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.config import get_settings
    from tasks.judging.eligibility import eligible_submissions
    from tasks.report.service import current_summary

    work = _taken_in(tmp_path, media_dir, capsys, "2026-11-28 10:00")
    assert main(["withdraw", work["id"][:8], "--mistake", "--note", "误投的测试文件"]) == 0
    assert "误收" in capsys.readouterr().out
    assert main(["status", "--json"]) == 0 and capsys.readouterr().out == ""
    out = tmp_path / "汇总.xlsx"
    assert main(["export", "--out", str(out)]) == 0
    assert "0件" in capsys.readouterr().out
    assert current_summary(get_settings(), with_runs=False)[0].total == 0
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        assert eligible_submissions(session) == []
    kept = tmp_path / "取回" / "原件"  # --out creates the folder, parents too, as its help says
    assert main(["original", work["id"][:8], "--out", str(kept)]) == 0  # nothing deleted
    assert any(kept.iterdir())

    # Taken back: the work is listed again.
    code, item = _decide(capsys, work["id"][:8], "revoke", "1", "--note", "并非误收")
    assert code == 0 and isinstance(item, dict) and item["state"] != "removed"
    assert main(["status", "--json"]) == 0 and work["id"] in capsys.readouterr().out
