"""`guangying screen FILE... [--json]`: technical validation, AI-label and subtitle checks, no catalogue."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tasks.findings import CHECK_LABELS, STATUS_LABELS, VERDICT_LABELS
from tasks.printable import json_line


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("screen", help="检查视频文件（技术指标、AI生成标识、简体字幕），不需要作品库")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="视频文件")
    parser.add_argument("--json", action="store_true", help="每个文件输出一行JSON")
    parser.add_argument("--record", action="store_true", help="同时把原件和检查结果存入作品库")
    parser.set_defaults(handler=run)


def render_text(result: dict[str, Any]) -> str:
    lines = [f"文件：{result['file']}", f"结论：{VERDICT_LABELS[result['verdict']]}"]
    for finding in result["findings"]:
        label = CHECK_LABELS.get(finding["check"], finding["check"])
        lines.append(f"  [{STATUS_LABELS[finding['status']]}] {label}：{finding['message']}")
    return "\n".join(lines)


def screen_paths(paths: list[Path], record: bool) -> list[dict[str, Any]]:
    """One result per path, in order. A path that is no file needs no screening at all. A check by
    hand that records nothing needs no flow run either: the files are screened by the same
    composition in this process (`tasks.screening.LocalSteps`), without Prefect or its temporary
    server (a fixed cost of seconds); `--record` and the Dask runner go through the flow."""
    from tasks.config import get_settings
    from tasks.screening import LocalSteps, missing_file, screen_file

    missing = {i: result.to_json() for i, p in enumerate(paths) if (result := missing_file(p)) is not None}
    present = [p.resolve() for i, p in enumerate(paths) if i not in missing]
    screened: Iterator[dict[str, Any]] = iter([])
    if present and (record or get_settings().task_runner != "thread"):
        from flows.screen import screen_files

        screened = iter(screen_files(present, record=record))
    elif present:
        steps = LocalSteps()
        screened = (screen_file(path, steps).to_json() for path in present)
    return [missing[i] if i in missing else next(screened) for i in range(len(paths))]


def run(args: argparse.Namespace) -> int:
    results = screen_paths(list(args.files), args.record)
    for result in results:
        if args.json:
            print(json_line(result), flush=True)
        else:
            print(render_text(result) + "\n", flush=True)
    recorded = [p for p in args.files if p.is_file()]
    if args.record and recorded:
        # stdout stays one JSON object per line with --json: where it went is said on stderr then
        print(where_recorded(len(recorded)), file=sys.stderr if args.json else sys.stdout, flush=True)
    return 0 if all(r["verdict"] == "pass" for r in results) else 1


def where_recorded(count: int) -> str:
    from tasks.config import get_settings, make_url_safe

    settings = get_settings()
    store = settings.s3_endpoint or settings.store_dir.resolve()
    return (
        f"已记录{count}个文件：检查结果存入作品库 {make_url_safe(settings.catalogue_url)}，"
        f"原件存入 {store}（存储桶 {settings.bucket_originals}）。"
    )
