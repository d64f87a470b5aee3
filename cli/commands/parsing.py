"""The command line's argparse, in Chinese: usage, section titles, help layout and every usage error."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

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


class HelpFormatter(argparse.HelpFormatter):
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


class Parser(argparse.ArgumentParser):
    """argparse in Chinese: usage, section titles, -h/--help and every usage error (exit 2)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def format_help(self) -> str:
        return re.sub(r"(?m)^(\S.*):$", r"\1：", super().format_help())

    def error(self, message: str) -> NoReturn:  # usage errors: exit 2, in Chinese, no traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：参数错误：{chinese_error(message)}\n")
