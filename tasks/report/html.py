"""The status report as one self-contained HTML page: inline CSS and SVG charts, no script, no fetch."""

from __future__ import annotations

from datetime import datetime
from html import escape

from tasks.beijing_time import padded_date_time, plain_date_time, plain_month_day
from tasks.outside import for_html
from tasks.report.summary import JudgingState, StatusSummary, seconds_label

BAR_HEIGHT = 26
CHART_WIDTH = 720
LABEL_WIDTH = 170
COLOURS = ("#b71c1c", "#d84315", "#f9a825", "#2e7d32", "#1565c0", "#6a1b9a", "#5d4037", "#455a64")
VERDICT_COLOURS = {"通过": "#2e7d32", "不通过": "#b71c1c", "待人工复核": "#f9a825", "审核中": "#1565c0"}


def bar_chart(key: str, title: str, rows: list[tuple[str, float]], *, unit: str = "件",
              shown: list[str] | None = None, colours: dict[str, str] | None = None,
              value_width: int = 90) -> str:  # fmt: skip
    """Horizontal bars, one per row (label, value), in an <svg> inside <figure data-chart=key>."""
    if not rows:
        return (
            f'<figure class="chart" data-chart="{escape(key)}"><figcaption>{escape(title)}</figcaption>'
            '<p class="empty">暂无数据</p></figure>'
        )
    top = max(value for _, value in rows) or 1
    span = CHART_WIDTH - LABEL_WIDTH - value_width
    height = BAR_HEIGHT * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" role="img" aria-label="{escape(title)}">'
    ]
    for index, (label, value) in enumerate(rows):
        y = 5 + index * BAR_HEIGHT
        width = max(2.0, span * value / top)
        colour = (colours or {}).get(label, COLOURS[index % len(COLOURS)])
        text = shown[index] if shown else f"{value:g} {unit}"
        parts += [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" class="label">{escape(label)}</text>',
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="{BAR_HEIGHT - 8}" '
            f'fill="{colour}" data-value="{value:g}"><title>{escape(label)}：{escape(text)}</title></rect>',
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + 17}" class="value">{escape(text)}</text>',
        ]
    parts.append("</svg>")
    return (
        f'<figure class="chart" data-chart="{escape(key)}"><figcaption>{escape(title)}</figcaption>'
        + "".join(parts)
        + "</figure>"
    )


STYLE = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:820px;
color:#222;background:#fff;padding:0 1em;overflow-wrap:anywhere}
svg{max-width:100%;height:auto}
.scroll{overflow-x:auto;max-width:100%}
h2{color:#b71c1c;font-size:1.2em;margin-top:1.6em}
@media (max-width:600px){body{margin:1em auto;padding:0 .6em}h1{font-size:1.4em}
figure.chart{padding:.5em;margin:1em 0}td,th{padding:.2em .4em}}
h1{color:#b71c1c;border-bottom:3px solid #b71c1c;padding-bottom:.3em}
figure.chart{margin:1.5em 0;padding:1em;border:1px solid #ddd;border-radius:6px}
figcaption{font-weight:bold;margin-bottom:.5em}
svg text{font-size:14px;fill:#333}
table{border-collapse:collapse;margin:1em 0}
td,th{border:1px solid #ccc;padding:.3em .8em;text-align:left}
td.n{text-align:right}
.meta,.empty{color:#666}
"""


def render(
    summary: StatusSummary, *, generated_at: datetime, contest: str = "“红色光影 英雄重庆”党史短视频征集"
) -> str:
    """The whole page. `generated_at` is printed in Beijing time (never read from the clock here)."""
    stamp = padded_date_time(generated_at)
    rows = "".join(
        f"<tr><td>{escape(str(r['状态']))}</td><td>{escape(str(r['审核结论']))}</td>"
        f'<td class="n">{r["作品数"]}</td></tr>'
        for r in summary.table
    )
    charts = [
        bar_chart("received-per-day", "每日收到作品数（北京时间）",
                  [(plain_month_day(d), n) for d, n in summary.per_day]),
        bar_chart("verdicts", "审核结论", [(label, n) for label, n in summary.by_verdict],
                  colours=VERDICT_COLOURS),
        bar_chart("failures-by-rule", "不通过的检查项（按作品数）", [(label, n) for label, n in summary.failures]),
        bar_chart("stage-durations", "各环节中位用时（运行记录）",
                  [(d.label, round(d.median_s, 1)) for d in summary.durations],
                  shown=[f"{seconds_label(d.median_s)}（{d.runs}次，最长{seconds_label(d.max_s)}）"
                         for d in summary.durations], value_width=260),
    ]  # fmt: skip
    state_line = "，".join(f"{label} {n} 件" for label, n in summary.by_state) or "暂无"
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>作品审核状态报告</title>
<style>{STYLE}</style></head>
<body>
<h1>作品审核状态报告</h1>
<p class="meta">{escape(contest)} · 生成时间：{stamp}（北京时间）</p>
<p>共收到作品 <strong id="total">{summary.total}</strong> 件。按状态：{escape(state_line)}。</p>
<div class="scroll"><table><thead><tr><th>状态</th><th>审核结论</th><th>作品数</th></tr></thead>
<tbody>{rows}</tbody></table></div>
{"".join(charts)}
{judging_section(summary.judging)}
</body></html>
"""


def judging_section(state: JudgingState) -> str:
    """Judging and publication: works in judging, scores received of expected, experts who owe
    sheets, the approved list with what of it is public."""
    owed = "".join(
        f'<tr><td>{for_html(name)}</td><td class="n">{count}</td></tr>'
        for name, count in state.missing_experts
    )
    owed_html = (
        f'<div class="scroll"><table id="experts-owing"><thead><tr><th>未交回评分表的专家</th><th>待评作品数</th>'
        f"</tr></thead><tbody>{owed}</tbody></table></div>"
        if owed
        else '<p class="empty">所有专家的评分表均已交回。</p>'
    )
    if state.approved_at is not None:
        approved = (
            f"<p>最新批准的优秀作品名单：{len(state.listed)}件（审批人{for_html(state.approved_by or '')}，"
            f"{plain_date_time(state.approved_at)}）。</p>"
        )
        listed = "".join(
            f"<tr><td>{for_html(row.tier)}</td><td>《{for_html(row.title)}》</td>"
            f"<td>{'已展播' if row.published else '未展播'}</td></tr>"
            for row in state.listed
        )
        approved += (
            f'<div class="scroll"><table id="approved-list"><thead><tr><th>等次</th><th>作品</th><th>展播</th></tr>'
            f"</thead><tbody>{listed}</tbody></table></div>"
        )
    else:
        approved = '<p class="empty">尚未批准优秀作品名单。</p>'
    return (
        '<section id="judging"><h2>评审与展播</h2>'
        f'<p>评审中作品 <strong id="judging-works">{state.works}</strong> 件；已收到评分 '
        f'<strong id="scores">{state.scores}</strong> / 应收 <strong id="expected">{state.expected}</strong> 份。</p>'
        f"{owed_html}{approved}"
        f'<p>正在展播 <strong id="published">{len(state.published)}</strong> 件'
        f"{'，已撤下' + str(state.taken_down) + '件' if state.taken_down else ''}。</p></section>"
    )
