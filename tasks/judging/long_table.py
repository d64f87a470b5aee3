"""A long table of totals for `guangying ranking --scores`: one row per expert and work (编号, 专家,
总分; 作品名称 optional), .xlsx or .csv in any encoding the Chinese-bytes decoder reads, ranked
without a catalogue. Every problem is a Chinese sentence naming the file and the row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from tasks.judging.ranking import Total
from tasks.judging.tables import cell_text, read_table
from tasks.outside import identity

MAX_TOTAL = 100.0


@dataclass(slots=True)
class LongTable:
    path: Path
    totals: list[Total] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)  # 编号 → 作品名称 where given
    problems: list[str] = field(default_factory=list)

    @property
    def assigned(self) -> dict[str, list[str]]:
        """Each work's experts, as the table has them (every work counts as fully scored)."""
        experts: dict[str, list[str]] = {}
        for item in self.totals:
            experts.setdefault(item.work, []).append(item.expert)
        return experts


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_long_table(path: Path) -> LongTable:
    """The totals of `path`; raises `TableError` when the file cannot be read as a table at all.
    An expert's name is compared in the normal form of `tasks.outside` (「张 华」 is 张华) and shown
    as first spelled."""
    table = read_table(path, ("编号", "专家", "总分"), ("作品名称",))
    out = LongTable(path)
    spelling: dict[str, str] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in table.rows:
        where = f"{path.name} 第{row.line}行"
        number = cell_text(row.values.get("编号"))
        name = cell_text(row.values.get("专家"))
        text = cell_text(row.values.get("总分"))
        if not number:
            out.problems.append(f"{where}：未填写“编号”")
        if not identity(name):
            out.problems.append(f"{where}：未填写“专家”")
        total = _number(text)
        if not text:
            out.problems.append(f"{where}：未填写“总分”")
        elif total is None:
            out.problems.append(f"{where}：“总分”应为数字（填写的是“{text}”）")
        elif not 0 <= total <= MAX_TOTAL:
            out.problems.append(f"{where}：总分{text}超出0–{MAX_TOTAL:g}分的范围")
        if not number or not identity(name) or total is None or not 0 <= total <= MAX_TOTAL:
            continue
        expert = spelling.setdefault(identity(name), name)
        key = (number, identity(name))
        if key in seen:
            out.problems.append(f"{where}：编号{number}已有专家{expert}的评分（第{seen[key]}行），重复")
            continue
        seen[key] = row.line
        out.totals.append(Total(number, expert, total))
        title = cell_text(row.values.get("作品名称"))
        if title:
            out.titles.setdefault(number, title)
    return out
