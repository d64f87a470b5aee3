"""Test media for the AI-label check: clips with burned-in labels, audio from a file, XMP boxes."""

from __future__ import annotations

import subprocess
from pathlib import Path

NOTO = Path("/usr/share/fonts/opentype/noto")
SANS = str(NOTO / "NotoSansCJK-Regular.ttc")
SANS_BOLD = str(NOTO / "NotoSansCJK-Bold.ttc")
SERIF = str(NOTO / "NotoSerifCJK-Regular.ttc")


def with_audio(video: Path, audio: Path, target: Path) -> Path:
    """`video`'s picture with `audio` as its sound track, cut to the shorter of the two."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(video), "-i", str(audio)]
    cmd += ["-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-shortest", str(target)]
    subprocess.run(cmd, check=True, capture_output=True)
    return target


def rotated_portrait_clip(target: Path, text: str, size: int, seconds: float = 4.0) -> Path:
    """A phone-style file: coded 1280×720 with a 90° display rotation, shown upright as 720×1280.

    The label is drawn top-right on the upright picture, then the picture is turned for coding.
    """
    coded = target.with_name(f"coded-{target.name}")
    drawtext = (
        f"drawtext=fontfile='{SANS}':text='{text}':fontsize={size}:fontcolor=white:borderw=3"
        ":bordercolor=black:x=w-text_w-30:y=30"
    )
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s=720x1280:d={seconds}"]
    cmd += ["-vf", f"{drawtext},transpose=1,format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast"]
    subprocess.run([*cmd, str(coded)], check=True, capture_output=True)
    # ffmpeg 5.1 writes the display matrix from the legacy rotate tag.
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(coded), "-c", "copy"]
    subprocess.run([*cmd, "-metadata:s:v:0", "rotate=90", str(target)], check=True, capture_output=True)
    coded.unlink()
    return target
