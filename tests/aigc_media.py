"""Test media for the AI-label check: clips with burned-in labels, audio from a file, XMP boxes."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

from tasks.aigc.boxes import XMP_UUID

NOTO = Path("/usr/share/fonts/opentype/noto")
SANS = str(NOTO / "NotoSansCJK-Regular.ttc")
SANS_BOLD = str(NOTO / "NotoSansCJK-Bold.ttc")
SERIF = str(NOTO / "NotoSerifCJK-Regular.ttc")
SPEECH = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "speech"
C2PA_FIXTURE = (
    Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "external" / "c2pa-signed-portrait.mp4"
)


def with_audio(video: Path, audio: Path, target: Path) -> Path:
    """`video`'s picture with `audio` as its sound track, cut to the shorter of the two."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(video), "-i", str(audio)]
    cmd += ["-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-shortest", str(target)]
    subprocess.run(cmd, check=True, capture_output=True)
    return target


def xmp_packet(description_xml: str) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"{description_xml}</rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def append_top_level_box(source: Path, target: Path, kind: bytes, payload: bytes, uuid: bytes = b"") -> Path:
    """Copy `source` with one more top-level box at the end (media offsets stay valid)."""
    body = uuid + payload
    box = struct.pack(">I4s", 8 + len(body), kind) + body
    target.write_bytes(source.read_bytes() + box)
    return target


def append_xmp(source: Path, target: Path, description_xml: str) -> Path:
    return append_top_level_box(source, target, b"uuid", xmp_packet(description_xml), XMP_UUID)
