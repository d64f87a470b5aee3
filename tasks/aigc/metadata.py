"""Implicit AI labels (办法 Art. 5, GB 45438 §6.1 / Annex E) and C2PA manifests in the file's metadata.

Sources: ffprobe's format and stream tags, `moov/.../meta` (mdta keys/ilst), XMP in the top-level
`uuid` box BE7ACFCB-…, and the C2PA manifest store in the top-level `uuid` box D8FEC3D6-….
A field counts when its name contains "AIGC" (any case); its value is `{"AIGC": {...}}` or the inner
object alone, keys matched case-insensitively. Nothing here raises on bad input: problems are data.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasks.aigc import boxes
from tasks.media.probe import MediaProbe
from tasks.printable import clip

LABEL_MEANINGS = {"1": "属于", "2": "可能", "3": "疑似", "AIGC": "属于"}
CANONICAL_KEYS = (
    "Label",
    "ContentProducer",
    "ProduceID",
    "ReservedCode1",
    "ContentPropagator",
    "PropagateID",
    "ReservedCode2",
)
_CANONICAL = {k.lower(): k for k in CANONICAL_KEYS}
# IPTC digital source types that mean generative AI made (part of) the content.
AI_SOURCE_TYPES = ("trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia")
_MAX_RAW = 2000  # evidence keeps at most this much of a raw value
_MAX_VALUE = 200  # a field's name or value quoted in a message (a ContentProducer is 28 characters)


@dataclass(frozen=True, slots=True)
class ImplicitLabel:
    """One AIGC metadata field. `problem` (Chinese) is set when the value is not a valid label."""

    field: str
    raw: str
    sources: tuple[str, ...]
    values: dict[str, str] = dataclasses.field(default_factory=dict)  # `field` names the AIGC field here
    problem: str | None = None

    @property
    def label(self) -> str | None:
        return self.values.get("Label")

    @property
    def meaning(self) -> str | None:
        return LABEL_MEANINGS.get(self.label or "")

    def to_evidence(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "sources": list(self.sources),
            "raw": clip(self.raw, _MAX_RAW),
            "values": self.values,
            "label_meaning": self.meaning,
            "problem": self.problem,
        }


@dataclass(frozen=True, slots=True)
class C2paManifest:
    offset: int
    size: int
    purpose: str | None
    labels: tuple[str, ...]  # JUMBF labels: manifests and assertions
    ai_source_types: tuple[str, ...]
    reader: str  # "c2pa-python" (validated) or "jumbf-scan" (not validated)
    detail: str | None = None

    def to_evidence(self) -> dict[str, Any]:
        return {
            "offset": self.offset,
            "size": self.size,
            "purpose": self.purpose,
            "labels": list(self.labels)[:40],
            "ai_source_types": list(self.ai_source_types),
            "reader": self.reader,
            "detail": self.detail,
        }


@dataclass(slots=True)
class MetadataReport:
    labels: list[ImplicitLabel] = dataclasses.field(default_factory=list)
    c2pa: list[C2paManifest] = dataclasses.field(default_factory=list)
    xmp_present: bool = False
    problems: list[str] = dataclasses.field(default_factory=list)  # Chinese: the structure could not be read

    @property
    def ai_evidence(self) -> bool:
        return bool(self.labels) or any(m.ai_source_types for m in self.c2pa)

    def to_evidence(self) -> dict[str, Any]:
        return {
            "implicit_labels": [lab.to_evidence() for lab in self.labels],
            "c2pa": [m.to_evidence() for m in self.c2pa],
            "xmp_present": self.xmp_present,
            "problems": self.problems,
        }


def _label_value(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d+(\.0+)?", text):  # digits, not int(): a forged value may be a million long
            return text.split(".")[0].lstrip("0") or "0"
        return text.upper() if text.upper() == "AIGC" else text
    return None


def parse_aigc_value(raw: str) -> tuple[dict[str, str], str | None]:
    """The label's fields (canonical key names) and a Chinese problem description, or None if valid."""
    text = raw.strip().strip("\x00").strip()
    if not text:
        return {}, "值为空"
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:  # ValueError: JSONDecodeError, or an int over 4300 digits
        return {}, f"不是有效的JSON（第{getattr(exc, 'colno', '?')}列：{getattr(exc, 'msg', exc)}）"
    if not isinstance(data, dict):
        return {}, "JSON不是对象"
    inner: Any = data
    for key, value in data.items():
        if str(key).lower() == "aigc":
            inner = value
            break
    if not isinstance(inner, dict):
        return {}, "AIGC字段的值不是对象"
    values: dict[str, str] = {}
    for key, value in inner.items():
        name = _CANONICAL.get(str(key).lower())
        if name is None:
            continue
        kept = _label_value(value) if name == "Label" else str(value)
        if kept is not None:
            values[name] = clip(kept, _MAX_VALUE)
    label = values.get("Label")
    if label is None:
        return values, "缺少Label（生成合成标签）"
    if label not in LABEL_MEANINGS:
        return values, f"Label取值“{label}”不是1（属于）、2（可能）或3（疑似）"
    return values, None


