"""Publication speed: the renditions and poster of one episode against a plain ffmpeg run with the
same settings, in the same run.

Usage: python bench/publish.py [--seconds 60] [--repeat 1] [--preset medium]
Generates (once, cached under bench/out/) a 1080p25 H.264 file with a title and a tone, and prints:
  - plain ffmpeg: one hand-written command with the same filters and encoder settings (both sizes
    from one decode, loudnorm's second pass with the values the pipeline measured)
  - publication: `render_episode` (probe, AIGC tags, loudness measurement, the transcode, probing
    and checksumming the results, the poster)
  - transcode time per minute of 1080p video, and the ratio publication / plain (goal ≤ 1.05), in
    wall time and in CPU seconds (ffmpeg and Python together; steadier when others share the machine)
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samples.clips import camera_like  # noqa: E402
from tasks.media.probe import probe  # noqa: E402
from tasks.publish.poster import make_poster  # noqa: E402
from tasks.publish.renditions import RenditionProfile, measure_loudness, plan_renditions  # noqa: E402
from tasks.publish.steps import render_episode  # noqa: E402


def bench_clip(seconds: float) -> Path:
    return camera_like(ROOT / "bench" / "out" / f"publish-{int(seconds)}s-1080p25.mp4", seconds)


def plain_command(clip: Path, out: Path, profile: RenditionProfile, measured: dict[str, float]) -> list[str]:
    """What an operator would type for the same result, written out by hand."""
    media = probe(clip)
    assert media.video is not None
    plans = plan_renditions(media, profile)
    gop = round((media.video.avg_fps or 25.0) * profile.keyframe_seconds)
    loudnorm = (
        f"loudnorm=I={profile.loudness}:TP={profile.true_peak}:LRA={profile.loudness_range}"
        f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
        f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
        f":offset={measured['target_offset']}:linear=true:print_format=none"
    )
    n = len(plans)
    graph = [f"[0:{media.video.index}]split={n}" + "".join(f"[s{i}]" for i in range(n))]
    graph += [f"[s{i}]scale={p.width}:{p.height},setsar=1,format=yuv420p[v{i}]" for i, p in enumerate(plans)]
    graph += [
        f"[0:a:0]{loudnorm},aresample={profile.sample_rate},asplit={n}" + "".join(f"[a{i}]" for i in range(n))
    ]
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(clip), "-filter_complex", ";".join(graph)]
    for i, plan in enumerate(plans):
        t = plan.target
        cmd += ["-map", f"[v{i}]", "-map", f"[a{i}]", "-c:v", "libx264", "-preset", profile.preset]
        cmd += ["-profile:v", "high", "-crf", str(t.crf), "-maxrate", f"{t.maxrate_kbps}k"]
        cmd += [
            "-bufsize",
            f"{t.maxrate_kbps * 2}k",
            "-g",
            str(gop),
            "-c:a",
            "aac",
            "-b:a",
            f"{t.audio_kbps}k",
        ]
        cmd += ["-ac", "2", "-movflags", "+faststart", str(out / f"{t.name}.mp4")]
    return cmd


def _cpu() -> float:
    """CPU seconds of this process and its finished children (ffmpeg): robust to a shared machine."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def timed_cpu(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(wall seconds, CPU seconds)."""
    cpu = _cpu()
    wall = timed(fn)
    return wall, _cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--preset", default=RenditionProfile().preset)
    args = parser.parse_args()
    clip = bench_clip(args.seconds)
    duration = probe(clip).duration or args.seconds
    profile = replace(RenditionProfile(), preset=args.preset)
    measured = measure_loudness(clip, profile)
    assert measured is not None
    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    plain, ours, plain_cpu, ours_cpu = [], [], [], []
    try:
        for run in range(args.repeat):  # interleaved, so both see the same machine load
            out = work / f"plain-{run}"
            out.mkdir()
            cmd = plain_command(clip, out, profile, measured)
            wall, cpu = timed_cpu(lambda cmd=cmd: subprocess.run(cmd, check=True))
            plain.append(wall)
            plain_cpu.append(cpu)
            wall, cpu = timed_cpu(lambda run=run: render_episode(clip, work / f"ours-{run}", profile))
            ours.append(wall)
            ours_cpu.append(cpu)
            print(
                f"run {run + 1}: plain {plain[-1]:.1f} s wall / {plain_cpu[-1]:.1f} s CPU, "
                f"publication {ours[-1]:.1f} s wall / {ours_cpu[-1]:.1f} s CPU",
                flush=True,
            )
        # The parts beyond the transcode, each alone.
        loud = timed(lambda: measure_loudness(clip, profile))
        small = work / "ours-0" / "720p.mp4"
        large = work / "ours-0" / "1080p.mp4"
        poster = timed(lambda: make_poster(small, large, duration, work / "poster.jpg"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    p, o = statistics.median(plain), statistics.median(ours)
    pc, oc = statistics.median(plain_cpu), statistics.median(ours_cpu)
    minutes = duration / 60.0
    print(
        f"source: {clip.name}, {duration:.1f} s of 1080p25, preset {profile.preset}, renditions 1080p + 720p"
    )
    print(f"plain ffmpeg, same settings:   {p:7.1f} s   ({p / minutes:6.1f} s per minute of video)")
    print(f"publication (render_episode):  {o:7.1f} s   ({o / minutes:6.1f} s per minute of video)")
    print(
        f"ratio publication / plain:     {o / p:7.3f}   (goal ≤ 1.05; wall time, noisy on a shared machine)"
    )
    print(
        f"CPU seconds: plain {pc:.1f}, publication {oc:.1f}, ratio {oc / pc:.3f} (the same ratio, robust to load)"
    )
    print(f"  of which loudness measurement ≈ {loud:.1f} s, poster ≈ {poster:.1f} s")
    print(f"real-time factor (publication): {o / duration:.2f}")


if __name__ == "__main__":
    main()
