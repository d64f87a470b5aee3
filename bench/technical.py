"""Technical-stage speed: wall time against a bare ffmpeg decode of the same file, in the same run.

Usage: python bench/technical.py [--seconds 300] [--repeat 2]
Generates (once, cached under bench/out/) a 1080p25 H.264 file and prints:
  - bare decode: `ffmpeg -v error -i F -f null -`
  - technical stage: probe + the one full decode (integrity, black, frozen) + rules
  - ratio technical / bare (goal ≤ 1.1: the full decode must be the only pass over the file)
  - real-time factor: technical wall time / video duration
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

from samples.clips import camera_like  # noqa: E402
from tasks.rules import DEFAULT_RULES  # noqa: E402
from tasks.screening import technical  # noqa: E402


def bench_clip(seconds: float) -> Path:
    return camera_like(ROOT / "bench" / "out" / f"technical-{int(seconds)}s-1080p25.mp4", seconds)


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    clip = bench_clip(args.seconds)

    bare, stage = [], []
    for _ in range(args.repeat):  # interleaved, so both see the same machine load
        bare.append(
            timed(
                lambda: subprocess.run(
                    ["ffmpeg", "-v", "error", "-i", str(clip), "-f", "null", "-"], check=True
                )
            )
        )
        result = None

        def run_stage() -> None:
            nonlocal result
            result = technical(clip, DEFAULT_RULES)

        stage.append(timed(run_stage))
    bare_s, stage_s = statistics.median(bare), statistics.median(stage)
    print(f"file: {clip.name} ({clip.stat().st_size / 1e6:.0f} MB, {args.seconds:.0f} s 1080p25 H.264)")
    print(f"bare decode (ffmpeg -f null):   {bare_s:7.2f} s   runs: {', '.join(f'{t:.2f}' for t in bare)}")
    print(f"technical stage:                {stage_s:7.2f} s   runs: {', '.join(f'{t:.2f}' for t in stage)}")
    print(f"ratio technical / bare decode:  {stage_s / bare_s:7.2f}x  (goal <= 1.10)")
    print(f"real-time factor (wall/duration): {stage_s / args.seconds:5.3f}")
    assert result is not None
    print(
        f"verdict: {result.verdict}; findings: {', '.join(f'{f.check}={f.status}' for f in result.findings)}"
    )


if __name__ == "__main__":
    main()
