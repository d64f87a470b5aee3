"""Implicit labels and C2PA, on files written by real ffmpeg (and a real C2PA-signed file)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from samples.clips import ClipSpec, remux, render_clip
from samples.hostile import append_top_level_box, append_xmp
from tasks.aigc.boxes import C2PA_UUID
from tasks.aigc.metadata import parse_aigc_value, read_metadata, xmp_fields
from tasks.aigc.stage import screen_aigc
from tasks.context import WorkContext
from tasks.findings import Status
from tasks.media.probe import parse_probe, probe
from tasks.rules import DEFAULT_RULES
from tests.fixtures import C2PA_FIXTURE

PRODUCER = "001191110102MAD55U9H0F10002"
OUTER = {
    "AIGC": {
        "Label": "1",
        "ContentProducer": PRODUCER,
        "ProduceID": "gen-2026-0001",
        "ReservedCode1": "",
        "ContentPropagator": "",
        "PropagateID": "",
        "ReservedCode2": "",
    }
}


@pytest.fixture(scope="session")
def plain_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("aigc-meta")
    return render_clip(folder / "plain.mp4", ClipSpec(width=320, height=240, seconds=1.0, audio=False))


def _tagged(plain: Path, target: Path, value: str, *extra: str) -> Path:
    return remux(plain, target, "-movflags", "use_metadata_tags", "-metadata", f"AIGC={value}", *extra)


def test_outer_form_is_read_from_ffprobe_and_from_the_meta_box(plain_mp4: Path, tmp_path: Path) -> None:
    path = _tagged(plain_mp4, tmp_path / "outer.mp4", json.dumps(OUTER))
    report = read_metadata(probe(path))
    assert len(report.labels) == 1
    label = report.labels[0]
    assert label.problem is None
    assert label.label == "1" and label.meaning == "属于"
    assert label.values["ContentProducer"] == PRODUCER
    assert label.values["ProduceID"] == "gen-2026-0001"
    # ffprobe shows it as a format tag; the box reader finds the same field in moov/udta/meta.
    assert set(label.sources) == {"ffprobe:format", "moov/udta/meta"}
    assert report.ai_evidence


def test_inner_object_form_numeric_label_and_odd_key_case(plain_mp4: Path, tmp_path: Path) -> None:
    value = json.dumps({"label": 2, "contentproducer": PRODUCER, "PRODUCEID": "x9"})
    path = _tagged(plain_mp4, tmp_path / "inner.mov", value)
    label = read_metadata(probe(path)).labels[0]
    assert label.problem is None
    assert label.values == {"Label": "2", "ContentProducer": PRODUCER, "ProduceID": "x9"}
    assert label.meaning == "可能"


def test_malformed_json_is_a_problem_not_a_crash(plain_mp4: Path, tmp_path: Path) -> None:
    path = _tagged(plain_mp4, tmp_path / "broken.mp4", '{"AIGC": {"Label": "1", "ContentProducer": ')
    report = read_metadata(probe(path))
    assert len(report.labels) == 1
    assert report.labels[0].problem is not None
    assert "JSON" in report.labels[0].problem
    assert report.labels[0].values == {}


def test_a_file_without_labels_has_none(plain_mp4: Path) -> None:
    report = read_metadata(probe(plain_mp4))
    assert report.labels == [] and report.c2pa == [] and not report.xmp_present
    assert report.problems == []
    assert not report.ai_evidence


@pytest.mark.parametrize(
    ("raw", "problem_part"),
    [
        ('{"AIGC": {"Label": "AIGC"}}', None),  # some writers put the word itself
        ('{"AIGC": {"Label": 3.0}}', None),
        ('{"AIGC": {"Label": "7"}}', "7"),
        ('{"AIGC": {"ContentProducer": "x"}}', "Label"),
        ('{"AIGC": "1"}', "对象"),
        ("[1, 2]", "对象"),
        ("", "空"),
        ("{" * 5000, "JSON"),
    ],
)
def test_label_values(raw: str, problem_part: str | None) -> None:
    _, problem = parse_aigc_value(raw)
    if problem_part is None:
        assert problem is None
    else:
        assert problem is not None and problem_part in problem


def test_xmp_attribute_and_element_forms(plain_mp4: Path, tmp_path: Path) -> None:
    attr_value = json.dumps(OUTER).replace('"', "&quot;")
    description = (
        f'<rdf:Description rdf:about="" xmlns:TC260="http://www.tc260.org.cn/ns/AIGC/1.0/" '
        f'TC260:AIGC="{attr_value}"/>'
        '<rdf:Description rdf:about="" xmlns:aigc="http://example.org/aigc/">'
        '<aigc:AIGCLabel rdf:parseType="Resource"><aigc:Label>3</aigc:Label>'
        f"<aigc:ContentProducer>{PRODUCER}</aigc:ContentProducer></aigc:AIGCLabel>"
        "</rdf:Description>"
    )
    path = append_xmp(plain_mp4, tmp_path / "xmp.mp4", description)
    report = read_metadata(probe(path))
    assert report.xmp_present
    by_field = {lab.field: lab for lab in report.labels}
    assert by_field["AIGC"].sources == ("xmp",)
    assert by_field["AIGC"].label == "1"
    assert by_field["AIGCLabel"].values == {"Label": "3", "ContentProducer": PRODUCER}
    assert by_field["AIGCLabel"].meaning == "疑似"


def test_real_c2pa_file_manifest_without_ai_assertion() -> None:
    report = read_metadata(probe(C2PA_FIXTURE))
    assert len(report.c2pa) == 1
    manifest = report.c2pa[0]
    assert manifest.offset == 24  # right after ftyp
    assert manifest.purpose == "manifest"
    assert "c2pa.actions" in manifest.labels and "c2pa.claim" in manifest.labels
    assert manifest.ai_source_types == ()  # it records edits, not generation (fixtures/README.md)
    assert report.xmp_present
    assert report.labels == []
    assert not report.ai_evidence
    # c2pa-python is optional: where it is installed it validates the store and says so.
    try:
        import c2pa  # noqa: F401

        assert manifest.reader == "c2pa-python"
        assert manifest.detail and "validation_state=" in manifest.detail
    except ImportError:
        assert manifest.reader == "jumbf-scan" and manifest.detail is None


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def test_c2pa_box_with_generative_source_type(plain_mp4: Path, tmp_path: Path) -> None:
    # A minimal manifest store: uuid payload header, a JUMBF superbox labelled "c2pa", and the IPTC
    # term a generator writes as the digitalSourceType of its c2pa.actions assertion.
    term = b"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    jumd = _box(b"jumd", b"c2pa" + bytes(12) + b"\x03" + b"c2pa\x00")
    jumbf = _box(b"jumb", jumd + _box(b"cbor", term))
    payload = bytes(4) + b"manifest\x00" + bytes(8) + jumbf
    path = append_top_level_box(plain_mp4, tmp_path / "c2pa-ai.mp4", b"uuid", payload, C2PA_UUID)
    report = read_metadata(probe(path))
    assert report.c2pa[0].labels == ("c2pa",)
    assert report.c2pa[0].ai_source_types == ("trainedAlgorithmicMedia",)
    assert report.ai_evidence


def test_truncated_file_is_reported(plain_mp4: Path, tmp_path: Path) -> None:
    tagged = _tagged(plain_mp4, tmp_path / "tagged.mp4", json.dumps(OUTER))
    data = tagged.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # ffmpeg writes moov last: it is gone
    report = read_metadata(parse_probe(cut, {}))  # ffprobe cannot read it either
    assert report.labels == []
    assert any("结构损坏" in p for p in report.problems)


def test_forged_box_sizes_are_reported(tmp_path: Path) -> None:
    ftyp = struct.pack(">I4s4sI", 16, b"ftyp", b"isom", 0)
    udta = struct.pack(">I4s", 4000, b"udta")  # claims more than its parent holds
    moov = struct.pack(">I4s", 8 + len(udta) + 8, b"moov") + udta + bytes(8)
    path = tmp_path / "forged.mp4"
    path.write_bytes(ftyp + moov)
    report = read_metadata(parse_probe(path, {}))
    assert report.labels == []
    assert any("moov" in p for p in report.problems)


def test_keys_box_with_impossible_entry(tmp_path: Path) -> None:
    ftyp = struct.pack(">I4s4sI", 16, b"ftyp", b"isom", 0)
    keys_body = bytes(4) + struct.pack(">I", 1) + struct.pack(">I4s", 9999, b"mdta") + b"AIGC"
    keys = struct.pack(">I4s", 8 + len(keys_body), b"keys") + keys_body
    hdlr = struct.pack(">I4s", 8 + 4, b"hdlr") + bytes(4)
    meta = struct.pack(">I4s", 8 + len(hdlr) + len(keys), b"meta") + hdlr + keys
    udta = struct.pack(">I4s", 8 + len(meta), b"udta") + meta
    moov = struct.pack(">I4s", 8 + len(udta), b"moov") + udta
    path = tmp_path / "badkeys.mp4"
    path.write_bytes(ftyp + moov)
    report = read_metadata(parse_probe(path, {}))
    assert any("keys" in p for p in report.problems)


def test_not_an_mp4_is_skipped_quietly(tmp_path: Path) -> None:
    path = tmp_path / "stream.mpg"
    path.write_bytes(b"\x00\x00\x01\xba" + bytes(2044))  # an MPEG-PS pack header
    report = read_metadata(parse_probe(path, {}))
    assert report.labels == [] and report.problems == [] and report.c2pa == []


def test_damaged_xmp_packet_still_yields_the_field() -> None:
    packet = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description TC260:AIGC="{&quot;Label&quot;:&quot;1&quot;}" '
    assert xmp_fields(packet) == [("TC260:AIGC", '{"Label":"1"}')]


class _BrokenOcr:
    def read(self, image: np.ndarray) -> list:
        raise RuntimeError("onnxruntime session died")


def test_a_failing_engine_is_an_error_finding_not_a_crash(plain_mp4: Path, tmp_path: Path) -> None:
    tagged = _tagged(plain_mp4, tmp_path / "tagged.mp4", json.dumps(OUTER))
    finding = screen_aigc(probe(tagged), WorkContext(), DEFAULT_RULES, ocr=_BrokenOcr())
    assert finding.status is Status.ERROR
    assert "onnxruntime session died" in finding.message
    # What could be measured is still there for a person.
    assert finding.evidence["metadata"]["implicit_labels"][0]["values"]["Label"] == "1"
