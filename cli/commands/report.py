"""`guangying report [--out FILE.html]`: the contest's status as one self-contained Chinese HTML page."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="生成作品审核状态报告（HTML，含每日收件、审核结论、不通过原因与各环节用时图表）",
        description="报告为单个 HTML 文件，图表内嵌，可离线打开或作为邮件附件发送。",
    )
    parser.add_argument(
        "--out",
        metavar="FILE.html",
        default="guangying-report.html",
        help="保存路径（默认 guangying-report.html）",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.report.service import write_report

    out = Path(args.out)
    if not out.parent.is_dir():
        print(f"guangying：无法写入“{out}”：文件夹“{out.parent}”不存在。", file=sys.stderr)
        return 2
    settings = get_settings()
    summary, problem = write_report(settings, out, now=settings.now())
    print(f"状态报告已写入 {out}（共 {summary.total} 件作品）。")
    if problem:
        print(f"注意：{problem}", file=sys.stderr)
    return 0
