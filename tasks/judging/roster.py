"""The expert roster (.xlsx/.csv: 姓名, 单位, 专长, 最大评审数, 联系方式) and its findings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tasks.findings import Check, Finding, Status
from tasks.judging.model import Expert
from tasks.judging.tables import Row, Table, cell_text, read_table
from tasks.outside import identity
from tasks.rules import DEFAULT_RULES

REQUIRED = ("姓名", "单位", "专长", "最大评审数")
OPTIONAL = ("联系方式",)
# A committee is tens of experts, a large one a few hundred: a longer list is not a roster.
MAX_EXPERTS = 1_000
_SEPARATORS = re.compile(r"[、,，;；/／\s]+")


@dataclass(slots=True)
class Roster:
    experts: list[Expert] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(f.status == Status.FAIL for f in self.findings)


def _finding(table: Table, row: Row | None, message: str, status: Status = Status.FAIL) -> Finding:
    where = f"{table.path.name} 第{row.line}行" if row else table.path.name
    evidence = {"file": table.path.name, "row": row.line if row else None}
    return Finding(Check.ROSTER, status, f"{where}：{message}", evidence, stage="judging")


def _cap(table: Table, row: Row, findings: list[Finding]) -> int | None:
    text = cell_text(row.values.get("最大评审数"))
    try:
        value = float(text)
    except ValueError:
        findings.append(_finding(table, row, f"“最大评审数”应为正整数（填写的是“{text or '空'}”）"))
        return None
    if not value.is_integer() or value < 1:
        findings.append(_finding(table, row, f"“最大评审数”至少为1件（填写的是{text}）"))
        return None
    return int(value)


def _categories(table: Table, row: Row, findings: list[Finding]) -> frozenset[str]:
    found = set()
    text = cell_text(row.values.get("专长"))
    for part in _SEPARATORS.split(text):
        if not part:
            continue
        category = DEFAULT_RULES.category_named(part)
        if category is None:
            known = "、".join(DEFAULT_RULES.categories)
            findings.append(_finding(table, row, f"专长“{part}”不是作品类别之一（{known}）"))
        else:
            found.add(category)
    if not text:
        findings.append(_finding(table, row, "未填写专长：该专家只能评审不对口的作品", status=Status.WARN))
    return frozenset(found)


def parse_roster(path: Path) -> Roster:
    """Every expert of the roster; findings for duplicate names, unknown categories, caps below 1.
    Raises `TableError` when the file cannot be read at all."""
    table = read_table(path, REQUIRED, OPTIONAL)
    roster = Roster()
    if len(table.rows) > MAX_EXPERTS:
        roster.findings.append(
            _finding(table, None, f"名单有{len(table.rows):,}位专家，超过{MAX_EXPERTS:,}位的上限，未导入")
        )
        return roster
    seen: dict[str, Row] = {}  # identity → the first row of that person
    for row in table.rows:
        name = cell_text(row.values.get("姓名"))
        if not name:
            roster.findings.append(_finding(table, row, "未填写“姓名”"))
            continue
        first = seen.get(identity(name))
        if first is not None:
            earlier = cell_text(first.values.get("姓名"))
            same = "重复" if earlier == name else f"的“{earlier}”是同一人（忽略空格、全角和不可见字符后相同）"
            roster.findings.append(
                _finding(table, row, f"姓名“{name}”与第{first.line}行{same}，同一专家只能列一次")
            )
            continue
        seen[identity(name)] = row
        before = len(roster.findings)
        cap = _cap(table, row, roster.findings)
        categories = _categories(table, row, roster.findings)
        unit = cell_text(row.values.get("单位"))
        if not unit:
            roster.findings.append(_finding(table, row, "未填写“单位”：无法排查利益冲突", status=Status.WARN))
        failed = any(f.status == Status.FAIL for f in roster.findings[before:])
        if cap is not None and not failed:
            roster.experts.append(Expert(name, unit, categories, cap, cell_text(row.values.get("联系方式"))))
    if not table.rows:
        roster.findings.append(_finding(table, None, "表中没有专家"))
    return roster
