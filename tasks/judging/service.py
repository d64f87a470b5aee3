"""Judging operations over the catalogue and the object store, shared by the flows and the CLI.

Each function opens what it needs from `Settings`, does one step and returns plain values; the
rules themselves live in the sibling modules.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from tasks.catalogue.db import open_catalogue, session_scope
from tasks.config import Settings
from tasks.findings import Check, Finding, Status
from tasks.judging import records
from tasks.judging.assignment import DEFAULT_PER_WORK, AssignmentResult, assign
from tasks.judging.model import Approval, Work
from tasks.judging.originality import Pair, Signature, SignatureError, find_pairs, video_signature
from tasks.judging.packets import PacketWork, write_packet
from tasks.judging.ranking import Ranking, TierPolicy, rank
from tasks.judging.roster import Roster, parse_roster
from tasks.judging.rubric import TIERS, canonical_category
from tasks.judging.scores import ScoreSheet, read_score_sheet
from tasks.judging.tables import TableError, cell_text, read_table
from tasks.judging.winners_doc import ListedWork, write_docx, write_xlsx
from tasks.scratch import scratch_folder
from tasks.store import LocalStore, ObjectStore, open_store

LINK_LIFETIME = timedelta(days=7)  # the longest an S3 presigned URL may live


def _session(settings: Settings) -> AbstractContextManager[Session]:
    return session_scope(open_catalogue(settings.catalogue_url))


# Roster ----------------------------------------------------------------------------------------


def import_roster(settings: Settings, path: Path, now: datetime) -> tuple[Roster, dict[str, int] | None]:
    """Parse the roster; store it only when it has no failing finding (all or nothing)."""
    roster = parse_roster(path)
    if not roster.ok:
        return roster, None
    with _session(settings) as session:
        counts = records.save_roster(session, roster.experts, path.name, now)
    return roster, counts


# Originality -----------------------------------------------------------------------------------


@dataclass(slots=True)
class OriginalityReport:
    videos: int = 0
    computed: int = 0
    pairs: list[Pair] = field(default_factory=list)
    new: int = 0
    problems: list[str] = field(default_factory=list)


def check_originality(
    settings: Settings, signer: Callable[[Path], Signature] = video_signature
) -> OriginalityReport:
    """Signatures of every eligible work's videos (computed once per original, cached by sha256),
    then the near-duplicate pairs, recorded for an operator."""
    report = OriginalityReport()
    store = open_store(settings)
    with _session(settings) as session:
        works = records.judged_works(session)
        items = [(w.work.number, f) for w in works for f in w.videos]
        cached = {f.sha256: records.cached_signature(session, f.sha256) for _, f in items}
    signatures: list[tuple[str, str, Signature]] = []
    with scratch_folder(settings.data_dir, "originality") as scratch:
        for number, file in items:
            report.videos += 1
            signature = cached.get(file.sha256)
            if signature is None:
                try:
                    signature = signer(_local_copy(store, file.object_key, scratch))
                except (SignatureError, OSError) as exc:
                    report.problems.append(f"编号{number}（{file.name}）无法取帧：{exc}")
                    continue
                report.computed += 1
                with _session(settings) as session:
                    records.save_signature(session, file.sha256, signature)
                cached[file.sha256] = signature
            signatures.append((number, file.name, signature))
    report.pairs = find_pairs(signatures)
    with _session(settings) as session:
        works = records.judged_works(session)
        report.new = records.record_pairs(session, works, report.pairs)
    return report


def _local_copy(store: ObjectStore, object_key: str, scratch: Path) -> Path:
    """The original as a local file: read in place from a local store, else fetched into `scratch`."""
    bucket, _, key = object_key.partition("/")
    if isinstance(store, LocalStore):
        return store._path(bucket, key)
    return store.get_file(bucket, key, scratch / key.replace("/", "_"))


# Assignment ------------------------------------------------------------------------------------


def assign_catalogue(
    settings: Settings, per_work: int = DEFAULT_PER_WORK, min_matched: int = 0
) -> tuple[list[records.JudgedWork], AssignmentResult]:
    """Fill the open slots of every eligible work; earlier assignments are kept."""
    with _session(settings) as session:
        works = records.judged_works(session)
        experts = records.active_experts(session)
        existing = records.current_assignment(session)
        result = assign([w.work for w in works], experts, per_work, existing, min_matched)
        records.save_assignment(session, works, result)
    return works, result


def read_works_table(path: Path) -> list[Work]:
    """A works table for `guangying assign --works`: 编号, 单位, 类别 (作品名称 optional)."""
    table = read_table(path, ("编号", "单位", "类别"), ("作品名称", "报送人"))
    works, seen = [], set()
    for row in table.rows:
        number = cell_text(row.values.get("编号"))
        if not number:
            raise TableError(f"{path.name} 第{row.line}行：未填写“编号”")
        if number in seen:
            raise TableError(f"{path.name} 第{row.line}行：编号“{number}”重复")
        seen.add(number)
        category_text = cell_text(row.values.get("类别"))
        category = canonical_category(category_text) if category_text else None
        if category_text and category is None:
            raise TableError(f"{path.name} 第{row.line}行：类别“{category_text}”不是作品类别之一")
        people = tuple(p for p in (cell_text(row.values.get("报送人")),) if p)
        works.append(
            Work(
                number,
                cell_text(row.values.get("作品名称")),
                cell_text(row.values.get("单位")),
                category,
                people,
            )
        )
    return works


# Packets ---------------------------------------------------------------------------------------


def build_packets(
    settings: Settings, folder: Path, now: datetime, lifetime: timedelta = LINK_LIFETIME
) -> list[Path]:
    """One score sheet per expert with assigned works, with links valid for `lifetime`."""
    store = open_store(settings)
    expires = None if isinstance(store, LocalStore) else now + lifetime
    with _session(settings) as session:
        works = {w.work.number: w for w in records.judged_works(session)}
        assignment = records.current_assignment(session)
    by_expert: dict[str, list[str]] = {}
    for number, names in assignment.items():
        if number in works:
            for name in names:
                by_expert.setdefault(name, []).append(number)
    packets: dict[str, PacketWork] = {}
    for number in sorted({n for numbers in by_expert.values() for n in numbers}):
        item = works[number]
        links, attachments = [], []
        for episode, file in enumerate(item.videos, start=1):
            label = f"第{episode}集" if len(item.videos) > 1 else ""
            bucket, _, key = file.object_key.partition("/")
            links.append((label, store.url(bucket, key, lifetime)))
            prefix = f"subtitles/{file.sha256}/"
            for evidence_key in store.list_keys(settings.bucket_evidence, prefix):
                if evidence_key.endswith(".vtt"):
                    base = evidence_key.rsplit("/", 1)[-1]
                    name = f"{number}-{label + '-' if label else ''}{base}"
                    attachments.append((name, store.get_bytes(settings.bucket_evidence, evidence_key)))
        packets[number] = PacketWork(
            number, item.work.title, item.work.category, tuple(links), tuple(attachments)
        )
    return [
        write_packet(folder, expert, [packets[n] for n in sorted(numbers)], expires)
        for expert, numbers in sorted(by_expert.items())
    ]


# Scores ----------------------------------------------------------------------------------------


def import_scores(
    settings: Settings, paths: Sequence[Path], now: datetime, replace: bool = False
) -> list[ScoreSheet]:
    """Validate and store each sheet (whole or not at all); sheets are checked in the given order,
    each against what the earlier ones stored."""
    sheets = []
    for path in paths:
        with _session(settings) as session:
            works = records.judged_works(session)
            context = records.scoring_context(session, works, replace)
            try:
                sheet = read_score_sheet(path, context)
            except TableError as exc:
                sheet = ScoreSheet(path, "")
                sheet.findings.append(
                    Finding(Check.SCORES, Status.FAIL, str(exc), {"file": path.name}, stage="judging")
                )
            if sheet.ok and sheet.scores:
                records.save_scores(session, works, sheet, now)
        sheets.append(sheet)
    return sheets


# Ranking and approval --------------------------------------------------------------------------


@dataclass(slots=True)
class Standing:
    works: dict[str, records.JudgedWork]
    ranking: Ranking
    missing: list[tuple[str, str]]


def standing(settings: Settings, policy: TierPolicy | None = None) -> Standing:
    with _session(settings) as session:
        works = {w.work.number: w for w in records.judged_works(session)}
        assignment = {n: names for n, names in records.current_assignment(session).items() if n in works}
        scores = [s for s in records.stored_scores(session) if s.work in works]
        flagged = records.open_flagged_numbers(session)
    ranking = rank(scores, assignment, policy or TierPolicy(), flagged)
    scored = {(s.work, s.expert) for s in scores}
    missing = sorted((n, e) for n, names in assignment.items() for e in names if (n, e) not in scored)
    return Standing(works, ranking, missing)


SHOWN_EXAMPLES = 5  # a repeated reason names this many cases, then counts the rest


def _some(numbers: list[str]) -> str:
    shown = "、".join(numbers[:SHOWN_EXAMPLES])
    return f"{shown}等{len(numbers)}个" if len(numbers) > SHOWN_EXAMPLES else shown


def check_tiers(tiers: dict[str, list[str]], known: set[str]) -> list[str]:
    """Problems with an edited list, in Chinese: unknown numbers, a work in two tiers, unknown
    tiers; each reason once, with a few of its cases and their count. A list with more entries than
    there are works under judging is refused with one sentence before any entry is looked at."""
    listed = sum(len(numbers) for numbers in tiers.values())
    if listed > len(known):
        return [f"名单共列{listed:,}个编号，多于参评作品数（{len(known)}件），未记录"]
    problems: list[str] = []
    unknown: list[str] = []
    twice: dict[tuple[str, str], list[str]] = {}
    seen: dict[str, str] = {}
    for tier, numbers in tiers.items():
        if tier not in TIERS:
            problems.append(f"未知等次“{tier}”（应为{'、'.join(TIERS)}）")
        for number in numbers:
            if number not in known:
                unknown.append(number)
            elif number in seen:
                twice.setdefault((seen[number], tier), []).append(number)
            else:
                seen[number] = tier
    if unknown:
        problems.append(f"编号{_some(unknown)}不是参评作品")
    for (first, second), numbers in twice.items():
        where = f"在{first}中重复列出" if first == second else f"同时列入{first}和{second}"
        problems.append(f"编号{_some(numbers)}{where}")
    return problems


def approve(settings: Settings, approval: Approval, out_dir: Path | None = None) -> tuple[int, list[Path]]:
    """Record the approved list (who, when, what was proposed) and write the 优秀作品名单."""
    tiers = approval.tiers
    with _session(settings) as session:
        works = records.judged_works(session)
        problems = check_tiers(tiers, {w.work.number for w in works})
        if problems:
            raise ValueError("；".join(problems))
        row = records.record_approval(session, works, approval)
        approval_id = row.id
        by_number = {w.work.number: w for w in works}
    listed = [
        ListedWork(
            by_number[n].work.title,
            by_number[n].work.unit or by_number[n].submitter,
            by_number[n].work.category or "",
            tier,
        )
        for tier in TIERS
        for n in tiers.get(tier, [])
    ]
    folder = out_dir or settings.data_dir / "judging"
    paths = [
        write_docx(folder / "优秀作品名单.docx", listed, approval.at),
        write_xlsx(folder / "优秀作品名单.xlsx", listed),
    ]
    return approval_id, paths
