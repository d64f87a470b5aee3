"""The publish flow under a real Prefect server, the local store and headless Chromium: two
approved works (one a series of two episodes) published, the page played from file://, published
again with nothing uploaded, `guangying publish --json`, then one work withdrawn and taken down."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from flows.publish import publish
from samples.clips import ClipSpec, remux, render_clip, stream_hashes
from tasks.aigc.metadata import read_metadata
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import File, JudgingApproval, JudgingWork, Publication, Submission
from tasks.catalogue.records import replace_findings, upsert_file
from tasks.config import get_settings
from tasks.findings import Finding, Status
from tasks.media.probe import probe
from tasks.publish.manifest import PLATFORMS, personal_data, schema_errors
from tasks.publish.renditions import RenditionProfile, make_renditions
from tasks.publish.viewing import viewing_key, viewing_profile
from tasks.roles import FileRole
from tasks.store import open_store, sha256_of, store_original
from tasks.subtitles.model import Cue, SourceKind, SubtitleTrack
from tasks.subtitles.run import store_exports

pytestmark = pytest.mark.usefixtures("prefect_server")

AIGC = '{"AIGC":{"Label":"1","ContentProducer":"001191110102MAD55U9H0F10002","ProduceID":"hy-7"}}'
FORM_A = {
    "title": "红岩魂",
    "unit": "中共重庆市委党史研究室",
    "contact": "左老师",
    "phone": "13800138000",
    "entrant_type": "unit",
    "intro": "讲述红岩英烈的故事。联系人：左老师，电话：13800138000。",
    "summary_rows": [{"title": "红岩魂", "author": "张三、李四"}],
}
FORM_B = {
    "title": "山城记忆",
    "entrant_type": "individual",
    "person_name": "王五",
    "person_unit": "重庆市档案馆",
    "contact": "赵六",
    "phone": "023-61234567",
    "intro": "两集系列片。",
}


def _evidence(media_path: Path, declared: bool = False) -> dict[str, Any]:
    """An `aigc_label` finding's evidence as screening stores it (the metadata part measured)."""
    return {
        "metadata": read_metadata(probe(media_path)).to_evidence(),
        "visual": {"labels": []},
        "spoken": {"disclosures": []},
        "declared": {
            "statements": [{"source": "form", "text": "使用AI生成画面", "uses_ai": True}] if declared else []
        },
    }


def _add_video(session, store, settings, submission: Submission, path: Path, episode: int, **kw: Any) -> None:  # type: ignore[no-untyped-def]
    stored = store_original(store, settings.bucket_originals, path)
    row = upsert_file(session, stored, name=path.name, submission_id=submission.id)
    row.meta = {"episode": episode, "duration": probe(path).duration}
    findings = [
        Finding("aigc_label", Status.PASS, "通过", _evidence(path, kw.get("declared", False)), stage="aigc")
    ]
    if kw.get("cues"):
        track = SubtitleTrack(kw.get("kind", SourceKind.SIDECAR), "字幕.srt", cues=tuple(kw["cues"]))
        keys = store_exports(store, settings.bucket_evidence, f"subtitles/{stored.sha256}", [track], None)
        findings.append(
            Finding(
                "subtitles",
                Status.PASS,
                "通过",
                {"exports": {"bucket": settings.bucket_evidence, "keys": keys}},
                stage="subtitles",
            )
        )
    replace_findings(session, row, findings)


