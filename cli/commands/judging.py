"""`guangying experts|assign|category|originality|packets|scores|ranking|approve`: judging (notice 六)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cli.commands.common import naming_option, refuse
from tasks.findings import STATUS_LABELS
from tasks.printable import json_line
from tasks.refusals import ABOUT


def register(sub: argparse._SubParsersAction) -> None:
    experts = sub.add_parser(
        "experts", help="导入评审专家名单（.xlsx/.csv：姓名、单位、专长、最大评审数、联系方式）"
    )
    experts.add_argument("path", type=Path, metavar="PATH", help="专家名单表格")
    experts.add_argument("--json", action="store_true", help="每位专家输出一行JSON（不含联系方式）")
    dropped = experts.add_mutually_exclusive_group()
    dropped.add_argument(
        "--keep-scores",
        dest="dropped_scores",
        action="store_const",
        const="keep",
        help="新名单去掉的专家：保留其已交评分，未评的作品重新分配",
    )
    dropped.add_argument(
        "--drop-scores",
        dest="dropped_scores",
        action="store_const",
        const="drop",
        help="新名单去掉的专家：删除其评分，其全部作品重新分配",
    )
    experts.set_defaults(handler=run_experts)

    assign = sub.add_parser("assign", help="为参评作品分配评审专家（回避本单位，专长对口，工作量均衡）")
    assign.add_argument(
        "--per-work", type=int, default=3, metavar="K", help="每件作品的评审专家人数（默认3）"
    )
    assign.add_argument(
        "--min-matched",
        type=int,
        default=0,
        metavar="N",
        help="每件作品至少N位专长对口的专家（默认0：尽量对口）",
    )
    assign.add_argument("--experts", type=Path, metavar="ROSTER", help="不用作品库：专家名单表格")
    assign.add_argument("--works", type=Path, metavar="TABLE", help="不用作品库：作品表（编号、单位、类别）")
    assign.add_argument("--no-originality", action="store_true", help="跳过原创性（重复作品）检查")
    assign.add_argument("--json", action="store_true", help="每件作品输出一行JSON")
    assign.add_argument(
        "--redo",
        metavar="编号",
        action="append",
        default=[],
        help="重新分配该作品（如类别更正后）：未评分的专家撤下重选，其他作品不变；可重复",
    )
    assign.set_defaults(handler=run_assign)

    category = sub.add_parser("category", help="更正参评作品的类别（覆盖登记表所填）")
    category.add_argument("number", metavar="编号", help="评审编号")
    category.add_argument("category", metavar="类别", help="微专题、微纪录片、微动漫、Vlog、情景再现")
    category.set_defaults(handler=run_category)

    originality = sub.add_parser("originality", help="查看或处理疑似重复作品（原创性检查）")
    originality.add_argument("--check", action="store_true", help="先对全部参评作品做一次检查")
    group = originality.add_mutually_exclusive_group()
    group.add_argument("--dismiss", type=int, metavar="ID", help="核实后排除该疑点")
    group.add_argument("--confirm", type=int, metavar="ID", help="核实确属重复或抄袭")
    originality.add_argument("--note", default="", help="处理说明（确认时必填）")
    originality.add_argument("--copy", metavar="编号", help="确认时必填：抄袭（不得参评建议名单）的一方")
    originality.add_argument("--force", action="store_true", help="改变已作出的结论（排除↔确认），留有记录")
    originality.add_argument("--json", action="store_true", help="每个疑点输出一行JSON")
    originality.set_defaults(handler=run_originality)

    packets = sub.add_parser(
        "packets", help="生成每位专家的评审包（评审.html、720p观看视频、字幕、评分表；可拷贝到U盘离线使用）"
    )
    packets.add_argument("--out", type=Path, required=True, metavar="DIR", help="输出文件夹")
    packets.add_argument(
        "--links", action="store_true", help="不拷贝视频，改用对象存储（MinIO/S3）的限时链接"
    )
    packets.add_argument("--days", type=float, default=7, help="--links 的链接有效天数（默认7，最长7）")
    packets.add_argument("--all", action="store_true", help="也重发专家已评分的作品（默认不重发）")
    packets.set_defaults(handler=run_packets)

    scores = sub.add_parser("scores", help="导入专家交回的评分表（.xlsx/.csv）")
    scores.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="评分表")
    scores.add_argument("--replace", action="store_true", help="用新表更正已导入的评分")
    scores.add_argument("--json", action="store_true", help="每个文件输出一行JSON")
    scores.set_defaults(handler=run_scores)

    ranking = sub.add_parser("ranking", help="汇总评分、排名，给出优秀作品名单建议")
    _tier_options(ranking)
    ranking.add_argument(
        "--scores",
        type=Path,
        metavar="TABLE",
        help="不用作品库：评分长表（.xlsx/.csv，每行一位专家对一件作品：编号、专家、总分，可加作品名称）",
    )
    ranking.add_argument("--json", action="store_true", help="每件作品输出一行JSON")
    ranking.set_defaults(handler=run_ranking)

    approve = sub.add_parser("approve", help="批准优秀作品名单并导出（.docx/.xlsx）")
    _tier_options(approve)
    approve.add_argument("--yes", action="store_true", help="不询问，直接批准")
    approve.add_argument("--set-special", metavar="编号,…", help="特别优秀名单（覆盖建议）")
    approve.add_argument("--set-excellent", metavar="编号,…", help="优秀名单（覆盖建议）")
    approve.add_argument("--by", metavar="姓名", help="审批人（必填，除非已配置 GUANGYING_OPERATOR）")
    approve.add_argument("--note", default="", help="备注")
    approve.add_argument(
        "--out", type=Path, metavar="DIR", help="名单输出文件夹（默认：数据目录下 judging/）"
    )
    approve.add_argument("--flow-run", metavar="ID", help="恢复在 Prefect 中等待审批的 judging 流程运行")
    approve.set_defaults(handler=run_approve)


def _tier_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--special", type=float, default=0.1, help="特别优秀名额：比例（<1）或件数（默认0.1）"
    )
    parser.add_argument("--excellent", type=float, default=0.3, help="特别优秀与优秀合计名额（默认0.3）")


def _error(message: str, code: int = 2) -> int:
    print(f"guangying：{message}", file=sys.stderr)
    return code


def _print_findings(findings: list[Any]) -> None:
    for finding in findings:
        message = naming_option(finding.message, finding.evidence.get(ABOUT))
        print(f"  [{STATUS_LABELS.get(finding.status, finding.status)}] {message}")


def _json(data: Any) -> None:
    print(json_line(data), flush=True)


def run_experts(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.judging.service import import_roster
    from tasks.judging.tables import TableError
    from tasks.outside import for_terminal

    settings = get_settings()
    try:
        result = import_roster(settings, args.path, settings.now(), args.dropped_scores)
    except TableError as exc:
        return _error(str(exc))
    roster, counts = result.roster, result.counts
    if args.json:
        for expert in roster.experts:
            _json(
                {
                    "name": expert.name,
                    "unit": expert.unit,
                    "categories": sorted(expert.categories),
                    "cap": expert.cap,
                }
            )
        for finding in roster.findings:
            _json({"finding": finding.to_dict()})
        for gone in result.dropped:
            _json({"dropped": gone.name, "scored": list(gone.scored), "pending": list(gone.pending)})
        return 0 if counts is not None else 1
    _print_findings(roster.findings)
    described = [
        f"{for_terminal(d.name)}（已评{len(d.scored)}件、待评{len(d.pending)}件）" for d in result.dropped
    ]
    if result.needs_choice:
        print(
            f"✗ 新名单（{for_terminal(args.path.name)}）不含以下专家：{'、'.join(described)}。未导入。\n"
            "  请选择如何处理其评审：--keep-scores 保留已交评分（未评的作品重新分配），"
            "或 --drop-scores 删除其评分并重新分配其全部作品。"
        )
        return 1
    if counts is None:
        print(f"✗ 专家名单有错误，未导入（{for_terminal(args.path.name)}）。请更正后重新导入。")
        return 1
    print(
        f"✓ 已导入专家名单：{len(roster.experts)}人（新增{counts['added']}，更新{counts['updated']}，"
        f"停用{counts['deactivated']}）"
    )
    if result.dropped:
        choice = {"keep": "已交评分保留", "drop": "已交评分已删除"}.get(args.dropped_scores or "", "")
        print(f"  停用：{'、'.join(described)}{'；' + choice if choice else ''}")
        if any(d.pending or (d.scored and args.dropped_scores == "drop") for d in result.dropped):
            print("  请运行 guangying assign 为其作品补足评审专家。")
    return 0


def _assign_tables(args: argparse.Namespace) -> int:
    from tasks.judging.assignment import InfeasibleAssignment
    from tasks.judging.service import assign_tables
    from tasks.judging.tables import TableError

    if not (args.experts and args.works):
        return _error("--experts 与 --works 须同时给出")
    try:
        roster, result = assign_tables(args.experts, args.works, args.per_work, args.min_matched)
    except TableError as exc:
        return _error(str(exc))
    except InfeasibleAssignment as exc:
        return _error(f"无法分配：{exc.message}", 1)
    if result is None:
        if not args.json:
            _print_findings(roster.findings)
        return _error("专家名单有错误，无法分配", 1)
    return _print_assignment(result.experts, result, args.json)


def _print_assignment(experts: dict[str, tuple[str, ...]], result: Any, as_json: bool) -> int:
    if as_json:
        for number, names in sorted(experts.items()):
            _json({"work": number, "experts": list(names)})
        return 0
    print(f"{'编号':<8}评审专家")
    for number, names in sorted(experts.items()):
        print(f"{number:<10}{'、'.join(names)}")
    slots = sum(len(n) for n in experts.values())
    loads = [v for v in result.loads.values()]
    print(
        f"\n共{len(experts)}件作品、{slots}个评审席位，其中专长对口{result.matched}个；"
        f"专家工作量{min(loads, default=0)}–{max(loads, default=0)}件。"
    )
    _print_findings(result.findings)
    return 0


def run_assign(args: argparse.Namespace) -> int:
    if args.per_work < 1:
        return _error("--per-work 至少为1")
    if args.experts or args.works:
        return _assign_tables(args)
    from tasks.config import get_settings
    from tasks.judging.assignment import InfeasibleAssignment
    from tasks.judging.numbers import normal_number
    from tasks.judging.service import assign_catalogue, check_originality, has_roster, unknown_works

    settings = get_settings()
    if not has_roster(settings):
        return _error("作品库中还没有专家名单。请先用 guangying experts PATH 导入。")
    if not args.no_originality:
        report = check_originality(settings)
        if not args.json:
            for message in report.problems:
                print(f"  [无法检查] {message}")
            for pair in report.pairs:
                print(f"  [提示] {pair.message()}")
    if args.redo:
        args.redo = [normal_number(n) for n in args.redo]
        unknown = unknown_works(settings, args.redo)
        if unknown:
            return _error(f"找不到评审编号为“{'、'.join(unknown)}”的参评作品")
    try:
        works, result = assign_catalogue(settings, args.per_work, args.min_matched, redo=args.redo)
    except InfeasibleAssignment as exc:
        return _error(f"无法分配：{exc.message}", 1)
    if not works and not args.json:
        print("没有参评作品（审核结论为“通过”且未撤回的作品）。")
        return 0
    return _print_assignment(result.experts, result, args.json)


def run_category(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.judging.records import DecisionError
    from tasks.judging.service import correct_category

    settings = get_settings()
    try:
        change = correct_category(settings, args.number, args.category)
    except DecisionError as exc:
        return refuse(exc)
    print(f"✓ 编号{args.number}的类别已改为“{change.category}”（{settings.operator_name}）")
    if change.experts:
        print(
            f"  编号{args.number}已分配给{'、'.join(change.experts)}（按原类别）。"
            f"如需按新类别重新分配，请运行 guangying assign --redo {args.number}（已评分的专家保留）。"
        )
    return 0


def run_originality(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.judging.numbers import normal_number
    from tasks.judging.records import STATUS_LABELS, DecisionError
    from tasks.judging.service import check_originality, decide_pair, duplicates

    settings = get_settings()
    if args.check:
        report = check_originality(settings)
        if not args.json:
            print(f"已检查{report.videos}个视频（新计算{report.computed}个），新发现疑点{report.new}个。")
            for message in report.problems:
                print(f"  [无法检查] {message}")
    target = args.dismiss or args.confirm
    if target:
        status = "dismissed" if args.dismiss else "confirmed"
        copy = normal_number(args.copy) if args.copy else None
        try:
            found = decide_pair(settings, target, status, args.note, copy, args.force)
        except DecisionError as exc:
            return refuse(exc)
        if not found:
            return _error(f"找不到编号为{target}的疑点")
        done = f"确认，编号{copy}为抄袭方，不列入建议名单" if args.confirm else "排除"
        print(f"✓ 疑点{target}已{done}（{settings.operator_name}）")
    rows = duplicates(settings)
    for row in rows:
        if args.json:
            _json({"id": row.id, "status": row.status, "message": row.message, "evidence": row.evidence})
        else:
            copy_note = f"（抄袭方：编号{row.evidence['copy']}）" if row.evidence.get("copy") else ""
            print(f"[{row.id}] {STATUS_LABELS.get(row.status, row.status)}：{row.message}{copy_note}")
    if not rows and not args.json:
        print("没有疑似重复的作品。")
    return 0


def run_packets(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from tasks.config import get_settings
    from tasks.judging.service import write_packets
    from tasks.outside import for_terminal

    if not 0 < args.days <= 7:
        return _error("--days 应在0到7之间（对象存储的签名链接最长7天）")
    settings = get_settings()
    try:
        report = write_packets(
            settings,
            args.out,
            settings.now(),
            links=args.links,
            lifetime=timedelta(days=args.days),
            include_scored=args.all,
        )
    except ValueError as exc:
        return refuse(exc)
    for expert, number in report.skipped:
        print(f"  [未重发] 编号{number}：专家{for_terminal(expert)}已评分（如需重发请加 --all）")
    for message in report.problems:
        print(f"  [无法生成] {for_terminal(message)}")
    if not report.folders:
        if report.skipped:
            print("所有分配的作品都已评分，没有需要发送的评审包。")
        else:
            print("还没有分配评审专家。请先运行 guangying assign。")
        return 0
    for path in report.folders:
        print(f"已生成：{for_terminal(path.resolve())}")
    print(
        f"共{len(report.folders)}位专家的评审包；观看版本新生成{report.made}个、沿用{report.reused}个。"
        "评审包不含报送单位、报送人和联系方式（视频元数据、字幕备注、文稿中的电话均已去除）。"
    )
    return 1 if report.problems else 0


def run_scores(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.judging.service import import_scores
    from tasks.outside import for_terminal

    settings = get_settings()
    sheets = import_scores(settings, list(args.paths), settings.now(), replace=args.replace)
    failed = 0
    for sheet in sheets:
        imported = len(sheet.scores) if sheet.ok else 0
        failed += 0 if sheet.ok else 1
        if args.json:
            _json(
                {
                    "file": str(sheet.path),
                    "imported": imported,
                    "already_in": [{"row": line, "work": work} for line, work in sheet.already_in],
                    "ok": sheet.ok,
                    "findings": [f.to_dict() for f in sheet.findings],
                }
            )
            continue
        name = for_terminal(sheet.path.name)
        if sheet.already_imported or (sheet.ok and not imported and sheet.already_in):
            print(f"= {name}：已导入过，未做改动。")
        elif sheet.ok:
            earlier = f"（另有{len(sheet.already_in)}行此前已导入）" if sheet.already_in else ""
            print(f"✓ {name}：导入{imported}条评分{earlier}。")
        else:
            print(f"✗ {name}：有错误，整表未导入。")
        _print_findings([f for f in sheet.findings if not sheet.already_imported])
    return 1 if failed else 0


def _policy(args: argparse.Namespace) -> Any:
    from tasks.judging.ranking import TierPolicy

    return TierPolicy(args.special, args.excellent)


def run_ranking(args: argparse.Namespace) -> int:
    if args.scores:
        return _ranking_table(args)
    from tasks.config import get_settings
    from tasks.judging.service import standing

    current = standing(get_settings(), _policy(args))
    titles = {number: judged.work.title for number, judged in current.works.items()}
    return _print_ranking(current.ranking, titles, len(current.missing), args.json)


def _ranking_table(args: argparse.Namespace) -> int:
    """`ranking --scores TABLE`: the same model on a long table, without a catalogue."""
    from tasks.judging.service import rank_table
    from tasks.judging.tables import TableError
    from tasks.outside import for_terminal

    try:
        table, ranking = rank_table(args.scores, _policy(args))
    except TableError as exc:
        return _error(for_terminal(exc))
    if ranking is None:
        for problem in table.problems:
            print(f"  [错误] {for_terminal(problem)}", file=sys.stderr)
        return _error(f"评分表有错误，未排名（{for_terminal(args.scores.name)}）", 1)
    return _print_ranking(ranking, table.titles, 0, args.json)


RANKING_HEADER = ("名次", "编号", "作品名称", "得分", "原始均分", "评分数", "建议等次", "备注")
RANKING_WIDTHS = (4, 12, 24, 7, 8, 6, 8, 400)  # terminal cells; longer values are cut with …


def _print_ranking(ranking: Any, titles: dict[str, str], missing: int, as_json: bool) -> int:
    from cli.commands.table import render
    from tasks.judging.ranking import agreement_label
    from tasks.outside import for_terminal

    if as_json:
        for item in ranking.works:
            _json({**item.to_dict(), "title": titles.get(item.number, "")})
        return 0
    if not ranking.works:
        print("还没有分配评审的作品。")
        return 0
    rows = [
        (
            str(item.rank or "—"),
            for_terminal(item.number),
            for_terminal(titles.get(item.number, "")),
            f"{item.score:.2f}" if item.score is not None else "—",
            f"{item.raw_mean:.2f}" if item.raw_mean is not None else "—",
            f"{item.scores}/{item.expected}",
            item.tier or "",
            for_terminal("；".join(item.notes)),
        )
        for item in ranking.works
    ]
    for line in render(RANKING_HEADER, rows, RANKING_WIDTHS):
        print(line)
    print(
        f"\n评审一致性（ICC(1)）：原始分{ranking.agreement_raw}（{agreement_label(ranking.agreement_raw)}），"
        f"校正后{ranking.agreement_normalised}（{agreement_label(ranking.agreement_normalised)}）"
    )
    if missing:
        print(f"尚有{missing}份评分未交回。")
    for finding in ranking.findings:
        print(f"  [{STATUS_LABELS.get(finding.status, finding.status)}] {for_terminal(finding.message)}")
    print(
        "\n得分为评分模型对作品水平的估计：各专家的宽严和分差先从全部评分中一并估出并校正，"
        "个别离群评分自动降低权重。详见 README “评审”一节。"
    )
    return 0


def run_approve(args: argparse.Namespace) -> int:
    from tasks.config import get_settings
    from tasks.judging.model import Approval
    from tasks.judging.rubric import TIER_EXCELLENT, TIER_SPECIAL
    from tasks.judging.service import ListRefused, approve, list_to_approve
    from tasks.outside import for_terminal

    settings = get_settings()
    try:
        chosen = list_to_approve(settings, _policy(args), args.set_special, args.set_excellent)
    except ListRefused as exc:
        if exc.empty:
            return _error(
                "名单为空：还没有可列入名单的作品（先导入评分，或用 --set-special/--set-excellent 指定）", 1
            )
        return _error(str(exc))
    tiers, proposal = chosen.tiers, chosen.proposal
    by = (args.by or settings.operator or "").strip()
    if not by:
        return _error("请用 --by 姓名 填写审批人（或在配置中设置 GUANGYING_OPERATOR）：名单须有人批准")
    for tier, numbers in tiers.items():
        print(f"{tier}（{len(numbers)}件）：")
        for number in numbers:
            print(f"  {number} 《{for_terminal(chosen.titles[number])}》")
    for line in chosen.change:
        print(for_terminal(line))
    if not args.yes:
        if not sys.stdin.isatty():
            return _error("请在终端中确认，或加 --yes 直接批准")
        answer = input(f"以 {by} 的名义批准以上名单？[y/N] ").strip().lower()
        if answer not in ("y", "yes", "是"):
            print("未批准，名单未记录。")
            return 1
    if args.flow_run:
        from uuid import UUID

        from prefect.flow_runs import resume_flow_run

        resume_flow_run(
            UUID(args.flow_run),
            run_input={
                "approve": True,
                "special": tiers[TIER_SPECIAL],
                "excellent": tiers[TIER_EXCELLENT],
                "approver": by,
                "note": args.note,
            },
        )
        print(f"✓ 已提交审批，等待中的 judging 流程（{args.flow_run}）将记录名单并导出。")
        return 0
    approval = Approval(tiers, proposal, by, settings.now(), note=args.note, via="cli")
    approval_id, paths = approve(settings, approval, out_dir=args.out)
    print(f"✓ 名单已批准（记录号{approval_id}，审批人{by}）。")
    for path in paths:
        print(f"已导出：{path.resolve()}")
    return 0
