"""The `aigc_label` verdict: measured metadata, visual, spoken and declared evidence → one Finding.

- no AI evidence anywhere → pass (the evidence says nothing was found);
- AI evidence and a compliant label on the opening frames → pass;
- AI evidence but no label on the opening frames → fail;
- an opening label too brief, too small or in the middle of the frame → the statuses set in
  ContestRules, with the measured values;
- evidence that is only uncertain (a fuzzy spoken match, a malformed AIGC field) → warn, for a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tasks.aigc.declared import DeclaredReport
from tasks.aigc.metadata import MetadataReport
from tasks.aigc.spoken import SpokenReport
from tasks.aigc.visual import POSITION_LABELS, LabelTrack, VisualReport
from tasks.findings import Check, Finding, Status
from tasks.rules import ContestRules

STAGE = "aigc"
MISSING = "检测到人工智能生成内容，但视频起始画面缺少显著的AI生成标识"
_SEVERITY = {Status.PASS: 0, Status.WARN: 1, Status.ERROR: 2, Status.FAIL: 3}


@dataclass(frozen=True, slots=True)
class Clue:
    kind: str  # metadata, c2pa, spoken, declared, visual
    detail: str  # Chinese, for the message
    certain: bool  # False: a person should confirm (fuzzy match, malformed field)

    def to_evidence(self) -> dict[str, Any]:
        return {"kind": self.kind, "detail": self.detail, "certain": self.certain}


def _pct(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def _secs(value: float) -> str:
    return f"{value:.1f}秒"


def clues(
    metadata: MetadataReport, visual: VisualReport, spoken: SpokenReport, declared: DeclaredReport
) -> list[Clue]:
    """Every sign that the work contains AI-generated content, strongest first."""
    found: list[Clue] = []
    for lab in metadata.labels:
        if lab.problem is None:
            meaning = f"（{lab.meaning}AI生成合成内容）" if lab.meaning else ""
            found.append(Clue("metadata", f"元数据隐式标识 {lab.field}，Label={lab.label}{meaning}", True))
        else:
            found.append(Clue("metadata", f"元数据字段 {lab.field} 格式有误（{lab.problem}）", False))
    for manifest in metadata.c2pa:
        if manifest.ai_source_types:
            types = "、".join(manifest.ai_source_types)
            found.append(Clue("c2pa", f"C2PA清单记录内容来源为 {types}", True))
    for d in spoken.disclosures:
        strong = d.strength == "strong"
        prefix = "语音提示" if strong else "疑似语音提示"
        found.append(Clue("spoken", f"{prefix}「{d.text}」（{_secs(d.start)}–{_secs(d.end)}）", strong))
    for source, statement in declared.found:
        if statement.uses_ai:
            where = {"form": "登记表", "script": "文稿", "title": "作品名称"}.get(source, source)
            found.append(Clue("declared", f"{where}声明使用了AI：「{statement.text}」", True))
    for track in visual.tracks:
        found.append(Clue("visual", f"画面标识「{track.text}」（{_secs(track.start)}起出现）", True))
    return sorted(found, key=lambda c: not c.certain)


def _opening(visual: VisualReport, rules: ContestRules) -> list[LabelTrack]:
    return [t for t in visual.opening if t.start <= rules.aigc_opening_seconds]


def _shortfalls(track: LabelTrack, rules: ContestRules) -> list[tuple[Status, str]]:
    problems = []
    if track.seconds < rules.aigc_min_label_seconds:
        problems.append(
            (
                Status(rules.aigc_brief_label_status),
                f"仅显示约{_secs(track.seconds)}，少于{rules.aigc_min_label_seconds:g}秒的要求",
            )
        )
    if track.height_ratio < rules.aigc_min_label_height_ratio:
        problems.append(
            (
                Status(rules.aigc_small_label_status),
                f"字高约{track.height_px:.0f}像素，仅占画面短边的{_pct(track.height_ratio)}，"
                f"低于{_pct(rules.aigc_min_label_height_ratio)}的要求",
            )
        )
    if track.position == "center":
        problems.append(
            (
                Status(rules.aigc_centred_label_status),
                "位于画面中部，标准要求标识位于画面边缘或角落",
            )
        )
    return problems


def _describe(track: LabelTrack) -> str:
    return (
        f"「{track.text}」（{_secs(track.start)}起显示约{_secs(track.seconds)}，"
        f"字高约占画面短边{_pct(track.height_ratio)}，位于{POSITION_LABELS[track.position]}）"
    )


def aigc_finding(
    metadata: MetadataReport,
    visual: VisualReport,
    spoken: SpokenReport,
    declared: DeclaredReport,
    rules: ContestRules,
) -> Finding:
    found = clues(metadata, visual, spoken, declared)
    certain = [c for c in found if c.certain]
    opening = _opening(visual, rules)
    compliant = [t for t in opening if not _shortfalls(t, rules)]
    evidence: dict[str, Any] = {
        "ai_evidence": [c.to_evidence() for c in found],
        "metadata": metadata.to_evidence(),
        "visual": visual.to_evidence(),
        "spoken": spoken.to_evidence(),
        "declared": declared.to_evidence(),
        "rules": {
            "opening_seconds": rules.aigc_opening_seconds,
            "min_label_seconds": rules.aigc_min_label_seconds,
            "min_height_ratio": rules.aigc_min_label_height_ratio,
        },
    }
    notes = [c.detail for c in found if c.kind == "metadata" and not c.certain]

    def finding(status: Status, message: str, outcome: str) -> Finding:
        evidence["outcome"] = outcome
        return Finding(Check.AIGC_LABEL, status, message, evidence, stage=STAGE)

    if visual.frames_ocr == 0:
        return finding(
            Status.ERROR,
            "无法检查AI生成内容标识：未能解码视频起始画面"
            + (f"（{visual.problems[0]}）" if visual.problems else ""),
            "not_checked",
        )
    if not found:
        return finding(
            Status.PASS,
            "未发现人工智能生成合成内容的迹象（元数据、起始及中间和结尾画面、语音、登记信息中均无AI标识）",
            "no_ai_evidence",
        )
    # Only used when no label is on the opening frames: every clue is then a reason.
    basis = "；".join(c.detail for c in found)
    if compliant:
        best = max(compliant, key=lambda t: (t.height_ratio, t.seconds))
        message = f"检测到人工智能生成合成内容，视频起始画面有显著的AI生成标识{_describe(best)}"
        if notes:
            return finding(Status.WARN, f"{message}；但{'；'.join(notes)}", "labelled_metadata_problem")
        return finding(Status.PASS, message, "labelled")
    if opening:
        best = max(opening, key=lambda t: (t.seconds >= rules.aigc_min_label_seconds, t.height_ratio))
        shortfalls = _shortfalls(best, rules)
        status = max((s for s, _ in shortfalls), key=_SEVERITY.__getitem__)
        detail = "，".join(text for _, text in shortfalls)
        where = "" if best.position == "center" else f"（位于{POSITION_LABELS[best.position]}）"
        message = f"视频起始画面的AI生成标识「{best.text}」{detail}{where}"
        return finding(status, message, "label_not_prominent")
    if not certain:
        return finding(
            Status.WARN,
            f"疑似含有人工智能生成内容，视频起始画面未发现AI生成标识，请人工确认（依据：{basis}）",
            "uncertain_unlabelled",
        )
    return finding(Status.FAIL, f"{MISSING}（依据：{basis}）", "unlabelled")
