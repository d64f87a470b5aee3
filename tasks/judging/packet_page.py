"""评审.html: the page an expert opens from the packet folder (a USB stick, a Netdisk share), with no
server and no network. Pure: values in, HTML text out.

Per work: 评审编号, title, category, a player per episode with the subtitles, the 文稿 text, and the
rubric beside the player. Every link is relative to the folder (视频/…, 字幕/…), so the folder works
wherever it is copied. Chromium refuses `<track src>` from a file:// page, so the subtitles are also
embedded and given to the player as blob: URLs (as the showcase page does); `src` keeps the .vtt's
relative path for a browser that serves the folder. No unit, person or contact is on the page: the
caller passes only blind text (tasks/judging/blind.py), and every value is escaped here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from tasks.judging.rubric import RUBRIC, TOTAL_MAXIMUM
from tasks.outside import for_html

PAGE_NAME = "评审.html"
VIDEO_FOLDER = "视频"
SUBTITLE_FOLDER = "字幕"


@dataclass(frozen=True, slots=True)
class PageEpisode:
    label: str  # "" for a single video, else 第N集
    video: str | None  # path relative to the folder (视频/0004-红岩家书.mp4); None: a link instead
    link: str | None = None  # a presigned URL (--links)
    subtitles: str | None = None  # path relative to the folder (字幕/0004-红岩家书.vtt)
    vtt: str | None = None  # the WebVTT text, embedded


@dataclass(frozen=True, slots=True)
class PageWork:
    number: str
    title: str
    category: str | None
    episodes: tuple[PageEpisode, ...]
    script: str = ""


def relative_url(path: str) -> str:
    """A folder-relative path as a URL: each part percent-encoded, never absolute."""
    return "/".join(quote(part) for part in path.split("/"))


_STYLE = """
body{margin:0;font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
background:#f6f4f0;color:#222;line-height:1.6}
header{background:#a4161a;color:#fff;padding:1em 2em}
header h1{margin:0;font-size:1.4em}
main{max-width:1200px;margin:0 auto;padding:1em 2em}
article.work{background:#fff;border-radius:6px;padding:1em 1.5em;margin-bottom:2em;box-shadow:0 1px 3px #0002}
article.work h2{margin:.2em 0}
.category{color:#666;margin-left:.6em;font-size:.9em}
.review{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}
.episodes{flex:1 1 560px;display:flex;flex-direction:column;gap:1em}
figure{margin:0}
video{width:100%;max-height:70vh;background:#000}
table.rubric{flex:0 1 380px;border-collapse:collapse;font-size:.9em}
table.rubric th,table.rubric td{border:1px solid #bbb;padding:.3em .5em;vertical-align:top}
table.rubric th,table.rubric td:nth-child(2){white-space:nowrap}
details.script{margin-top:1em}
details.script pre{white-space:pre-wrap;font-family:inherit;background:#faf8f4;padding:.8em}
"""

_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("packet-data").textContent);
  var tracks = document.querySelectorAll("track[data-key]");
  for (var i = 0; i < tracks.length; i++) {
    var text = data[tracks[i].getAttribute("data-key")];
    if (text) {
      tracks[i].src = URL.createObjectURL(new Blob([text], {type: "text/vtt"}));
    }
  }
})();
"""


def _json_for_script(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _rubric() -> str:
    rows = "".join(
        f"<tr><th>{for_html(c.name)}</th><td>{c.maximum}分</td><td>{for_html(c.source)}</td></tr>"
        for c in RUBRIC
    )
    return (
        '<table class="rubric"><caption>评分标准</caption>'
        f"<tr><th>评分项</th><th>满分</th><th>依据（征集通知）</th></tr>{rows}"
        f"<tr><th>总分</th><td>{TOTAL_MAXIMUM}分</td><td></td></tr></table>"
    )


def _episode(work: PageWork, index: int, episode: PageEpisode, subtitles: dict[str, str]) -> str:
    label = f"<figcaption>{for_html(episode.label)}</figcaption>" if episode.label else ""
    if episode.video is None:
        link = for_html(episode.link or "")
        return f'<figure>{label}<p><a href="{link}">在线观看（链接有时效）</a></p></figure>'
    track = ""
    if episode.vtt is not None:
        key = f"{work.number}-{index}"
        subtitles[key] = episode.vtt
        src = for_html(relative_url(episode.subtitles)) if episode.subtitles else ""
        track = f'<track kind="subtitles" srclang="zh" label="中文字幕" default data-key="{key}" src="{src}">'
    src = for_html(relative_url(episode.video))
    return (
        f'<figure>{label}<video controls preload="auto" playsinline src="{src}">{track}</video>'
        f'<p><a href="{src}">打开视频文件</a></p></figure>'
    )


def render_page(expert: str, works: Sequence[PageWork]) -> str:
    """The whole 评审.html for one expert's works."""
    subtitles: dict[str, str] = {}
    articles = []
    rubric = _rubric()
    for work in works:
        episodes = "".join(_episode(work, i, e, subtitles) for i, e in enumerate(work.episodes, start=1))
        category = for_html(work.category or "类别未登记")
        script = (
            f'<details class="script"><summary>最终视频文稿</summary><pre>{for_html(work.script)}</pre></details>'
            if work.script.strip()
            else '<p class="script">未收到文稿文字。</p>'
        )
        articles.append(
            f'<article class="work" id="w{for_html(work.number)}" data-work="{for_html(work.number)}">'
            f'<h2>{for_html(work.number)} 《{for_html(work.title)}》<span class="category">{category}</span></h2>'
            f'<div class="review"><div class="episodes">{episodes}</div>{rubric}</div>{script}</article>'
        )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>作品评审 · {for_html(expert)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>「红色光影 英雄重庆」党史短视频征集展播活动 作品评审</h1>"
        f"<p>评审专家：{for_html(expert)}　共{len(works)}件作品。请观看后在同一文件夹的评分表中打分。</p></header>"
        f"<main>{''.join(articles)}</main>"
        f'<script type="application/json" id="packet-data">{_json_for_script(subtitles)}</script>'
        f"<script>{_SCRIPT}</script></body></html>"
    )
