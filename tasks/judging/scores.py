"""Score sheets coming back from the experts (.xlsx from the review packet, or .csv), validated.

A sheet is imported whole or not at all: a value out of range, a criterion left empty, a work that
is unknown or not assigned to that expert, an expert not on the roster, a different score for a
work already scored (a correction needs --replace) — each is a Chinese finding naming the file, the
row and the rule. A row already imported with the same scores (a sheet sent back again with new
rows added) is left as it is, and the sheet says which rows those were.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.findings import Check, Finding, Status
from tasks.judging.numbers import normal_number
from tasks.judging.rubric import CRITERIA, MAXIMA
from tasks.judging.tables import Row, cell_text, read_table
from tasks.outside import identity
from tasks.refusals import ABOUT

EXPERT_LABEL = "评审专家"
# The whole rest of the cell: an expert's name may hold spaces (「Li Ming」, 「张　明」).
_EXPERT_IN_PREAMBLE = re.compile(rf"{EXPERT_LABEL}\s*[:：]\s*(.+?)\s*$", re.DOTALL)
TOTAL_TOLERANCE = 0.01


@dataclass(frozen=True, slots=True)
class Score:
    work: str
    expert: str
    criteria: dict[str, float]
    comment: str = ""
    line: int = 0

    @property
    def total(self) -> float:
        return round(sum(self.criteria.values()), 2)


@dataclass(slots=True)
class ScoreSheet:
    path: Path
    sha256: str
    scores: list[Score] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    already_imported: bool = False
    already_in: list[tuple[int, str]] = field(
        default_factory=list
    )  # (row, 编号) imported before, same scores

    @property
    def ok(self) -> bool:
        return not any(f.status == Status.FAIL for f in self.findings)


@dataclass(frozen=True, slots=True)
class ScoringContext:
    """What a sheet is checked against: the works under judging, the roster, the assignment,
    what was imported before ((work, expert) → file name) and the files already imported."""

    works: Collection[str]
    experts: Collection[str]
    assigned: Collection[tuple[str, str]]
    imported: Mapping[tuple[str, str], str] = field(default_factory=dict)
    imported_files: Mapping[str, str] = field(default_factory=dict)  # sha256 → file name
    replace: bool = False
    imported_scores: Mapping[tuple[str, str], Mapping[str, float]] = field(default_factory=dict)


# A score as people write it: a plain decimal in ASCII or full-width digits (「８.５」, 「８．５」).
# Python's float() also takes 「1_5」 (15), 「٢٠」 (20), 「1e1」, 「inf」: each is refused with the row.
_PLAIN_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．＋－", "0123456789.+-")


def _number(value: Any) -> float | None:
    """A cell's score: None when blank; ValueError unless a number or a plain decimal text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, str):
        text = value.strip().translate(_FULL_WIDTH)
        if not _PLAIN_DECIMAL.fullmatch(text):
            raise ValueError(value)
        return float(text)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _work_number(value: Any) -> str:
    return normal_number(cell_text(value))


def _preamble_expert(preamble: list[list[Any]]) -> str | None:
    for row in preamble:
        for value in row:
            found = _EXPERT_IN_PREAMBLE.search(cell_text(value))
            if found:
                return found.group(1)
    return None


