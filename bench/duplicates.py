"""Originality-check speed: time per work, against a bare decode of the same files in the same run.

Usage: python bench/duplicates.py [--seconds 60] [--works 2000]
Renders (once, cached under bench/out/) three different 1080p25 H.264 works and a 720p re-encode
of the first, then prints:
  - bare decode: `ffmpeg -v error -i F -f null -` per file
  - signature: the originality check's one decode into 2 fps 32×32 thumbnails + hashing, per file,
    as a ratio to the bare decode and per minute of video
  - pairing: `find_pairs` over the four real signatures (the copy must be the only pair), then over
    `--works` synthetic five-minute works (600 frames each) with 20 planted copies (re-encode-like
    bit flips), reporting time per work and how many planted copies were found
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.judging.originality import Signature, find_pairs, video_signature  # noqa: E402

OUT = ROOT / "bench" / "out"
SOURCES = {
    "testsrc2": "testsrc2=s=1920x1080:r=25",
    "mandelbrot": "mandelbrot=s=1920x1080:r=25",
    "life": "life=s=1920x1080:r=25:mold=10:ratio=0.3:death_color=#202020:life_color=#d04040",
}


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, capture_output=True)


def clips(seconds: float) -> list[Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, source in SOURCES.items():
        path = OUT / f"duplicates-{name}-{int(seconds)}s-1080p25.mp4"
        if not path.exists():
            print(f"rendering {path.name} (once) …", flush=True)
            _ffmpeg("-f", "lavfi", "-i", f"{source},trim=duration={seconds}", "-c:v", "libx264", "-preset", "faster",
                    "-b:v", "8M", "-pix_fmt", "yuv420p", str(path))  # fmt: skip
        paths.append(path)
    copy = OUT / f"duplicates-testsrc2-{int(seconds)}s-720p-copy.mp4"
    if not copy.exists():
        print(f"rendering {copy.name} (once) …", flush=True)
        _ffmpeg(
            "-i",
            str(paths[0]),
            "-vf",
            "scale=1280:720",
            "-c:v",
            "libx264",
            "-preset",
            "faster",
            "-b:v",
            "2M",
            str(copy),
        )
    return [*paths, copy]


def timed(fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def synthetic(works: int, planted: int, seed: int = 7) -> tuple[list[tuple[str, str, Signature]], set]:
    rng = np.random.default_rng(seed)
    frames = 600
    batch, copies = [], set()
    for w in range(works):
        # Slowly changing content: a new random picture every 4 samples (2 s), small drift between.
        base = rng.integers(0, 2**63, size=frames // 4 + 1, dtype=np.uint64).repeat(4)[:frames]
        drift = np.uint64(1) << rng.integers(0, 64, size=frames).astype(np.uint64)
        hashes = base ^ np.where(rng.random(frames) < 0.5, drift, np.uint64(0))
        batch.append((f"{w:04d}", f"{w:04d}.mp4", Signature(hashes, np.ones(frames, dtype=bool))))
    for p in range(planted):
        source = batch[p * 7][2]
        flips = np.zeros(frames, dtype=np.uint64)
        for _ in range(5):  # about five bits off per frame, as a low-bitrate re-encode
            flips |= np.uint64(1) << rng.integers(0, 64, size=frames).astype(np.uint64)
        name = f"copy{p:02d}"
        batch.append((name, f"{name}.mp4", Signature(source.hashes ^ flips, source.informative)))
        copies.add(tuple(sorted((batch[p * 7][0], name))))
    return batch, copies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--works", type=int, default=2000)
    args = parser.parse_args()
    paths = clips(args.seconds)
    signatures = []
    total_bare = total_sign = 0.0
    for path in paths:
        bare, _ = timed(lambda p=path: _ffmpeg("-i", str(p), "-f", "null", "-"))
        sign, signature = timed(lambda p=path: video_signature(p))
        total_bare += bare
        total_sign += sign
        signatures.append((path.stem, path.name, signature))
        print(f"{path.name}: bare decode {bare:.2f} s, signature {sign:.2f} s ({sign / bare:.2f}× bare), "
              f"{sign / args.seconds * 60:.2f} s per minute of video")  # fmt: skip
    pair_time, pairs = timed(lambda: find_pairs(signatures))
    found = sorted((p.first, p.second) for p in pairs)
    print(f"pairs among the {len(paths)} real works: {found} ({pair_time * 1000:.0f} ms)")
    per_work = total_sign / len(paths)
    print(f"signature per {args.seconds:g}-s work: {per_work:.2f} s ({total_sign / total_bare:.2f}× a bare decode); "
          f"a 5-minute work ≈ {per_work * 300 / args.seconds:.1f} s")  # fmt: skip

    batch, planted = synthetic(args.works, 20)
    pair_time, pairs = timed(lambda: find_pairs(batch))
    hits = {tuple(sorted((p.first, p.second))) for p in pairs}
    print(f"pairing {len(batch)} synthetic 5-minute works: {pair_time:.2f} s ({pair_time / len(batch) * 1000:.1f} ms per work), "
          f"planted copies found {len(hits & planted)}/{len(planted)}, other pairs {len(hits - planted)}")  # fmt: skip


if __name__ == "__main__":
    main()
