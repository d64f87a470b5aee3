"""Plain-text tables for the terminal: columns measured in terminal cells (a Chinese character takes two)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

from tasks.outside import for_terminal


def clip(text: str, width: int) -> str:
    """At most `width` cells; a cut is marked with …"""
    if cell_len(text) <= width:
        return text
    out = ""
    for char in text:
        if cell_len(out + char) > width - 1:
            break
        out += char
    return out + "…"


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def render(header: Sequence[str], rows: Sequence[Sequence[str]], limits: Sequence[int]) -> list[str]:
    """Lines of a table whose columns are as wide as their widest cell (at most the column's limit).
    Cells are escaped for the terminal before they are measured (one line each, controls visible)."""
    cells = [[clip(for_terminal(c), limit) for c, limit in zip(row, limits, strict=True)] for row in rows]
    widths = [max(cell_len(c) for c in column) for column in zip(header, *cells, strict=True)]
    lines = []
    for row in [list(header), *cells]:
        parts = [pad(c, w) for c, w in zip(row[:-1], widths, strict=False)]
        lines.append("  ".join([*parts, row[-1]]).rstrip())
    return lines
