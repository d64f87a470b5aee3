"""The operator's actions as flows, one deployment each (deployments/definitions.py): the Prefect UI's
form (deployments/forms.py) calls the same service in `tasks/` as the CLI command of the same name.

Wiring only: each flow calls the service, publishes its result in Chinese as a Markdown artifact
(key `action-<name>`), and on a refusal ends the run Failed with the service's Chinese message
(nothing changed). No SQL and no rule here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from prefect import flow
from prefect.artifacts import create_markdown_artifact
from prefect.context import get_run_context
from prefect.states import Completed, Failed, State

from flows.intake import screen_submission
from tasks.catalogue.views import SubmissionView
from tasks.config import Settings, get_settings
from tasks.decisions import ACTION_LABELS, FORM_WORDING, DecisionAction, argument_problem, default_note
from tasks.findings import CHECK_LABELS, STATUS_LABELS, VERDICT_LABELS, Check
from tasks.judging import service as judging
from tasks.judging.model import Approval
from tasks.judging.numbers import normal_number
from tasks.judging.ranking import TierPolicy, agreement_label
from tasks.judging.records import STATUS_LABELS as PAIR_LABELS
from tasks.judging.records import DecisionError
from tasks.judging.tables import TableError
from tasks.outside import for_markdown
from tasks.report.receipt import verdict_label
from tasks.submissions import service as submissions
from tasks.submissions.service import Refused, SubmissionIdError

# How a form names what becomes of the scores of experts a new roster leaves out (`experts --keep-scores`
# / `--drop-scores`).
DROPPED_SCORES = {"保留已交评分": "keep", "删除其评分": "drop"}
# The form's choices, in Chinese: every action of `decide`, and the checks a waiver may name.
DecisionChoice = StrEnum(  # type: ignore[misc]
    "DecisionChoice", {action.name: ACTION_LABELS[action] for action in DecisionAction}
)
CheckChoice = StrEnum("CheckChoice", {Check(check).name: label for check, label in CHECK_LABELS.items()})  # type: ignore[misc]
# How a form names an originality decision (`originality --dismiss` / `--confirm`).
ORIGINALITY_DECISIONS = {"排除": "dismissed", "确认": "confirmed"}


def _settings(operator: str | None) -> Settings:
    """The settings, with the operator the form names."""
    return get_settings().acting(operator)


def _publish(name: str, title: str, lines: Iterable[str]) -> None:
    create_markdown_artifact(
        key=f"action-{name}", markdown="\n".join([f"# {title}", "", *lines]), description=title
    )


def _done(name: str, title: str, lines: Iterable[str], result: Any = None) -> State:
    _publish(name, title, lines)
    return Completed(message=title, data=result)


def _refused(name: str, title: str, message: str, lines: Iterable[str] = ()) -> State:
    """The run ends Failed with `message` (Chinese, as the CLI says it): nothing was changed."""
    _publish(name, title, [f"**未执行：** {for_markdown(message)}", "", *lines])
    return Failed(message=message)


def _findings(findings: Iterable[Any]) -> list[str]:
    return [f"- [{STATUS_LABELS.get(f.status, f.status)}] {for_markdown(f.message)}" for f in findings]


# Judging ---------------------------------------------------------------------------------------


@flow(name="experts", log_prints=False)
def experts_flow(
    path: str,
    dropped_scores: Literal["保留已交评分", "删除其评分"] | None = None,
    operator: str | None = None,
) -> State:
    """`guangying experts PATH [--keep-scores|--drop-scores]`: import the roster of experts."""
    title = "导入评审专家名单"
    settings = _settings(operator)
    choice = DROPPED_SCORES.get(dropped_scores) if dropped_scores else None
    try:
        result = judging.import_roster(settings, Path(path), settings.now(), choice)
    except TableError as exc:
        return _refused("experts", title, str(exc))
    findings = _findings(result.roster.findings)
    named = "、".join(
        f"{for_markdown(d.name)}（已评{len(d.scored)}件、待评{len(d.pending)}件）" for d in result.dropped
    )
    if result.needs_choice:
        return _refused(
            "experts",
            title,
            f"新名单不含以下专家：{named}。未导入。请选择如何处理其评审：保留已交评分（未评的作品重新分配），"
            "或删除其评分并重新分配其全部作品。",
        )
    if result.counts is None:
        return _refused("experts", title, "专家名单有错误，未导入。请更正后重新导入。", findings)
    counts = result.counts
    lines = [
        f"已导入专家名单：{len(result.roster.experts)}人（新增{counts['added']}，更新{counts['updated']}，"
        f"停用{counts['deactivated']}）",
        *([f"停用：{named}"] if result.dropped else []),
        *(["", *findings] if findings else []),
    ]
    return _done("experts", title, lines, counts)


@flow(name="packets", log_prints=False)
def packets_flow(out: str, links: bool = False, days: float = 7, include_scored: bool = False) -> State:
    """`guangying packets --out DIR [--links] [--days N] [--all]`: each expert's review packet."""
    title = "生成评审包"
    settings = get_settings()
    try:
        report = judging.write_packets(
            settings,
            Path(out),
            settings.now(),
            links=links,
            lifetime=timedelta(days=days),
            include_scored=include_scored,
        )
    except ValueError as exc:
        return _refused("packets", title, str(exc))
    lines = [f"- 已生成：{for_markdown(path.resolve())}" for path in report.folders]
    lines += [f"- [未重发] 编号{n}：专家{for_markdown(e)}已评分" for e, n in report.skipped]
    lines += [f"- [无法生成] {for_markdown(m)}" for m in report.problems]
    lines.append(
        f"\n共{len(report.folders)}位专家的评审包；观看版本新生成{report.made}个、沿用{report.reused}个。"
        if report.folders
        else "\n没有需要发送的评审包（还没有分配评审专家，或所分配的作品都已评分）。"
    )
    if report.problems:
        return _refused("packets", title, f"{len(report.problems)}个观看版本无法生成", lines)
    return _done("packets", title, lines, [str(p) for p in report.folders])


