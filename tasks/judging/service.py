"""Judging operations over the catalogue and the object store, shared by the flows and the CLI.

Each function opens what it needs from `Settings`, does one step and returns plain values; the
rules themselves live in the sibling modules.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from tasks.beijing_time import numeric_date_time
from tasks.catalogue.db import catalogue_session
from tasks.catalogue.models import File
from tasks.chinese_bytes import decode_chinese
from tasks.config import Settings
from tasks.findings import Check, Finding, Status
from tasks.judging import records
from tasks.judging.assignment import DEFAULT_PER_WORK, AssignmentResult, assign
from tasks.judging.blind import blind_webvtt, file_stem, redact
from tasks.judging.long_table import LongTable, read_long_table
from tasks.judging.model import Approval, Work
from tasks.judging.numbers import numbers_in
from tasks.judging.originality import Pair, Signature, SignatureError, find_pairs, video_signature
from tasks.judging.packet_page import (
    PAGE_NAME,
    SUBTITLE_FOLDER,
    VIDEO_FOLDER,
    PageEpisode,
    PageWork,
    render_page,
)
from tasks.judging.packets import PacketWork, sheet_name, write_sheet
from tasks.judging.ranking import Ranking, TierPolicy, rank
from tasks.judging.roster import Roster, parse_roster
from tasks.judging.rubric import TIER_EXCELLENT, TIER_SPECIAL, TIERS
from tasks.judging.scores import ScoreSheet, read_score_sheet
from tasks.judging.tables import TableError, cell_text, read_table
from tasks.judging.viewing import ViewingError, ensure_viewing_copy, place_copy
from tasks.judging.winners_doc import ListedWork, write_documents
from tasks.publish.records import credited_authors
from tasks.publish.selection import list_change
from tasks.publish.subtitles import video_subtitles
from tasks.publish.viewing import viewing_profile
from tasks.refusals import Refusal
from tasks.rules import DEFAULT_RULES
from tasks.scratch import scratch_folder
from tasks.store import ObjectStore, open_store
from tasks.subtitles.files import parse_subtitles
from tasks.subtitles.model import Cue

LINK_LIFETIME = timedelta(days=7)  # the longest an S3 presigned URL may live


# Roster ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class RosterImport:
    roster: Roster
    counts: dict[str, int] | None = None  # None: not stored
    dropped: list[records.DroppedExpert] = field(default_factory=list)
    needs_choice: bool = False  # dropped experts hold work and no choice was given


def import_roster(
    settings: Settings, path: Path, now: datetime, dropped_scores: str | None = None
) -> RosterImport:
    """Parse the roster; store it only when it has no failing finding (all or nothing). Experts the
    new roster leaves out are named; when they hold assigned or scored works, `dropped_scores`
    must say what becomes of them: "keep" (their scores count, their pending works are reassigned)
    or "drop" (their scores are deleted and all their works reassigned). Nothing is decided
    silently: without a choice the roster is not stored."""
    roster = parse_roster(path)
    result = RosterImport(roster)
    if not roster.ok:
        return result
    with catalogue_session(settings) as session:
        result.dropped = records.dropped_experts(session, roster.experts)
        holding = [d for d in result.dropped if d.scored or d.pending]
        if holding and dropped_scores not in ("keep", "drop"):
            result.needs_choice = True
            return result
        result.counts = records.save_roster(session, roster.experts, path.name, now)
        records.release_dropped(session, holding, dropped_scores == "keep", settings.operator_name, now)
    return result


def has_roster(settings: Settings) -> bool:
    """Whether a roster was imported (some expert is active)."""
    with catalogue_session(settings) as session:
        return bool(records.active_experts(session))


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
    with catalogue_session(settings) as session:
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
                with catalogue_session(settings) as session:
                    records.save_signature(session, file.sha256, signature)
                cached[file.sha256] = signature
            signatures.append((number, file.name, signature))
    report.pairs = find_pairs(signatures)
    with catalogue_session(settings) as session:
        works = records.judged_works(session)
        report.new = records.record_pairs(session, works, report.pairs)
    return report


@dataclass(frozen=True, slots=True)
class DuplicateListing:
    id: int
    status: str  # open, dismissed, confirmed (records.STATUS_LABELS)
    message: str
    evidence: dict[str, Any]


def duplicates(settings: Settings) -> list[DuplicateListing]:
    """Every suspected duplicate recorded, with what an operator decided about it."""
    with catalogue_session(settings) as session:
        return [
            DuplicateListing(r.id, r.status, r.message, r.evidence) for r in records.duplicate_rows(session)
        ]


def decide_pair(
    settings: Settings, pair_id: int, status: str, note: str, copy: str | None = None, force: bool = False
) -> bool:
    """Dismiss or confirm suspected duplicate `pair_id` (confirmed: `copy` is the 评审编号 of the copy,
    left off the proposed list), recorded with the operator and the time; False when there is no
    such pair. A decision that cannot apply raises records.DecisionError (a Chinese sentence)."""
    with catalogue_session(settings) as session:
        return records.resolve_pair(
            session, pair_id, status, settings.operator_name, note, settings.now(), copy=copy, force=force
        )


def _local_copy(store: ObjectStore, object_key: str, scratch: Path) -> Path:
    """The original as a local file: read in place from a local store, else fetched into `scratch`."""
    bucket, _, key = object_key.partition("/")
    return store.local_path(bucket, key) or store.get_file(bucket, key, scratch / key.replace("/", "_"))


# Assignment ------------------------------------------------------------------------------------


def assign_catalogue(
    settings: Settings, per_work: int = DEFAULT_PER_WORK, min_matched: int = 0, redo: Sequence[str] = ()
) -> tuple[list[records.JudgedWork], AssignmentResult]:
    """Fill the open slots of every eligible work; earlier assignments are kept (those of experts a
    later roster dropped only where their scores were kept); `redo` releases those works' experts
    who have not scored them first (a corrected category), so they are assigned anew."""
    with catalogue_session(settings) as session:
        works = records.judged_works(session)
        for number in redo:
            records.release_work(session, number, settings.operator_name, settings.now())
        experts = records.active_experts(session) + records.retained_experts(session)
        existing = records.current_assignment(session)
        result = assign([w.work for w in works], experts, per_work, existing, min_matched)
        records.save_assignment(session, works, result)
    return works, result


def unknown_works(settings: Settings, numbers: Sequence[str]) -> list[str]:
    """The 评审编号 among `numbers` that name no work under judging."""
    with catalogue_session(settings) as session:
        known = {w.work.number for w in records.judged_works(session)}
    return [n for n in numbers if n not in known]


def assign_tables(
    roster_path: Path, works_path: Path, per_work: int = DEFAULT_PER_WORK, min_matched: int = 0
) -> tuple[Roster, AssignmentResult | None]:
    """`guangying assign --experts --works`: the same assignment on two tables, without a catalogue;
    no result when the roster has a failing finding. Raises TableError for an unreadable table and
    InfeasibleAssignment when the slots cannot be filled."""
    roster = parse_roster(roster_path)
    works = read_works_table(works_path)
    if not roster.ok:
        return roster, None
    return roster, assign(works, roster.experts, per_work, min_matched=min_matched)


@dataclass(frozen=True, slots=True)
class CategoryChange:
    category: str  # the canonical category now in force
    experts: list[str]  # the experts assigned under the old category (kept until `assign --redo`)


def correct_category(settings: Settings, number: str, text: str) -> CategoryChange:
    """Override the category the 登记表 gave work `number` (recorded with the operator and the time).
    An unknown category or work raises records.DecisionError (a Chinese sentence)."""
    category = DEFAULT_RULES.category_named(text)
    if category is None:
        raise records.DecisionError(f"“{text}”不是作品类别之一（{'、'.join(DEFAULT_RULES.categories)}）")
    with catalogue_session(settings) as session:
        records.judged_works(session)  # numbers every eligible work first
        row = records.set_category(session, number, category, settings.operator_name, settings.now())
    if row is None:
        raise records.DecisionError(f"找不到评审编号为“{number}”的参评作品")
    with catalogue_session(settings) as session:
        return CategoryChange(category, records.current_assignment(session).get(number, []))


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
        category = DEFAULT_RULES.category_named(category_text) if category_text else None
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


@dataclass(slots=True)
class PacketReport:
    """What `write_packets` did: per expert a folder with its 评分表, and the viewing copies."""

    folders: list[Path] = field(default_factory=list)
    sheets: list[Path] = field(default_factory=list)
    made: int = 0  # viewing copies made now
    reused: int = 0  # viewing copies found from an earlier run
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (expert, 编号) already scored
    problems: list[str] = field(default_factory=list)


def _episode_cues(session: Session, store: ObjectStore, bucket: str, file: File) -> tuple[Cue, ...]:
    """The cues of one original as the showcase publishes them (tasks.publish.subtitles: an approved
    file, a sidecar, or recognised cues corrected against the 文稿; none while they are held), else
    any .vtt screening exported when it made no choice; () when there are none."""
    chosen, vtt = video_subtitles(session, store, file.id)
    if chosen is not None:
        return chosen.cues if vtt is not None else ()
    for key in sorted(store.list_keys(bucket, f"subtitles/{file.sha256}/")):
        if key.endswith(".vtt"):
            try:
                cues = parse_subtitles(decode_chinese(store.get_bytes(bucket, key)), "vtt")
            except Exception:  # pysubs2 raises several types for malformed input
                continue
            if cues:
                return cues
    return ()


def packet_assignment(
    session: Session, works: dict[str, records.JudgedWork], include_scored: bool = False
) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """expert → the 编号 of `works` to send (the packets, the outbox's notices); and the (expert, 编号)
    left out because already scored (a packet never re-sends a scored work unless asked)."""
    scored = {(s.work, s.expert) for s in records.stored_scores(session)}
    by_expert: dict[str, list[str]] = {}
    skipped = []
    for number, names in records.current_assignment(session).items():
        if number not in works:
            continue
        for name in names:
            if (number, name) in scored and not include_scored:
                skipped.append((name, number))
                continue
            by_expert.setdefault(name, []).append(number)
    return by_expert, sorted(skipped)


def write_packets(
    settings: Settings,
    folder: Path,
    now: datetime,
    *,
    links: bool = False,
    lifetime: timedelta = LINK_LIFETIME,
    include_scored: bool = False,
    experts: Sequence[str] | None = None,
) -> PacketReport:
    """Per expert, a folder that works wherever it is copied: 评审.html, the viewing copies (视频/),
    the blind subtitles (字幕/) and the 评分表. With `links` (MinIO/S3 only) the videos are not copied:
    page and sheet carry presigned links to the viewing copies, valid for `lifetime`. Works the
    expert already scored are left out unless `include_scored`."""
    store = open_store(settings)
    if links and not store.shareable:
        raise Refusal("本机存储没有专家可以访问的链接：改用限时链接需要 MinIO/S3 对象存储", about="links")
    bucket = settings.bucket_evidence
    profile = viewing_profile()
    report = PacketReport()
    with catalogue_session(settings) as session:
        works = {w.work.number: w for w in records.judged_works(session)}
        by_expert, report.skipped = packet_assignment(session, works, include_scored)
    if experts is not None:
        wanted = set(experts)
        by_expert = {name: numbers for name, numbers in by_expert.items() if name in wanted}
    episodes: dict[str, list[tuple[str, str | None, tuple[Cue, ...]]]] = {}  # 编号 → (stem, key, cues)
    with catalogue_session(settings) as session, scratch_folder(settings.data_dir, "packets") as scratch:
        for number in sorted({n for numbers in by_expert.values() for n in numbers}):
            item = works[number]
            episodes[number] = []
            for index, file in enumerate(item.videos, start=1):
                label = f"第{index}集" if len(item.videos) > 1 else ""
                stem = file_stem(number, item.work.title, item.private, label)
                key: str | None = None
                try:
                    key, made = ensure_viewing_copy(
                        store,
                        bucket,
                        file.sha256,
                        partial(_local_copy, store, file.object_key, scratch),
                        scratch,
                        profile,
                    )
                    report.made += int(made)
                    report.reused += int(not made)
                except (ViewingError, OSError) as exc:
                    report.problems.append(f"编号{number}{label}：无法生成观看版本（{exc}）")
                episodes[number].append((stem, key, _episode_cues(session, store, bucket, file)))
    access = (
        f"观看方式：链接（有效期至 {numeric_date_time(now + lifetime)}，北京时间）"
        if links
        else "观看方式：打开本文件夹中的「评审.html」，或播放「视频」文件夹中的视频"
    )
    for expert, numbers in sorted(by_expert.items()):
        target = folder / (file_stem("", expert, ()) or "专家")
        for owned in (VIDEO_FOLDER, SUBTITLE_FOLDER):
            shutil.rmtree(target / owned, ignore_errors=True)  # a work no longer sent goes
        target.mkdir(parents=True, exist_ok=True)
        page_works, sheet_works = [], []
        for number in sorted(numbers):
            item = works[number]
            title = redact(item.work.title, item.private)
            page_episodes, watch, subtitles = [], [], []
            for index, (stem, key, cues) in enumerate(episodes[number], start=1):
                label = f"第{index}集" if len(episodes[number]) > 1 else ""
                video = link = vtt_path = vtt = None
                if key is not None and links:
                    link = store.url(bucket, key, lifetime)
                    watch.append(link)
                elif key is not None:
                    video = f"{VIDEO_FOLDER}/{stem}.mp4"
                    place_copy(store, bucket, key, target / video)
                    watch.append(video)
                if cues:
                    vtt = blind_webvtt(cues, item.private)
                    vtt_path = f"{SUBTITLE_FOLDER}/{stem}.vtt"
                    (target / SUBTITLE_FOLDER).mkdir(exist_ok=True)
                    (target / vtt_path).write_text(vtt, encoding="utf-8")
                    subtitles.append(vtt_path)
                page_episodes.append(PageEpisode(label, video, link, vtt_path, vtt))
            script = redact(item.script, item.private)
            if script.strip():
                subtitles.append(f"文稿见{PAGE_NAME}")
            page_works.append(PageWork(number, title, item.work.category, tuple(page_episodes), script))
            sheet_works.append(PacketWork(number, title, item.work.category, tuple(watch), tuple(subtitles)))
        (target / PAGE_NAME).write_text(render_page(expert, page_works), encoding="utf-8")
        report.sheets.append(write_sheet(target / sheet_name(expert), expert, sheet_works, access))
        report.folders.append(target)
    return report


def build_packets(
    settings: Settings, folder: Path, now: datetime, lifetime: timedelta = LINK_LIFETIME
) -> list[Path]:
    """The offline packets (see `write_packets`); the 评分表 of each."""
    return write_packets(settings, folder, now, lifetime=lifetime).sheets


# Scores ----------------------------------------------------------------------------------------


def import_scores(
    settings: Settings, paths: Sequence[Path], now: datetime, replace: bool = False
) -> list[ScoreSheet]:
    """Validate and store each sheet (whole or not at all); sheets are checked in the given order,
    each against what the earlier ones stored."""
    sheets = []
    for path in paths:
        with catalogue_session(settings) as session:
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

    def to_json(self) -> dict[str, Any]:
        """The ranking as the `judging` flow passes it on: rows with titles, the proposal, the hints."""
        ranking = self.ranking
        return {
            "rows": [
                {**w.to_dict(), "title": self.works[w.number].work.title if w.number in self.works else ""}
                for w in ranking.works
            ],
            "proposal": ranking.proposal(),
            "findings": [f.message for f in ranking.findings],
            "agreement_raw": ranking.agreement_raw,
            "agreement_normalised": ranking.agreement_normalised,
            "missing": len(self.missing),
        }


def standing(settings: Settings, policy: TierPolicy | None = None) -> Standing:
    with catalogue_session(settings) as session:
        works = {w.work.number: w for w in records.judged_works(session)}
        assignment = {n: names for n, names in records.current_assignment(session).items() if n in works}
        scores = [s for s in records.stored_scores(session) if s.work in works]
        flagged = records.flagged_numbers(session)
        copies = records.confirmed_copy_numbers(session)
    ranking = rank(scores, assignment, policy or TierPolicy(), flagged, copies)
    scored = {(s.work, s.expert) for s in scores}
    missing = sorted((n, e) for n, names in assignment.items() for e in names if (n, e) not in scored)
    return Standing(works, ranking, missing)


def rank_table(path: Path, policy: TierPolicy | None = None) -> tuple[LongTable, Ranking | None]:
    """`guangying ranking --scores TABLE`: the same model on a long table, without a catalogue; no
    ranking while the table has problems. Raises TableError for an unreadable table."""
    table = read_long_table(path)
    if table.problems:
        return table, None
    return table, rank(table.totals, table.assigned, policy or TierPolicy())


def publication_change(settings: Settings, numbers: Sequence[str]) -> list[str]:
    """What a list of 评审编号 drops from and adds to the public showcase, in sentences."""
    with catalogue_session(settings) as session:
        return list_change(session, list(numbers)).lines()


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


class ListRefused(ValueError):
    """A list that cannot be approved as asked: the problems of an edited list in one Chinese
    sentence, or `empty` (nothing to list yet; each door says how to name works)."""

    def __init__(self, message: str = "", *, empty: bool = False) -> None:
        super().__init__(message)
        self.empty = empty


@dataclass(slots=True)
class ListToApprove:
    tiers: dict[str, list[str]]
    proposal: dict[str, list[str]]
    titles: dict[str, str]  # 评审编号 → 作品名称, of every work under judging
    change: list[str]  # what the list drops from and adds to the public showcase, in sentences


def list_to_approve(
    settings: Settings, policy: TierPolicy, special: str | None = None, excellent: str | None = None
) -> ListToApprove:
    """The list an approver is asked to approve: the ranking's proposal under `policy`, each tier
    replaced by the 评审编号 typed for it (「1,2」; "" for none). Raises ListRefused."""
    current = standing(settings, policy)
    proposal = current.ranking.proposal()
    edited = {TIER_SPECIAL: special, TIER_EXCELLENT: excellent}
    tiers = {tier: numbers_in(text) if text is not None else proposal[tier] for tier, text in edited.items()}
    problems = check_tiers(tiers, set(current.works))
    if problems:
        raise ListRefused("；".join(problems))
    if not any(tiers.values()):
        raise ListRefused(empty=True)
    titles = {number: judged.work.title for number, judged in current.works.items()}
    listed = [number for numbers in tiers.values() for number in numbers]
    return ListToApprove(tiers, proposal, titles, publication_change(settings, listed))


def approve(settings: Settings, approval: Approval, out_dir: Path | None = None) -> tuple[int, list[Path]]:
    """Record the approved list (who, when, what was proposed) and write the 优秀作品名单."""
    tiers = approval.tiers
    with catalogue_session(settings) as session:
        works = records.judged_works(session)
        problems = check_tiers(tiers, {w.work.number for w in works})
        if problems:
            raise ValueError("；".join(problems))
        row = records.record_approval(session, works, approval)
        approval_id = row.id
        by_number = {w.work.number: w for w in works}
        credited = {n: credited_authors(session, by_number[n].submission_id) for n in by_number}
    listed = [
        ListedWork(
            by_number[n].work.title,
            by_number[n].work.unit or by_number[n].submitter,
            by_number[n].work.category or "",
            tier,
            credited[n],
        )
        for tier in TIERS
        for n in tiers.get(tier, [])
    ]
    folder = out_dir or settings.data_dir / "judging"
    return approval_id, write_documents(folder, listed, approval.at)
