"""Whisper's search settings against accuracy on the speech fixtures (../shared/fixtures/speech).

Usage: python bench/whisper.py [--only NAME ...] [--cases NAME ...] [--threads N]
For each setting (beam size, temperature fallback chain) prints, per fixture and in total: CPU
seconds of the transcription (this process, all threads), the character error rate against the
exact text (after t2s and normalisation), and whether a spoken AI disclosure was found, as
`from_transcript` (the screening path) finds it. Besides the fixtures: a 2-second clip (the first
1.5 s of hongyan_long after 0.5 s of silence, as in bench/pipeline.py's short work), a cut-off
disclosure (its first 60 %) and 2 s of the 440-Hz tone test clips carry, the audio on which the
fallback chain used to cost the most.
The CPU figures are also given × the default settings' total, measured in the same run.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.aigc.spoken import HOTWORDS, from_transcript  # noqa: E402
from tasks.chinese import normalise_for_cer  # noqa: E402
from tasks.config import get_settings  # noqa: E402
from tasks.engines.asr import DEFAULT_DECODE, SAMPLE_RATE, DecodeSettings, WhisperEngine, whisper_model_dir  # noqa: E402

SPEECH = ROOT.parent / "shared" / "fixtures" / "speech"
FASTER_WHISPER_DEFAULTS = DecodeSettings(
    beam_size=5, temperatures=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), best_of=5, log_prob_threshold=-1.0
)
SETTINGS = {
    "faster-whisper defaults (beam 5, 6 temperatures)": FASTER_WHISPER_DEFAULTS,
    "chosen (DEFAULT_DECODE)": DEFAULT_DECODE,
    "beam 5, no fallback": replace(DEFAULT_DECODE, temperatures=(0.0,)),
    "beam 4, one retry": replace(DEFAULT_DECODE, beam_size=4),
    "beam 3, one retry": replace(DEFAULT_DECODE, beam_size=3),
    "beam 2, one retry": replace(DEFAULT_DECODE, beam_size=2),
    "one window after another (batch_size 0)": replace(DEFAULT_DECODE, batch_size=0),
    "batched 8": replace(DEFAULT_DECODE, batch_size=8),
    "beam 1 (greedy), one retry": replace(DEFAULT_DECODE, beam_size=1),
    "beam 5, one retry, no word timestamps": replace(DEFAULT_DECODE, word_timestamps=False),
}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cases() -> dict[str, tuple[np.ndarray, str]]:
    from faster_whisper import decode_audio

    with (SPEECH / "texts.tsv").open(encoding="utf-8") as handle:
        texts = {row[0]: row[1] for row in csv.reader(handle, delimiter="\t") if row}
    audio = {name: decode_audio(str(SPEECH / f"{name}.flac"), SAMPLE_RATE) for name in texts}
    out = {name: (audio[name], texts[name]) for name in texts}
    head = audio["hongyan_long"][: int(1.5 * SAMPLE_RATE)]
    out["short_2s"] = (np.concatenate([np.zeros(SAMPLE_RATE // 2, np.float32), head]), "")
    cut = audio["disclosure"]
    out["disclosure_cut"] = (cut[: int(len(cut) * 0.6)], "")
    # The 440-Hz tone of the clips tests render (samples/clips.py): no speech at all.
    t = np.arange(2 * SAMPLE_RATE, dtype=np.float32) / SAMPLE_RATE
    out["tone_2s"] = ((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), "")
    return out


def cer(heard: str, text: str) -> float | None:
    reference = normalise_for_cer(text)
    if not reference:
        return None
    return Levenshtein.distance(reference, normalise_for_cer(heard)) / len(reference)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*", help="setting names (substrings) to run")
    parser.add_argument("--cases", nargs="*", help="fixtures (and short_2s, disclosure_cut) to run")
    parser.add_argument(
        "--threads", type=int, default=None, help="CTranslate2 threads (default: the engine's)"
    )
    args = parser.parse_args()
    model = whisper_model_dir(get_settings().resolved_cache_dir)
    engine = WhisperEngine(model) if args.threads is None else WhisperEngine(model, cpu_threads=args.threads)
    data = {name: case for name, case in cases().items() if not args.cases or name in args.cases}
    engine.transcribe(np.zeros(SAMPLE_RATE, np.float32), hotwords=HOTWORDS)  # warm-up
    baseline = None
    for label, settings in SETTINGS.items():
        if args.only and not any(o in label for o in args.only):
            continue
        engine.settings = settings
        total = 0.0
        rows = []
        for name, (samples, text) in data.items():
            before = _cpu()
            transcript = engine.transcribe(samples, hotwords=HOTWORDS)
            spent = _cpu() - before
            total += spent
            error = cer(transcript.text, text)
            disclosed = bool(from_transcript(transcript).disclosures)
            rows.append(
                f"  {name:22s} {spent:6.1f} CPU-s  CER {'—' if error is None else f'{error:.3f}'}"
                f"  disclosure {'yes' if disclosed else 'no '}  「{transcript.text[:40]}」"
            )
        baseline = baseline or total
        print(f"{label}: {total:.1f} CPU-s ({total / baseline:.2f}× the first setting)", flush=True)
        print("\n".join(rows), flush=True)


if __name__ == "__main__":
    main()
