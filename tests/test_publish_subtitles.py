"""Publication's subtitles and personal-data guard as pure rules: recognised cues corrected against
the 文稿 (the misreads of the issue), held when they still disagree or have no 文稿; phone numbers
in any form caught per work; what a new list drops and adds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tasks.publish.align import correct_cues
from tasks.publish.credits import distinct_authors, plain_synopsis
from tasks.publish.guard import entry_texts, held_sentence, leaks
from tasks.publish.selection import ListChange
from tasks.publish.webvtt import choose_cues, episode_subtitles
from tasks.subtitles.model import Cue

SCRIPT = "重庆儿女永远跟党走。用信仰写就不朽史诗，\n红岩精神永放光芒！"

# What OCR read on a busy background, sampled every 0.5 s: misread characters, the same line read
# twice, a 2.7 s line cut into 0.5 s pieces.
MISREAD = [
    Cue(0.0, 0.5, "重庆儿女永远跟竞走"),
    Cue(0.5, 1.0, "重庆儿女永远跟党走"),
    Cue(1.0, 1.5, "重庆儿女永远跟竟走"),
    Cue(2.0, 2.5, "用信御写就不朽史"),
    Cue(3.0, 3.5, "用信仰写就不朽史诗"),
    Cue(4.0, 4.5, "红岩精神永放光芒"),
    Cue(4.5, 5.0, "红岩精神永放光芒"),
]


def _export(kind: str, cues: list[Cue]) -> dict:
    return {
        "tracks": [
            {
                "kind": kind,
                "label": "x",
                "cues": [{"start": c.start, "end": c.end, "text": c.text} for c in cues],
            }
        ],
        "transcript": None,
    }


def test_ocr_misreads_take_the_wording_of_the_script_merged_and_stretched() -> None:
    fixed = correct_cues(MISREAD, SCRIPT)
    assert [c.text for c in fixed.cues] == ["重庆儿女永远跟党走", "用信仰写就不朽史诗", "红岩精神永放光芒"]
    # Each line spans the time it was on screen, up to the next line when the gap is one sampling step.
    assert [(c.start, c.end) for c in fixed.cues] == [(0.0, 2.0), (2.0, 4.0), (4.0, 5.0)]
    assert fixed.corrected >= 2 and fixed.merged == 4 and fixed.mismatch == pytest.approx(0.0)


def test_burned_cues_published_corrected_held_without_script_or_when_they_disagree() -> None:
    chosen, vtt = episode_subtitles(_export("burned", MISREAD), SCRIPT)
    assert chosen is not None and chosen.held is None and chosen.burned and vtt is not None
    assert "跟党走" in vtt and "跟竞走" not in vtt and "用信仰写就不朽史诗" in vtt
    assert "NOTE" not in vtt  # packets are blind: no file names in the WebVTT

    without, vtt = episode_subtitles(_export("burned", MISREAD), None)
    assert vtt is None and without is not None and without.held and "没有文稿" in without.held

    other = "山城的雾，嘉陵江的水。两江交汇，千年古城。"
    far, vtt = episode_subtitles(_export("transcript", MISREAD), other)
    assert vtt is None and far is not None and far.held and "与文稿不符" in far.held
    assert far.mismatch is not None and far.mismatch > 0.5


def test_sidecar_is_published_as_written_and_approved_cues_come_first() -> None:
    written = [Cue(0.0, 2.0, "字幕文件的原文")]
    chosen = choose_cues({**_export("sidecar", written), "transcript": None}, None)
    assert chosen is not None and chosen.source == "sidecar" and chosen.held is None
    assert [c.text for c in chosen.cues] == ["字幕文件的原文"]
    approved = {"cues": [{"start": 0.0, "end": 1.0, "text": "人工确认的字幕"}]}
    mine, vtt = episode_subtitles(_export("burned", MISREAD), None, approved)
    assert mine is not None and mine.source == "approved" and vtt and "人工确认的字幕" in vtt


@pytest.mark.parametrize(
    "text",
    [
        "咨询13800138000",
        "手机：138 0013 8000",
        "电话（023）6123-4567",
        "联系１３８－００１３－８０００",
        "+86 138-0013-8000",
        "电话幺三八零零幺三八零零零",
        "邮箱 zuo.laoshi@example.com",
    ],
)
def test_phone_numbers_and_addresses_in_any_form_hold_the_work(text: str) -> None:
    reasons = leaks([("字幕", text)])
    assert reasons and ("电话号码" in reasons[0] or "电子邮箱" in reasons[0])
    assert "0013" not in reasons[0]  # the number is named masked


def test_the_guard_looks_at_the_works_own_contact_only() -> None:
    entry = {"id": "abc", "title": "山城记忆", "authors": ["张三"], "synopsis": "两集系列片。", "key": "x"}
    # 张三 is the contact of another work: nothing to do with this one.
    assert leaks(entry_texts(entry), contact="李四", phone="13800138000") == []
    assert leaks(entry_texts(entry), contact="张三") == ["作者含联系人「张三」"]
    # A one-character contact is a leak only where a whole field is it.
    assert leaks(entry_texts(entry), contact="山") == []
    assert leaks(entry_texts({"authors": ["山"]}), contact="山") == ["作者含联系人「山」"]
    assert held_sentence("山城记忆", ["作者含联系人「张三」"]).startswith("《山城记忆》暂不发布：")


def test_credits_without_repetition_and_what_a_new_list_changes() -> None:
    assert plain_synopsis("微专题。讲述红岩英烈的故事。", "微专题") == "讲述红岩英烈的故事。"
    assert plain_synopsis("【微纪录片】山城记忆", None) == "山城记忆"
    assert plain_synopsis("讲述微专题的做法", "微专题") == "讲述微专题的做法"
    assert distinct_authors(["重庆市档案馆", "王五"], "重庆市档案馆") == ["王五"]
    lines = ListChange(dropped=("歌乐山下",), added=("山城记忆", "红岩魂")).lines()
    assert lines == [
        "注意：新名单不含已公开展播的1件作品《歌乐山下》，下次发布时将撤下",
        "新名单新增2件尚未展播的作品《山城记忆》、《红岩魂》，下次发布时上线",
    ]
    assert ListChange((), ()).lines() == []


def test_subtitles_command_shows_approves_from_file_and_revokes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main
    from tasks.catalogue.db import open_catalogue, session_scope
    from tasks.catalogue.models import File, Submission
    from tasks.catalogue.records import replace_findings
    from tasks.config import get_settings
    from tasks.findings import Finding, Status
    from tasks.publish.subtitles import video_subtitles
    from tasks.roles import FileRole
    from tasks.store import open_store
    from tasks.subtitles.model import SourceKind, SubtitleTrack
    from tasks.subtitles.run import store_exports

    settings = get_settings()
    store = open_store(settings)
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        work = Submission(title="歌乐山下", unit="重庆市档案馆", category="微党课", form={})
        session.add(work)
        session.flush()
        video = File(
            submission_id=work.id,
            name="歌乐山下.mp4",
            role=FileRole.VIDEO,
            sha256="a" * 64,
            size=1,
            object_key=f"{settings.bucket_originals}/sha256/aa/{'a' * 64}",
            meta={"episode": 1},
        )
        session.add(video)
        session.flush()
        track = SubtitleTrack(SourceKind.BURNED, "画面下方", cues=tuple(MISREAD))
        keys = store_exports(store, settings.bucket_evidence, "subtitles/aaaa", [track], None)
        evidence = {"exports": {"bucket": settings.bucket_evidence, "keys": keys}}
        replace_findings(
            session, video, [Finding("subtitles", Status.PASS, "通过", evidence, stage="subtitles")]
        )
        work_id, file_id = work.id, video.id

    def run(*extra: str) -> str:
        capsys.readouterr()
        assert main(["subtitles", work_id[:10], *extra]) == 0
        return capsys.readouterr().out

    def published() -> str | None:
        with session_scope(open_catalogue(settings.catalogue_url)) as session:
            row = session.get(File, file_id)
            approved = (row.meta or {}).get("subtitles_approved") if row else None
            export = json.loads(store.get_bytes(settings.bucket_evidence, keys[-1]))
            vtt = episode_subtitles(export, None, approved)[1]
            # What the experts' packets read: the same cues through the catalogue.
            assert video_subtitles(session, store, file_id)[1] == vtt
            return vtt

    shown = run("--show")
    assert "暂不发布" in shown and "没有文稿" in shown and "跟竞走" in shown
    assert published() is None  # no 文稿: held

    for _ in range(2):  # twice: the same approval
        assert "已批准4条字幕" in run("--approve", "--by", "审片员")
    assert "人工确认" in run() and "将随作品发布" in run()
    assert published() is not None

    srt = tmp_path / "校对.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,000\n重庆儿女永远跟党走\n", encoding="utf-8")
    assert "已按校对.srt批准1条字幕" in run("--from-file", str(srt))
    vtt = published()
    assert vtt is not None and "跟党走" in vtt and "跟竞走" not in vtt

    assert "已撤销" in run("--revoke")
    assert "没有已批准的字幕" in run("--revoke")
    assert published() is None

    capsys.readouterr()
    bad = tmp_path / "空.srt"
    bad.write_text("", encoding="utf-8")
    assert main(["subtitles", work_id[:10], "--from-file", str(bad)]) == 1
    assert "空.srt" in capsys.readouterr().err
