"""`guangying`: the command line. Sub-commands run the same flows the deployments run."""

from __future__ import annotations

import argparse
import itertools
import logging
import os
import re
import sys
import traceback
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn


def _quiet_prefect() -> None:
    """Defaults for a terminal: no telemetry (there is no network), Prefect's own chatter only on warnings."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    # The temporary server migrates a fresh database on its first start: 20 s is short on a busy 2-core machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
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


# argparse's own English messages, in Chinese (Python 3.11–3.13 wording); applied in order.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), chinese)
    for pattern, chinese in (
        (r"^argument (.+?): (.*)$", r"参数 \1：\2"),
        (r"the following arguments are required: (.*)", r"缺少必需的参数：\1"),
        (r"invalid choice: (.*?) \(choose from (.*)\)", r"无效的选择 \1（可选：\2）"),
        (r"unrecognized arguments: (.*)", r"无法识别的参数：\1"),
        (r"expected one argument", "需要一个值"),
        (r"expected at most one argument", "最多只能有一个值"),
        (r"expected at least one argument", "至少需要一个值"),
        (r"expected (\d+) arguments?", r"需要\1个值"),
        (r"invalid (\w+) value: (.*)", r"无效的值 \2"),
        (r"not allowed with argument (.*)", r"不能与参数 \1 同时使用"),
        (r"one of the arguments (.*) is required", r"必须提供以下参数之一：\1"),
        (r"ambiguous option: (.*) could match (.*)", r"选项 \1 有歧义，可能是 \2"),
        (r"ignored explicit argument (.*)", r"选项不接受值 \1"),
        (r"unexpected option string: (.*)", r"意外的选项 \1"),
    )
)


def chinese_error(message: str) -> str:
    """argparse's English error message in Chinese (unknown ones are kept as they are)."""
    for pattern, chinese in _ERRORS:
        message = pattern.sub(chinese, message)
    return message


class _HelpFormatter(argparse.HelpFormatter):
    """用法：, the sub-commands listed without argparse's {a,b,c} line, lines wrapped in terminal
    cells (a Chinese character takes two) and never inside an ASCII word such as a time or URL."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def,unused-ignore]
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)

    def _format_action(self, action: argparse.Action) -> str:
        if isinstance(action, argparse._SubParsersAction):
            return "".join(self._format_action(sub) for sub in action._get_subactions())
        return super()._format_action(action)

    def _split_lines(self, text: str, width: int) -> list[str]:
        from rich.cells import cell_len

        lines, line = [], ""
        for token in re.findall(r"[\x21-\x7e]+|\s+|.[，。；：、！？）」”]*", " ".join(text.split())):
            if line and cell_len(line + token) > width:
                lines.append(line.rstrip())
                line = "" if token.isspace() else token
            else:
                line += token
        return [*lines, line.rstrip()] if line.strip() else lines


class _Parser(argparse.ArgumentParser):
    """argparse in Chinese: usage, section titles, -h/--help and every usage error (exit 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def format_help(self) -> str:
        return re.sub(r"(?m)^(\S.*):$", r"\1：", super().format_help())

    def error(self, message: str) -> NoReturn:  # usage errors: exit 2, in Chinese, no traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：参数错误：{chinese_error(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    from flows.commands import COMMANDS

    parser = _Parser(
        prog="guangying", description="「红色光影 英雄重庆」党史短视频征集：作品受理、审核与展播流水线"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="显示详细运行日志")
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, title="命令", metavar="命令"
    )
    for register in COMMANDS:
        register(sub)
    return parser


def _crash_report(exc: BaseException) -> Path | None:
    """Keep the traceback for the developers, show the user one sentence. Each crash its own file
    (time to the microsecond, process id, a counter): two crashes never overwrite each other."""
    try:
        from tasks.config import get_settings

        logs = get_settings().data_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        stamp = f"crash-{datetime.now():%Y%m%d-%H%M%S-%f}-{os.getpid()}"
        text = "".join(traceback.format_exception(exc))
        for count in itertools.count():
            path = logs / (f"{stamp}.log" if count == 0 else f"{stamp}-{count}.log")
            try:
                with path.open("x", encoding="utf-8") as log:
                    log.write(text)
                return path
            except FileExistsError:
                continue
    except Exception:
        return None
    return None


def configuration_error(exc: BaseException) -> str | None:
    """One sentence for a setting that cannot be used (exit 2), or None when `exc` is something else."""
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError

    from tasks.config import CATALOGUE_URL_FORM, CatalogueUrlError, describe_error

    if isinstance(exc, ValidationError):
        return describe_error(exc)
    if isinstance(exc, CatalogueUrlError | ArgumentError):
        return f"配置项 GUANGYING_DATABASE_URL 无法使用：{exc}，应写成 {CATALOGUE_URL_FORM}。"
    return None


def _for_the_terminal(record: logging.LogRecord) -> bool:
    """Without -v: no Prefect chatter and no traceback on the terminal (both are in the run history
    and, for a crash, in the crash log); our own warnings stay, one line each."""
    if record.name.startswith("prefect"):
        return False
    record.exc_info, record.exc_text = None, None
    return True


def explain(exc: BaseException) -> str:
    """One sentence for the operator: what failed and what to check (the details go to the crash log)."""
    from sqlalchemy.exc import OperationalError

    from tasks.failures import cause

    if (real := cause(exc)) is not None:
        from tasks.config import get_settings

        where = get_settings().data_dir.resolve()
        return (
            f"{real}，无法写入（数据目录 {where}）。请腾出空间或恢复写入权限后重新运行，已受理的作品不受影响"
        )
    if isinstance(exc, OperationalError):
        from tasks.config import get_settings, make_url_safe

        url = make_url_safe(get_settings().catalogue_url)
        return f"无法连接作品库（{url}），请检查数据库是否在运行以及 GUANGYING_DATABASE_URL 的设置"
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"运行出错（{type(exc).__name__}: {first_line}）"


SIGPIPE_STATUS = 141  # what a shell reports for a program ended by SIGPIPE (128 + 13)


def _reader_gone() -> int:
    """The reader of our output went away (`guangying ranking | head -1`): stop quietly, as a
    command-line tool ended by SIGPIPE does, with no crash log. Whatever is still buffered for
    stdout goes nowhere, so that Python's flush at exit raises nothing either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (a test's capture)
        pass
    return SIGPIPE_STATUS


def main(argv: Sequence[str] | None = None) -> int:
    from tasks.outside import terminal_streams

    try:
        with terminal_streams():  # everything printed goes through the terminal's escaper
            return _run(argv)
    except BrokenPipeError:  # e.g. `guangying --help | head -1`, before a command runs
        return _reader_gone()


def _run(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)  # --help and usage errors leave before anything is created
    _quiet_prefect()
    if args.verbose:
        os.environ["PREFECT_LOGGING_LEVEL"] = "INFO"
    else:  # a terminal shows our own sentences; Prefect's run logs and tracebacks stay in the run history
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    if not args.verbose:
        for handler in logging.getLogger().handlers:
            handler.addFilter(_for_the_terminal)
    from flows.lifetime import end_on_signals, own_children, reclaim_left_behind

    end_on_signals()
    reclaim_left_behind()
    own_children()
    try:
        from tasks.config import get_settings

        get_settings()  # a setting that cannot be used is said before anything runs
        code = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not as a warning at exit
        return code
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:
        configuration = configuration_error(exc)
        if configuration is not None:
            print(f"guangying：{configuration}", file=sys.stderr)
            return 2
        report = _crash_report(exc)
        where = f"；详细信息已写入 {report}" if report else ""
        print(f"guangying：{explain(exc)}{where}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
