"""Spoken AI disclosures: how often Whisper base + the matcher find them, over every speech fixture.

Usage: python bench/disclosures.py [--repeat 3]
A model's exact output on a hard case varies with the CPU (Whisper base hears 「以下画面内容由AI生成」
as 「以下画面内容由生成」 on one machine and 「以下滑面面熔油生成」 on another), so the hard cases are
measured here as rates, not asserted in tests. Two paths, each on every fixture:

  - production: screening's one whole-track Whisper pass (`tasks.screening.transcribe`, the
    subtitle check's hotwords plus the disclosure's) → `spoken_disclosures` (`from_transcript`);
  - fallback: `aigc.spoken.listen`, the opening and closing seconds with the disclosure hotwords
    only, which the AI-label check runs when screening has no transcript.

Prints per path and fixture: whether a disclosure is expected, how many of the runs found one, what
was heard, and the CPU real-time factor of the ASR pass (CPU seconds per second of audio); then the
detection rate on disclosures and the false-alarm rate on ordinary speech, per path.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.aigc.spoken import SpokenReport, listen  # noqa: E402
from tasks.context import WorkContext  # noqa: E402
from tasks.engines.asr import AsrEngine, get_asr_engine  # noqa: E402
from tasks.media.probe import MediaProbe, probe  # noqa: E402
from tasks.rules import DEFAULT_RULES  # noqa: E402
from tasks.screening import spoken_disclosures, transcribe  # noqa: E402

SPEECH = ROOT.parent / "shared" / "fixtures" / "speech"
# name → is a disclosure spoken in it (fixtures/README.md: the last sentence of hongyan_long is one)
EXPECTED = {
    "disclosure": True,
    "disclosure_ai_letters": True,
    "hongyan_long": True,
    "nanfangju": False,
    "zhuanti": False,
}


def production(media: MediaProbe, engine: AsrEngine) -> SpokenReport:
    report = spoken_disclosures(transcribe(media, WorkContext(), engine), media)
    assert report is not None  # every fixture has audio
    return report


def fallback(media: MediaProbe, engine: AsrEngine) -> SpokenReport:
    return listen(media, engine, DEFAULT_RULES)


PATHS: dict[str, Callable[[MediaProbe, AsrEngine], SpokenReport]] = {
    "production (whole-track transcript → from_transcript)": production,
    "fallback (listen: opening and closing seconds)": fallback,
}


def measure(path: Callable[[MediaProbe, AsrEngine], SpokenReport], engine: AsrEngine, repeat: int) -> None:
    found_on: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}  # expected → [hits, runs]
    print(f"{'fixture':<24}{'expected':<10}{'found':<8}{'CPU RTF':<9}heard")
    for name, expected in EXPECTED.items():
        media = probe(SPEECH / f"{name}.flac")
        hits, heard, seconds = 0, "", 0.0
        for _ in range(repeat):
            started = time.process_time()
            report = path(media, engine)
            seconds += time.process_time() - started
            hits += bool(report.disclosures)
            heard = "".join(s["text"] for s in report.transcript)[-40:]
        rtf = seconds / repeat / (media.duration or 1.0)
        found_on[expected][0] += hits
        found_on[expected][1] += repeat
        print(f"{name:<24}{'yes' if expected else 'no':<10}{hits}/{repeat:<6}{rtf:<9.3f}…{heard}")
    detected, runs = found_on[True]
    false_alarms, ordinary = found_on[False]
    print(f"detection rate on spoken disclosures: {detected}/{runs} = {detected / runs:.2f}")
    print(f"false alarms on ordinary speech:      {false_alarms}/{ordinary} = {false_alarms / ordinary:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per fixture (the sampling fallback is seeded)"
    )
    args = parser.parse_args()
    engine = get_asr_engine()
    for title, path in PATHS.items():
        print(f"\n== {title}")
        measure(path, engine, args.repeat)


if __name__ == "__main__":
    main()
