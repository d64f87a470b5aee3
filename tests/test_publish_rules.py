"""Publication rules without media: AI-label states, credits without personal data, the manifest
schema, the WebVTT we publish, rendition sizes, poster scores and the page's markup."""

from __future__ import annotations

import json
import re
from datetime import datetime

import numpy as np
import pytest

from tasks.intake.details import IntakeDetails
from tasks.media.probe import parse_probe
from tasks.publish.credits import credits_from, personal_data_in, scrub
from tasks.publish.labels import AiLabel, LabelState, combine, label_from_evidence, label_windows
from tasks.publish.manifest import PLATFORMS, manifest, personal_data, schema_errors
from tasks.publish.poster import FrameScore, choose, score_frame
from tasks.publish.renditions import RenditionProfile, output_size, parse_loudnorm, plan_renditions
from tasks.publish.showcase import render_page
from tasks.publish.webvtt import choose_cues, to_webvtt
from tasks.publish.work import EpisodeSource, WorkSource, work_entry, work_slug

FORM = {
    "title": "红岩魂",
    "unit_name": "中共重庆市委党史研究室",
    "contact": "左老师",
    "phone": "13800138000",
    "entrant_type": "unit",
    "intro": "讲述红岩英烈的故事。联系人：左老师，电话：13800138000。欢迎各单位观看，邮箱 zuo@example.cn",
    "summary_rows": [{"title": "红岩 魂", "author": "张三、李四", "unit": "党史研究室"}],
}


# --- AI label state (办法 第六条) -------------------------------------------------------------


def _metadata(label: str = "1", problem: str | None = None) -> dict:
    meaning = {"1": "属于", "2": "可能", "3": "疑似"}.get(label)
    return {"implicit_labels": [{"field": "AIGC", "label_meaning": meaning, "problem": problem}], "c2pa": []}


@pytest.mark.parametrize(
    ("evidence", "state", "basis"),
    [
        ({"metadata": _metadata("1")}, LabelState.IS, ("metadata",)),
        ({"metadata": _metadata("2")}, LabelState.POSSIBLE, ("metadata",)),
        (
            {"metadata": {"c2pa": [{"ai_source_types": ["trainedAlgorithmicMedia"]}]}},
            LabelState.IS,
            ("c2pa",),
        ),
        (
            {"declared": {"statements": [{"source": "form", "uses_ai": True}]}},
            LabelState.POSSIBLE,
            ("declared",),
        ),
        ({"declared": {"statements": [{"source": "form", "uses_ai": False}]}}, None, ()),
        (
            {"visual": {"labels": [{"appears_at": 0.0, "visible_until": 3.0}]}},
            LabelState.SUSPECTED,
            ("visual",),
        ),
        ({"spoken": {"disclosures": [{"text": "本视频由AI生成"}]}}, LabelState.SUSPECTED, ("spoken",)),
        (
            {"metadata": _metadata("1"), "declared": {"statements": [{"uses_ai": True}]}},
            LabelState.IS,
            ("metadata", "declared"),
        ),
        ({"metadata": _metadata(problem="不是JSON")}, LabelState.SUSPECTED, ("metadata",)),
        ({}, None, ()),
    ],
)
def test_label_state_follows_article_6(evidence: dict, state: LabelState | None, basis: tuple) -> None:
    label = label_from_evidence(evidence)
    assert (label.state, label.basis) == (state, basis)


def test_notice_wording_and_series() -> None:
    assert AiLabel(LabelState.IS).notice == "本作品含人工智能生成内容"
    assert AiLabel(LabelState.POSSIBLE).notice == "本作品可能含人工智能生成内容"
    assert AiLabel(LabelState.SUSPECTED).notice == "本作品疑似含人工智能生成内容"
    assert AiLabel(None).notice is None
    series = combine(
        [AiLabel(None), AiLabel(LabelState.SUSPECTED, ("visual",)), AiLabel(LabelState.IS, ("metadata",))]
    )
    assert series.state is LabelState.IS and series.basis == ("visual", "metadata")
    assert label_windows({"visual": {"labels": [{"appears_at": 0.5, "visible_until": 3.5}]}}) == [(0.5, 3.5)]


