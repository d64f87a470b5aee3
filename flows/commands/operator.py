"""`guangying withdraw|rescreen|recheck|original`: what an operator does to works already taken in,
each recorded with who, when and why (the same record as `decide`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from tasks.decisions import DecisionAction
from tasks.findings import Check
from tasks.states import FINAL_STATES

if TYPE_CHECKING:
    from tasks.catalogue.views import SubmissionView


def register(sub: argparse._SubParsersAction) -> None:
    withdraw = sub.add_parser("withdraw", help="撤销一件作品（如重复报送、误收的文件），记录理由")
    withdraw.add_argument("submission_id", metavar="SUBMISSION_ID", help="受理编号（可只写前几位）")
    withdraw.add_argument("--note", required=True, metavar="TEXT", help="理由（必填）")
    withdraw.add_argument(
        "--mistake",
        action="store_true",
        help="误收（不是参赛作品，如误投的文件）：从作品列表、汇总表、看板和评审中移除，原件保留；可用 decide ID revoke N 恢复",
    )
    withdraw.add_argument("--by", metavar="NAME", help="操作人（默认：GUANGYING_OPERATOR 或当前登录用户）")
    withdraw.set_defaults(handler=run_withdraw)

    rescreen = sub.add_parser(
        "rescreen", help="重新审核一件作品的视频（也用于 ingest --no-screen 受理的作品）"
    )
    rescreen.add_argument("submission_id", metavar="SUBMISSION_ID", help="受理编号（可只写前几位）")
    rescreen.add_argument("--note", default="重新审核", metavar="TEXT", help="理由")
    rescreen.add_argument("--by", metavar="NAME", help="操作人")
    rescreen.set_defaults(handler=run_rescreen)

    recheck = sub.add_parser(
        "recheck", help="按现行设置（如截止时间）重新核对所有作品的报送材料，更新结论和回执"
    )
    recheck.add_argument("--note", default="设置变更后重新核对", metavar="TEXT", help="理由")
    recheck.add_argument("--by", metavar="NAME", help="操作人")
    recheck.set_defaults(handler=run_recheck)

    original = sub.add_parser("original", help="按受理编号取回作品的原件（原始压缩包或邮件，以及其中的文件）")
    original.add_argument("submission_id", metavar="SUBMISSION_ID", help="受理编号（可只写前几位）")
    original.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="保存到的文件夹（不存在则新建）"
    )
    original.set_defaults(handler=run_original)


def record_view(
    args: argparse.Namespace,
    action: DecisionAction,
    check: Check | None = None,
    *,
    value: str | None = None,
    stated: dict[str, Any] | None = None,
) -> SubmissionView | None:
    """Record `action` (on `check`, for a waiver; with `value`, the time of set-received or the number
    of revoke) on the work `args.submission_id` names, by `args.by` for `args.note`, and rewrite its
    receipt; the work as it now stands, or None (said why on stderr, nothing changed)."""
    from flows.commands.intake import _resolve_id
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import FindingRecord, Submission
    from tasks.catalogue.submissions import decisions_of, record_decision, refresh_intake, submission_view
    from tasks.config import get_settings
    from tasks.decisions import Decision, refusal
    from tasks.findings import Finding, Status
    from tasks.intake.receipt import write_receipt
    from tasks.intake.received import StatedTimeError, parse_stated_time
    from tasks.outside import for_terminal
    from tasks.rules import DEFAULT_RULES

    if not args.note.strip():
        print("guangying：--note 不能为空：请写明理由。", file=sys.stderr)
        return None
    submission_id = _resolve_id(args.submission_id)
    if submission_id is None:
        return None
    settings = get_settings()
    stated = dict(stated or {})
    if action == DecisionAction.SET_RECEIVED:
        try:
            stated = {"received_at": parse_stated_time(value or "", now=settings.now()).isoformat()}
        except StatedTimeError as exc:
            print(f"guangying：set-received：{for_terminal(exc)}。", file=sys.stderr)
            return None
    revokes = int(value) if action == DecisionAction.REVOKE and value else None
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        submission = session.get(Submission, submission_id)
        assert submission is not None  # _resolve_id just found it
        rows = session.query(FindingRecord).filter(FindingRecord.submission_id == submission_id)
        findings = [Finding(r.check, Status(r.status), r.message) for r in rows]
        why = refusal(
            action,
            decisions_of(session, submission_id),
            findings,
            withdrawn=submission.state in FINAL_STATES,
            check=check,
            revokes=revokes,
        )
        if why is not None:
            print(f"guangying：{why}未作任何改动。", file=sys.stderr)
            return None
        decision = Decision(
            DecisionAction(action),
            args.note.strip(),
            args.by or settings.operator_name,
            settings.now(),
            check,
            value=stated or ({"revokes": revokes} if revokes is not None else None),
        )
        record_decision(session, submission, decision)
        if action in (DecisionAction.SET_RECEIVED, DecisionAction.REVOKE):
            refresh_intake(
                session, submission, rules=DEFAULT_RULES, deadline=settings.deadline, now=settings.now()
            )
        item = submission_view(session, submission)
    write_receipt(settings.data_dir, item, issued=settings.now())
    return item


def run_withdraw(args: argparse.Namespace) -> int:
    from tasks.outside import for_terminal

    mistake = {"mistake": True} if args.mistake else None
    item = record_view(args, DecisionAction.WITHDRAW, stated=mistake)
    if item is None:
        return 2
    what = "已作为误收移除（原件保留）" if args.mistake else "已撤销"
    print(for_terminal(f"{what}：《{item.title or '未识别'}》（{item.id[:8]}），理由：{args.note.strip()}。"))
    return 0


def run_rescreen(args: argparse.Namespace) -> int:
    from flows.commands.intake import _print_results
    from flows.intake import screen_submission

    item = record_view(args, DecisionAction.RESCREEN)
    if item is None:
        return 2
    if item.state in FINAL_STATES:
        print("guangying：该作品已撤销，不再审核。", file=sys.stderr)
        return 2
    result = screen_submission(item.id)
    return _print_results([{"package": item.package_name or item.id, **result}], False)


def run_recheck(args: argparse.Namespace) -> int:
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.submissions import record_decision, refresh_intake, submission_view, submissions
    from tasks.config import get_settings
    from tasks.decisions import Decision, DecisionAction
    from tasks.intake.receipt import verdict_label, write_receipt
    from tasks.rules import DEFAULT_RULES

    settings = get_settings()
    decision = Decision(
        DecisionAction.RECHECK,
        args.note.strip() or "重新核对",
        args.by or settings.operator_name,
        settings.now(),
    )
    changed, items = 0, []
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        for submission in submissions(session):
            if submission.state in FINAL_STATES:
                continue
            before = submission.verdict
            refresh_intake(
                session, submission, rules=DEFAULT_RULES, deadline=settings.deadline, now=settings.now()
            )
            record_decision(session, submission, decision)
            item = submission_view(session, submission)
            items.append(item)
            if item.verdict != before:
                changed += 1
                print(
                    f"《{item.title or '未识别'}》（{item.id[:8]}）：{verdict_label(before)} → "
                    f"{verdict_label(item.verdict)}"
                )
    for item in items:
        write_receipt(settings.data_dir, item, issued=settings.now())
    print(f"已按现行设置重新核对{len(items)}件作品，{changed}件结论有变化；回执已更新。")
    return 0


def run_original(args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from flows.commands.intake import _resolve_id
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import File, IntakePackage
    from tasks.config import get_settings
    from tasks.intake.sources import safe_filename
    from tasks.store import open_store

    submission_id = _resolve_id(args.submission_id)
    if submission_id is None:
        return 2
    try:
        args.out.mkdir(parents=True, exist_ok=True)  # as its help promises
    except OSError as exc:
        print(f"guangying：--out：无法创建文件夹“{args.out}”（{exc.strerror}）。", file=sys.stderr)
        return 2
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        packages = session.scalars(select(IntakePackage).where(IntakePackage.submission_id == submission_id))
        # A package's original is its archive, or the raw e-mail (named after its subject).
        wanted = [
            (p.name if PurePosixPath(p.name).suffix else f"{p.name}.eml", p.object_key)
            for p in packages
            if p.object_key
        ]
        files = session.scalars(select(File).where(File.submission_id == submission_id))
        wanted += [(f.name, f.object_key) for f in files]
    store = open_store(settings)
    written = []
    for index, (name, object_key) in enumerate(wanted, start=1):
        target = args.out / safe_filename(PurePosixPath(name).name, f"原件{index}")
        if target.exists():
            target = target.with_name(f"{target.stem}（{index}）{target.suffix}")
        bucket, key = object_key.split("/", 1)
        store.get_file(bucket, key, target)
        target.chmod(0o644)  # a copy for the operator, not the read-only original
        written.append(target)
        print(f"已取回：{target}")
    if not written:
        print("该作品没有保存的原件。")
    return 0
