"""Writing archives the way submitters' tools do: zips with member names in GBK without the UTF-8
flag (Windows), RAR 4 with stored members (WinRAR -m0).

The demo, the tests and the benches use this to produce the archives submitters really send; intake
never writes archives.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from tasks.rules import SHANGHAI

# The time of every RAR member: a fixed one, so the same files give the same bytes every run.
RAR_MEMBER_TIME = datetime(2026, 12, 4, 12, 0, tzinfo=SHANGHAI)


class _LegacyNameInfo(zipfile.ZipInfo):
    """A ZipInfo whose name is stored in a legacy code page and flagged as such (bit 11 clear)."""

    encoding = "gbk"

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        try:
            return self.filename.encode("ascii"), self.flag_bits
        except UnicodeEncodeError:
            return self.filename.encode(self.encoding), self.flag_bits & ~0x800


def write_zip(
    path: Path, members: Iterable[tuple[str, Path | bytes]], *, encoding: str | None = "gbk"
) -> Path:
    """Zip `members` (name inside the archive, file or bytes); names in `encoding` (None: UTF-8 flag)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            info = zipfile.ZipInfo(name)
            if encoding:
                legacy = _LegacyNameInfo(name)
                legacy.encoding = encoding
                info = legacy
            info.compress_type = zipfile.ZIP_DEFLATED
            data = content if isinstance(content, bytes) else Path(content).read_bytes()
            archive.writestr(info, data)
    return path


def pledge_scan(path: Path, *, title: str, signer: str, date: str = "2026年10月8日") -> Path:
    """A signed 附件2 as a scanner would deliver it: a JPEG page (ffmpeg draws the text)."""
    import subprocess

    from samples.clips import cjk_font

    font = cjk_font()
    lines = [
        ("版权承诺书", 40, 80),
        (f"授权作品：《{title}》", 24, 180),
        ("本单位/本人保证对授权作品合法拥有完整著作权。", 20, 240),
        (f"承诺单位/人：{signer}", 24, 640),
        (f"（盖章/签字）  {date}", 24, 700),
    ]
    filters = ",".join(
        f"drawtext=fontfile='{font}':text='{text}':fontsize={size}:fontcolor=0x202020:x=(w-text_w)/2:y={y}"
        for text, size, y in lines
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=0xF4F1EA:s=595x842:d=1",
        "-vf", filters, "-frames:v", "1", "-q:v", "4", str(path),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    return path


def _dos_time(t: datetime) -> int:
    return (
        ((t.year - 1980) << 25)
        | (t.month << 21)
        | (t.day << 16)
        | (t.hour << 11)
        | (t.minute << 5)
        | (t.second // 2)
    )


def _rar_block(head_type: int, flags: int, body: bytes, add: bytes = b"") -> bytes:
    header = struct.pack("<BHH", head_type, flags, 7 + len(body)) + body
    return struct.pack("<H", zlib.crc32(header) & 0xFFFF) + header + add


def write_rar4_stored(path: Path, files: list[tuple[str, bytes]]) -> Path:
    """A RAR 4.x archive with stored (uncompressed) members and UTF-8 names.

    No RAR packer is installable from Debian main (rar is non-free), so the tests write the format
    themselves; rarfile reads it as it reads WinRAR's output with -m0.
    """
    out = bytearray(b"Rar!\x1a\x07\x00")
    out += _rar_block(0x73, 0x0000, b"\x00\x00" + b"\x00\x00\x00\x00")
    for name, data in files:
        encoded = name.encode("utf-8")
        body = struct.pack(
            "<IIBIIBBHI",
            len(data),  # PACK_SIZE
            len(data),  # UNP_SIZE
            2,  # HOST_OS: Windows
            zlib.crc32(data) & 0xFFFFFFFF,
            _dos_time(RAR_MEMBER_TIME),  # a fixed member time: the same bytes every run
            20,  # UNP_VER 2.0
            0x30,  # METHOD: store
            len(encoded),
            0x20,  # ATTR: archive
        )
        # 0x8000: data follows; 0x0200: the name is Unicode (UTF-8 when it holds no NUL).
        out += _rar_block(0x74, 0x8000 | 0x0200, body + encoded, data)
    out += _rar_block(0x7B, 0x4000, b"")
    path.write_bytes(bytes(out))
    return path
