"""Sample media made with real ffmpeg: the demo's works and the tests' fixtures come from here."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def cjk_font() -> str:
    for candidate in CJK_FONT_CANDIDATES:
        if Path(candidate).exists():
            return candidate
    raise FileNotFoundError("no CJK font found: install Debian's fonts-noto-cjk")


def _escape_drawtext(text: str) -> str:
    return text.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'").replace("%", "\\%")


@dataclass(frozen=True, slots=True)
class Caption:
    """Text burned into the picture from `start` to `end` seconds (None: the whole clip)."""

    text: str
    start: float | None = None
    end: float | None = None
    size: int = 56
    x: str = "(w-text_w)/2"
    y: str = "h-text_h-60"
    color: str = "white"
    border: int = 3
    font: str | None = None


@dataclass(frozen=True, slots=True)
class ClipSpec:
    width: int = 1920
    height: int = 1080
    fps: str = "25"
    seconds: float = 3.0
    codec: str = "libx264"
    container: str | None = None  # ffmpeg muxer; None: from the extension
    audio: bool = True
    source: str = "testsrc2"  # or "black", "still", "gradients" (footage unlike the test pattern)
    captions: tuple[Caption, ...] = field(default_factory=tuple)
    sar: str | None = None  # e.g. "4/3"
    extra_output_args: tuple[str, ...] = ()
    # A recording (e.g. a speech fixture) as the audio track instead of the sine tone; padded with
    # silence or cut to the clip's length, starting `audio_delay` seconds in.
    audio_file: Path | None = None
    audio_delay: float = 0.0


def _video_source(spec: ClipSpec) -> str:
    size = f"{spec.width}x{spec.height}"
    if spec.source == "black":
        return f"color=c=black:s={size}:r={spec.fps}:d={spec.seconds}"
    if spec.source == "still":
        return f"color=c=0x8B1A1A:s={size}:r={spec.fps}:d={spec.seconds}"
    if spec.source == "gradients":
        return f"gradients=s={size}:r={spec.fps}:d={spec.seconds}:speed=0.02"
    return f"testsrc2=s={size}:r={spec.fps}:d={spec.seconds}"


def _filters(spec: ClipSpec) -> str:
    parts = []
    for caption in spec.captions:
        enable = ""
        if caption.start is not None or caption.end is not None:
            enable = (
                f":enable='between(t,{caption.start or 0},{caption.end if caption.end is not None else 1e9})'"
            )
        parts.append(
            f"drawtext=fontfile='{caption.font or cjk_font()}':text='{_escape_drawtext(caption.text)}'"
            f":fontsize={caption.size}:fontcolor={caption.color}:borderw={caption.border}:bordercolor=black"
            f":x={caption.x}:y={caption.y}{enable}"
        )
    if spec.sar:
        parts.append(f"setsar={spec.sar}")
    parts.append("format=yuv420p")
    return ",".join(parts)


def render_clip(path: Path, spec: ClipSpec = ClipSpec()) -> Path:
    """Render a short clip with ffmpeg's test sources; raises CalledProcessError with ffmpeg's stderr."""
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", _video_source(spec)]
    if spec.audio and spec.audio_file is not None:
        cmd += ["-i", str(spec.audio_file)]
        delay = round(spec.audio_delay * 1000)
        cmd += ["-af", f"adelay={delay}:all=1,apad,aresample=48000", "-t", str(spec.seconds)]
    elif spec.audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={spec.seconds}"]
    cmd += ["-vf", _filters(spec), "-c:v", spec.codec]
    if spec.codec == "libx264":
        cmd += ["-preset", "ultrafast"]
    if spec.audio:
        cmd += [
            "-c:a",
            "mp2"
            if spec.codec == "mpeg2video"
            else ("libopus" if spec.codec.startswith("libvpx") else "aac"),
        ]
    if spec.container:
        cmd += ["-f", spec.container]
    cmd += [*spec.extra_output_args, str(path)]
    subprocess.run(cmd, check=True, capture_output=True)
    return path


def remux(source: Path, target: Path, *args: str) -> Path:
    """Copy streams into a new file with extra output options (metadata, rotation, …)."""
    cmd = [
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-i",
        str(source),
        "-map",
        "0",
        "-c",
        "copy",
        *args,
        str(target),
    ]
    subprocess.run(cmd, check=True, capture_output=True)
    return target


def stream_hashes(path: Path) -> str:
    """A hash per stream of the coded packets: equal for a remux of a file, different for a new encode."""
    cmd = [
        "ffmpeg",
        "-nostdin",
        "-v",
        "error",
        "-i",
        str(path),
        "-map",
        "0",
        "-c",
        "copy",
        "-f",
        "streamhash",
        "-",
    ]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def add_subtitle_tracks(
    source: Path, target: Path, tracks: tuple[tuple[Path, str], ...], codec: str = "mov_text"
) -> Path:
    """Copy `source` and mux subtitle files (path, ISO 639-2 language) as soft subtitle streams."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source)]
    for path, _ in tracks:
        cmd += ["-i", str(path)]
    cmd += ["-map", "0"]
    for index in range(len(tracks)):
        cmd += ["-map", str(index + 1)]
    cmd += ["-c", "copy", "-c:s", codec]
    for index, (_, language) in enumerate(tracks):
        cmd += [f"-metadata:s:s:{index}", f"language={language}"]
    cmd.append(str(target))
    subprocess.run(cmd, check=True, capture_output=True)
    return target


def camera_like(path: Path, seconds: float) -> Path:
    """A 1080p25 clip with a camera-like bitstream (8 Mbit/s, "faster" instead of the ultrafast preset
    tests use), rendered once and kept at `path`: what the benchmarks measure against."""
    if not path.exists():
        print(f"rendering {path.name} (once) …", flush=True)
        spec = ClipSpec(
            seconds=seconds,
            captions=(Caption("红色光影 英雄重庆", size=64),),
            extra_output_args=("-preset", "faster", "-b:v", "8M", "-maxrate", "10M", "-bufsize", "10M"),
        )
        render_clip(path, spec)
    return path
