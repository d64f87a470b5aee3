"""Findings: the one value type every check produces, and the verdict rule over them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from tasks.printable import MAX_MESSAGE_CHARS, clip, clip_values, printable_text


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"  # the check itself could not run; a person must look


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    REVIEW = "review"


# Chinese labels for people (tables, notices, exports).
STATUS_LABELS: dict[str, str] = {
    Status.PASS: "通过",
    Status.FAIL: "不通过",
    Status.WARN: "提示",
    Status.ERROR: "无法检查",
}
VERDICT_LABELS: dict[str, str] = {
    Verdict.PASS: "通过",
    Verdict.FAIL: "不通过",
    Verdict.REVIEW: "待人工复核",
}


class Check(StrEnum):
    """Every check id a finding can carry; the values are stored in the catalogue and in JSON."""

    FORMAT = "format"
    DURATION = "duration"
    RESOLUTION = "resolution"
    ASPECT_RATIO = "aspect_ratio"
    FRAME_RATE = "frame_rate"
    INTEGRITY = "integrity"
    BLACK_FRAMES = "black_frames"
    FROZEN_FRAMES = "frozen_frames"
    AUDIO = "audio"
    AIGC_LABEL = "aigc_label"
    SUBTITLES = "subtitles"
    # intake (notice 五, 附件1–3)
    DEADLINE = "deadline"
    NAMING = "naming"
    MATERIALS = "materials"
    NETDISK = "netdisk"
    FORM_FIELDS = "form_fields"
    FIELD_LENGTH = "field_length"
    PHONE = "phone"
    BROADCAST = "broadcast"
    DECLARED_DURATION = "declared_duration"
    SUMMARY_TABLE = "summary_table"
    EPISODES = "episodes"
    ARCHIVE = "archive"
    DOCUMENT = "document"
    PLEDGE = "pledge"
    MAIL = "mail"
    MATCHING = "matching"  # which work a second e-mail or a resend belongs to (tasks.catalogue.threading)
    # judging (tasks/judging)
    ASSIGNMENT = "assignment"
    ROSTER = "roster"
    SCORES = "scores"
    EXPERT_OUTLIER = "expert_outlier"
    DISAGREEMENT = "disagreement"
    TIE = "tie"
    TIER_BOUNDARY = "tier_boundary"


# Chinese names of the checks, for tables and notices. Judging's checks have none: their findings
# are only listed with their own messages and cannot be waived.
CHECK_LABELS: dict[str, str] = {
    Check.FORMAT: "封装格式",
    Check.DURATION: "单集时长",
    Check.RESOLUTION: "分辨率",
    Check.ASPECT_RATIO: "画面比例",
    Check.FRAME_RATE: "帧率",
    Check.INTEGRITY: "文件完整性",
    Check.BLACK_FRAMES: "黑屏",
    Check.FROZEN_FRAMES: "静止画面",
    Check.AUDIO: "音轨",
    Check.AIGC_LABEL: "AI生成内容标识",
    Check.SUBTITLES: "简体中文字幕",
    # intake (notice 五, 附件1–3)
    Check.DEADLINE: "报送时间",
    Check.NAMING: "文件命名",
    Check.MATERIALS: "报送材料",
    Check.NETDISK: "百度网盘",
    Check.FORM_FIELDS: "登记表填写",
    Check.FIELD_LENGTH: "字数限制",
    Check.PHONE: "联系电话",
    Check.BROADCAST: "播出情况",
    Check.DECLARED_DURATION: "申报时长",
    Check.SUMMARY_TABLE: "作品汇总表",
    Check.EPISODES: "系列集数",
    Check.ARCHIVE: "压缩包",
    Check.DOCUMENT: "文档读取",
    Check.PLEDGE: "版权承诺书",
    Check.MAIL: "邮件读取",
    Check.MATCHING: "归属作品",
}

# Judging's checks: about experts and scores, not about a submitted file.
JUDGING_CHECKS: frozenset[Check] = frozenset(
    {
        Check.ASSIGNMENT,
        Check.ROSTER,
        Check.SCORES,
        Check.EXPERT_OUTLIER,
        Check.DISAGREEMENT,
        Check.TIE,
        Check.TIER_BOUNDARY,
    }
)


class UnknownCheck(ValueError):
    """A check id from the command line that names no waivable check; its text says so in Chinese."""


def check_named(text: str) -> Check:
    """The Check an operator names, e.g. `--check frozen_frames`: only the labelled (waivable) ones."""
    if text in CHECK_LABELS:
        return Check(text)
    known = "、".join(CHECK_LABELS)
    raise UnknownCheck(f"没有名为“{text}”的检查项。可选：{known}。")


@dataclass(frozen=True, slots=True, init=False)
class Finding:
    """One check's result: `message` is for people (simplified Chinese), `evidence` is measured data."""

    check: Check
    status: Status
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    stage: str = "technical"

    def __init__(
        self,
        check: Check | str,
        status: Status,
        message: str,
        evidence: dict[str, Any] | None = None,
        stage: str = "technical",
    ) -> None:
        # A check id read back from the catalogue or JSON is a plain str: it becomes the Check here
        # (ValueError for an id that names no check: every id ever stored is a Check).
        object.__setattr__(self, "check", Check(check))
        object.__setattr__(self, "status", status)
        # The one place where text from hostile input is bounded: names in messages are shown with
        # their control characters escaped, and long evidence strings (a 1 MB metadata value) are cut.
        object.__setattr__(self, "message", clip(printable_text(message), MAX_MESSAGE_CHARS))
        object.__setattr__(self, "evidence", clip_values({} if evidence is None else evidence))
        object.__setattr__(self, "stage", stage)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["check"] = str(self.check)
        data["status"] = str(self.status)
        data.pop("stage")
        return data


def verdict(findings: Iterable[Finding]) -> Verdict:
    """fail if any check fails; review if any warns or could not run; else pass (design brief §5)."""
    statuses = {f.status for f in findings}
    if Status.FAIL in statuses:
        return Verdict.FAIL
    if statuses & {Status.WARN, Status.ERROR}:
        return Verdict.REVIEW
    return Verdict.PASS
