"""回执: a Chinese text per submission — what was received, what is missing or wrong, what to do.

A receipt goes to the sender unedited, so it holds only what the sender can act on: each problem
once, with what to do; staff-only advisories (black or frozen frames, the audio note, checks that
could not run, notes to the staff) and internal names (exception classes) stay out; and the next
step matches the state of the work (late, incomplete, awaiting download, under review, passed).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from tasks.beijing_time import padded_date, padded_date_time, padded_month_day
from tasks.decisions import DecisionAction, in_force
from tasks.findings import CHECK_LABELS, STATUS_LABELS, VERDICT_LABELS, Check, Status, Verdict
from tasks.intake.received import BASIS_LABELS
from tasks.intake.text import format_duration
from tasks.roles import ROLE_LABELS, FileRole
from tasks.rules import DEFAULT_RULES
from tasks.states import FINAL_STATES, STATE_LABELS, SubmissionState

if TYPE_CHECKING:
    from tasks.catalogue.views import FindingView, SubmissionView

# Whom submitters write to and ask: the notice's own (五, 六), kept in ContestRules.
CONTACT = f"{DEFAULT_RULES.contact_person}，联系电话{DEFAULT_RULES.contact_phone}"
MAILBOX = DEFAULT_RULES.submission_mailbox
PENDING_VERDICT = "审核中"  # no verdict yet: screening has not completed
# Advisories for a person on the staff, not for the sender (notice 四（二）「画面清晰稳定」 is judged by people).
STAFF_ONLY_CHECKS = frozenset({Check.BLACK_FRAMES, Check.FROZEN_FRAMES, Check.AUDIO})
_STAFF_NOTES = ("请工作人员", "等待工作人员下载")
# The sentence of notice 五 that every missing-material finding quotes: said once in a receipt.
_MATERIALS_RULE = re.compile(r"通知第五条要求报送“[^”]*”。")
# （BadZipFile）, （FormError: PackageNotFoundError: …）: internal names, for the crash log, not people.
_INTERNAL = re.compile(
    r"（(?:[A-Za-z_][\w.]*(?:Error|Exception|Warning)|[A-Z][a-z0-9]+(?:[A-Z][A-Za-z0-9]*)+)(?::[^（）]*)?）"
)


def state_label(state: str | None) -> str:
    return STATE_LABELS.get(state or "", state or "")


def verdict_label(verdict: str | None) -> str:
    """通过 / 不通过 / 待人工复核, or 审核中 while the screening has not completed."""
    return VERDICT_LABELS.get(verdict or "", PENDING_VERDICT)


def _when(moment: datetime | None) -> str:
    if not moment:
        return "未知"
    return padded_date_time(moment)


def _basis(item: SubmissionView) -> str:
    label = BASIS_LABELS.get(item.received_basis or "")
    return f"，{label}" if label else ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith(("。", "！", "？")) else text + "。"


def for_sender(finding: FindingView) -> bool:
    """A problem the sender should read: not a pass, not an advisory or note for the staff."""
    if finding.status in (Status.PASS, Status.ERROR) or finding.check in STAFF_ONLY_CHECKS:
        return False
    return not any(note in finding.message for note in _STAFF_NOTES)


def sender_text(message: str) -> str:
    """A finding's message as the sender reads it: no internal names, no repeated notice sentence."""
    return _sentence(_INTERNAL.sub("", _MATERIALS_RULE.sub("", message)))


def _greeting(item: SubmissionView) -> str:
    who, unit = (item.submitter or "").strip(), (item.unit or "").strip()
    if who and unit and unit != who:
        return f"{who}（{unit}）："
    return f"{who or unit}：" if who or unit else "您好："


def _missing(findings: Sequence[FindingView]) -> list[tuple[str, str]]:
    """(what, what to send) for each required material not received."""
    missing = []
    for finding in findings:
        role = (finding.evidence or {}).get("role")
        if finding.check == Check.MATERIALS and finding.status == Status.FAIL and role:
            what = ROLE_LABELS.get(role, role)
            text = sender_text(finding.message).removeprefix(f"未收到{what}。")
            missing.append((what, text))
    return missing


