"""`guangying decide`: an operator's decision on a work, recorded with who, when and why."""

from __future__ import annotations

import argparse

from cli.commands.common import refuse, say_refusal
from cli.commands.parsing import HelpFormatter
from tasks.decisions import ACTION_HELP, ACTION_LABELS, DecisionAction, argument_problem, default_note
from tasks.findings import CHECK_LABELS, VERDICT_LABELS, UnknownCheck, check_named
from tasks.outside import for_terminal
from tasks.printable import json_line


def register(sub: argparse._SubParsersAction) -> None:
    class _TableFormatter(argparse.RawDescriptionHelpFormatter, HelpFormatter):
        """Chinese usage, and the table of actions kept as written."""

    actions = "\n".join(f"  {action:<13}{ACTION_HELP[action]}" for action in DecisionAction)
    decide = sub.add_parser(
        "decide",
        help="记录工作人员对某件作品的决定（同意逾期、免除某项、不予受理、更正收到时间、撤回决定等）",
        description="决定与决定人、时间、理由一并记入作品库，审核结论据此重新计算，回执随之更新。"
        "不适用的决定（如对按时收到的作品同意逾期）会被拒绝，不作任何改动。\n\n可用的决定：\n" + actions,
        formatter_class=_TableFormatter,
    )
    decide.add_argument("submission_id", metavar="SUBMISSION_ID", help="受理编号（可只写前几位）")
    decide.add_argument(
        "action", choices=[str(a) for a in DecisionAction], help="决定（见上表）", metavar="ACTION"
    )
    decide.add_argument(
        "value",
        nargs="?",
        metavar="VALUE",
        help='set-received 的收到时间（北京时间，如 "2026-11-28 10:00"）；revoke 的决定序号',
    )
    decide.add_argument("--check", metavar="CHECK", help="waive 所针对的检查项，如 frozen_frames、deadline")
    decide.add_argument(
        "--note", metavar="TEXT", help="理由（除 revoke 外必填），如“经筹备组同意延期至12月2日”"
    )
    decide.add_argument("--by", metavar="NAME", help="决定人（默认：GUANGYING_OPERATOR 或当前登录用户）")
    decide.add_argument("--json", action="store_true", help="输出该作品的JSON")
    decide.set_defaults(handler=run_decide)


def run_decide(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.submissions.service import Refused, SubmissionIdError, decide

    action = DecisionAction(args.action)
    problem = argument_problem(action, args.check, args.value)
    if problem is not None:
        return refuse(problem)
    args.note = default_note(action, args.value, args.note)
    try:
        named = check_named(args.check) if args.check else None
    except UnknownCheck as exc:
        return refuse(str(exc))
    if args.note is None:
        return refuse("--note 不能为空：请写明理由。")
    try:
        item = decide(
            get_settings(),
            args.submission_id,
            action,
            note=args.note,
            by=args.by,
            check=named,
            value=args.value,
        )
    except (Refused, SubmissionIdError) as exc:
        return say_refusal(exc)
    if args.json:
        print(json_line(item.to_json()))
        return 0
    what = ACTION_LABELS[action] + (f"：{CHECK_LABELS[named]}" if named else "")
    what += f"（{args.value}）" if args.value else ""
    print(
        for_terminal(
            f"已记录：《{item.title or '未识别'}》（{item.id[:8]}）{what}，"
            f"决定人 {item.decisions[-1].decided_by}。"
            f"审核结论：{VERDICT_LABELS.get(item.verdict or '', '审核中')}"
            + ("（经工作人员决定）" if item.verdict_by_person else "")
        )
    )
    return 0