def _is_aigc_name(name: str) -> bool:
    return "aigc" in name.lower()


def _from_probe(media: MediaProbe) -> list[tuple[str, str, str]]:
    found = []
    fmt_tags = (media.raw.get("format") or {}).get("tags") or media.tags or {}
    for key, value in fmt_tags.items():
        if _is_aigc_name(str(key)):
            found.append((str(key), str(value), "ffprobe:format"))
    for stream in media.raw.get("streams") or []:
        for key, value in (stream.get("tags") or {}).items():
            if _is_aigc_name(str(key)):
                found.append((str(key), str(value), f"ffprobe:stream{stream.get('index', '?')}"))
    return found


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


def xmp_fields(packet: bytes) -> list[tuple[str, str]]:
    """AIGC-named attributes and elements of an XMP packet, as (name, JSON text) pairs.

    An element with children (rdf:parseType="Resource") becomes a JSON object of its children.
    """
    text = packet.decode("utf-8", "replace")
    start, end = text.find("<x:xmpmeta"), text.rfind("</x:xmpmeta>")
    if start >= 0 and end > start:
        text = text[start : end + len("</x:xmpmeta>")]
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        # Fall back on attributes only: a damaged packet may still carry the field.
        return [
            (name, html.unescape(value))
            for name, value in re.findall(r"([\w.:-]*AIGC[\w.-]*)\s*=\s*\"([^\"]*)\"", text, re.IGNORECASE)
        ]
    found = []
    for element in root.iter():
        for attr, value in element.attrib.items():
            if _is_aigc_name(_local(attr)):
                found.append((_local(attr), value))
        if _is_aigc_name(_local(element.tag)):
            children = list(element)
            if children:
                inner = {_local(c.tag): (c.text or "").strip() for c in children}
                found.append((_local(element.tag), json.dumps(inner, ensure_ascii=False)))
            else:
                found.append((_local(element.tag), (element.text or "").strip()))
    return found


def _jumbf_labels(data: bytes, depth: int = 0) -> list[str]:
    """Labels of the JUMBF description boxes (`jumd`) in a C2PA manifest store, depth-first."""
    labels: list[str] = []
    pos = 0
    while pos + 8 <= len(data) and depth < 8:
        size = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if size < 8 or pos + size > len(data):
            break
        body = data[pos + 8 : pos + size]
        if kind == b"jumb":
            labels += _jumbf_labels(body, depth + 1)
        elif kind == b"jumd" and len(body) > 17 and body[16] & 0x02:
            end = body.find(b"\x00", 17)
            labels.append(body[17 : end if end > 0 else len(body)].decode("utf-8", "replace"))
        pos += size
    return labels


