"""AI-label stage speed: wall time per minute of video and how many frames went through OCR.

Usage: python bench/aigc.py [--seconds 90] [--repeat 1]
Generates (once, cached under bench/out/) a 1080p25 H.264 clip with an "AI生成" label on the opening
seconds, an AIGC metadata field and Mandarin speech (the hongyan_long fixture, looped to length),
then prints per part (metadata, OCR, ASR) and for the whole stage: wall seconds, seconds per minute
of video, frames decoded and OCR'd. Engine set-up (model loading) is timed apart: a worker pays it
once per process, not per video.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samples.clips import Caption, ClipSpec, remux, render_clip  # noqa: E402
from tasks.aigc.metadata import read_metadata  # noqa: E402
from tasks.aigc.spoken import listen  # noqa: E402
from tasks.aigc.stage import screen_aigc  # noqa: E402
from tasks.aigc.visual import scan_video  # noqa: E402
from tasks.context import WorkContext  # noqa: E402
from tasks.media.probe import probe  # noqa: E402
from tasks.rules import DEFAULT_RULES  # noqa: E402

SPEECH = ROOT.parent / "shared" / "fixtures" / "speech" / "hongyan_long.flac"
AIGC = '{"AIGC":{"Label":"1","ContentProducer":"001191110102MAD55U9H0F10002","ProduceID":"bench"}}'


def bench_clip(seconds: float) -> Path:
    out = ROOT / "bench" / "out"
    path = out / f"aigc-{int(seconds)}s-1080p25.mp4"
    if path.exists():
        return path
    print(f"rendering {path.name} (once) …", flush=True)
    spec = ClipSpec(
        seconds=seconds,
        audio=False,
        captions=(
            Caption("AI生成", 0, 4, size=64, x="w-text_w-40", y="40"),
            Caption("红色光影 英雄重庆", size=56),
        ),
        extra_output_args=("-preset", "faster", "-b:v", "8M"),
    )
    video = render_clip(out / "aigc-video.mp4", spec)
    speech = out / "aigc-with-speech.mp4"
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(video)]
    cmd += ["-stream_loop", "-1", "-i", str(SPEECH), "-map", "0:v", "-map", "1:a", "-c:v", "copy"]
    cmd += ["-c:a", "aac", "-t", str(seconds), str(speech)]
    subprocess.run(cmd, check=True, capture_output=True)
    remux(speech, path, "-movflags", "use_metadata_tags", "-metadata", f"AIGC={AIGC}")
    video.unlink()
    speech.unlink()
    return path


def timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    path = bench_clip(args.seconds)
    media = probe(path)
    minutes = (media.duration or args.seconds) / 60

    from tasks.engines.asr import get_asr_engine
    from tasks.engines.ocr import get_ocr_engine

    ocr, ocr_load = timed(get_ocr_engine)
    asr, asr_load = timed(get_asr_engine)
    print(
        f"file: {path.name}, {media.duration:.1f} s, {media.video.display_width}x{media.video.display_height}"
    )
    print(f"engine set-up (once per process): OCR {ocr_load:.2f} s, ASR {asr_load:.2f} s")

    rows: dict[str, list[float]] = {"metadata": [], "ocr": [], "asr": [], "stage": []}
    visual = spoken = finding = None
    for _ in range(args.repeat):
        _, t = timed(read_metadata, media)
        rows["metadata"].append(t)
        visual, t = timed(scan_video, media, ocr, DEFAULT_RULES)
        rows["ocr"].append(t)
        spoken, t = timed(listen, media, asr, DEFAULT_RULES)
        rows["asr"].append(t)
        start = time.perf_counter()
        finding = screen_aigc(media, WorkContext(), DEFAULT_RULES, ocr=ocr, asr=asr)
        rows["stage"].append(time.perf_counter() - start)

    assert visual is not None and spoken is not None and finding is not None
    for name, values in rows.items():
        wall = statistics.median(values)
        print(f"{name:>8}: {wall:7.2f} s wall, {wall / minutes:7.2f} s per minute of video")
    print(
        f"frames: {visual.frames_decoded} decoded, {visual.frames_ocr} through OCR "
        f"({visual.frames_ocr / minutes:.1f} per minute); OCR times {visual.ocr_times}"
    )
    print(f"speech windows: {spoken.windows}; disclosures: {[d.text for d in spoken.disclosures]}")
    print(f"verdict: {finding.status} — {finding.message}")


if __name__ == "__main__":
    main()
