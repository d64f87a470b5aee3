"""`guangying outbox [show|approve|send|sent]`: messages for submitters and experts, drafted from the
catalogue, sent from the contest's mailbox only after a person approved them."""

from __future__ import annotations

import argparse
import os
import sys

from cli.commands.table import render
from tasks.outbox.model import KIND_LABELS, STATE_LABELS, kind_named
from tasks.outside import for_terminal, for_terminal_lines
from tasks.printable import json_line

KINDS = "、".join(f"{k}（{label}）" for k, label in KIND_LABELS.items())


def register(sub: argparse._SubParsersAction) -> None:
    outbox = sub.add_parser(
        "outbox",
        help="待发邮件：回执、提醒、评审材料和评审结果，经人工批准后从活动邮箱发出",
        description="不带子命令时先按作品库的现状起草需要发出的邮件（状态变化才起草新稿，新稿取代未发出的旧稿），"
        "再列出全部邮件。",
    )
    outbox.add_argument("--json", action="store_true", help="每封邮件输出一行JSON")
    outbox.add_argument("--all", action="store_true", help="也列出已被新稿取代的邮件")
    outbox.set_defaults(handler=run_list)
    actions = outbox.add_subparsers(dest="action", title="子命令", metavar="子命令")

    show = actions.add_parser("show", help="显示一封邮件的收件人、主题、正文和附件")
    show.add_argument("number", type=int, metavar="N", help="邮件编号（见 guangying outbox）")
    show.set_defaults(handler=run_show)

    approve = actions.add_parser("approve", help="批准邮件（记录批准人和时间），批准后由 send 发出")
    approve.add_argument("numbers", type=int, nargs="*", metavar="N", help="邮件编号，可写多个")
    approve.add_argument("--all-of", metavar="KIND", help=f"批准这一类的全部待批准邮件：{KINDS}")
    approve.add_argument("--by", metavar="NAME", help="批准人（默认：GUANGYING_OPERATOR 或当前登录用户）")
    approve.set_defaults(handler=run_approve)

    send = actions.add_parser("send", help="通过 SMTP 发出已批准的邮件（每封至多一次）")
    send.add_argument("--json", action="store_true", help="输出一行JSON")
    send.set_defaults(handler=run_send)

    sent = actions.add_parser("sent", help="确认一封“待核实”的邮件已在邮箱“已发送”中找到，记为已发送")
    sent.add_argument("number", type=int, metavar="N", help="邮件编号")
    sent.add_argument("--by", metavar="NAME", help="核实人（默认：GUANGYING_OPERATOR 或当前登录用户）")
    sent.set_defaults(handler=run_sent)


def run_list(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.outbox import records, service

    settings = get_settings()
    new = service.refresh_drafts(settings, settings.now())
    rows = service.messages(settings, include_superseded=args.all)
    if args.json:
        try:
            for row in rows:
                print(json_line(records.row_json(row)), flush=True)
        except BrokenPipeError:  # `guangying outbox --json | head`: the reader has enough
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (silence the interpreter's final flush)
        return 0
    table = [
        (
            str(row.id),
            KIND_LABELS.get(row.kind, row.kind),
            for_terminal(row.recipient or "（无收件地址）"),
            for_terminal(row.subject),
            STATE_LABELS.get(row.state, row.state),
            for_terminal(row.last_error or ""),
        )
        for row in rows
    ]
    if not table:
        print("没有待发邮件。")
        return 0
    for line in render(("编号", "类别", "收件人", "主题", "状态", "错误"), table, (6, 8, 30, 50, 16, 60)):
        print(line)
    drafts = sum(1 for r in table if r[4] == STATE_LABELS["draft"])
    print(
        f"\n共{len(table)}封，本次新起草{len(new)}封，待批准{drafts}封。"
        "查看：guangying outbox show N；批准：guangying outbox approve N… 或 --all-of receipt；"
        "发送：guangying outbox send"
    )
    return 0


def run_show(args: argparse.Namespace) -> int:
    from tasks.beijing_time import numeric_date_time
    from tasks.config import get_settings
    from tasks.outbox import service

    settings = get_settings()
    row = service.message(settings, args.number)
    if row is None:
        print(f"guangying：没有编号为{args.number}的邮件。请用 guangying outbox 查看。", file=sys.stderr)
        return 2
    lines = [
        f"编号：{row.id}（{KIND_LABELS.get(row.kind, row.kind)}，{STATE_LABELS.get(row.state, row.state)}）",
        f"发件人：{settings.outbox_from}",
        f"收件人：{row.recipient or '（无收件地址）'}",
        f"主题：{row.subject}",
    ]
    if row.approved_by and row.approved_at:
        lines.append(f"批准：{row.approved_by}，{numeric_date_time(row.approved_at)}")
    if row.message_id:
        lines.append(f"Message-ID：{row.message_id}")
    if row.in_reply_to:
        lines.append(f"回复：{row.in_reply_to}")
    if row.last_error:
        lines.append(f"错误：{row.last_error}")
    lines += [f"附件：{a['name']}（{a['size']}字节）" for a in row.attachments]
    print("\n".join(for_terminal(line) for line in lines))
    print()
    print(for_terminal_lines(row.body), end="")
    return 0


def run_approve(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.outbox import service

    if bool(args.numbers) == bool(args.all_of):
        print(
            "guangying：请写出要批准的邮件编号，或用 --all-of KIND 批准一类（两者取其一）。", file=sys.stderr
        )
        return 2
    kind = kind_named(args.all_of) if args.all_of else None
    if args.all_of and kind is None:
        print(f"guangying：没有“{for_terminal(args.all_of)}”这类邮件。可选：{KINDS}。", file=sys.stderr)
        return 2
    settings = get_settings()
    by = args.by or settings.operator_name
    result = service.approve(settings, ids=args.numbers, kind=kind, by=by, now=settings.now())
    for sentence in result.refused:
        print(f"未批准：{for_terminal(sentence)}", file=sys.stderr)
    numbers = "、".join(str(n) for n in result.approved)
    print(
        f"已批准{len(result.approved)}封（{numbers or '无'}），批准人 {for_terminal(by)}。发送：guangying outbox send"
    )
    return 1 if result.refused else 0


def run_send(args: argparse.Namespace) -> int:
    from flows.outbox import NO_SMTP, smtp_account
    from tasks.config import get_settings
    from tasks.outbox import service
    from tasks.outbox.smtp import SmtpTransport

    settings = get_settings()
    account = smtp_account(settings)
    if account is None:
        print(f"guangying：{NO_SMTP}", file=sys.stderr)
        return 2
    report = service.send_approved(settings, settings.now(), lambda: SmtpTransport(account))
    if args.json:
        print(json_line(report.to_json()))
    else:
        print(f"已发送{len(report.sent)}封。")
        for number in report.unsure:
            print(
                f"  邮件{number}：上次发送中断，无法确认是否已发出，未重发（见 guangying outbox show {number}）。"
            )
        for label, items in (
            ("稍后重试", report.retrying),
            ("发送失败", report.failed),
            ("地址被拒收", report.refused),
        ):
            for number, error in items:
                print(f"  邮件{number}{label}：{for_terminal(error)}")
    return 1 if report.failed or report.refused or report.unsure else 0


def run_sent(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.outbox import service

    settings = get_settings()
    by = args.by or settings.operator_name
    error = service.confirm_sent(settings, args.number, by, settings.now())
    if error:
        print(f"guangying：{error}", file=sys.stderr)
        return 2
    print(f"已记录：邮件{args.number}经{for_terminal(by)}核实已发出。")
    return 0
