"""The one ffmpeg seam: timeouts, bounded output, frames at times and subtitle streams, on real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import ffmpeg
import numpy as np
import pytest

from samples.clips import ClipSpec, render_clip
from tasks.media import runner


def test_a_timeout_stops_the_program_and_says_so() -> None:
    done = runner.run([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5)
    assert done.timed_out and done.returncode == -1 and not done.ok


def test_output_beyond_the_cap_stops_the_program() -> None:
    cmd = [sys.executable, "-c", "import sys\nwhile True: sys.stdout.buffer.write(b'x' * 65536)"]
    done = runner.run(cmd, timeout=30, max_stdout=1 << 20)
    assert done.truncated and not done.timed_out and done.returncode == -1
    assert len(done.stdout) <= 1 << 20


def test_a_missing_program_is_a_result_not_an_exception() -> None:
    done = runner.run(["no-such-program-guangying"], timeout=5)
    assert done.returncode == -1 and "no-such-program-guangying" in done.log


def test_stderr_is_kept_and_a_chatty_program_does_not_block() -> None:
    cmd = [
        sys.executable,
        "-c",
        "import sys\nfor i in range(200000): print('line', i, file=sys.stderr)\nprint('done')",
    ]
    done = runner.run(cmd, timeout=60)
    assert done.ok and done.stdout == b"done\n" and done.log.rstrip().endswith("line 199999")
    assert done.log_tail(2) == "line 199998 | line 199999"


def test_frames_at_times_and_packet_times(tmp_path: Path) -> None:
    clip = render_clip(tmp_path / "clip.mp4", ClipSpec(width=320, height=240, seconds=3.0, audio=False))
    cmd = runner.raw_frames_command(clip, start=1.0, length=None, vf="scale=64:48,showinfo", frames=1)
    done = runner.run(cmd, timeout=60)
    assert done.ok and len(done.stdout) == 64 * 48 * 3
    assert np.frombuffer(done.stdout, np.uint8).max() > 0 and "pts_time" in done.log
    rows = runner.ffprobe_packets(clip, "pts_time", timeout=60, stream=0, require_success=True)
    times = sorted(float(r[0]) for r in rows)
    assert len(times) >= 60 and 2.8 <= times[-1] <= 3.0
    assert (
        runner.ffprobe_packets(tmp_path / "missing.mp4", "pts_time", timeout=60, require_success=True) == []
    )


def test_probe_json_reads_as_ffmpeg_probe_and_fails_as_it_does(tmp_path: Path) -> None:
    clip = render_clip(tmp_path / "clip.mp4", ClipSpec(width=160, height=120, seconds=1.0, audio=True))
    data = runner.ffprobe_json(clip, timeout=60)
    assert data == ffmpeg.probe(str(clip))
    video = runner.ffprobe_json(clip, timeout=60, select_streams="v:0")["streams"]
    assert [s["codec_type"] for s in video] == ["video"] and video[0]["width"] == 160
    text = tmp_path / "not-media.mp4"
    text.write_text("plain text", encoding="utf-8")
    with pytest.raises(ffmpeg.Error) as failed:
        runner.ffprobe_json(text, timeout=60)
    assert b"Invalid data found" in failed.value.stderr


def test_subtitle_streams_are_extracted_as_srt(tmp_path: Path) -> None:
    clip = render_clip(tmp_path / "clip.mp4", ClipSpec(width=160, height=120, seconds=2.0, audio=False))
    srt = tmp_path / "in.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:01,500\n红岩\n", encoding="utf-8")
    mkv = tmp_path / "subbed.mkv"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-i",
            str(clip),
            "-i",
            str(srt),
            "-map",
            "0",
            "-map",
            "1",
            "-c",
            "copy",
            "-c:s",
            "srt",
            str(mkv),
        ],
        check=True,
    )
    out = tmp_path / "1.srt"
    done = runner.extract_subtitles(str(mkv), [(1, out)], timeout=60)
    assert done.ok and "红岩" in out.read_text(encoding="utf-8")
