"""The proposed list as the `judging` flow's Markdown artifact: every value from outside escaped, so
a title (or a note quoting one) never makes a row, a link or an image."""

from __future__ import annotations

from typing import Any

from tasks.judging.ranking import agreement_label
from tasks.outside import for_markdown


def proposal_markdown(ranking: dict[str, Any]) -> str:
    """`ranking` as `Standing.to_json` gives it."""
    lines = ["# 优秀作品名单建议", ""]
    lines.append(
        f"评审一致性（ICC）：原始分 {ranking['agreement_raw']}（{agreement_label(ranking['agreement_raw'])}），"
        f"校正后 {ranking['agreement_normalised']}（{agreement_label(ranking['agreement_normalised'])}）"
    )
    lines += [
        "",
        "| 名次 | 编号 | 作品名称 | 得分 | 原始均分 | 评分数 | 建议等次 | 备注 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in ranking["rows"]:
        lines.append(
            f"| {row['rank'] or '—'} | {for_markdown(row['work'])} | {for_markdown(row['title'])} "
            f"| {row['score'] if row['score'] is not None else '—'} "
            f"| {row['raw_mean'] if row['raw_mean'] is not None else '—'} | {row['scores']}/{row['expected']} "
            f"| {for_markdown(row['tier'] or '')} | {for_markdown('；'.join(row['notes']))} |"
        )
    if ranking["findings"]:
        lines += ["", "## 提示", *[f"- {for_markdown(m)}" for m in ranking["findings"]]]
    lines += [
        "",
        "得分为评分模型对作品水平的估计（各专家的宽严和分差从全部评分中一并估出并校正），详见 README “评审”一节。",
    ]
    return "\n".join(lines)