# --- credits and personal data ---------------------------------------------------------------


def test_credits_keep_attribution_and_drop_contacts() -> None:
    credits = credits_from(
        title="红岩魂", unit=None, category="微纪录片", details=IntakeDetails.from_json(FORM)
    )
    assert credits.authors == ("张三", "李四")
    assert credits.unit == "中共重庆市委党史研究室"
    assert credits.synopsis == "讲述红岩英烈的故事。欢迎各单位观看"
    text = json.dumps(credits.to_json(), ensure_ascii=False)
    assert "左老师" not in text and "13800138000" not in text and "@" not in text


def test_individual_entrant_is_the_author_unless_only_a_contact() -> None:
    form = {"entrant_type": "individual", "person_name": "王五", "contact": "王五", "phone": "023-61234567"}
    # The entrant's name is attribution; it equals the contact here, and a contact is never published.
    assert credits_from(title="t", unit="u", category="", details=IntakeDetails.from_json(form)).authors == ()
    form["contact"] = "赵六"
    assert credits_from(title="t", unit="u", category="", details=IntakeDetails.from_json(form)).authors == (
        "王五",
    )


@pytest.mark.parametrize(
    "text",
    [
        "电话13800138000",
        "手机 138 0013 8000",
        "座机023-61234567",
        "＋86 13912345678",
        "身份证500101199001011234",
    ],
)
def test_scrub_removes_phone_numbers_and_ids(text: str) -> None:
    assert personal_data_in(text)
    assert not personal_data_in(scrub("作品简介。" + text + "。谢谢"))
    assert scrub("作品简介。" + text + "。谢谢").startswith("作品简介。")


# --- WebVTT -----------------------------------------------------------------------------------


def test_published_cues_prefer_what_the_makers_wrote() -> None:
    export = {
        "tracks": [
            {"kind": "burned", "cues": [{"start": 0, "end": 1, "text": "画面字幕"}]},
            {
                "kind": "sidecar",
                "cues": [{"start": 1.5, "end": 2.5, "text": "二"}, {"start": 0.2, "end": 1.2, "text": "一"}],
            },
            {"kind": "soft", "problem": "无法读取", "cues": []},
        ],
        "transcript": {"segments": [{"start": 0, "end": 2, "text": "语音"}]},
    }
    chosen = choose_cues(export)
    assert chosen is not None and chosen.source == "sidecar" and [c.text for c in chosen.cues] == ["一", "二"]
    only_speech = choose_cues({"tracks": [], "transcript": export["transcript"]})
    assert only_speech is not None and only_speech.source == "transcript"
    assert choose_cues({"tracks": [], "transcript": None}) is None
    vtt = to_webvtt([*chosen.cues, type(chosen.cues[0])(3.0, 4.0, "a<b> --> c\n第二行")])
    assert vtt.startswith("WEBVTT\n")
    assert "00:00:00.200 --> 00:00:01.200\n一" in vtt
    assert "a&lt;b&gt; → c\n第二行" in vtt


# --- renditions -------------------------------------------------------------------------------


def _probe(width: int, height: int, rotation: int = 0, sar: str = "1:1") -> object:
    stream = {
        "index": 0,
        "codec_type": "video",
        "codec_name": "h264",
        "width": width,
        "height": height,
        "sample_aspect_ratio": sar,
        "avg_frame_rate": "25/1",
        "r_frame_rate": "25/1",
        "side_data_list": [{"rotation": rotation}] if rotation else [],
    }
    from pathlib import Path

    return parse_probe(
        Path("x.mp4"), {"format": {"format_name": "mov,mp4", "duration": "3"}, "streams": [stream]}
    )


