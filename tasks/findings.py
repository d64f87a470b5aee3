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

# Chinese names of the checks, for tables and notices.
CHECK_LABELS: dict[str, str] = {
    "format": "封装格式",
    "duration": "单集时长",
    "resolution": "分辨率",
    "aspect_ratio": "画面比例",
    "frame_rate": "帧率",
    "integrity": "文件完整性",
    "black_frames": "黑屏",
    "frozen_frames": "静止画面",
    "audio": "音轨",
    "aigc_label": "AI生成内容标识",
    "subtitles": "简体中文字幕",
    # intake (notice 五, 附件1–3)
    "deadline": "报送时间",
    "naming": "文件命名",
    "materials": "报送材料",
    "netdisk": "百度网盘",
    "form_fields": "登记表填写",
    "field_length": "字数限制",
    "phone": "联系电话",
    "broadcast": "播出情况",
    "declared_duration": "申报时长",
    "summary_table": "作品汇总表",
    "episodes": "系列集数",
    "archive": "压缩包",
    "document": "文档读取",
    "pledge": "版权承诺书",
    "mail": "邮件读取",
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One check's result: `message` is for people (simplified Chinese), `evidence` is measured data."""

    check: str
    status: Status
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    stage: str = "technical"

    def __post_init__(self) -> None:
        # The one place where text from hostile input is bounded: names in messages are shown with
        # their control characters escaped, and long evidence strings (a 1 MB metadata value) are cut.
        message = clip(printable_text(self.message), MAX_MESSAGE_CHARS)
        if message != self.message:
            object.__setattr__(self, "message", message)
        evidence = clip_values(self.evidence)
        if evidence is not self.evidence:
            object.__setattr__(self, "evidence", evidence)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
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
