"""What one `ingest`/`nightly` run did, for the Prefect UI: each work it touched, its 受理编号, what
happened to it (new, supplement, resend, unchanged, refused) and its verdict, as a Markdown table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tasks.findings import VERDICT_LABELS
from tasks.outside import for_markdown

ARTIFACT_KEY = "intake-run"
WHAT_HAPPENED = {
    "first": "新作品",
    "supplement": "补交到该作品",
    "resend": "重发（与已收到的相同）",
}


def what_happened(result: dict[str, Any]) -> str:
    if result.get("error"):
        return f"未受理：{result['error']}"
    if result.get("duplicate"):
        return "已受理过，无变化"
    if result.get("resumed"):
        return "继续审核"
    return WHAT_HAPPENED.get(str(result.get("intake") or ""), "已处理")


def intake_markdown(results: Sequence[dict[str, Any]], *, title: str = "本次受理") -> str:
    """One row per package of the run; every cell escaped for Markdown (names come from submitters)."""
    lines = [
        f"# {title}",
        "",
        f"共 {len(results)} 个作品包。",
        "",
        "| 作品包 | 受理编号 | 作品名称 | 处理结果 | 审核结论 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for result in results:
        verdict = "" if result.get("error") else VERDICT_LABELS.get(result.get("verdict") or "", "审核中")
        cells = [
            result.get("package") or "",
            result.get("id") or "—",
            result.get("title") or "",
            what_happened(result),
            verdict if not result.get("duplicate") else "",
        ]
        lines.append("| " + " | ".join(for_markdown(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"
