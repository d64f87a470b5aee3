"""`guangying decide`: an operator's decision on a work, recorded with who, when and why."""

from __future__ import annotations

import argparse
import sys

from tasks.decisions import ACTION_LABELS, DecisionAction
from tasks.findings import CHECK_LABELS, VERDICT_LABELS, UnknownCheck, check_named
from tasks.printable import json_line


def register(sub: argparse._SubParsersAction) -> None:
    decide = sub.add_parser(
        "decide",
        help="记录工作人员对某件作品的决定（同意逾期、免除某项、不予受理），不改动审核结果本身",
        description="决定与登记人、时间、理由一并记入作品库，审核结论据此重新计算，回执随之更新。",
    )
    decide.add_argument("submission_id", metavar="SUBMISSION_ID", help="受理编号（可只写前几位）")
    decide.add_argument(
        "action",
        choices=[str(a) for a in DecisionAction],
        help="accept-late 同意逾期报送；waive 免除一项检查（须用 --check 指明）；reject 不予受理",
    )
    decide.add_argument("--check", metavar="CHECK", help="waive 所针对的检查项，如 frozen_frames、deadline")
    decide.add_argument(
        "--note", required=True, metavar="TEXT", help="理由（必填），如“经筹备组同意延期至12月2日”"
    )
    decide.add_argument("--by", metavar="NAME", help="决定人（默认：GUANGYING_OPERATOR 或当前登录用户）")
    decide.add_argument("--json", action="store_true", help="输出该作品的JSON")
    decide.set_defaults(handler=run_decide)


def run_decide(args: argparse.Namespace) -> int:
    from flows.commands.operator import record_view

    action = DecisionAction(args.action)
    if action == DecisionAction.WAIVE and not args.check:
        print("guangying：waive 需要用 --check 指明免除哪一项检查。", file=sys.stderr)
        return 2
    try:
        named = check_named(args.check) if args.check else None
    except UnknownCheck as exc:
        print(f"guangying：{exc}", file=sys.stderr)
        return 2
    check = named if action == DecisionAction.WAIVE else None
    item = record_view(args, action, check)
    if item is None:
        return 2
    if args.json:
        print(json_line(item.to_json()))
        return 0
    what = ACTION_LABELS[action] + (f"：{CHECK_LABELS[check]}" if check else "")
    print(
        f"已记录：《{item.title or '未识别'}》（{item.id[:8]}）{what}，"
        f"决定人 {item.decisions[-1].decided_by}。"
        f"审核结论：{VERDICT_LABELS.get(item.verdict or '', '审核中')}"
        + ("（经工作人员决定）" if item.verdict_by_person else "")
    )
    return 0
