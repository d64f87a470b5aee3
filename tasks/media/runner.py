"""The one way the pipeline runs ffmpeg and ffprobe: a wall-clock timeout, bounded output, stderr
never blocking, and the few commands callers need (the format and streams as JSON, frames at times,
subtitle streams, packet times).

Commands are compiled with ffmpeg-python where it fits (tasks/media/decode.py builds its filter
graphs the same way); ffprobe's packet listings are plain argument lists.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg

MAX_STDOUT = 1 << 31  # 2 GiB: far above any frame window we ask for, below what would exhaust memory
UNBOUNDED = 1 << 62  # for a stream handed to on_chunk and not kept (the timeout still bounds it)
MAX_LOG = 32 << 20  # the last 32 MiB of stderr (a damaged file can log a line per frame)
GLOBAL_ARGS = ("-nostdin", "-hide_banner")  # every ffmpeg command: no stdin, no banner


@dataclass(frozen=True, slots=True)
class Completed:
    returncode: int  # -1 when killed (timeout, output cap) or when the program could not start
    stdout: bytes
    log: str  # stderr, its last MAX_LOG bytes
    timed_out: bool = False
    truncated: bool = False  # stdout reached its cap and the program was stopped

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out and not self.truncated

    def log_tail(self, lines: int = 3, skip: str | None = None) -> str:
        kept = [
            line for line in self.log.strip().splitlines() if line.strip() and (not skip or skip not in line)
        ]
        return " | ".join(kept[-lines:])


def run(
    cmd: list[str],
    *,
    timeout: float,
    max_stdout: int = MAX_STDOUT,
    on_chunk: Callable[[bytes], None] | None = None,
    chunk_size: int = 1 << 20,
) -> Completed:
    """Run `cmd`; kill it after `timeout` seconds or once stdout passes `max_stdout` bytes. With
    `on_chunk`, stdout is handed over in `chunk_size` pieces (the last may be shorter) and not kept."""
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        except OSError as exc:
            return Completed(-1, b"", f"{cmd[0]}: {exc}")
        expired = threading.Event()

        def _expire() -> None:
            expired.set()
            proc.kill()

        timer = threading.Timer(timeout, _expire)
        timer.start()
        kept: list[bytes] = []
        total, truncated = 0, False
        try:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(chunk_size):
                total += len(chunk)
                if total > max_stdout:
                    truncated = True
                    proc.kill()
                    break
                if on_chunk is not None:
                    on_chunk(chunk)
                else:
                    kept.append(chunk)
        except BaseException:
            proc.kill()
            raise
        finally:
            timer.cancel()
            returncode = proc.wait()
        size = err.seek(0, 2)
        err.seek(max(0, size - MAX_LOG))
        log = err.read().decode("utf-8", "replace")
    killed = expired.is_set() or truncated
    return Completed(-1 if killed else returncode, b"".join(kept), log, expired.is_set(), truncated)


def ffprobe_json(path: Path | str, *, timeout: float = 120.0, **options: str) -> dict[str, Any]:
    """`ffprobe -show_format -show_streams` as a dict, `options` as `-key value` (e.g.
    select_streams="v:0"). On failure it raises ffmpeg-python's `ffmpeg.Error`, as `ffmpeg.probe`
    does, with the log (or what stopped it) as stderr; JSONDecodeError when it printed none. The
    command is ffmpeg.probe's, so its log (the caller's error detail) reads the same."""
    cmd = ["ffprobe", "-show_format", "-show_streams", "-of", "json"]
    for key, value in options.items():
        cmd += [f"-{key}", str(value)]
    cmd.append(str(path))
    done = run(cmd, timeout=timeout, max_stdout=1 << 28)
    if not done.ok:
        why = done.log
        if done.timed_out or done.truncated:
            why = f"ffprobe timed out after {timeout:.0f} s" if done.timed_out else "ffprobe output overflow"
        raise ffmpeg.Error("ffprobe", done.stdout, why.encode("utf-8"))
    data: dict[str, Any] = json.loads(done.stdout.decode("utf-8", "replace"))
    return data


def ffprobe_packets(
    path: Path,
    entries: str,
    *,
    timeout: float,
    stream: int | None = None,
    read_from: float | None = None,
    require_success: bool = False,
) -> list[list[str]]:
    """`-show_entries packet=<entries>` as CSV rows (trailing empty fields dropped): what ffprobe
    printed before an error too, unless `require_success`; [] on a timeout or an output overflow."""
    cmd = ["ffprobe", "-v", "error"]
    if stream is not None:
        cmd += ["-select_streams", str(stream)]
    if read_from is not None:
        cmd += ["-read_intervals", f"{read_from:.3f}%"]
    cmd += ["-show_entries", f"packet={entries}", "-of", "csv=p=0", str(path)]
    done = run(cmd, timeout=timeout, max_stdout=1 << 28)
    if done.timed_out or done.truncated or (require_success and done.returncode != 0):
        return []
    text = done.stdout.decode("utf-8", "replace")
    return [line.strip().rstrip(",").split(",") for line in text.splitlines() if line.strip()]


def raw_frames_command(
    path: Path, *, start: float, length: float | None, vf: str, frames: int | None, pix_fmt: str = "bgr24"
) -> list[str]:
    """ffmpeg decoding the first video stream from `start` (input seeking) through the filter chain
    `vf` to raw frames on stdout; `-loglevel info` so that showinfo's pts lines reach the log."""
    source = ffmpeg.input(
        str(path), ss=f"{start:.3f}", **({"t": f"{length:.3f}"} if length is not None else {})
    )
    options: dict[str, object] = {"an": None, "sn": None, "vf": vf, "fps_mode": "vfr"}
    if frames is not None:
        options["frames:v"] = str(frames)
    out = ffmpeg.output(source["v:0"], "pipe:1", format="rawvideo", pix_fmt=pix_fmt, **options)
    return out.global_args(*GLOBAL_ARGS, "-loglevel", "info").compile()


def extract_subtitles(source: str, outputs: list[tuple[int, Path]], *, timeout: float) -> Completed:
    """Stream `index` → SRT file, for each pair, in one ffmpeg run."""
    cmd = ["ffmpeg", *GLOBAL_ARGS, "-v", "error", "-y", "-i", source]
    for index, out in outputs:
        cmd += ["-map", f"0:{index}", "-c:s", "srt", "-f", "srt", str(out)]
    return run(cmd, timeout=timeout, max_stdout=1 << 20)