def read_score_sheet(path: Path, context: ScoringContext) -> ScoreSheet:
    """Parse and validate one sheet; raises `TableError` when it cannot be read at all."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
    table = read_table(path, ("编号", *CRITERIA), ("总分", "评语", EXPERT_LABEL))
    sheet = ScoreSheet(path, digest)

    def fail(message: str, row: Row | None = None, status: Status = Status.FAIL, about: str = "") -> None:
        where = f"{path.name} 第{row.line}行" if row else path.name
        evidence: dict[str, Any] = {"file": path.name, "row": row.line if row else None}
        if about:  # the input that would resolve it, for a door to name (tasks/refusals.py)
            evidence[ABOUT] = about
        sheet.findings.append(Finding(Check.SCORES, status, f"{where}：{message}", evidence, stage="judging"))

    if digest in context.imported_files:
        sheet.already_imported = True
        fail(
            f"该评分表已导入过（与 {context.imported_files[digest]} 内容相同），未做改动", status=Status.WARN
        )
        return sheet
    default_expert = _preamble_expert(table.preamble)
    # A sheet names its expert as the expert typed it (「张　明」, 「Ｌｉ Ｍｉｎｇ」): matched to the
    # roster in the one identity normal form, recorded under the roster's spelling.
    roster = {identity(name): name for name in context.experts}
    seen: dict[tuple[str, str], int] = {}
    unknown_experts: set[str] = set()
    for row in table.rows:
        work = _work_number(row.values.get("编号"))
        written = cell_text(row.values.get(EXPERT_LABEL)) or default_expert
        if not written:
            fail(f"找不到评审专家姓名（表头上方应有“{EXPERT_LABEL}：姓名”，或加一列“{EXPERT_LABEL}”）", row)
            continue
        expert = roster.get(identity(written), "")
        if not expert:
            if written not in unknown_experts:
                fail(f"评审专家“{written}”不在专家名单中", row)
                unknown_experts.add(written)
            continue
        raw = {name: row.values.get(name) for name in CRITERIA}
        if not work:
            fail("未填写“编号”", row)
            continue
        if work not in context.works:
            fail(f"编号{work}不是参评作品的编号", row)
            continue
        if (work, expert) not in context.assigned:
            fail(f"编号{work}没有分配给专家{expert}评审", row)
            continue
        if all(_blank(v) for v in raw.values()):
            fail(f"编号{work}尚未评分（本行各项均为空）", row, status=Status.WARN)
            continue
        criteria: dict[str, float] = {}
        for name, value in raw.items():
            try:
                number = _number(value)
            except (TypeError, ValueError):
                fail(f"编号{work}的“{name}”应为数字（填写的是“{cell_text(value)}”）", row)
                continue
            if number is None:
                fail(f"编号{work}的“{name}”未填写", row)
            elif not 0 <= number <= MAXIMA[name]:
                fail(f"编号{work}的“{name}”为{number:g}分，超出0–{MAXIMA[name]}分的范围", row)
            else:
                criteria[name] = number
        if len(criteria) != len(CRITERIA):
            continue
        score = Score(work, expert, criteria, cell_text(row.values.get("评语")), row.line)
        try:
            stated = _number(row.values.get("总分")) if not _formula(row.values.get("总分")) else None
        except (TypeError, ValueError):
            stated = None
        if stated is not None and abs(stated - score.total) > TOTAL_TOLERANCE:
            fail(f"编号{work}的总分{stated:g}与各项之和{score.total:g}不符", row)
            continue
        key = (work, expert)
        if key in seen:
            fail(f"编号{work}在本表中重复出现（第{seen[key]}行已有专家{expert}的评分）", row)
            continue
        seen[key] = row.line
        if key in context.imported and not context.replace:
            if _same_scores(context.imported_scores.get(key), criteria):
                sheet.already_in.append((row.line, work))  # a returned sheet with earlier rows in it
                continue
            fail(
                f"编号{work}已有专家{expert}的评分（来自 {context.imported[key]}），重复导入；"
                "如需更正，须选择用新表更正已导入的评分",
                row,
                about="replace",
            )
            continue
        sheet.scores.append(score)
    if sheet.already_in:
        rows = "、".join(f"第{line}行（编号{work}）" for line, work in sheet.already_in)
        fail(f"{rows}已导入过，评分相同，未重复导入", status=Status.WARN)
    if not table.rows:
        fail("表中没有评分行")
    return sheet


def _same_scores(stored: Mapping[str, float] | None, criteria: Mapping[str, float]) -> bool:
    if stored is None or set(stored) != set(criteria):
        return False
    return all(abs(float(stored[name]) - criteria[name]) <= TOTAL_TOLERANCE for name in criteria)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def missing_scores(
    assigned: Collection[tuple[str, str]], scored: Collection[tuple[str, str]]
) -> list[tuple[str, str]]:
    """(work, expert) slots assigned but not scored yet, sorted."""
    return sorted(set(assigned) - set(scored))
