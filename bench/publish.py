"""Publication speed: the renditions and poster of one episode against a plain ffmpeg run with the
same settings, in the same run.

Usage: python bench/publish.py [--seconds 60] [--repeat 1] [--preset medium]
       python bench/publish.py --compare [--source F --start 60 --length 12]
Generates (once, cached under bench/out/) a 1080p25 H.264 file with a title and a tone, and prints:
  - plain ffmpeg: one hand-written command with the same filters and encoder settings (both sizes
    from one decode, loudnorm's second pass with the values the pipeline measured)
  - publication: `render_episode` (probe, AIGC tags, loudness measurement, the transcode, probing
    and checksumming the results, the poster)
  - transcode time per minute of 1080p video, and the ratio publication / plain (goal ≤ 1.05), in
    wall time and in CPU seconds (ffmpeg and Python together; steadier when others share the machine)

With --compare: the encoder settings side by side on a short segment of a source (default: the
first `--length` seconds of the camera-like clip; bench/pipeline.py passes its 5-minute work):
CPU seconds of the video transcode (1080p + 720p from one decode, the renditions' own command) and
SSIM of each rendition to the source scaled the same way (ffmpeg's `ssim` filter), each × `medium`.
The profile's default preset is the cheapest whose SSIM is within QUALITY_MARGIN of medium's on
every rendition.
"""

from __future__ import annotations

import argparse
import re
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
from tasks.publish.renditions import (  # noqa: E402
    RenditionProfile,
    measure_loudness,
    plan_renditions,
    transcode_command,
)
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


QUALITY_MARGIN = 0.002  # SSIM below medium's that a cheaper preset may lose
PRESETS = ("medium", "fast", "faster", "veryfast", "superfast")
_SSIM = re.compile(r"SSIM .*All:([0-9.]+)")


def segment(source: Path, start: float, length: float, out: Path) -> Path:
    """`length` seconds of `source` from `start`, stream-copied (cut at the keyframe before)."""
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-ss", str(start), "-i", str(source)]
    subprocess.run([*cmd, "-t", str(length), "-map", "0:v:0", "-c", "copy", str(out)], check=True)
    return out


def ssim(encoded: Path, source: Path, width: int, height: int) -> float:
    """Mean SSIM (all planes) of `encoded` against `source` scaled to its size as publication scales."""
    graph = f"[1:v]scale={width}:{height}:flags=bicubic,setsar=1,format=yuv420p[ref];[0:v][ref]ssim"
    cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-i", str(encoded), "-i", str(source)]
    done = subprocess.run(
        [*cmd, "-lavfi", graph, "-f", "null", "-"], capture_output=True, text=True, check=True
    )
    found = _SSIM.findall(done.stderr)
    return float(found[-1])


def compare(source: Path, start: float, length: float, presets: tuple[str, ...] = PRESETS) -> str:
    """Encode a segment with each preset; print CPU and SSIM per preset; return the chosen one."""
    work = Path(tempfile.mkdtemp(prefix="bench-presets-"))
    try:
        clip = segment(source, start, length, work / "segment.mp4")
        media = probe(clip)
        rows: dict[str, tuple[float, dict[str, float], int]] = {}
        for preset in presets:
            profile = replace(RenditionProfile(), preset=preset)
            plans = plan_renditions(media, profile)
            outputs = {p.target.name: work / f"{preset}-{p.target.name}.mp4" for p in plans}
            cmd = transcode_command(media, outputs, plans, profile, tags={}, audio_filters=None)
            _, cpu = timed_cpu(lambda cmd=cmd: subprocess.run(cmd, check=True))
            quality = {p.target.name: ssim(outputs[p.target.name], clip, p.width, p.height) for p in plans}
            size = sum(path.stat().st_size for path in outputs.values())
            rows[preset] = (cpu, quality, size)
            print(
                f"  {preset:10s} {cpu:6.1f} CPU-s  "
                + "  ".join(f"SSIM {name} {value:.4f}" for name, value in quality.items())
                + f"  {size / 1e6:.1f} MB",
                flush=True,
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base_cpu, base_quality, _ = rows["medium"]
    fitting = [
        preset
        for preset, (_, quality, _) in rows.items()
        if all(quality[name] >= base_quality[name] - QUALITY_MARGIN for name in base_quality)
    ]
    chosen = min(fitting, key=lambda preset: rows[preset][0])
    print(f"{length:g} s of {source.name} from {start:g} s; × medium (CPU, SSIM per rendition):")
    for preset, (cpu, quality, _) in rows.items():
        deltas = ", ".join(f"{name} {quality[name] - base_quality[name]:+.4f}" for name in quality)
        print(f"  {preset:10s} CPU {cpu / base_cpu:5.2f}×  SSIM {deltas}")
    print(
        f"cheapest within SSIM −{QUALITY_MARGIN} of medium: {chosen} (profile default: {RenditionProfile().preset})"
    )
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--preset", default=RenditionProfile().preset)
    parser.add_argument("--compare", action="store_true", help="compare presets by CPU and SSIM")
    parser.add_argument("--source", type=Path, help="with --compare: the video to take a segment of")
    parser.add_argument("--start", type=float, default=0.0)
    parser.add_argument("--length", type=float, default=12.0)
    args = parser.parse_args()
    if args.compare:
        compare(args.source or bench_clip(max(args.length, 12.0)), args.start, args.length)
        return
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