@flow(name="scores", log_prints=False)
def scores_flow(paths: list[str], replace: bool = False, operator: str | None = None) -> State:
    """`guangying scores PATH... [--replace]`: import the experts' score sheets (each whole or not at all)."""
    title = "导入评分表"
    settings = _settings(operator)
    sheets = judging.import_scores(settings, [Path(p) for p in paths], settings.now(), replace=replace)
    lines, failed = [], []
    for sheet in sheets:
        name = for_markdown(sheet.path.name)
        if sheet.already_imported or (sheet.ok and not sheet.scores and sheet.already_in):
            lines.append(f"- {name}：已导入过，未做改动。")
        elif sheet.ok:
            lines.append(f"- {name}：导入{len(sheet.scores)}条评分。")
        else:
            failed.append(sheet.path.name)
            lines.append(f"- {name}：有错误，整表未导入。")
        lines += ["  " + line for line in _findings(f for f in sheet.findings if not sheet.already_imported)]
    if failed:
        return _refused("scores", title, f"{'、'.join(failed)}有错误，整表未导入", lines)
    return _done("scores", title, lines, len(sheets))


@flow(name="ranking", log_prints=False)
def ranking_flow(special: float = 0.1, excellent: float = 0.3) -> State:
    """`guangying ranking`: the scores pooled, the works ranked, the proposed list."""
    current = judging.standing(get_settings(), TierPolicy(special, excellent))
    ranking = current.ranking
    lines = [
        "| 名次 | 编号 | 作品名称 | 得分 | 原始均分 | 评分数 | 建议等次 | 备注 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for item in ranking.works:
        title = current.works[item.number].work.title if item.number in current.works else ""
        lines.append(
            f"| {item.rank or '—'} | {for_markdown(item.number)} | {for_markdown(title)} "
            f"| {f'{item.score:.2f}' if item.score is not None else '—'} "
            f"| {f'{item.raw_mean:.2f}' if item.raw_mean is not None else '—'} "
            f"| {item.scores}/{item.expected} | {item.tier or ''} | {for_markdown('；'.join(item.notes))} |"
        )
    lines += [
        "",
        f"评审一致性（ICC(1)）：原始分{ranking.agreement_raw}（{agreement_label(ranking.agreement_raw)}），"
        f"校正后{ranking.agreement_normalised}（{agreement_label(ranking.agreement_normalised)}）",
    ]
    if current.missing:
        lines.append(f"尚有{len(current.missing)}份评分未交回。")
    lines += _findings(ranking.findings)
    if not ranking.works:
        lines = ["还没有分配评审的作品。"]
    return _done("ranking", "评审排名与优秀作品名单建议", lines, [w.to_dict() for w in ranking.works])


@flow(name="approve", log_prints=False)
def approve_flow(
    special: float = 0.1,
    excellent: float = 0.3,
    set_special: str | None = None,
    set_excellent: str | None = None,
    approver: str | None = None,
    note: str = "",
    out: str | None = None,
) -> State:
    """`guangying approve --yes [--set-special …] [--set-excellent …] --by … [--note …] [--out DIR]`:
    record the list (the proposal, or as edited) and write the 优秀作品名单. (The `judging` deployment
    instead pauses for the approver's form.)"""
    title = "批准优秀作品名单"
    settings = get_settings()
    try:
        chosen = judging.list_to_approve(settings, TierPolicy(special, excellent), set_special, set_excellent)
    except judging.ListRefused as exc:
        if exc.empty:
            return _refused(
                "approve",
                title,
                "名单为空：还没有可列入名单的作品（先导入评分，或填写“特别优秀名单”“优秀名单”）",
            )
        return _refused("approve", title, str(exc))
    by = (approver or settings.operator or "").strip()
    if not by:
        return _refused("approve", title, "请填写审批人：名单须有人批准")
    approval = Approval(
        chosen.tiers, chosen.proposal, by, settings.now(), note=note, via="prefect-ui", flow_run_id=_run_id()
    )
    approval_id, paths = judging.approve(settings, approval, out_dir=Path(out) if out else None)
    lines = [f"名单已批准（记录号{approval_id}，审批人{for_markdown(by)}）。", ""]
    for tier, numbers in chosen.tiers.items():
        lines.append(f"**{tier}**（{len(numbers)}件）：")
        lines += [f"- {number} 《{for_markdown(chosen.titles[number])}》" for number in numbers]
    lines += ["", *(for_markdown(line) for line in chosen.change)]
    lines += [f"- 已导出：{for_markdown(path.resolve())}" for path in paths]
    return _done("approve", title, lines, approval_id)


def _run_id() -> str | None:
    flow_run = getattr(get_run_context(), "flow_run", None)
    return str(flow_run.id) if flow_run is not None else None


@flow(name="category", log_prints=False)
def category_flow(number: str, category: str, operator: str | None = None) -> State:
    """`guangying category 编号 类别`: correct a work's category (over what its 登记表 says)."""
    title = "更正作品类别"
    settings = _settings(operator)
    try:
        change = judging.correct_category(settings, number, category)
    except DecisionError as exc:
        return _refused("category", title, str(exc))
    lines = [
        f"编号{for_markdown(number)}的类别已改为“{change.category}”（{for_markdown(settings.operator_name)}）。"
    ]
    if change.experts:
        lines.append(
            f"该作品已分配给{for_markdown('、'.join(change.experts))}（按原类别）。如需按新类别重新分配，"
            f"请运行“judging-assign”部署，在“重新分配的作品”中填写{for_markdown(number)}（已评分的专家保留）。"
        )
    return _done("category", title, lines, change.category)


@flow(name="originality", log_prints=False)
def originality_flow(
    check: bool = False,
    pair: int | None = None,
    decision: Literal["排除", "确认"] | None = None,
    copier: str | None = None,
    note: str = "",
    force: bool = False,
    operator: str | None = None,
) -> State:
    """`guangying originality [--check] [--dismiss ID | --confirm ID --copy 编号 --note …] [--force]`."""
    title = "原创性检查与疑点处理"
    settings = _settings(operator)
    lines = []
    if check:
        report = judging.check_originality(settings)
        lines.append(f"已检查{report.videos}个视频（新计算{report.computed}个），新发现疑点{report.new}个。")
        lines += [f"- [无法检查] {for_markdown(m)}" for m in report.problems]
    if (pair is None) != (decision is None):
        return _refused("originality", title, "处理疑点须同时填写“疑点编号”和“处理”。", lines)
    if pair is not None:
        status = ORIGINALITY_DECISIONS[decision or ""]
        copied = normal_number(copier) if copier else None
        try:
            found = judging.decide_pair(settings, pair, status, note, copied, force)
        except DecisionError as exc:
            return _refused("originality", title, str(exc), lines)
        if not found:
            return _refused("originality", title, f"找不到编号为{pair}的疑点", lines)
        done = f"确认，编号{copied}为抄袭方，不列入建议名单" if status == "confirmed" else "排除"
        lines.append(f"疑点{pair}已{done}（{for_markdown(settings.operator_name)}）。")
    rows = judging.duplicates(settings)
    lines += [
        f"- [{row.id}] {PAIR_LABELS.get(row.status, row.status)}：{for_markdown(row.message)}"
        + (f"（抄袭方：编号{for_markdown(row.evidence['copy'])}）" if row.evidence.get("copy") else "")
        for row in rows
    ] or ["没有疑似重复的作品。"]
    return _done("originality", title, lines, len(rows))


# Works taken in ------------------------------------------------------------------------------


def _work(item: SubmissionView) -> str:
    return f"《{for_markdown(item.title or '未识别')}》（{item.id[:8]}）"


def _refused_id(name: str, title: str, exc: Refused | SubmissionIdError) -> State:
    """A refusal of the submissions service; a prefix that names several works lists them."""
    matches = exc.matches if isinstance(exc, SubmissionIdError) else []
    return _refused(name, title, str(exc), [f"- {for_markdown(match.line)}" for match in matches])


@flow(name="decide", log_prints=False)
def decide_flow(
    submission_id: str,
    action: DecisionChoice,
    note: str | None = None,
    check: CheckChoice | None = None,
    value: str | None = None,
    operator: str | None = None,
) -> State:
    """`guangying decide ID ACTION [VALUE] [--check CHECK] --note …`: an operator's decision on a work."""
    title = "记录决定"
    chosen = DecisionAction[DecisionChoice(action).name]
    named = Check[CheckChoice(check).name] if check else None
    problem = argument_problem(chosen, named, value, FORM_WORDING)
    if problem is not None:
        return _refused("decide", title, problem)
    settings = _settings(operator)
    reason = default_note(chosen, value, note)
    if reason is None:
        return _refused("decide", title, "“理由”不能为空：请写明理由。")
    try:
        item = submissions.decide(settings, submission_id, chosen, note=reason, check=named, value=value)
    except (Refused, SubmissionIdError) as exc:
        return _refused_id("decide", title, exc)
    what = ACTION_LABELS[chosen] + (f"：{CHECK_LABELS[named]}" if named else "")
    what += f"（{for_markdown(value)}）" if value else ""
    verdict = VERDICT_LABELS.get(item.verdict or "", "审核中")
    lines = [
        f"已记录：{_work(item)}{what}，决定人 {for_markdown(item.decisions[-1].decided_by)}。",
        f"审核结论：{verdict}" + ("（经工作人员决定）" if item.verdict_by_person else ""),
    ]
    return _done("decide", title, lines, item.to_json())


@flow(name="withdraw", log_prints=False)
def withdraw_flow(submission_id: str, note: str, mistake: bool = False, operator: str | None = None) -> State:
    """`guangying withdraw ID --note … [--mistake]`."""
    title = "撤销作品"
    try:
        item = submissions.withdraw(_settings(operator), submission_id, note=note, mistake=mistake)
    except (Refused, SubmissionIdError) as exc:
        return _refused_id("withdraw", title, exc)
    what = "已作为误收移除（原件保留）" if mistake else "已撤销"
    return _done("withdraw", title, [f"{what}：{_work(item)}，理由：{for_markdown(note.strip())}。"], item.id)


@flow(name="rescreen", log_prints=False)
def rescreen_flow(submission_id: str, note: str = "重新审核", operator: str | None = None) -> State:
    """`guangying rescreen ID`: record it, then screen the work's videos again (a subflow)."""
    title = "重新审核作品"
    try:
        item = submissions.mark_for_rescreen(_settings(operator), submission_id, note=note)
    except (Refused, SubmissionIdError) as exc:
        return _refused_id("rescreen", title, exc)
    result = screen_submission(item.id)
    verdict = VERDICT_LABELS.get(result.get("verdict") or "", "审核中")
    return _done("rescreen", title, [f"{_work(item)}已重新审核，审核结论：{verdict}。"], result)


@flow(name="recheck", log_prints=False)
def recheck_flow(note: str = "设置变更后重新核对", operator: str | None = None) -> State:
    """`guangying recheck`: every work's materials judged again under the settings in force."""
    result = submissions.recheck(_settings(operator), note=note)
    lines = [
        f"- {_work(item)}：{verdict_label(before)} → {verdict_label(item.verdict)}"
        for item, before in result.changed
    ]
    lines.append(
        f"已按现行设置重新核对{len(result.items)}件作品，{len(result.changed)}件结论有变化；回执已更新。"
    )
    return _done("recheck", "按现行设置重新核对", lines, len(result.changed))


@flow(name="original", log_prints=False)
def original_flow(submission_id: str, out: str | None = None) -> State:
    """`guangying original ID --out DIR`: copies of the work's originals in a folder of the worker;
    without a folder (`--links`), time-limited download links from the object store."""
    title = "取回作品原件"
    settings = get_settings()
    try:
        found = submissions.resolve_id(settings, submission_id)
    except SubmissionIdError as exc:
        return _refused_id("original", title, exc)
    if not out:
        try:
            links = submissions.original_links(settings, found)
        except Refused as exc:
            return _refused_id("original", title, exc)
        lines = [f"- [{for_markdown(name)}]({link})" for name, link in links] or ["该作品没有保存的原件。"]
        return _done("original", title, ["下载链接7天内有效：", "", *lines], len(links))
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _refused("original", title, f"无法创建文件夹“{folder}”（{exc.strerror}）。")
    written = submissions.fetch_originals(settings, found, folder)
    lines = [f"- 已取回：{for_markdown(path)}" for path in written] or ["该作品没有保存的原件。"]
    return _done("original", title, lines, [str(path) for path in written])
