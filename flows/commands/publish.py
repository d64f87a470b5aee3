"""`guangying publish [SUBMISSION_ID...] [--json]`: publish the approved works (or the named ones)
for the platforms: renditions, posters, subtitles, manifests and the showcase page."""

from __future__ import annotations

import argparse
import sys

from tasks.printable import json_line


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "publish",
        help="发布优秀作品：生成1080p/720p展播版本、海报、字幕、各平台清单和展播页面",
        description="默认发布最新批准的优秀作品名单；已撤回的作品会从展播中移除。重复运行不会重复上传。",
    )
    parser.add_argument(
        "submission_ids", nargs="*", metavar="SUBMISSION_ID", help="只发布这些作品（受理编号，可只写前几位）"
    )
    parser.add_argument("--json", action="store_true", help="每件已发布作品输出一行JSON")
    parser.add_argument(
        "--preset",
        metavar="PRESET",
        help="x264 编码速度预设（默认 veryfast，按画质测量选定；medium 更慢，SSIM 约高 0.001）",
    )
    parser.set_defaults(handler=run)


def _resolve(prefixes: list[str]) -> tuple[list[str], list[str]]:
    """Full submission ids for the given prefixes, and the Chinese complaints about the others."""
    from sqlalchemy import select

    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import Submission
    from tasks.config import get_settings

    ids, errors = [], []
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        for prefix in prefixes:
            matches = list(
                session.scalars(select(Submission.id).where(Submission.id.startswith(prefix)).limit(2))
            )
            if len(matches) == 1:
                ids.append(matches[0])
            else:
                errors.append(f"找不到唯一的受理编号“{prefix}”（匹配{len(matches)}件）")
    return ids, errors


def run(args: argparse.Namespace) -> int:
    from flows.publish import publish

    ids: list[str] | None = None
    if args.submission_ids:
        ids, errors = _resolve(args.submission_ids)
        if errors:
            for error in errors:
                print(f"guangying：{error}。", file=sys.stderr)
            return 2
    report = publish(submission_ids=ids, preset=args.preset)
    for line in report["works"]:
        if args.json:
            print(json_line(line), flush=True)
        else:
            sizes = "/".join(dict.fromkeys(r["name"] for r in line["renditions"]))
            episodes = len({r["episode"] for r in line["renditions"]})
            notice = line["ai_label"]["notice"] or "无AI生成内容标注"
            print(f"已发布《{line['title']}》：{episodes}集，{sizes}，{notice}", flush=True)
    for problem in report["problems"]:
        print(f"guangying：{problem}", file=sys.stderr)
    if not args.json:
        if not report["works"] and ids is None:
            print("尚无批准的优秀作品名单（或名单中的作品均未能发布）。")
        print(
            f"展播页面：{report['page']}（新上传{len(report['uploaded'])}个文件，移除{len(report['removed'])}个）"
        )
    return 1 if report["problems"] else 0