def test_rendition_sizes_keep_orientation_and_aspect() -> None:
    profile = RenditionProfile()
    assert output_size(1920, 1080, 720) == (1280, 720)
    assert output_size(1080, 1920, 720) == (720, 1280)
    assert output_size(1440, 1080, 720) == (960, 720)  # 4:3
    portrait = plan_renditions(_probe(1920, 1080, rotation=90), profile)  # a phone video
    assert [(p.target.name, p.width, p.height) for p in portrait] == [
        ("1080p", 1080, 1920),
        ("720p", 720, 1280),
    ]
    anamorphic = plan_renditions(_probe(1440, 1080, sar="4:3"), profile)  # displayed 1920×1080
    assert [(p.width, p.height) for p in anamorphic] == [(1920, 1080), (1280, 720)]
    small = plan_renditions(_probe(1280, 720), profile)
    assert [(p.target.name, p.width, p.height) for p in small] == [("720p", 1280, 720)]


def test_loudnorm_measurement_parsing() -> None:
    log = 'x\n[Parsed_loudnorm_0 @ 0x1]\n{\n "input_i" : "-23.10",\n "input_tp" : "-5.0",\n "input_lra" : "1.0",\n "input_thresh" : "-33.5",\n "target_offset" : "0.2"\n}\n'
    assert parse_loudnorm(log) == {
        "input_i": -23.1,
        "input_tp": -5.0,
        "input_lra": 1.0,
        "input_thresh": -33.5,
        "target_offset": 0.2,
    }
    assert parse_loudnorm(log.replace('"-23.10"', '"-inf"')) is None  # silence is never amplified
    assert parse_loudnorm("no json here") is None


# --- poster -----------------------------------------------------------------------------------