def _c2pa_from_box(payload: bytes, box: boxes.Box) -> C2paManifest:
    # uuid payload: version/flags (4), purpose (NUL-terminated: "manifest"), [offset (8)], JUMBF.
    end = payload.find(b"\x00", 4)
    purpose = payload[4:end].decode("latin-1") if end > 4 else None
    jumbf_at = payload.find(b"jumb")
    labels = tuple(_jumbf_labels(payload[jumbf_at - 4 :])) if jumbf_at >= 4 else ()
    ai_types = tuple(t for t in AI_SOURCE_TYPES if re.search(rb"/" + t.encode() + rb"(?![A-Za-z])", payload))
    return C2paManifest(box.offset, box.size, purpose, labels, ai_types, "jumbf-scan")


def _c2pa_python(path: Path) -> tuple[tuple[str, ...], str, bool] | None:
    """(AI source types, a summary) from the c2pa-python reader when it is installed (it validates)."""
    try:
        from c2pa import Reader
    except ImportError:
        return None
    try:
        with Reader(str(path)) as reader:
            report = reader.json()
        data = json.loads(report)
    except Exception as exc:  # the Rust library raises its own error types
        return (), f"c2pa-python could not read the manifest: {exc}", False
    types = tuple(t for t in AI_SOURCE_TYPES if re.search("/" + t + r"(?![A-Za-z])", report))
    active = (data.get("manifests") or {}).get(data.get("active_manifest") or "", {})
    summary = (
        f"validation_state={data.get('validation_state')}; "
        f"claim_generator={active.get('claim_generator')}; "
        f"assertions={[a.get('label') for a in active.get('assertions') or []]}"
    )
    return types, summary, True


def _boxes(path: Path, report: MetadataReport) -> list[tuple[str, str, str]]:
    found: list[tuple[str, str, str]] = []
    try:
        with path.open("rb") as handle:
            if not boxes.looks_like_bmff(handle):
                return found
            tops, broken = boxes.top_level_boxes(handle)
            if broken:
                report.problems.append(f"MP4/MOV结构损坏：{broken}")
            for box in tops:
                try:
                    if box.type == "uuid" and box.uuid == boxes.XMP_UUID:
                        report.xmp_present = True
                        for name, value in xmp_fields(boxes.read_payload(handle, box)):
                            if _is_aigc_name(name):
                                found.append((name, value, "xmp"))
                    elif box.type == "uuid" and box.uuid == boxes.C2PA_UUID:
                        report.c2pa.append(_c2pa_from_box(boxes.read_payload(handle, box), box))
                    elif box.type == "moov":
                        for where, meta in boxes.find_meta_boxes(handle, box):
                            for name, raw in boxes.mdta_items(handle, meta):
                                if _is_aigc_name(name):
                                    found.append((name, raw.decode("utf-8", "replace"), where))
                except boxes.BoxError as exc:
                    report.problems.append(f"无法读取{box.type}元数据框：{exc}")
    except OSError as exc:
        report.problems.append(f"无法读取文件：{exc}")
    return found


def read_metadata(media: MediaProbe) -> MetadataReport:
    """Every implicit label and C2PA manifest in the file, deduplicated by (field, value)."""
    report = MetadataReport()
    path = Path(media.path)
    found = _from_probe(media) + _boxes(path, report)
    merged: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for name, raw, source in found:
        value = raw.strip().strip("\x00")
        merged.setdefault((name.lower(), value), (name, []))[1].append(source)
    for (_, raw), (name, sources) in merged.items():
        values, problem = parse_aigc_value(raw)
        report.labels.append(
            ImplicitLabel(clip(name, _MAX_VALUE), raw, tuple(dict.fromkeys(sources)), values, problem)
        )
    if report.c2pa:
        validated = _c2pa_python(path)
        if validated is not None:
            types, detail, ok = validated
            first = report.c2pa[0]
            report.c2pa[0] = C2paManifest(
                first.offset,
                first.size,
                first.purpose,
                first.labels,
                tuple(dict.fromkeys(first.ai_source_types + types)),
                "c2pa-python" if ok else first.reader,
                detail,
            )
    return report
