"""Spoken AI disclosures: how often Whisper base + the matcher find them, over every speech fixture.

Usage: python bench/disclosures.py [--repeat 3]
A model's exact output on a hard case varies with the CPU (Whisper base hears 「以下画面内容由AI生成」
as 「以下画面内容由生成」 on one machine and 「以下滑面面熔油生成」 on another), so the hard cases are
measured here as rates, not asserted in tests. Prints per fixture: whether a disclosure is expected,
how many of the runs found one, what was heard, and the real-time factor of the ASR pass against the
clip's duration; then the detection rate on disclosures and the false-alarm rate on ordinary speech.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.aigc.spoken import listen  # noqa: E402
from tasks.engines.asr import get_asr_engine  # noqa: E402
from tasks.media.probe import probe  # noqa: E402
from tasks.rules import DEFAULT_RULES  # noqa: E402

SPEECH = ROOT.parent / "shared" / "fixtures" / "speech"
# name → is a disclosure spoken in it (fixtures/README.md: the last sentence of hongyan_long is one)
EXPECTED = {
    "disclosure": True,
    "disclosure_ai_letters": True,
    "hongyan_long": True,
    "nanfangju": False,
    "zhuanti": False,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per fixture (the sampling fallback is seeded)"
    )
    args = parser.parse_args()
    engine = get_asr_engine()
    found_on: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}  # expected → [hits, runs]
    print(f"{'fixture':<24}{'expected':<10}{'found':<8}{'RTF':<8}heard")
    for name, expected in EXPECTED.items():
        media = probe(SPEECH / f"{name}.flac")
        hits, heard, seconds = 0, "", 0.0
        for _ in range(args.repeat):
            started = time.perf_counter()
            report = listen(media, engine, DEFAULT_RULES)
            seconds += time.perf_counter() - started
            hits += bool(report.disclosures)
            heard = "".join(s["text"] for s in report.transcript)[-40:]
        rtf = seconds / args.repeat / (media.duration or 1.0)
        found_on[expected][0] += hits
        found_on[expected][1] += args.repeat
        print(f"{name:<24}{'yes' if expected else 'no':<10}{hits}/{args.repeat:<6}{rtf:<8.3f}…{heard}")
    detected, runs = found_on[True]
    false_alarms, ordinary = found_on[False]
    print(f"\ndetection rate on spoken disclosures: {detected}/{runs} = {detected / runs:.2f}")
    print(f"false alarms on ordinary speech:      {false_alarms}/{ordinary} = {false_alarms / ordinary:.2f}")


if __name__ == "__main__":
    main()
