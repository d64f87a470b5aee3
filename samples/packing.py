"""Writing zip packages the way Windows does: member names in GBK without the UTF-8 flag.

The demo and the tests use this to produce the archives submitters really send; intake never
writes archives.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path


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
