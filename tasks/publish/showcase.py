"""The showcase page: one static HTML file at the root of the published bucket, in Chinese, listing
every published work with its poster, a player with subtitles, its credits and the AI-content notice
beside the player (办法 第六条).

It works opened straight from the folder (file://), with no server: the works' data and the
subtitles are embedded in the page. Chromium refuses to fetch a `<track src>` from a file:// page
("'file:' URLs are treated as unique security origins"), so each track gets a blob: URL made from
the embedded WebVTT text; `data-src` keeps the .vtt file's path for anyone serving the folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from tasks.intake.text import format_duration
from tasks.outside import for_html
from tasks.publish.credits import distinct_authors, plain_synopsis
from tasks.publish.manifest import CONTEST, ORGANISERS
from tasks.publish.webvtt import TRACK_LABEL

PAGE_KEY = "index.html"
TITLE = f"{CONTEST} 优秀作品展播"

_STYLE = """
body{margin:0;font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
background:#faf6f0;color:#222;line-height:1.6}
header.site{background:#a4161a;color:#fff;padding:1.2em 2em}
header.site h1{margin:0;font-size:1.6em}
header.site p{margin:.2em 0 0}
main{max-width:1100px;margin:0 auto;padding:1em 2em}
nav.gallery{display:flex;flex-wrap:nowrap;gap:.8em;margin:.5em 0 1.5em;overflow-x:auto;
-webkit-overflow-scrolling:touch;scroll-snap-type:x proximity}
nav.gallery a{flex:0 0 160px;color:#222;text-decoration:none;font-size:.9em;scroll-snap-align:start}
nav.gallery img{width:160px;height:90px;object-fit:cover;background:#000;display:block}
nav.gallery span{display:block;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
button.cc{margin:.3em 0;font:inherit;font-size:.9em;padding:.2em .8em;border:1px solid #a4161a;
background:#fff;color:#a4161a;border-radius:4px}
figcaption{overflow-wrap:anywhere}
article.work{background:#fff;border-radius:6px;padding:1em 1.5em;margin-bottom:2em;box-shadow:0 1px 3px #0002}
article.work h2{margin:.2em 0}
.tier{display:inline-block;background:#c9a227;color:#fff;border-radius:3px;padding:0 .5em;margin-left:.6em;font-size:.8em}
.player{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}
.episodes{display:flex;flex-direction:column;gap:1em;flex:1 1 480px}
figure{margin:0}
video{width:100%;height:auto;max-height:70vh;background:#000}
.ai-notice{flex:0 0 220px;margin:0;padding:.6em .8em;border:2px solid #a4161a;color:#a4161a;font-weight:bold;
border-radius:4px;background:#fff5f5}
dl.credits{display:grid;grid-template-columns:5em 1fr;margin:.8em 0}
dl.credits dt{color:#666}
dl.credits dd{margin:0}
footer{color:#666;font-size:.9em;padding:2em}
@media (max-width:600px){
header.site{padding:.6em 1em}header.site h1{font-size:1.15em}
main{padding:.5em .6em}nav.gallery{margin:.3em 0 .8em}
nav.gallery a{flex-basis:112px}nav.gallery img{width:112px;height:63px}
article.work{padding:.6em .7em;margin-bottom:1.2em}article.work h2{font-size:1.15em}
.player{gap:.5em}.ai-notice{flex:1 1 100%}
footer{padding:1em}
}
"""

_SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("showcase-data").textContent);
  function source(key) {
    var text = data.subtitles[key];
    return text ? URL.createObjectURL(new Blob([text], {type: "text/vtt"})) : null;
  }
  var tracks = document.querySelectorAll("track[data-key]");
  for (var i = 0; i < tracks.length; i++) {
    var url = source(tracks[i].getAttribute("data-key"));
    if (url) { tracks[i].src = url; }
  }
  // Burned-in works: the text is in the picture; a viewer who needs a track (a screen reader,
  // a larger font) turns it on.
  var buttons = document.querySelectorAll("button.cc[data-key]");
  for (var j = 0; j < buttons.length; j++) {
    buttons[j].addEventListener("click", function (event) {
      var button = event.currentTarget;
      var video = document.getElementById(button.getAttribute("data-video"));
      var track = document.createElement("track");
      track.kind = "subtitles"; track.srclang = "zh-CN"; track.label = button.getAttribute("data-label");
      track.setAttribute("data-key", button.getAttribute("data-key"));
      track.src = source(button.getAttribute("data-key"));
      track.default = true;
      video.appendChild(track);
      track.track.mode = "showing";
      button.disabled = true;
    });
  }
})();
"""


def _json_for_script(data: Any) -> str:
    """JSON that cannot end the <script> element it sits in."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _attr(value: Any) -> str:
    return for_html(value)


def _episode(work: Mapping[str, Any], episode: Mapping[str, Any], series: bool) -> str:
    renditions = sorted(episode["renditions"], key=lambda r: min(r["width"], r["height"]))
    player = renditions[0]  # the lightest plays on the page; every size is linked below it
    title = f"《{work['title']}》" + (f"第{episode['episode']}集" if series else "")
    video_id = f"video-{work['id']}-{episode['episode']}"
    shown = [s for s in episode.get("subtitles") or [] if s["source"] != "burned"]
    burned = [s for s in episode.get("subtitles") or [] if s["source"] == "burned"]
    tracks = "".join(
        f'<track kind="subtitles" srclang="zh-CN" label="{TRACK_LABEL}" '
        f'data-key="{_attr(s["key"])}" data-src="{_attr(s["key"])}" default>'
        for s in shown
    )
    opt_in = "".join(
        f'<button type="button" class="cc" data-key="{_attr(s["key"])}" data-video="{_attr(video_id)}" '
        f'data-label="{TRACK_LABEL}">打开字幕（无障碍）</button>'
        for s in burned
    )
    links = " ".join(
        f'<a href="{_attr(r["key"])}" download>{_attr(r["name"])}</a>' for r in reversed(renditions)
    )
    return (
        f'<figure class="episode" data-episode="{episode["episode"]}">'
        f'<video id="{_attr(video_id)}" controls preload="metadata" playsinline poster="{_attr(episode["poster"]["key"])}" '
        f'width="{player["width"]}" height="{player["height"]}" aria-label="{_attr(title)}">'
        f'<source src="{_attr(player["key"])}" type=\'video/mp4; codecs="{_attr(player["codecs"])}"\'>'
        f"{tracks}</video>{opt_in}"
        f"<figcaption>{for_html(title)} · {format_duration(episode['duration'])} · 下载：{links}</figcaption>"
        f"</figure>"
    )


def _work(work: Mapping[str, Any]) -> str:
    series = len(work["episodes"]) > 1
    tier = f'<span class="tier">{for_html(work["tier"])}</span>' if work.get("tier") else ""
    notice = (work.get("ai_label") or {}).get("notice")
    notice_html = f'<p class="ai-notice" role="note">{for_html(notice)}</p>' if notice else ""
    authors = distinct_authors(work.get("authors") or [], work.get("unit"))
    credits = [("单位", work.get("unit")), ("作者", "、".join(authors))]
    credits += [("类别", work.get("category")), ("时长", format_duration(work.get("duration")))]
    if series:
        credits.append(("集数", f"共{len(work['episodes'])}集"))
    rows = "".join(f"<dt>{k}</dt><dd>{for_html(str(v))}</dd>" for k, v in credits if v)
    text = plain_synopsis(work.get("synopsis") or "", work.get("category"))
    synopsis = f'<p class="synopsis">{for_html(text)}</p>' if text else ""
    episodes = "".join(_episode(work, e, series) for e in work["episodes"])
    return (
        f'<article class="work" id="work-{_attr(work["id"])}" data-work="{_attr(work["id"])}">'
        f"<h2>《{for_html(work['title'])}》{tier}</h2>"
        f'<div class="player"><div class="episodes">{episodes}</div>{notice_html}</div>'
        f'<dl class="credits">{rows}</dl>{synopsis}</article>'
    )


def _gallery(works: Sequence[Mapping[str, Any]]) -> str:
    items = "".join(
        f'<a href="#work-{_attr(w["id"])}"><img src="{_attr(w["poster"]["key"])}" alt="{_attr(w["title"])}" '
        f'loading="lazy"><span>《{for_html(w["title"])}》</span></a>'
        for w in works
    )
    return f'<nav class="gallery" aria-label="作品海报">{items}</nav>'


def render_page(works: Sequence[Mapping[str, Any]], subtitles: Mapping[str, str]) -> str:
    """Pure: the page for `works` (manifest entries) with the WebVTT texts by object key."""
    body = "".join(_work(w) for w in works) or '<p class="empty">暂无展播作品。</p>'
    data = {"works": list(works), "subtitles": dict(subtitles)}
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{for_html(TITLE)}</title><style>{_STYLE}</style></head><body>"
        f'<header class="site"><h1>{for_html(TITLE)}</h1><p>共{len(works)}件作品</p></header>'
        f"<main>{_gallery(works) if works else ''}{body}</main>"
        "<footer>含人工智能生成内容的作品已按《人工智能生成合成内容标识办法》标注。"
        f"主办单位：{'、'.join(ORGANISERS)}。</footer>"
        f'<script type="application/json" id="showcase-data">{_json_for_script(data)}</script>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
