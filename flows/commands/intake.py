"""`guangying ingest|run|status|export|templates|receipt`: submission intake from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flows.commands.table import render
from tasks.findings import STATUS_LABELS
from tasks.intake.receipt import state_label, verdict_label
from tasks.outside import for_terminal, for_terminal_lines
from tasks.printable import json_line

if TYPE_CHECKING:
    from tasks.catalogue.views import SubmissionView


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


# How `ingest` and `run` mark each work: by its verdict (None: the screening has not completed).
MARKS = {"pass": "✓", "fail": "✗", "review": "?", None: "…"}


def _problems(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in item.get("findings", []) if f["status"] != "pass"]


def _failed(result: dict[str, Any]) -> bool:
    """`screen`'s convention: a failure, a work to review and an error count; 审核中 does not."""
    return bool(result.get("error")) or result.get("verdict") in ("fail", "review")


def _print_results(results: list[dict[str, Any]], as_json: bool) -> int:
    """One line per package (its mark, title, id and verdict, then its problems); exit status 0 when
    every work passed or is still 审核中, 1 when any failed, needs review or could not be taken in."""
    for result in results:
        if as_json:
            print(json_line(result), flush=True)
        elif result.get("error"):
            print(f"✗ {result['package']}：{result['error']}")
        elif result.get("duplicate"):
            print(f"= {result['package']}：已受理过（受理编号 {result['id']}），未做任何改动。")
        else:
            verdict = result.get("verdict")
            print(
                f"{MARKS.get(verdict, '…')} {result['package']} → 《{result.get('title') or '未识别'}》 "
                f"受理编号 {result['id']}，结论：{verdict_label(verdict)}"
            )
            for finding in _problems(result):
                print(f"    [{STATUS_LABELS.get(finding['status'], finding['status'])}] {finding['message']}")
    if not results and not as_json:
        print("没有新的作品包。")
    return 1 if any(_failed(r) for r in results) else 0


def _empty_folders(paths: list[Path]) -> tuple[list[Path], list[dict[str, Any]]]:
    """A folder without a single file is not a submission: said, not catalogued."""
    kept, empty = [], []
    for path in paths:
        if path.is_dir() and not any(p.is_file() for p in path.rglob("*")):
            empty.append(
                {"package": str(path), "error": f"“{path}”是空文件夹，没有可受理的文件，未登记为作品。"}
            )
        else:
            kept.append(path)
    return kept, empty


def _already_taken_in(paths: list[Path], *, screening: bool) -> tuple[list[Path], list[dict[str, Any]]]:
    """Files (archives, e-mails) whose bytes were taken in before and whose work needs nothing more:
    answered from the catalogue at once, without starting a flow (and Prefect's temporary server)."""
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import IntakePackage
    from tasks.catalogue.submissions import needs_finishing
    from tasks.config import get_settings
    from tasks.store import sha256_of

    files = [p for p in paths if p.is_file() and not p.is_symlink()]
    if not files:
        return paths, []
    remaining, known = [p for p in paths if p not in files], []
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        for path in files:
            package = session.get(IntakePackage, sha256_of(path))
            unfinished = package is not None and needs_finishing(session, package.submission_id)
            if package is None or (screening and unfinished):
                remaining.append(path)  # new, or its screening (or state) must be resumed: the flow does it
            else:
                known.append({"package": path.name, "duplicate": True, "id": package.submission_id})
    return remaining, known


def run_ingest(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.intake.received import StatedTimeError, parse_stated_time

    received_at = None
    if args.received_at:
        try:
            received_at = parse_stated_time(args.received_at, now=get_settings().now())
        except StatedTimeError as exc:
            print(f"guangying：--received-at：{for_terminal(exc)}。", file=sys.stderr)
            return 2
    missing = _missing_paths(list(args.paths))
    if len(missing) == len(args.paths):
        return 2  # nothing to take in: a usage error, nothing started
    if args.for_submission:
        resolved = _resolve_id(args.for_submission)
        if resolved is None:
            return 2
        args.for_submission = resolved
    paths, results = _empty_folders([p for p in args.paths if p not in missing])
    if not args.for_submission:
        paths, known = _already_taken_in(paths, screening=not args.no_screen)
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
    code = _print_results(results, args.json)
    return 2 if missing else code  # a path that does not exist outranks the verdicts (see README)


def _missing_paths(paths: list[Path]) -> list[Path]:
    """Paths on the command line that do not exist: each one sentence on stderr (a usage error; the
    paths that exist are still taken in)."""
    missing = [p for p in paths if not p.exists()]
    for path in missing:
        print(f"guangying：找不到“{for_terminal(path)}”（文件或文件夹不存在）。", file=sys.stderr)
    return missing


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
    return _print_results(results, args.json)


def _all_items(*, removed: bool = False) -> list[SubmissionView]:
    """Every work; those taken in by mistake (`withdraw --mistake`) only with `removed`."""
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.submissions import submission_view, submissions
    from tasks.config import get_settings

    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        return [submission_view(session, s) for s in submissions(session, removed=removed)]


def _matching(prefix: str) -> SubmissionView | None:
    """The one work whose 受理编号 starts with `prefix` (one removed by mistake too, so that it can be
    restored); none or several are said on stderr."""
    matches = [item for item in _all_items(removed=True) if item.id.startswith(prefix.strip())]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        print(f"guangying：找不到受理编号为“{prefix}”的作品。请用 guangying status 查看。", file=sys.stderr)
        return None
    print(f"guangying：受理编号“{prefix}”对应{len(matches)}件作品，请多写几位：", file=sys.stderr)
    for item in matches:
        who = item.submitter or item.unit or "报送人未识别"
        print(f"    {item.id}  《{item.title or '未识别'}》 {who}", file=sys.stderr)
    return None


def _resolve_id(prefix: str) -> str | None:
    item = _matching(prefix)
    return item.id if item else None


def run_status(args: argparse.Namespace) -> int:
    from tasks.beijing_time import numeric_date_time

    if args.unmatched:
        return _run_unmatched(args.json)
    items = _all_items()
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
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.submissions import unmatched_mails
    from tasks.config import get_settings

    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        rows = unmatched_mails(session)
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
    from tasks.intake.export import write_export

    out = args.out or get_settings().data_dir / "作品汇总表.xlsx"
    if args.out is not None:
        if out.suffix.lower() != ".xlsx":
            print(f"guangying：导出文件“{out}”应以 .xlsx 结尾。", file=sys.stderr)
            return 2
        if not out.parent.is_dir():
            print(f"guangying：文件夹“{out.parent}”不存在，请先创建或换一个位置（--out）。", file=sys.stderr)
            return 2
        if out.is_dir():
            print(
                f"guangying：“{out}”是一个文件夹，请写出文件名，如 {out / '作品汇总表.xlsx'}。",
                file=sys.stderr,
            )
            return 2
    items = _all_items()
    out.parent.mkdir(parents=True, exist_ok=True)  # the data directory's own folder
    write_export(out, items)
    print(f"已导出{len(items)}件作品的汇总表：{out.resolve()}")
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
    from tasks.intake.receipt import render_receipt

    item = _matching(args.submission_id)
    if item is None:
        return 2
    print(for_terminal_lines(render_receipt(item, issued=get_settings().now())), end="")
    return 0
