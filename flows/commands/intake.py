"""`guangying ingest|run|status|export|templates|receipt`: submission intake from the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from tasks.findings import STATUS_LABELS, VERDICT_LABELS


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
        help="工作人员登记的收到时间，如 2026-11-28T10:00+08:00（不写时区按北京时间）；"
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
    status.add_argument("--json", action="store_true", help="每件作品输出一行JSON")
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


def _problems(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in item.get("findings", []) if f["status"] != "pass"]


def _print_results(results: list[dict[str, Any]], as_json: bool) -> int:
    failures = 0
    for result in results:
        if as_json:
            print(json.dumps(result, ensure_ascii=False, default=str), flush=True)
            failures += 1 if result.get("error") else 0
            continue
        if result.get("error"):
            failures += 1
            print(f"✗ {result['package']}：{result['error']}")
        elif result.get("duplicate"):
            print(f"= {result['package']}：已受理过（受理编号 {result['id']}），未做任何改动。")
        else:
            verdict = VERDICT_LABELS.get(result.get("verdict") or "", "审核中")
            print(
                f"✓ {result['package']} → 《{result.get('title') or '未识别'}》 受理编号 {result['id']}，结论：{verdict}"
            )
            for finding in _problems(result):
                print(f"    [{STATUS_LABELS.get(finding['status'], finding['status'])}] {finding['message']}")
    if not results and not as_json:
        print("没有新的作品包。")
    return 1 if failures else 0


def run_ingest(args: argparse.Namespace) -> int:
    from flows.intake import intake
    from tasks.intake.received import StatedTimeError, parse_stated_time

    received_at = None
    if args.received_at:
        try:
            received_at = parse_stated_time(args.received_at)
        except StatedTimeError as exc:
            print(f"guangying：--received-at：{exc}。", file=sys.stderr)
            return 2
    if args.for_submission:
        resolved = _resolve_id(args.for_submission)
        if resolved is None:
            print(
                f"guangying：找不到受理编号为“{args.for_submission}”的作品。请用 guangying status 查看。",
                file=sys.stderr,
            )
            return 2
        args.for_submission = resolved
    results = intake(
        paths=list(args.paths),
        for_submission=args.for_submission,
        screen=not args.no_screen,
        received_at=received_at,
        received_set_by=args.by,
    )
    return _print_results(results, args.json)


def run_sources(args: argparse.Namespace) -> int:
    from flows.intake import intake
    from tasks.config import get_settings

    settings = get_settings()
    if not args.json:
        print(f"投稿文件夹：{settings.resolved_drop_dir.resolve()}")
        print(
            f"收件存储桶：{settings.bucket_inbox}（{settings.s3_endpoint or settings.store_dir.resolve()}）"
        )
        print(f"邮箱：{settings.imap_user + '@' + settings.imap_host if settings.imap_host else '未配置'}")
    results = intake(sources=True, screen=not args.no_screen)
    return _print_results(results, args.json)


def _all_items() -> list[dict[str, Any]]:
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.submissions import submission_json, submissions
    from tasks.config import get_settings

    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        return [submission_json(session, s) for s in submissions(session)]


def _resolve_id(prefix: str) -> str | None:
    matches = [item["id"] for item in _all_items() if item["id"].startswith(prefix)]
    return matches[0] if len(matches) == 1 else None


def run_status(args: argparse.Namespace) -> int:
    from tasks.intake.receipt import STATE_LABELS

    items = _all_items()
    if args.json:
        try:
            for item in items:
                print(json.dumps(item, ensure_ascii=False, default=str), flush=True)
        except BrokenPipeError:  # `guangying status --json | head`: the reader has enough
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (silence the interpreter's final flush)
        return 0
    if not items:
        print("作品库中还没有作品。用 guangying ingest PATH 受理作品包。")
        return 0
    print(f"{'受理编号':<10}{'作品名称':<14}{'报送人':<22}{'状态':<24}{'结论':<8}问题")
    for item in items:
        problems = _problems(item)
        print(
            f"{item['id'][:8]:<12}{(item['title'] or '—')[:12]:<14}{(item['submitter'] or '—')[:20]:<22}"
            f"{STATE_LABELS.get(item['state'], item['state']):<24}{VERDICT_LABELS.get(item['verdict'] or '', '审核中'):<8}"
            f"{len(problems)}项"
        )
    print(f"\n共{len(items)}件作品。查看某件作品的回执：guangying receipt <受理编号>")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.intake.export import write_export

    out = args.out or get_settings().data_dir / "作品汇总表.xlsx"
    items = _all_items()
    write_export(out, items)
    print(f"已导出{len(items)}件作品的汇总表：{out.resolve()}")
    return 0


def run_templates(args: argparse.Namespace) -> int:
    from tasks.intake.templates import write_templates

    for path in write_templates(args.folder):
        print(f"已生成：{path.resolve()}")
    return 0


def run_receipt(args: argparse.Namespace) -> int:
    from tasks.intake.receipt import render_receipt

    matches = [item for item in _all_items() if item["id"].startswith(args.submission_id)]
    if len(matches) != 1:
        print(
            f"guangying：找不到唯一的受理编号“{args.submission_id}”（匹配{len(matches)}件）。",
            file=sys.stderr,
        )
        return 2
    print(render_receipt(matches[0]), end="")
    return 0
