"""The aigc_label verdict on hand-made measurements (pure logic: stand-in reports, no engines)."""

from __future__ import annotations

from dataclasses import replace

from tasks.aigc.declared import DeclaredReport
from tasks.aigc.labels import Declaration, Strength
from tasks.aigc.metadata import C2paManifest, ImplicitLabel, MetadataReport
from tasks.aigc.spoken import SpokenDisclosure, SpokenReport
from tasks.aigc.verdict import MISSING, aigc_finding
from tasks.aigc.visual import LabelTrack, Sighting, VisualReport
from tasks.findings import Status
from tasks.rules import DEFAULT_RULES

RULES = DEFAULT_RULES


def track(
    start: float, end: float, ratio: float, place: str = "top-right", window: str = "opening"
) -> LabelTrack:
    sighting = Sighting(
        t=start,
        text="AI生成",
        box=((0, 0), (100, 0), (100, 60), (0, 60)),
        height_px=ratio * 1080,
        height_method="ink",
        box_height_px=60.0,
        height_ratio=ratio,
        position=place,
        score=0.99,
    )
    return LabelTrack(
        key=place, sightings=[sighting], window=window, start=start, end=end, min_seconds=end - start
    )


def visual(*tracks: LabelTrack) -> VisualReport:
    report = VisualReport(frames_decoded=13, frames_ocr=8, frame_size=(1920, 1080))
    report.opening = [t for t in tracks if t.window == "opening"]
    report.later = [t for t in tracks if t.window != "opening"]
    return report


def metadata_label(problem: str | None = None) -> MetadataReport:
    values = {} if problem else {"Label": "1", "ContentProducer": "001191110102MAD55U9H0F10002"}
    return MetadataReport(labels=[ImplicitLabel("AIGC", "{}", ("ffprobe:format",), values, problem)])


def spoken(strength: Strength = Strength.STRONG) -> SpokenReport:
    return SpokenReport(disclosures=[SpokenDisclosure(1.0, 3.5, "本视频由人工智能生成", strength)])


def declared(uses: bool = True) -> DeclaredReport:
    return DeclaredReport(found=[("form", Declaration("部分画面使用AI生成", uses))], sources_read=["form"])


NOTHING = (MetadataReport(), SpokenReport(), DeclaredReport())


def test_no_evidence_passes_and_says_so() -> None:
    f = aigc_finding(MetadataReport(), visual(), SpokenReport(), DeclaredReport(), RULES)
    assert f.status is Status.PASS
    assert f.evidence["outcome"] == "no_ai_evidence"
    assert "未发现" in f.message
    assert f.check == "aigc_label" and f.stage == "aigc"


def test_negative_declaration_is_no_evidence() -> None:
    f = aigc_finding(MetadataReport(), visual(), SpokenReport(), declared(uses=False), RULES)
    assert f.status is Status.PASS
    assert f.evidence["declared"]["statements"][0]["uses_ai"] is False


def test_metadata_and_compliant_opening_label_pass() -> None:
    f = aigc_finding(metadata_label(), visual(track(0.0, 4.0, 0.06)), SpokenReport(), DeclaredReport(), RULES)
    assert f.status is Status.PASS
    assert f.evidence["outcome"] == "labelled"
    assert "右上角" in f.message and "6.0%" in f.message


def test_each_kind_of_evidence_without_opening_label_fails() -> None:
    c2pa = MetadataReport(
        c2pa=[C2paManifest(24, 100, "manifest", ("c2pa",), ("trainedAlgorithmicMedia",), "jumbf-scan")]
    )
    cases = {
        "metadata": (metadata_label(), SpokenReport(), DeclaredReport(), visual()),
        "c2pa": (c2pa, SpokenReport(), DeclaredReport(), visual()),
        "spoken": (MetadataReport(), spoken(), DeclaredReport(), visual()),
        "declared": (MetadataReport(), SpokenReport(), declared(), visual()),
        "visual": (
            MetadataReport(),
            SpokenReport(),
            DeclaredReport(),
            visual(track(8.0, 10.0, 0.06, window="end")),
        ),
        "visual-late-opening": (
            MetadataReport(),
            SpokenReport(),
            DeclaredReport(),
            visual(track(4.5, 6.0, 0.06)),
        ),
    }
    for kind, (meta, speech, decl, vis) in cases.items():
        f = aigc_finding(meta, vis, speech, decl, RULES)
        assert f.status is Status.FAIL, kind
        assert f.message.startswith(MISSING), kind
        assert kind.split("-")[0] in {c["kind"] for c in f.evidence["ai_evidence"]}, kind