def _frame(kind: str) -> np.ndarray:
    if kind == "black":
        return np.full((90, 160, 3), 4, np.uint8)
    if kind == "card":  # a flat red card with a line of text
        frame = np.zeros((90, 160, 3), np.uint8)
        frame[:] = (139, 26, 26)
        frame[40:50, 30:130] = 255
        return frame
    # A scene: coloured blocks over a gradient; "blurred" is the same scene out of focus.
    y, x = np.mgrid[0:90, 0:160]
    frame = np.stack([x * 1.5, y * 2.5, 255 - x * 1.5], axis=-1)
    frame[(x // 12 + y // 12) % 2 == 0] = (200, 160, 40)
    frame = frame.astype(np.uint8)
    if kind == "blurred":
        import cv2

        return cv2.GaussianBlur(frame, (15, 15), 5)
    return frame


def test_poster_is_never_black_or_a_card_and_prefers_sharp_frames() -> None:
    assert score_frame(0, _frame("black")).rejected == "画面过暗（黑场）"
    assert score_frame(0, _frame("card")).rejected == "大面积纯色（片头卡、字幕卡）"
    sharp, blurred = score_frame(5, _frame("sharp")), score_frame(6, _frame("blurred"))
    assert sharp.rejected is None and blurred.rejected is None and sharp.score > blurred.score
    best = choose([score_frame(1, _frame("sharp")), blurred, score_frame(7, _frame("black"))], duration=20)
    assert best is not None and best.t == 6  # the sharp frame at 1 s is in the opening (label, title)
    # A frame inside a visible AI label's window is set aside.
    assert choose([sharp, blurred], duration=20, avoid=[(4.0, 5.2)]).t == 6  # type: ignore[union-attr]
    assert choose([FrameScore(5, 0.01, 0, 0, 1, 0, "画面过暗（黑场）")], duration=20) is None


# --- manifest and page ------------------------------------------------------------------------


def _episode(n: int, prefix: str, subtitles: bool = True) -> dict:
    digest = "ab" * 32
    return {
        "episode": n,
        "duration": 3.0,
        "renditions": [
            {
                "name": name,
                "width": w,
                "height": h,
                "duration": 3.0,
                "bit_rate": 100000,
                "codecs": "avc1.640028, mp4a.40.2",
                "mime": "video/mp4",
                "key": f"{prefix}/{name}.mp4",
                "sha256": digest,
                "size": 1000,
            }
            for name, w, h in (("1080p", 1920, 1080), ("720p", 1280, 720))
        ],
        "poster": {
            "key": f"{prefix}/poster.jpg",
            "sha256": digest,
            "width": 1920,
            "height": 1080,
            "time": 4.0,
        },
        "subtitles": [
            {
                "key": f"{prefix}/zh-CN.vtt",
                "sha256": digest,
                "language": "zh-CN",
                "label": "中文字幕",
                "source": "sidecar",
                "cues": 2,
            }
        ]
        if subtitles
        else [],
    }


def _work(label: AiLabel) -> dict:
    source = EpisodeSource("f", "a.mp4", "00" * 32, "b", "k", 1, 3.0)
    work = WorkSource(
        submission_id="0123456789abcdef0123456789abcdef",
        state="approved",
        credits=credits_from(
            title="红岩魂", unit=None, category="微纪录片", details=IntakeDetails.from_json(FORM)
        ),
        episodes=(source,),
        number="A001",
        tier="特别优秀",
        private=("左老师", "13800138000"),
    )
    entry = work_entry(work, [_episode(1, "works/0123456789abcdef0123456789abcdef/00ff00ff00ff00ff")])
    entry["ai_label"] = label.to_json()
    return entry


def test_manifests_follow_the_schema_and_carry_no_personal_data() -> None:
    entry = _work(AiLabel(LabelState.IS, ("metadata",)))
    when = datetime.fromisoformat("2026-12-04T12:00:00+08:00")
    for platform in PLATFORMS:
        data = manifest(platform, [entry], when)
        assert schema_errors(data) == []
        assert personal_data(data, ["左老师", "13800138000"]) == []
        assert data["platform"]["name"] in ("华龙网", "重庆机关党建", "重庆档案", "重庆党史")
    # The schema refuses what must not be published.
    leaking = manifest(PLATFORMS[0], [{**entry, "contact": "左老师", "phone": "13800138000"}], when)
    assert any("Additional properties" in e for e in schema_errors(leaking))
    assert set(personal_data(leaking, ["左老师"])) == {"左老师", "13800138000"}
    wrong_notice = {**entry, "ai_label": {"state": "属于", "notice": None, "basis": ["metadata"]}}
    assert schema_errors(manifest(PLATFORMS[0], [wrong_notice], when))


def test_page_shows_the_notice_beside_the_player_and_embeds_subtitles() -> None:
    entry = _work(AiLabel(LabelState.POSSIBLE, ("declared",)))
    key = entry["episodes"][0]["subtitles"][0]["key"]
    page = render_page([entry], {key: "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n</script><b>一\n"})
    # The notice sits in the player's box, beside the video.
    beside = r'<div class="player"><div class="episodes">.*?<video .*?</video>.*?</div>'
    beside += r'<p class="ai-notice" role="note">本作品可能含人工智能生成内容</p></div>'
    assert re.search(beside, page, re.S)
    assert f'data-key="{key}"' in page and "<track" in page
    assert page.count("</script>") == 2  # the embedded text cannot close its element
    data = re.search(r'<script type="application/json" id="showcase-data">(.*?)</script>', page, re.S)
    assert data and json.loads(data.group(1))["subtitles"][key].endswith("</script><b>一\n")
    assert "左老师" not in page and "13800138000" not in page
    assert "《红岩魂》" in page and "特别优秀" in page and "张三、李四" in page


def test_work_slug() -> None:
    assert work_slug("0123456789ABCDEF0123456789abcdef") == "0123456789abcdef0123456789abcdef"
    assert re.fullmatch(r"[0-9a-f]{16}", work_slug("作品-1"))


@pytest.mark.parametrize(
    "form",
    ["138.9606.8058", "023-6388 1234", "(023)63881234", "一三八九六零六八零五八", "1 3 8 9 6 0 6 8 0 5 8"],
)
def test_a_synopsis_loses_a_phone_number_in_any_form_and_keeps_its_text(form: str) -> None:
    synopsis = f"本片讲述红岩英烈的故事，欢迎联系{form}交流观后感。"
    published = scrub(synopsis)
    assert personal_data_in(published) == []
    assert form not in published and "8058" not in published and "1234" not in published
    assert published.startswith("本片讲述红岩英烈的故事")
