"""OCR settings on bench/screen.py's 5-minute work: how many of the captions the one decode's band
reader finds and reads exactly, what its OCR costs, and what reading the AI-label frames costs, per
RapidOCR setting.

Usage: python bench/burned.py [--seconds 300] [--only NAME ...]
For each setting: CPU seconds of the decode with its branches and the band OCR (this process and
ffmpeg), the OCR calls and their CPU, captions found (a cue overlapping the caption's time) and
read exactly (after the CER normalisation), and the mean start error; then the CPU seconds of OCR
on the AI-label frames that decode left (opening, middle, end: the frames the label check reads) and
on how many of them a setting read a different text than the production one. The settings differ
only in the engine's parameters (tasks/engines/ocr.py: RAPIDOCR_PARAMS is the production one).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from pipeline import cpu  # noqa: E402
from screen import OUT, bench_clip, build_speech  # noqa: E402

SETTINGS: dict[str, dict[str, Any]] = {
    "production (RAPIDOCR_PARAMS)": {},
    "RapidOCR's vertical padding of wide images on": {"Global.use_vertical_padding": True},
    "recognition in batches of 6 (RapidOCR's default)": {"Rec.rec_batch_num": 6},
    "both RapidOCR defaults (padding, batches of 6)": {
        "Global.use_vertical_padding": True,
        "Rec.rec_batch_num": 6,
    },
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--only", nargs="*", help="setting names (substrings) to run")
    args = parser.parse_args()
    os.environ.setdefault("GUANGYING_DATA_DIR", str(OUT / "var"))
    from tasks import screening
    from tasks.aigc.frames import DecodedFrames
    from tasks.chinese import normalise_for_cer
    from tasks.engines.ocr import RapidOcrEngine
    from tasks.rules import DEFAULT_RULES

    clip = bench_clip(args.seconds)
    _, captions = build_speech(args.seconds)
    media = screening.probe_or_findings(clip)
    assert not isinstance(media, list)
    print(f"work: {clip.name}; {len(captions)} captions")
    reference: list[list[str]] = []  # the first setting's readings of the label frames
    for label, params in SETTINGS.items():
        if args.only and not any(o in label for o in args.only):
            continue
        engine = RapidOcrEngine(params)
        with tempfile.TemporaryDirectory(prefix="bench-burned-") as folder:
            before = cpu()
            outcome = screening.decode_reading_subtitles(media, DEFAULT_RULES, engine, Path(folder))
            spent = cpu() - before
            frames = DecodedFrames.load(Path(folder)).frames
            before = cpu()
            label_texts = [[line.text for line in engine.read(frame.image)] for frame in frames]
            label_cpu = cpu() - before
        reference = reference or label_texts
        differing = sum(a != b for a, b in zip(label_texts, reference, strict=True))
        assert outcome.burned is not None
        cues = outcome.burned.cues
        stats = outcome.burned.details["ocr"]
        found = exact = 0
        starts: list[float] = []
        for caption in captions:
            assert caption.start is not None and caption.end is not None
            overlapping = [c for c in cues if min(c.end, caption.end) - max(c.start, caption.start) > 0]
            if not overlapping:
                continue
            found += 1
            best = max(overlapping, key=lambda c: min(c.end, caption.end) - max(c.start, caption.start))
            exact += normalise_for_cer(best.text) == normalise_for_cer(caption.text)
            starts.append(abs(best.start - caption.start))
        print(
            f"{label}: {spent:.1f} CPU-s (decode + band OCR); {stats['ocr_calls']} OCR calls "
            f"({stats['ocr_seconds']} s), {stats['confirm_calls']} confirmations; "
            f"{len(cues)} cues; captions found {found}/{len(captions)}, read exactly {exact}; "
            f"mean start error {sum(starts) / max(len(starts), 1):.2f} s; band rows {stats['band_rows']}",
            flush=True,
        )
        print(
            f"  AI-label frames: {len(frames)} read in {label_cpu:.1f} CPU-s; "
            f"{differing} read differently from the first setting",
            flush=True,
        )


if __name__ == "__main__":
    main()