def test_late_label_message_names_its_time() -> None:
    f = aigc_finding(MetadataReport(), visual(track(8.0, 10.0, 0.06, window="end")), *NOTHING[1:], RULES)
    assert "8.0秒起" in f.message


def test_brief_opening_label_fails_with_measured_seconds() -> None:
    f = aigc_finding(
        metadata_label(), visual(track(0.0, 1.25, 0.06)), SpokenReport(), DeclaredReport(), RULES
    )
    assert f.status is Status.FAIL
    assert "1.2秒" in f.message and "2秒" in f.message
    assert f.evidence["outcome"] == "label_not_prominent"


def test_small_opening_label_warns_with_measured_ratio() -> None:
    f = aigc_finding(
        metadata_label(), visual(track(0.0, 5.0, 0.022)), SpokenReport(), DeclaredReport(), RULES
    )
    assert f.status is Status.WARN
    assert "2.2%" in f.message and "5.0%" in f.message


def test_centred_opening_label_warns_and_an_edge_label_beside_it_passes() -> None:
    f = aigc_finding(metadata_label(), visual(track(0.0, 5.0, 0.08, "center")), *NOTHING[1:], RULES)
    assert f.status is Status.WARN
    assert f.evidence["outcome"] == "label_not_prominent"
    assert "画面中部" in f.message and "边缘或角落" in f.message
    labels = visual(track(0.0, 5.0, 0.08, "center"), track(0.0, 5.0, 0.06, "bottom"))
    assert aigc_finding(metadata_label(), labels, *NOTHING[1:], RULES).status is Status.PASS


def test_statuses_come_from_the_rules() -> None:
    strict = replace(RULES, aigc_small_label_status="fail")
    f = aigc_finding(
        metadata_label(), visual(track(0.0, 5.0, 0.022)), SpokenReport(), DeclaredReport(), strict
    )
    assert f.status is Status.FAIL
    lenient = replace(RULES, aigc_min_label_height_ratio=0.02)
    f = aigc_finding(
        metadata_label(), visual(track(0.0, 5.0, 0.022)), SpokenReport(), DeclaredReport(), lenient
    )
    assert f.status is Status.PASS


def test_one_compliant_label_is_enough() -> None:
    labels = visual(track(0.0, 1.0, 0.02, "top-left"), track(0.0, 5.0, 0.07, "bottom-right"))
    f = aigc_finding(MetadataReport(), labels, SpokenReport(), DeclaredReport(), RULES)
    assert f.status is Status.PASS
    assert "右下角" in f.message


def test_uncertain_evidence_alone_warns() -> None:
    for meta, speech in (
        (metadata_label("不是有效的JSON"), SpokenReport()),
        (MetadataReport(), spoken(Strength.WEAK)),
    ):
        f = aigc_finding(meta, visual(), speech, DeclaredReport(), RULES)
        assert f.status is Status.WARN
        assert f.evidence["outcome"] == "uncertain_unlabelled"
        assert "人工确认" in f.message


def test_labelled_but_malformed_metadata_warns() -> None:
    f = aigc_finding(
        metadata_label("不是有效的JSON"),
        visual(track(0.0, 4.0, 0.06)),
        SpokenReport(),
        DeclaredReport(),
        RULES,
    )
    assert f.status is Status.WARN
    assert "JSON" in f.message


def test_nothing_decoded_is_an_error() -> None:
    empty = VisualReport(problems=["ffmpeg exit 1"])
    f = aigc_finding(metadata_label(), empty, SpokenReport(), DeclaredReport(), RULES)
    assert f.status is Status.ERROR
    assert "ffmpeg exit 1" in f.message


def test_evidence_is_json_ready() -> None:
    import json

    f = aigc_finding(metadata_label(), visual(track(0.0, 4.0, 0.06)), spoken(), declared(), RULES)
    data = json.loads(json.dumps(f.to_dict(), ensure_ascii=False))
    assert data["evidence"]["visual"]["labels"][0]["position_label"] == "右上角"
    assert {c["kind"] for c in data["evidence"]["ai_evidence"]} == {
        "metadata",
        "spoken",
        "declared",
        "visual",
    }
