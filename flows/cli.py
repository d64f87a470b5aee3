"""`guangying`: the command line. Sub-commands run the same flows the deployments run."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path


def _quiet_prefect() -> None:
    """Defaults for a terminal: no telemetry (there is no network), Prefect's own chatter only on warnings."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    _homes_under_data_dir()


def _homes_under_data_dir() -> None:
    """The embedded default keeps everything under the data directory: Prefect's home (its
    temporary server's database) and the caches of the engines, not $HOME."""
    if "PREFECT_HOME" in os.environ or "PREFECT_API_URL" in os.environ:
        return
    try:
        from tasks.config import get_settings

        data_dir = get_settings().data_dir.resolve()
    except Exception:  # a configuration error is reported when the command reads the settings
        return
    try:
        (data_dir / "prefect").mkdir(parents=True, exist_ok=True)
    except OSError:  # an unwritable data directory is reported by the command itself
        return
    os.environ["PREFECT_HOME"] = str(data_dir / "prefect")
    os.environ.setdefault("XDG_CACHE_HOME", str(data_dir / "cache"))


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: exit 2, in Chinese, no traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"guangying：参数错误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    from flows.commands import COMMANDS

    parser = _Parser(
        prog="guangying", description="「红色光影 英雄重庆」党史短视频征集：作品受理、审核与展播流水线"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="显示详细运行日志")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for register in COMMANDS:
        register(sub)
    return parser


def _crash_report(exc: BaseException) -> Path | None:
    """Keep the traceback for the developers, show the user one sentence."""
    try:
        from tasks.config import get_settings

        logs = get_settings().data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        path = logs / f"crash-{datetime.now():%Y%m%d-%H%M%S}.log"
        path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
        return path
    except Exception:
        return None


def explain(exc: BaseException) -> str:
    """One sentence for the operator: what failed and what to check (the details go to the crash log)."""
    from sqlalchemy.exc import OperationalError

    if isinstance(exc, OperationalError):
        from tasks.config import get_settings

        url = make_url_safe(get_settings().catalogue_url)
        return f"无法连接作品库（{url}），请检查数据库是否在运行以及 GUANGYING_DATABASE_URL 的设置"
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"运行出错（{type(exc).__name__}: {first_line}）"


def make_url_safe(url: str) -> str:
    """The catalogue URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "无法解析的地址"


def main(argv: Sequence[str] | None = None) -> int:
    _quiet_prefect()
    args = build_parser().parse_args(argv)
    if args.verbose:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    from flows.lifetime import end_on_signals, own_children, reclaim_left_behind

    end_on_signals()
    reclaim_left_behind()
    own_children()
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:
        report = _crash_report(exc)
        where = f"；详细信息已写入 {report}" if report else ""
        print(f"guangying：{explain(exc)}{where}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
