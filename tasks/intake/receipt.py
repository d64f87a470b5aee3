"""回执: a Chinese text per submission — what was received, what is missing or wrong, what to do."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from tasks.decisions import ACTION_LABELS, DecisionAction
from tasks.findings import CHECK_LABELS, STATUS_LABELS, VERDICT_LABELS
from tasks.intake.checks import REQUIRED_ROLES
from tasks.intake.classify import ROLE_LABELS
from tasks.intake.received import BASIS_LABELS
from tasks.intake.text import format_duration
from tasks.rules import SHANGHAI

CONTACT = "左老师，联系电话13896068058"
STATE_LABELS = {
    "received": "已受理，审核中",
    "awaiting_download": "已登记，等待从百度网盘下载作品视频",
    "screened": "已完成初步审核",
}


def _when(text: str | None) -> str:
    if not text:
        return "未知"
    return f"{datetime.fromisoformat(text).astimezone(SHANGHAI):%Y年%m月%d日 %H:%M}"


def _basis(item: dict[str, Any]) -> str:
    label = BASIS_LABELS.get(item.get("received_basis") or "")
    return f"，{label}" if label else ""


def write_receipt(data_dir: Path, item: dict[str, Any]) -> Path:
    """The receipt of one `submission_json` object, written beside the catalogue for e-mailing."""
    folder = data_dir / "receipts"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{item['id']}.txt"
    path.write_text(render_receipt(item), encoding="utf-8")
    return path


def render_receipt(item: dict[str, Any]) -> str:
    """The receipt for one `submission_json` object, ready to be e-mailed to the sender."""
    title = item.get("title") or "（未识别作品名称）"
    who = item.get("submitter") or "报送人"
    unit = item.get("unit")
    lines = [
        "“红色光影 英雄重庆”党史短视频征集展播活动 作品受理回执",
        "",
        f"{who}{'（' + unit + '）' if unit and unit != who else ''}：",
        f"    您报送的作品《{title}》已于{_when(item.get('received_at'))}（北京时间{_basis(item)}）收到。",
        f"    受理编号：{item['id']}",
        f"    当前状态：{STATE_LABELS.get(item.get('state') or '', item.get('state') or '')}",
        f"    审核结论：{VERDICT_LABELS.get(item.get('verdict') or '', '审核中')}"
        + ("（经工作人员决定）" if item.get("verdict_by_person") else ""),
        "",
        "一、已收到的材料",
    ]
    files = [f for f in item.get("files", [])]
    durations = {}
    for finding in item.get("findings", []):
        if finding["check"] == "declared_duration":
            durations.update(finding.get("evidence", {}).get("videos", {}))
    if not files:
        lines.append("    （暂无文件）")
    for file in files:
        extra = f"，时长{format_duration(durations[file['name']])}" if file["name"] in durations else ""
        lines.append(f"    · {ROLE_LABELS.get(file['role'], file['role'])}：{file['name']}{extra}")
    roles = {f["role"] for f in files}
    missing = [ROLE_LABELS[r] for r in REQUIRED_ROLES if r not in roles]
    lines += ["", "二、缺少的材料"]
    lines += [f"    · {label}" for label in missing] or ["    无"]
    problems = [f for f in item.get("findings", []) if f["status"] != "pass"]
    lines += ["", "三、需要处理的问题"]
    if not problems:
        lines.append("    暂未发现问题。")
    decisions = item.get("decisions") or []
    waived = {d["check"] for d in decisions if d.get("check")}
    for index, finding in enumerate(problems, start=1):
        label = CHECK_LABELS.get(finding["check"], finding["check"])
        note = "（工作人员已决定不再以此项为准）" if finding["check"] in waived else ""
        lines.append(
            f"    {index}. 【{STATUS_LABELS.get(finding['status'], finding['status'])}·{label}】{finding['message']}{note}"
        )
    if decisions:
        lines += ["", "工作人员的决定"]
        for decision in decisions:
            what = ACTION_LABELS.get(decision["action"], decision["action"])
            if decision["action"] == DecisionAction.WAIVE and decision.get("check"):
                what += f"：{CHECK_LABELS.get(decision['check'], decision['check'])}"
            lines.append(
                f"    · {_when(decision['decided_at'])}，{decision['decided_by']}：{what}（理由：{decision['note']}）"
            )
    lines += [
        "",
        "四、请您",
        "    请按上述说明补充或更正后，将材料以“报送人（单位）+作品名称”命名，回复本邮件发送至cqdsspzb@163.com，"
        "并在邮件中注明受理编号。"
        if problems or missing
        else "    无需补充材料，请等待评审结果。",
        f"    如有疑问请联系：{CONTACT}。",
        "",
        "党史短视频展播活动筹备组",
    ]
    return "\n".join(lines) + "\n"
