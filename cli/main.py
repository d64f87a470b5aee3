"""`guangying`: the command line. Sub-commands run the same flows the deployments run."""

from __future__ import annotations

import argparse
import itertools
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


def build_parser() -> argparse.ArgumentParser:
    from cli.commands import COMMANDS
    from cli.commands.parsing import Parser

    parser = Parser(
        prog="guangying", description="「红色光影 英雄重庆」党史短视频征集：作品受理、审核与展播流水线"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="显示详细运行日志")
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=Parser, title="命令", metavar="命令"
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


def _for_the_terminal(record: logging.LogRecord) -> bool:
    """Without -v: no Prefect chatter and no traceback on the terminal (both are in the run history
    and, for a crash, in the crash log); our own warnings stay, one line each."""
    if record.name.startswith("prefect"):
        return False
    record.exc_info, record.exc_text = None, None
    return True


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
    from flows.lifetime import end_on_signals, reclaim_left_behind
    from tasks.processes import own_children

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
        from tasks.failures import configuration_error, explain

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
