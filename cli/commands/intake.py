"""`guangying ingest|run|status|export|templates|receipt`: submission intake from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from cli.commands.common import print_results, refuse, say_refusal
from cli.commands.table import render
from tasks.outside import for_terminal, for_terminal_lines
from tasks.printable import json_line
from tasks.report.receipt import state_label, verdict_label


def register(sub: argparse._SubParsersAction) -> None:
    ingest = sub.add_parser("ingest", help="受理作品包（压缩包、文件夹或文件），入库并审核")
    ingest.add_argument(
        "paths", nargs="+", type=Path, metavar="PATH", help="作品包：.zip/.7z/.rar、文件夹或文件"
    )
    ingest.add_argument(
        "--for",
        dest="for_submission",
        metavar="SUBMISSION_ID",
        help="把文件补充到已登记的作品（如网盘下载后）",
    )
    ingest.add_argument(
        "--received-at",
        metavar="TIME",
        help="工作人员登记的收到时间（北京时间），如 2026-11-28 10:00、2026/11/28 10:00、"
        "2026年11月28日 10:00、11月28日 10:00，或带时区的 2026-11-28T10:00+08:00；不能晚于当前时间；"
        "用于按时报送但经其他途径转来的作品包，登记人和“人工登记”会记入作品库",
    )
    ingest.add_argument("--by", metavar="NAME", help="登记人（默认：GUANGYING_OPERATOR 或当前登录用户）")
    ingest.add_argument("--no-screen", action="store_true", help="只受理入库，不做视频审核")
    ingest.add_argument("--json", action="store_true", help="每个作品输出一行JSON")
    ingest.set_defaults(handler=run_ingest)

    run = sub.add_parser("run", help="处理已配置的来源：投稿文件夹、收件存储桶、邮箱")
    run.add_argument("--no-screen", action="store_true", help="只受理入库，不做视频审核")
    run.add_argument("--json", action="store_true", help="每个作品输出一行JSON")
    run.set_defaults(handler=run_sources)

    status = sub.add_parser("status", help="查看作品库中每件作品的受理和审核状态")
    status.add_argument("--json", action="store_true", help="每件作品（或每封邮件）输出一行JSON")
    status.add_argument(
        "--unmatched",
        action="store_true",
        help="改为列出未受理邮件：不是作品包（无视频、无登记表等材料、无网盘链接）且不属于任何作品的邮件，原件已保存",
    )
    status.set_defaults(handler=run_status)

    export = sub.add_parser("export", help="导出作品汇总表（.xlsx）")
    export.add_argument(
        "--out", type=Path, default=None, metavar="FILE.xlsx", help="输出文件（默认：数据目录下）"
    )
    export.set_defaults(handler=run_export)

    templates = sub.add_parser("templates", help="生成附件1、2、3的Word模板")
    templates.add_argument("folder", type=Path, metavar="DIR", help="输出文件夹")
    templates.set_defaults(handler=run_templates)

    receipt = sub.add_parser("receipt", help="显示某件作品的受理回执")
    receipt.add_argument("submission_id", metavar="SUBMISSION_ID", help="受理编号（可只写前几位）")
    receipt.set_defaults(handler=run_receipt)


def run_ingest(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.intake.received import StatedTimeError, parse_stated_time
    from tasks.submissions import intake as service
    from tasks.submissions.service import SubmissionIdError, resolve_id

    settings = get_settings()
    received_at = None
    if args.received_at:
        try:
            received_at = parse_stated_time(args.received_at, now=settings.now())
        except StatedTimeError as exc:
            print(f"guangying：--received-at：{for_terminal(exc)}。", file=sys.stderr)
            return 2
    missing = service.missing_paths(list(args.paths))
    for path in missing:  # a usage error; the paths that exist are still taken in
        print(f"guangying：找不到“{for_terminal(path)}”（文件或文件夹不存在）。", file=sys.stderr)
    if len(missing) == len(args.paths):
        return 2  # nothing to take in: a usage error, nothing started
    if args.for_submission:
        try:
            args.for_submission = resolve_id(settings, args.for_submission)
        except SubmissionIdError as exc:
            return say_refusal(exc)
    paths, results = service.empty_folders([p for p in args.paths if p not in missing])
    if not args.for_submission:
        # bytes taken in before whose work needs nothing more: answered without starting a flow
        paths, known = service.already_taken_in(settings, paths, screening=not args.no_screen)
        results += known
    if paths:
        from flows.intake import intake

        results += intake(
            paths=paths,
            for_submission=args.for_submission,
            screen=not args.no_screen,
            received_at=received_at,
            received_set_by=args.by,
        )
    code = print_results(results, args.json)
    return 2 if missing else code  # a path that does not exist outranks the verdicts (see README)


def run_sources(args: argparse.Namespace) -> int:
    from flows.intake import intake
    from tasks.config import get_settings

    settings = get_settings()
    if not args.json:
        drop = settings.resolved_drop_dir.resolve()
        print(f"投稿文件夹：{drop}{'' if drop.is_dir() else '（文件夹不存在，将不会读取）'}")
        print(
            f"收件存储桶：{settings.bucket_inbox}（{settings.s3_endpoint or settings.store_dir.resolve()}）"
        )
        print(f"邮箱：{f'{settings.imap_user}@{settings.imap_host}' if settings.imap_host else '未配置'}")
    results = intake(sources=True, screen=not args.no_screen)
    return print_results(results, args.json)


def run_status(args: argparse.Namespace) -> int:
    from tasks.beijing_time import numeric_date_time

    if args.unmatched:
        return _run_unmatched(args.json)
    from tasks.config import get_settings
    from tasks.submissions.service import works

    items = works(get_settings())
    if args.json:
        try:
            for item in items:
                print(json_line(item.to_json()), flush=True)
        except BrokenPipeError:  # `guangying status --json | head`: the reader has enough
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (silence the interpreter's final flush)
        return 0
    if not items:
        print("作品库中还没有作品。用 guangying ingest PATH 受理作品包。")
        return 0
    header = ("受理编号", "作品名称", "报送人", "收到时间（北京时间）", "状态", "结论", "问题")
    rows = [
        (
            item.id[:8],
            item.title or "—",
            item.submitter or item.unit or "—",
            numeric_date_time(item.received_at),
            state_label(item.state),
            verdict_label(item.verdict),
            f"{len(item.problems)}项",
        )
        for item in items
    ]
    for line in render(header, rows, (8, 24, 24, 16, 34, 10, 6)):
        print(line)
    print(f"\n共{len(items)}件作品。查看某件作品的回执：guangying receipt <受理编号>")
    return 0


def _run_unmatched(as_json: bool) -> int:
    """`status --unmatched`: the 未受理邮件, one line (or JSON object) each."""
    from tasks.beijing_time import numeric_date_time
    from tasks.config import get_settings
    from tasks.submissions.service import unmatched

    rows = unmatched(get_settings())
    if as_json:
        for row in rows:
            print(json_line(row), flush=True)
        return 0
    if not rows:
        print("没有未受理邮件。")
        return 0
    for row in rows:
        print(
            f"{numeric_date_time(row['sent_at']) if row['sent_at'] else '时间不明'}  {for_terminal(row['sender'] or '发件人不明')}  "
            f"「{for_terminal(row['subject'] or '（无主题）')}」"
        )
        print(f"    {for_terminal(row['why'])}")
        print(
            f"    原始邮件：{for_terminal(row['object_key'] or '未保存')}  Message-ID：{for_terminal(row['message_id'])}"
        )
    print(f"\n共{len(rows)}封未受理邮件（不是作品包，未登记为作品）。原始邮件保存在作品库的原件存储中。")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.submissions.service import Refused, write_summary_table

    try:
        out, count = write_summary_table(get_settings(), args.out)
    except Refused as exc:
        return refuse(exc)
    print(f"已导出{count}件作品的汇总表：{out.resolve()}")
    return 0


def run_templates(args: argparse.Namespace) -> int:
    from tasks.intake.templates import write_templates

    if args.folder.exists() and not args.folder.is_dir():
        print(
            f"guangying：“{for_terminal(args.folder)}”是文件，不是文件夹：请指定一个文件夹。", file=sys.stderr
        )
        return 2
    for path in write_templates(args.folder):
        print(f"已生成：{path.resolve()}")
    return 0


def run_receipt(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.report.receipt import render_receipt
    from tasks.submissions.service import SubmissionIdError, find_submission

    try:
        item = find_submission(get_settings(), args.submission_id)
    except SubmissionIdError as exc:
        return say_refusal(exc)
    print(for_terminal_lines(render_receipt(item, issued=get_settings().now())), end="")
    return 0
