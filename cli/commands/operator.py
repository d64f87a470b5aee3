"""`guangying withdraw|rescreen|recheck|original`: what an operator does to works already taken in,
each recorded with who, when and why (the same record as `decide`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.commands.common import print_results, refuse, say_refusal
from tasks.outside import for_terminal


def register(sub: argparse._SubParsersAction) -> None:
    withdraw = sub.add_parser("withdraw", help="撤销一件作品（如重复报送、误收的文件），记录理由")
    withdraw.add_argument("submission_id", metavar="SUBMISSION_ID", help="受理编号（可只写前几位）")
    withdraw.add_argument("--note", required=True, metavar="TEXT", help="理由（必填）")
    withdraw.add_argument(
        "--mistake",
        action="store_true",
        help="误收（不是参赛作品，如误投的文件）：从作品列表、汇总表、看板和评审中移除，原件保留；可用 decide ID revoke N 恢复",
    )
    withdraw.add_argument("--by", metavar="NAME", help="操作人（默认：GUANGYING_OPERATOR 或当前登录用户）")
    withdraw.set_defaults(handler=run_withdraw)

    rescreen = sub.add_parser(
        "rescreen", help="重新审核一件作品的视频（也用于 ingest --no-screen 受理的作品）"
    )
    rescreen.add_argument("submission_id", metavar="SUBMISSION_ID", help="受理编号（可只写前几位）")
    rescreen.add_argument("--note", default="重新审核", metavar="TEXT", help="理由")
    rescreen.add_argument("--by", metavar="NAME", help="操作人")
    rescreen.set_defaults(handler=run_rescreen)

    recheck = sub.add_parser(
        "recheck", help="按现行设置（如截止时间）重新核对所有作品的报送材料，更新结论和回执"
    )
    recheck.add_argument("--note", default="设置变更后重新核对", metavar="TEXT", help="理由")
    recheck.add_argument("--by", metavar="NAME", help="操作人")
    recheck.set_defaults(handler=run_recheck)

    original = sub.add_parser("original", help="按受理编号取回作品的原件（原始压缩包或邮件，以及其中的文件）")
    original.add_argument("submission_id", metavar="SUBMISSION_ID", help="受理编号（可只写前几位）")
    where = original.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", type=Path, metavar="DIR", help="保存到的文件夹（不存在则新建）")
    where.add_argument(
        "--links", action="store_true", help="不拷贝，改为列出对象存储（MinIO/S3）中原件的限时下载链接（7天）"
    )
    original.set_defaults(handler=run_original)


def run_withdraw(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.submissions.service import Refused, SubmissionIdError, withdraw

    try:
        item = withdraw(get_settings(), args.submission_id, note=args.note, by=args.by, mistake=args.mistake)
    except (Refused, SubmissionIdError) as exc:
        return say_refusal(exc)
    what = "已作为误收移除（原件保留）" if args.mistake else "已撤销"
    print(for_terminal(f"{what}：《{item.title or '未识别'}》（{item.id[:8]}），理由：{args.note.strip()}。"))
    return 0


def run_rescreen(args: argparse.Namespace) -> int:
    from flows.intake import screen_submission
    from tasks.config import get_settings
    from tasks.submissions.service import Refused, SubmissionIdError, mark_for_rescreen

    try:
        item = mark_for_rescreen(get_settings(), args.submission_id, note=args.note, by=args.by)
    except (Refused, SubmissionIdError) as exc:
        return say_refusal(exc)
    result = screen_submission(item.id)
    return print_results([{"package": item.package_name or item.id, **result}], False)


def run_recheck(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.report.receipt import verdict_label
    from tasks.submissions.service import recheck

    result = recheck(get_settings(), note=args.note, by=args.by)
    for item, before in result.changed:
        print(
            f"《{item.title or '未识别'}》（{item.id[:8]}）：{verdict_label(before)} → "
            f"{verdict_label(item.verdict)}"
        )
    print(f"已按现行设置重新核对{len(result.items)}件作品，{len(result.changed)}件结论有变化；回执已更新。")
    return 0


def run_original(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.submissions.service import (
        Refused,
        SubmissionIdError,
        fetch_originals,
        original_links,
        resolve_id,
    )

    settings = get_settings()
    try:
        submission_id = resolve_id(settings, args.submission_id)
    except SubmissionIdError as exc:
        return say_refusal(exc)
    if args.links:
        try:
            links = original_links(settings, submission_id)
        except Refused as exc:
            return say_refusal(exc)
        for name, link in links:
            print(f"{for_terminal(name)}：{link}")
        if not links:
            print("该作品没有保存的原件。")
        return 0
    try:
        args.out.mkdir(parents=True, exist_ok=True)  # as its help promises
    except OSError as exc:
        return refuse(f"--out：无法创建文件夹“{args.out}”（{exc.strerror}）。")
    written = fetch_originals(settings, submission_id, args.out)
    for target in written:
        print(f"已取回：{target}")
    if not written:
        print("该作品没有保存的原件。")
    return 0
