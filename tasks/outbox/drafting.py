"""The drafts themselves: pure functions from what the catalogue knows to a message's subject and
Chinese body. Each message to a submitter names only that submitter's own work; an expert's
names no submitter (blind, as the packets: 评审编号, title, category and links only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tasks.beijing_time import day_key, padded_date_time, padded_month_day
from tasks.findings import Check, Status
from tasks.judging.packets import PacketWork
from tasks.report.receipt import CONTACT, MAILBOX, RECEIPT_DATE_LABEL, render_receipt, state_label
from tasks.roles import ROLE_LABELS
from tasks.states import SubmissionState

from .model import Attachment, Draft, Kind

SIGNATURE = "党史短视频展播活动筹备组"
CONTEST = "“红色光影 英雄重庆”党史短视频征集展播活动"

if TYPE_CHECKING:
    from tasks.catalogue.views import SubmissionView


def _work(item: SubmissionView) -> str:
    return f"《{item.title}》" if item.title else f"「{item.package_name or '（未识别名称）'}」"


def _greeting(item: SubmissionView) -> str:
    who = (item.submitter or item.unit or "").strip()
    return f"{who}：" if who else "您好："


def _footer() -> list[str]:
    return ["", f"    如有疑问请联系：{CONTACT}。", "", SIGNATURE]


def receipt_draft(item: SubmissionView, now: datetime) -> Draft:
    """The 受理回执 as `guangying receipt` shows it, dated `now`: a new one whenever its text
    (apart from that date) changes."""
    subject = f"作品受理回执：{_work(item)}（受理编号 {item.id[:8]}，{state_label(item.state)}）"
    body = render_receipt(item, issued=now)
    undated = "\n".join(line for line in body.splitlines() if not line.startswith(RECEIPT_DATE_LABEL))
    return Draft(
        kind=Kind.RECEIPT,
        purpose=f"receipt:{item.id}",
        subject=subject,
        body=body,
        submission_id=item.id,
        state_text=f"{subject}\n{undated}",
    )


def netdisk_reminder(item: SubmissionView, now: datetime, days: int) -> Draft | None:
    """The Netdisk link of a work still awaiting download expires within `days` days."""
    netdisk = item.netdisk
    if item.state != SubmissionState.AWAITING_DOWNLOAD or netdisk is None or netdisk.expires_at is None:
        return None
    expires = netdisk.expires_at
    if not now <= expires <= now + timedelta(days=days):
        return None
    body = [
        f"{CONTEST} 提醒",
        "",
        _greeting(item),
        f"    您报送的作品{_work(item)}（受理编号 {item.id}）的百度网盘链接将于{padded_date_time(expires)}"
        "（北京时间）失效，我们尚未下载到作品视频。",
        f"    请延长该链接的有效期，或将作品视频重新分享后回复本邮件发送至{MAILBOX}，并注明受理编号。",
        *_footer(),
    ]
    return Draft(
        kind=Kind.REMINDER,
        purpose=f"netdisk:{item.id}:{day_key(expires)}",
        subject=f"提醒：作品{_work(item)}的百度网盘链接即将失效（受理编号 {item.id[:8]}）",
        body="\n".join(body) + "\n",
        submission_id=item.id,
    )


def missing_materials(item: SubmissionView) -> list[str]:
    """What the work has still not sent, as the receipt names it (notice 五's materials)."""
    missing = []
    for finding in item.findings:
        role = (finding.evidence or {}).get("role")
        if finding.check == Check.MATERIALS and finding.status == Status.FAIL and role:
            missing.append(ROLE_LABELS.get(role, role))
    return list(dict.fromkeys(missing))


def missing_reminder(item: SubmissionView, now: datetime, due: datetime | None, days: int) -> Draft | None:
    """Material still missing `days` days (or fewer) before the date the operator set."""
    if due is None or not due - timedelta(days=days) <= now < due:
        return None
    late = any(f.check == Check.DEADLINE and f.status == Status.FAIL for f in item.findings)
    if item.state == SubmissionState.WITHDRAWN or late:  # a late work is asked for nothing more
        return None
    missing = missing_materials(item)
    if not missing:
        return None
    body = [
        f"{CONTEST} 补交材料提醒",
        "",
        _greeting(item),
        f"    您报送的作品{_work(item)}（受理编号 {item.id}）尚缺少以下材料：{'、'.join(missing)}。",
        f"    请于{padded_date_time(due)}（北京时间）前补交：将材料以“报送人（单位）+作品名称”命名，"
        f"回复本邮件发送至{MAILBOX}，并注明受理编号。",
        *_footer(),
    ]
    return Draft(
        kind=Kind.REMINDER,
        purpose=f"missing:{item.id}:{day_key(due)}",
        subject=f"提醒：作品{_work(item)}尚缺材料，请于{padded_month_day(due)}前补交",
        body="\n".join(body) + "\n",
        submission_id=item.id,
    )


@dataclass(frozen=True, slots=True)
class PacketFile:
    """The expert's score sheet: attached when small enough, else a time-limited link."""

    name: str
    content: bytes | None
    url: str | None = None


def packet_notice(
    expert_id: int,
    expert: str,
    works: Sequence[PacketWork],
    expires_at: datetime | None,
    sheet: PacketFile,
) -> Draft:
    """An expert's review packet: their works by 评审编号 (never the submitter), with links."""
    expiry = f"（链接有效期至{padded_date_time(expires_at)}，北京时间）" if expires_at else ""
    lines = [
        f"{CONTEST} 评审材料",
        "",
        f"{expert}老师：",
        f"    您好！请您评审以下{len(works)}件作品{expiry}：",
    ]
    state = [f"expert:{expert}"]
    for work in works:
        lines.append(f"    · 编号{work.number}《{work.title}》（{work.category or '类别未登记'}）")
        state.append(f"{work.number}|{work.title}|{work.category}")
    if sheet.content is not None:
        lines.append(
            f"    评审包见附件「{sheet.name}」：解压后打开其中的「评审.html」即可观看作品、字幕和文稿，"
            "填写其中的评分表后作为附件回复本邮件。"
        )
    else:
        lines.append(
            f"    评审包（观看视频、字幕、评审页面和评分表）较大，请从以下链接下载：{sheet.url}　"
            "解压后打开「评审.html」观看，填写评分表后作为附件回复本邮件。"
        )
    lines += [
        "    评审实行匿名制：材料中不含报送单位和个人信息，请勿对外传播作品和评审意见。",
        *_footer(),
    ]
    return Draft(
        kind=Kind.PACKET,
        purpose=f"packet:{expert_id}",
        subject=f"评审材料：请评审{len(works)}件作品",
        body="\n".join(lines) + "\n",
        expert_id=expert_id,
        attachments=(Attachment(sheet.name, sheet.content),) if sheet.content is not None else (),
        state_text="\n".join(state),
    )


def result_notice(item: SubmissionView, tier: str | None, approved_at: datetime) -> Draft:
    """The result of judging for one work, after the committee approved the list."""
    if tier:
        result = f"经专家评审、筹备组审定，您的作品被评为“{tier}”作品，将在合作平台展播。"
    else:
        result = "经专家评审、筹备组审定，您的作品未入选本次优秀作品名单。感谢您的参与和支持！"
    body = [
        f"{CONTEST} 评审结果通知",
        "",
        _greeting(item),
        f"    您报送的作品{_work(item)}（受理编号 {item.id}）已完成评审。",
        f"    {result}",
        f"    （名单审定时间：{padded_date_time(approved_at)}，北京时间）",
        *_footer(),
    ]
    return Draft(
        kind=Kind.RESULT,
        purpose=f"result:{item.id}",
        subject=f"评审结果：作品{_work(item)}",
        body="\n".join(body) + "\n",
        submission_id=item.id,
    )
