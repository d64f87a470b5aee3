"""The vocabularies stored in the catalogue and in JSON: check ids and file roles are enums whose
values are the strings stored before, each with its Chinese label."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tasks.decisions import Decision, DecisionAction, decided_verdict
from tasks.findings import (
    CHECK_LABELS,
    JUDGING_CHECKS,
    Check,
    Finding,
    Status,
    UnknownCheck,
    Verdict,
    check_named,
)
from tasks.intake.classify import settle_scans
from tasks.roles import ROLE_LABELS, FileRole

# What the catalogue holds today: changing a value would orphan stored rows.
STORED_CHECKS = {
    "format", "duration", "resolution", "aspect_ratio", "frame_rate", "integrity", "black_frames",
    "frozen_frames", "audio", "aigc_label", "subtitles", "deadline", "naming", "materials", "netdisk",
    "form_fields", "field_length", "phone", "broadcast", "declared_duration", "summary_table",
    "episodes", "archive", "document", "pledge", "mail", "matching",
}  # fmt: skip
JUDGING = {"assignment", "roster", "scores", "expert_outlier", "disagreement", "tie", "tier_boundary"}
STORED_ROLES = {"video", "script", "registration_form", "summary_table", "pledge", "other"}


def test_check_values_are_the_stored_ids() -> None:
    assert {str(c) for c in Check} == STORED_CHECKS | JUDGING
    assert {str(c) for c in JUDGING_CHECKS} == JUDGING


def test_every_file_check_has_a_chinese_label_and_every_label_is_a_check() -> None:
    assert set(CHECK_LABELS) == set(Check) - JUDGING_CHECKS
    assert all(isinstance(key, Check) for key in CHECK_LABELS)
    assert all(label and not label.isascii() for label in CHECK_LABELS.values())


def test_every_role_has_a_chinese_label() -> None:
    assert {str(r) for r in FileRole} == STORED_ROLES
    assert set(ROLE_LABELS) == set(FileRole) and all(isinstance(key, FileRole) for key in ROLE_LABELS)
    assert all(label and not label.isascii() for label in ROLE_LABELS.values())


def test_a_finding_built_from_a_stored_row_reads_back_as_the_enum() -> None:
    stored = {"check": "frozen_frames", "status": "warn", "message": "静止画面"}
    finding = Finding(stored["check"], Status(stored["status"]), stored["message"])
    assert finding.check is Check.FROZEN_FRAMES
    assert finding.to_dict()["check"] == "frozen_frames" and type(finding.to_dict()["check"]) is str


def test_a_decision_built_from_a_stored_row_waives_the_enum() -> None:
    when = datetime(2026, 12, 1, tzinfo=UTC)
    waiver = Decision(DecisionAction.WAIVE, "片尾定格为有意设计", "王老师", when, "frozen_frames")
    assert waiver.check is Check.FROZEN_FRAMES and waiver.waived_check is Check.FROZEN_FRAMES
    late = Decision(DecisionAction.ACCEPT_LATE, "同意延期", "王老师", when)
    assert late.waived_check is Check.DEADLINE
    findings = [
        Finding(Check.FROZEN_FRAMES, Status.WARN, "静止画面"),
        Finding(Check.DEADLINE, Status.FAIL, "逾期"),
    ]
    assert decided_verdict(findings, [waiver]).verdict is Verdict.FAIL
    assert decided_verdict(findings, [waiver, late]).verdict is Verdict.PASS


def test_an_operator_names_a_check_by_its_id() -> None:
    assert check_named("frozen_frames") is Check.FROZEN_FRAMES
    with pytest.raises(UnknownCheck) as caught:
        check_named("frozen")
    assert str(caught.value).startswith("没有名为“frozen”的检查项。可选：format、duration、")
    with pytest.raises(UnknownCheck):
        check_named("tie")  # judging's checks are not waived


def test_settled_scan_is_the_pledge_role() -> None:
    roles = settle_scans([FileRole.OTHER, FileRole.OTHER], ["scan?", "scan?"])
    assert roles == [FileRole.PLEDGE, FileRole.OTHER] and roles[0] is FileRole.PLEDGE