def _seed(folder: Path, clock: datetime) -> tuple[str, str]:
    settings = get_settings()
    store = open_store(settings)
    a = remux(
        render_clip(folder / "a-plain.mp4", ClipSpec(seconds=2.0)),
        folder / "红岩魂.mp4",
        "-movflags",
        "use_metadata_tags",
        "-metadata",
        f"AIGC={AIGC}",
    )
    b1 = render_clip(folder / "山城记忆-第1集.mp4", ClipSpec(seconds=2.0, source="testsrc2"))
    b2 = render_clip(folder / "山城记忆-第2集.mp4", ClipSpec(seconds=2.4))
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        work_a = Submission(title="红岩魂", unit="中共重庆市委党史研究室", category="微纪录片", form=FORM_A)
        work_b = Submission(title="山城记忆", unit="重庆市档案馆", category="微党课", form=FORM_B)
        session.add_all([work_a, work_b])
        session.flush()
        cues = [Cue(0.2, 1.0, "红岩精神"), Cue(1.1, 1.9, "永放光芒")]
        _add_video(session, store, settings, work_a, a, 1, cues=cues)
        # B's 文稿: its burned-in cue (read by OCR) is checked against it.
        session.add(
            File(
                submission_id=work_b.id,
                name="山城记忆文稿.docx",
                role=FileRole.SCRIPT,
                sha256="0" * 64,
                size=1,
                object_key="originals/script",
                meta={"text": "红岩精神，永放光芒。"},
            )
        )
        # Episodes registered out of order: publication follows the numbers.
        _add_video(session, store, settings, work_b, b2, 2)
        _add_video(
            session, store, settings, work_b, b1, 1, declared=True, cues=cues[:1], kind=SourceKind.BURNED
        )
        session.add(
            JudgingApproval(
                items=[
                    {"work": "B002", "submission_id": work_b.id, "title": "山城记忆", "tier": "优秀"},
                    {"work": "A001", "submission_id": work_a.id, "title": "红岩魂", "tier": "特别优秀"},
                ],
                approved_by="测试审批人",
                approved_at=clock,
            )
        )
        return work_a.id, work_b.id