def _problems(findings: Sequence[FindingView], late: bool, waived: set[str]) -> list[FindingView]:
    """Each problem for the sender once (the missing materials have their own section); a check the
    committee set aside is no problem any more."""
    seen: set[tuple[str, str, str]] = set()
    problems = []
    for finding in findings:
        if not for_sender(finding) or (finding.check == Check.MATERIALS and finding.status == Status.FAIL):
            continue
        if finding.check in waived:
            continue
        if late and finding.check != Check.DEADLINE:
            continue
        key = (finding.check, finding.file_base_name, sender_text(finding.message))
        if key not in seen:
            seen.add(key)
            problems.append(finding)
    return problems


def _problem_line(index: int, finding: FindingView) -> str:
    label = CHECK_LABELS.get(finding.check, finding.check)
    status = STATUS_LABELS.get(finding.status, finding.status)
    text = sender_text(finding.message)
    file = finding.file_base_name
    where = f"「{file}」：" if file and file not in text else ""
    return f"    {index}. 【{status}·{label}】{where}{text}"


def _committee(item: SubmissionView) -> list[str]:
    """The committee's decisions as their effect, in the submitter's words: no names of the staff,
    no routine re-checks or re-screenings, nothing taken back."""
    lines = []
    for decision in in_force(item.decisions):
        if decision.action == DecisionAction.ACCEPT_LATE:
            lines.append("经筹备组同意，本作品虽晚于报送截止时间收到，予以受理。")
        elif decision.action == DecisionAction.WAIVE and (check := decision.waived_check):
            if check not in STAFF_ONLY_CHECKS:
                label = CHECK_LABELS.get(check, check)
                lines.append(f"经筹备组同意，“{label}”一项不再作为本作品的审核依据。")
        elif decision.action == DecisionAction.REJECT:
            lines.append(f"经筹备组研究，本作品不予受理。理由：{_sentence(decision.note)}")
        elif decision.action == DecisionAction.SET_RECEIVED:
            lines.append("本作品的收到时间已经筹备组核实，以上述时间为准。")
    return list(dict.fromkeys(lines))


def _next_steps(
    item: SubmissionView,
    late: bool,
    missing: list[tuple[str, str]],
    problems: list[FindingView],
    waived: set[str],
) -> list[str]:
    verdict, state = item.verdict, item.state
    reply = (
        f"将材料以“报送人（单位）+作品名称”命名，回复本邮件发送至{MAILBOX}，并在邮件中注明受理编号{item.id}。"
    )
    if state in FINAL_STATES:
        return ["本作品已撤销，不再参加本次征集，无需补充材料或回复本邮件。"]
    if any(d.action == DecisionAction.REJECT for d in in_force(item.decisions)):
        return ["经筹备组研究，本作品不予受理（理由见上）。如有疑问，请与筹备组联系。"]
    if late:
        return [
            "本作品晚于报送截止时间收到，无需补充或更正材料。"
            "如有特殊情况需要说明，请直接与筹备组联系，筹备组将研究后答复您。"
        ]
    steps = []
    if state == SubmissionState.AWAITING_DOWNLOAD:
        steps.append(
            "我们将从您提供的百度网盘链接下载作品视频，下载后继续审核，审核结果将另行通知您。"
            "在此期间请保持链接和提取码有效。"
        )
    open_problems = [p for p in problems if p.check not in waived]
    fails = [p for p in open_problems if p.status == Status.FAIL]
    if missing or fails:
        if missing and fails:
            what = "补交上述缺少的材料并更正所列问题"
        else:
            what = "补交上述缺少的材料" if missing else "按上述说明更正所列问题"
        steps.append(f"请{what}后，{reply}")
    elif open_problems:
        steps.append(f"请核对上述提示事项；如需更正，请{reply}")
    if verdict == Verdict.PASS:
        steps.append("本作品已通过初步审核，无需补充材料，请等待评审结果。")
    elif verdict == Verdict.REVIEW:
        steps.append("部分事项需要工作人员人工复核，复核完成后我们将通知您结果。")
    elif verdict is None and state != SubmissionState.AWAITING_DOWNLOAD:
        steps.append("作品正在审核中，审核完成后我们将通知您结果，在此之前无需重复报送。")
    return steps


def file_label(role: str, name: str) -> str:
    """What a received file is, for people: its role, and a subtitle sidecar (.srt) as 字幕文件."""
    from tasks.intake.classify import SUBTITLE_EXTENSIONS

    if role == FileRole.OTHER and PurePosixPath(name).suffix.lower() in SUBTITLE_EXTENSIONS:
        return "字幕文件"
    return ROLE_LABELS.get(role, role)