def _chromium(page: Path) -> tuple[list[dict[str, Any]], list[str], list[int]]:
    """Open the page from file:// in headless Chromium; what it shows, the console errors, and
    how many tracks each video had before the viewer asked for the burned-in ones."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            tab = browser.new_page()
            errors: list[str] = []
            tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda e: errors.append(str(e)))
            tab.goto(page.as_uri())
            tab.wait_for_function(
                "[...document.querySelectorAll('video')].every(v => v.readyState >= 1)", timeout=30_000
            )
            shown = tab.evaluate(
                "[...document.querySelectorAll('video')].map(v => v.querySelectorAll('track').length)"
            )
            # Burned-in works have no track until a viewer asks for one (accessibility opt-in).
            tab.evaluate("document.querySelectorAll('button.cc').forEach(b => b.click())")
            tab.evaluate(
                "document.querySelectorAll('video').forEach(v => [...v.textTracks]"
                ".forEach(t => { if (t.mode === 'disabled') t.mode = 'hidden'; }))"
            )
            tab.wait_for_function(
                "[...document.querySelectorAll('track')].every(t => t.readyState === 2)", timeout=30_000
            )
            works = tab.evaluate(
                """() => [...document.querySelectorAll('article.work')].map(a => ({
                    id: a.dataset.work,
                    title: a.querySelector('h2').textContent,
                    notice: a.querySelector('.player > .ai-notice')?.textContent ?? null,
                    videos: [...a.querySelectorAll('video')].map(v => ({
                        ready: v.readyState, width: v.videoWidth, height: v.videoHeight,
                        labels: [...v.textTracks].map(t => t.label),
                        cues: [...v.textTracks].map(t => t.cues ? t.cues.length : -1)
                    }))
                }))"""
            )
        finally:
            browser.close()
    return works, errors, shown


def _published_dir() -> Path:
    settings = get_settings()
    return settings.store_dir / settings.bucket_published


def test_publish_page_idempotency_cli_and_withdrawal(
    tmp_path: Path, clock: datetime, capsys: pytest.CaptureFixture[str]
) -> None:
    id_a, id_b = _seed(tmp_path, clock)

    report = publish(submission_ids=[id_a, id_b], preset="veryfast")
    assert report["problems"] == []
    lines = {line["title"]: line for line in report["works"]}
    assert set(lines) == {"红岩魂", "山城记忆"}
    a, b = lines["红岩魂"], lines["山城记忆"]
    assert [(r["episode"], r["name"], r["width"], r["height"]) for r in a["renditions"]] == [
        (1, "1080p", 1920, 1080),
        (1, "720p", 1280, 720),
    ]
    assert [(r["episode"], r["name"]) for r in b["renditions"]] == [
        (1, "1080p"),
        (1, "720p"),
        (2, "1080p"),
        (2, "720p"),
    ]
    # Episode order follows the numbers: episode 2 is the 2.4 s file.
    assert probe(Path(b["renditions"][2]["path_or_key"])).duration == pytest.approx(2.4, abs=0.1)
    assert a["ai_label"]["state"] == "属于" and a["ai_label"]["notice"] == "本作品含人工智能生成内容"
    assert b["ai_label"]["state"] == "可能" and b["ai_label"]["notice"] == "本作品可能含人工智能生成内容"
    for line in (a, b):
        paths = [r["path_or_key"] for r in line["renditions"]] + [
            line["poster"],
            *line["subtitles"],
            *line["manifests"],
        ]
        assert all(Path(p).is_file() for p in paths), paths
    assert len(a["subtitles"]) == 1 and len(b["subtitles"]) == 1  # episode 2 has no cues
    assert probe(Path(a["renditions"][0]["path_or_key"])).tags.get("AIGC") == AIGC  # 第十条: never removed
    assert "WEBVTT" in Path(a["subtitles"][0]).read_text(encoding="utf-8")

    private = [v for form in (FORM_A, FORM_B) for v in (form["contact"], form["phone"])]
    for platform in PLATFORMS:
        data = json.loads((_published_dir() / platform.key).read_text(encoding="utf-8"))
        assert schema_errors(data) == []
        assert personal_data(data, private) == []
        assert [w["title"] for w in data["works"]] == ["红岩魂", "山城记忆"]  # 特别优秀 first
        assert data["works"][0]["authors"] == ["张三", "李四"] and data["works"][1]["authors"] == ["王五"]
    page = _published_dir() / "index.html"
    html = page.read_text(encoding="utf-8")
    assert all(p not in html for p in private)

    works, errors, shown = _chromium(page)
    assert errors == []
    assert [w["title"] for w in works] == ["《红岩魂》特别优秀", "《山城记忆》优秀"]
    assert [w["notice"] for w in works] == ["本作品含人工智能生成内容", "本作品可能含人工智能生成内容"]
    assert [len(w["videos"]) for w in works] == [1, 2]
    assert all(
        v["ready"] >= 1 and (v["width"], v["height"]) == (1280, 720) for w in works for v in w["videos"]
    )
    assert [v["cues"] for w in works for v in w["videos"]] == [[2], [1], []]
    assert shown == [1, 0, 0]  # the burned-in episode: no track until asked
    assert {label for w in works for v in w["videos"] for label in v["labels"]} == {"中文字幕"}
    # Manifests are for platforms, not viewers: no link to them or to their schema.
    assert not re.findall(r'href="[^"]*\.json"', html) and "Schema" not in html

    # Again, from the approved list: nothing changed, nothing is uploaded.
    mtimes = {p: p.stat().st_mtime_ns for p in _published_dir().rglob("*") if p.is_file()}
    again = publish(preset="veryfast")
    assert (again["uploaded"], again["removed"], again["problems"]) == ([], [], [])
    assert sorted(w["title"] for w in again["works"]) == ["山城记忆", "红岩魂"]
    assert {p: p.stat().st_mtime_ns for p in _published_dir().rglob("*") if p.is_file()} == mtimes

    # The command line prints one object per published work.
    capsys.readouterr()
    assert main(["publish", "--json", "--preset", "veryfast", id_a[:10]]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(printed) == 1
    assert set(printed[0]) >= {"work", "title", "renditions", "poster", "subtitles", "manifests", "ai_label"}
    assert printed[0]["title"] == "红岩魂" and printed[0]["work"] == id_a
    assert all({"height", "path_or_key"} <= set(r) for r in printed[0]["renditions"])

    # Withdrawn: its files, its manifest entries and its place on the page are gone.
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        session.get(Submission, id_a).state = "withdrawn"  # type: ignore[union-attr]
    after = publish(preset="veryfast")
    assert [w["title"] for w in after["works"]] == ["山城记忆"]
    assert sorted(after["removed"]) == sorted(
        str(Path(p).relative_to(_published_dir().resolve()))
        for p in [r["path_or_key"] for r in a["renditions"]] + [a["poster"], *a["subtitles"]]
    )
    assert not (_published_dir() / "works" / id_a).exists() or not any(
        (_published_dir() / "works" / id_a).rglob("*.mp4")
    )
    assert set(after["uploaded"]) == {p.key for p in PLATFORMS} | {"index.html"}
    for platform in PLATFORMS:
        data = json.loads((_published_dir() / platform.key).read_text(encoding="utf-8"))
        assert [w["title"] for w in data["works"]] == ["山城记忆"] and schema_errors(data) == []
    assert "红岩魂" not in (_published_dir() / "index.html").read_text(encoding="utf-8")


def _screenshots(page: Path, out: Path) -> dict[str, dict[str, float]]:
    """The page at a phone's and a desktop's size: screenshots in `out`, the page's widths and where
    the first video starts."""
    from playwright.sync_api import sync_playwright

    measured = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            for name, (width, height) in {"phone": (390, 844), "desktop": (1400, 900)}.items():
                tab = browser.new_page(viewport={"width": width, "height": height})
                tab.goto(page.as_uri())
                tab.wait_for_function(
                    "[...document.querySelectorAll('video')].every(v => v.readyState >= 1)", timeout=30_000
                )
                tab.screenshot(path=str(out / f"showcase-{width}x{height}.png"), full_page=True)
                measured[name] = tab.evaluate(
                    """() => ({
                        scroll: document.documentElement.scrollWidth,
                        client: document.documentElement.clientWidth,
                        video_top: document.querySelector('video').getBoundingClientRect().top,
                        height: window.innerHeight,
                    })"""
                )
                tab.close()
        finally:
            browser.close()
    return measured


def _published_titles() -> list[str]:
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        rows = session.query(Publication).filter(Publication.state == "published").all()
        return sorted(str(r.entry["title"]) for r in rows)


def test_the_public_set_is_the_latest_approved_list(
    tmp_path: Path, clock: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    import flows.publish as publish_flow
    from tasks.publish.selection import list_change

    id_a, id_b = _seed(tmp_path, clock)
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        session.add_all(
            [JudgingWork(submission_id=id_a, number="A001"), JudgingWork(submission_id=id_b, number="B002")]
        )
        # B's contact person is credited as an author of A: that concerns B's texts only.
        b = session.get(Submission, id_b)
        b.form = {**FORM_B, "contact": "张三"}  # type: ignore[union-attr]

    # The site cannot be written: nothing is recorded as published, nothing is public.
    def broken(*args: Any, **kwargs: Any) -> list[str]:
        raise OSError("对象存储拒绝写入")

    monkeypatch.setattr(publish_flow, "write_site", broken)
    failed = publish(preset="veryfast")
    assert any("未能写入" in p and "没有作品记为已发布" in p for p in failed["problems"])
    assert _published_titles() == [] and not (_published_dir() / "index.html").exists()
    monkeypatch.undo()

    # B's synopsis names its contact person: B is held back with one sentence, A is published.
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        b = session.get(Submission, id_b)
        b.form = {**FORM_B, "contact": "张三", "intro": "两集系列片，由张三执导。"}  # type: ignore[union-attr]
    first = publish(preset="veryfast")
    assert [p for p in first["problems"] if "山城记忆" in p] == [
        "《山城记忆》暂不发布：展播信息含个人信息（简介含联系人「张三」），请删去后重新发布；其他作品照常发布"
    ]
    assert first["held"] == ["山城记忆"] and _published_titles() == ["红岩魂"]
    html = (_published_dir() / "index.html").read_text(encoding="utf-8")
    assert "共1件作品" in html and "山城记忆" not in html

    # Corrected: both are public (A's author 张三 is B's contact: no matter for A).
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        b = session.get(Submission, id_b)
        b.form = {**FORM_B, "contact": "张三"}  # type: ignore[union-attr]
    both = publish(preset="veryfast")
    assert both["problems"] == [] and _published_titles() == ["山城记忆", "红岩魂"]
    a_keys = [k for line in both["works"] if line["title"] == "红岩魂" for k in line["subtitles"]]
    assert a_keys and all(Path(k).is_file() for k in a_keys)

    # A second approval without A: the approver is told, then publish takes A down everywhere.
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        assert list_change(session, ["B002"]).lines() == [
            "注意：新名单不含已公开展播的1件作品《红岩魂》，下次发布时将撤下"
        ]
        session.add(
            JudgingApproval(
                items=[{"work": "B002", "submission_id": id_b, "title": "山城记忆", "tier": "特别优秀"}],
                approved_by="测试审批人",
                approved_at=clock + timedelta(days=1),
            )
        )
    after = publish(preset="veryfast")
    assert after["taken_down"] == ["红岩魂"] and after["problems"] == []
    assert _published_titles() == ["山城记忆"]
    assert all(not Path(k).exists() for k in a_keys)
    for platform in PLATFORMS:
        data = json.loads((_published_dir() / platform.key).read_text(encoding="utf-8"))
        assert [(w["title"], w["tier"]) for w in data["works"]] == [("山城记忆", "特别优秀")]
    page = _published_dir() / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "红岩魂" not in html and "共1件作品" in html

    # Again: nothing changes.
    again = publish(preset="veryfast")
    assert (again["uploaded"], again["removed"], again["taken_down"]) == ([], [], [])

    measured = _screenshots(page, tmp_path)
    for name, m in measured.items():
        assert m["scroll"] <= m["client"], (name, m)  # no horizontal overflow
        assert m["video_top"] < m["height"] * 0.6, (name, m)  # the first video is on the first screen
    assert {p.name for p in tmp_path.glob("showcase-*.png")} == {
        "showcase-390x844.png",
        "showcase-1400x900.png",
    }


def test_publication_remuxes_the_viewing_copy_the_packets_made(tmp_path: Path, clock: datetime) -> None:
    """Judged works had packets before they are published: their 720p is the experts' viewing copy
    with the AI label added, not a second encode. x264 is deterministic, so an encode would give the
    same stream: the copy stored here is encoded at another preset to tell the two apart."""
    id_a, _ = _seed(tmp_path, clock)
    settings = get_settings()
    store = open_store(settings)
    original = tmp_path / "红岩魂.mp4"
    marked = viewing_profile(RenditionProfile(preset="faster"))
    [copy] = make_renditions(original, tmp_path / "packets", marked, carry_labels=False).files
    key = viewing_key(sha256_of(original), viewing_profile(RenditionProfile(preset="veryfast")))
    store.put_file(settings.bucket_evidence, key, copy.path)

    report = publish(submission_ids=[id_a], preset="veryfast")
    assert report["problems"] == []
    [line] = report["works"]
    files = {r["name"]: Path(r["path_or_key"]) for r in line["renditions"]}
    assert set(files) == {"1080p", "720p"}
    assert stream_hashes(files["720p"]) == stream_hashes(copy.path)
    assert probe(copy.path).tags.get("AIGC") is None  # the experts' copy is blind
    assert probe(files["720p"]).tags.get("AIGC") == AIGC  # the published one carries the label