def _arrivals(item: SubmissionView) -> list[str]:
    """What arrived after the first package, and when: 「12月03日补交：版权承诺书」."""
    from tasks.catalogue.threading import PackageKind

    lines = []
    for package in item.packages:
        day = padded_month_day(package.received_at)
        if package.kind == PackageKind.SUPPLEMENT:
            roles = "、".join(dict.fromkeys(ROLE_LABELS.get(r, r) for r in package.roles)) or "无新文件"
            lines.append(f"    {day}补交：{roles}")
        elif package.kind == PackageKind.RESEND:
            lines.append(f"    {day}重发：与已收到的材料完全相同，已记录，无需再次报送")
    return lines


RECEIPT_DATE_LABEL = "回执日期："  # the line that dates a receipt (the outbox compares receipts without it)


def write_receipt(data_dir: Path, item: SubmissionView, *, issued: datetime) -> Path:
    """The receipt of one submission, dated `issued` (the pipeline's clock), written beside the
    catalogue for e-mailing."""
    folder = data_dir / "receipts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{item.id}.txt"
    path.write_text(render_receipt(item, issued=issued), encoding="utf-8")
    return path


def render_receipt(item: SubmissionView, *, issued: datetime) -> str:
    """The receipt for one submission, dated `issued` (Beijing time), ready to be e-mailed to the sender."""
    title = item.title
    work = f"作品《{title}》" if title else f"作品包「{item.package_name or '（未识别名称）'}」"
    findings, waived = item.findings, item.waived
    withdrawn = item.state in FINAL_STATES
    late = (
        any(f.check == Check.DEADLINE and f.status == Status.FAIL for f in findings)
        and Check.DEADLINE not in waived
        and not withdrawn
    )
    lines = [
        "“红色光影 英雄重庆”党史短视频征集展播活动 作品受理回执",
        f"{RECEIPT_DATE_LABEL}{padded_date(issued)}",
        "",
        _greeting(item),
        f"    您报送的{work}已于{_when(item.received_at)}（北京时间{_basis(item)}）收到。",
        f"    受理编号：{item.id}",
        f"    当前状态：{state_label(item.state)}",
        f"    审核结论：{verdict_label(item.verdict)}"
        + ("（经工作人员决定）" if item.verdict_by_person else ""),
        "",
        "一、已收到的材料",
    ]
    durations: dict[str, float] = {}
    for finding in findings:
        if finding.check == Check.DECLARED_DURATION:
            durations.update((finding.evidence or {}).get("videos", {}))
    if not item.files:
        lines.append("    （暂无文件）")
    for file in item.files:
        extra = f"，时长{format_duration(durations[file.name])}" if file.name in durations else ""
        lines.append(f"    · {file_label(file.role, file.name)}：{file.name}{extra}")
    lines += _arrivals(item)
    netdisk = item.netdisk
    if netdisk and item.state == SubmissionState.AWAITING_DOWNLOAD:
        code = f"（提取码{netdisk.code}）" if netdisk.code else "（未附提取码）"
        lines.append(f"    · 百度网盘链接：{netdisk.url}{code}，作品视频待下载")

    missing = [] if late or withdrawn else _missing(findings)
    problems = [] if withdrawn else _problems(findings, late, waived)
    number = iter("二三四五")
    if not late and not withdrawn:
        lines += ["", f"{next(number)}、缺少的材料"]
        if missing:
            lines.append(
                "    通知第五条要求报送“作品高清原视频，最终视频文稿、作品登记表、作品汇总表Word电子版，"
                "以及作品版权承诺书扫描件”。尚未收到："
            )
        lines += [f"    · {what}：{todo}" for what, todo in missing] or ["    无"]
    if not withdrawn:
        lines += ["", f"{next(number)}、需要处理的问题"]
        if not problems:
            lines.append("    暂未发现问题。")
        lines += [_problem_line(i, f) for i, f in enumerate(problems, start=1)]
    if committee := _committee(item):
        lines += ["", "筹备组意见"] + [f"    {line}" for line in committee]
    lines += ["", f"{next(number)}、下一步"]
    lines += [f"    {step}" for step in _next_steps(item, late, missing, problems, waived)]
    lines += [f"    如有疑问请联系：{CONTACT}。", "", "党史短视频展播活动筹备组"]
    return "\n".join(lines) + "\n"
