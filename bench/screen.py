"""Whole-screening speed on a realistic work: 5 minutes of 1080p25 with burned-in subtitles and speech.

Usage: python bench/screen.py [--seconds 300] [--skip-parts]
Generates (once, cached under bench/out/) a 1080p25 H.264 file: moving test pattern, a static logo,
burned-in simplified subtitles timed to the speech, and an audio track of the speech fixtures in
../shared/fixtures/speech/ with pauses. Prints:
  - bare decode (`ffmpeg -v error -i F -f null -`) and the whole `guangying screen F --json`, both as
    wall time and real-time factor (goal ≤ 0.5 on the 2-core machine; stretch ≤ 0.25);
  - frames decoded (the full decode) vs samples taken and OCR calls made for burned-in subtitles;
  - ASR real-time factor (Whisper base int8 on the file's audio, model already loaded);
  - the subtitle sampling as its own pass vs riding on the technical full decode (GrayTap);
  - peak RSS (the largest process: `guangying screen` with its engines).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import resource
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samples.clips import Caption, ClipSpec, render_clip  # noqa: E402

SPEECH = ROOT.parent / "shared" / "fixtures" / "speech"
OUT = ROOT / "bench" / "out"
PAUSE = 2.0
PLAYLIST = ("hongyan_long", "nanfangju", "zhuanti")


def _texts() -> dict[str, str]:
    with (SPEECH / "texts.tsv").open(encoding="utf-8") as handle:
        return {row[0]: row[1] for row in csv.reader(handle, delimiter="\t") if row}


def _phrases(text: str) -> list[str]:
    """Subtitle-sized pieces: split at sentence and clause punctuation, merge very short ones."""
    pieces = [p for p in re.split(r"[，。！？；、]", text) if p]
    merged: list[str] = []
    for piece in pieces:
        if merged and len(merged[-1]) + len(piece) <= 10:
            merged[-1] += " " + piece
        else:
            merged.append(piece)
    return merged


def build_speech(seconds: float) -> tuple[Path, list[Caption]]:
    """Speech fixtures one after another with pauses, and captions spread over each utterance."""
    from faster_whisper import decode_audio

    texts = _texts()
    rate = 16_000
    audio: list[np.ndarray] = []
    captions: list[Caption] = []
    t = 0.5
    audio.append(np.zeros(int(0.5 * rate), np.float32))
    index = 0
    while t < seconds:
        name = PLAYLIST[index % len(PLAYLIST)]
        index += 1
        samples = decode_audio(str(SPEECH / f"{name}.flac"), rate)
        length = len(samples) / rate
        phrases = _phrases(texts[name])
        total = sum(len(p) for p in phrases)
        start = t
        for phrase in phrases:
            span = length * len(phrase) / total
            if start + span > seconds:
                break
            captions.append(Caption(phrase, round(start, 2), round(start + span, 2), size=56))
            start += span
        audio += [samples, np.zeros(int(PAUSE * rate), np.float32)]
        t += length + PAUSE
    pcm = np.concatenate(audio)[: int(seconds * rate)]
    path = OUT / f"speech-{int(seconds)}s.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((np.clip(pcm, -1, 1) * 32767).astype("<i2").tobytes())
    return path, captions


def bench_clip(seconds: float) -> Path:
    path = OUT / f"screen-{int(seconds)}s-1080p25.mp4"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        print(f"rendering {path.name} (once) …", flush=True)
        speech, captions = build_speech(seconds)
        logo = Caption("红色光影", size=40, x="w-text_w-50", y="50")
        spec = ClipSpec(
            seconds=seconds,
            captions=(*captions, logo),
            audio_file=speech,
            # A camera-like bitstream, as bench/technical.py uses.
            extra_output_args=("-preset", "faster", "-b:v", "8M", "-maxrate", "10M", "-bufsize", "10M"),
        )
        render_clip(path, spec)
    return path


def timed(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--skip-parts", action="store_true", help="only bare decode and the whole screen")
    args = parser.parse_args()
    clip = bench_clip(args.seconds)
    duration = args.seconds
    print(f"file: {clip.name} ({clip.stat().st_size / 1e6:.0f} MB, {duration:.0f} s 1080p25 H.264)")
    print(f"load average at start: {os.getloadavg()[0]:.2f} (2 cores, shared)")

    bare, _ = timed(
        lambda: subprocess.run(["ffmpeg", "-v", "error", "-i", str(clip), "-f", "null", "-"], check=True)
    )
    print(f"bare decode (ffmpeg -f null):     {bare:7.1f} s   RTF {bare / duration:.3f}")

    env = {**os.environ, "GUANGYING_DATA_DIR": str(OUT / "var"), "HF_HUB_OFFLINE": "1"}
    command = [str(Path(sys.executable).parent / "guangying"), "screen", "--json", str(clip)]
    whole, done = timed(lambda: subprocess.run(command, capture_output=True, text=True, env=env, check=False))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]  # type: ignore[attr-defined]
    if not lines:
        print(done.stderr[-3000:])  # type: ignore[attr-defined]
        raise SystemExit("guangying screen printed no JSON")
    result = json.loads(lines[-1])
    print(
        f"guangying screen (whole):         {whole:7.1f} s   RTF {whole / duration:.3f}"
        f"   (goal <= 0.5, stretch <= 0.25); {whole / bare:.2f}x the bare decode"
    )
    print(
        f"verdict: {result['verdict']}; "
        + ", ".join(f"{f['check']}={f['status']}" for f in result["findings"])
    )
    subs = next(f for f in result["findings"] if f["check"] == "subtitles")
    evidence = subs["evidence"]
    burned = next((s for s in evidence["sources"] if s["kind"] == "burned"), {})
    ocr = burned.get("ocr") or {}
    frames = (result["probe"].get("video") or {}).get("nb_frames")
    print(
        f"frames decoded (full decode): {frames}; band samples: {ocr.get('samples')}; "
        f"OCR calls: {ocr.get('ocr_calls')} ({ocr.get('ocr_seconds')} s OCR, "
        f"{ocr.get('detector_seconds')} s change detector); cues: {burned.get('cues')}"
    )
    print(
        f"subtitles: {subs['status']} — coverage {evidence.get('coverage')}, CER vs speech "
        f"{evidence.get('cer_vs_speech')}, speech {evidence.get('speech_seconds')} s"
    )
    print(f"peak RSS (largest process, guangying screen): {peak_mb:.0f} MB")
    if args.skip_parts:
        return

    from tasks.engines.asr import get_asr_engine
    from tasks.media.decode import full_decode, sample_gray
    from tasks.media.probe import probe
    from tasks.subtitles.run import burned_reader

    os.environ["GUANGYING_DATA_DIR"] = str(OUT / "var")
    load, engine = timed(get_asr_engine)
    cpu0 = time.process_time()
    asr_s, transcript = timed(lambda: engine.transcribe(clip))
    asr_cpu = time.process_time() - cpu0
    print(
        f"ASR (Whisper base int8, 2 threads): {asr_s:6.1f} s wall, {asr_cpu:.1f} CPU-s; "
        f"RTF {asr_s / duration:.3f}; model load {load:.1f} s; {len(transcript.segments)} segments"  # type: ignore[attr-defined]
    )

    media = probe(clip)
    plain, _ = timed(lambda: full_decode(clip, duration=duration))
    reader = burned_reader(media)
    separate, _ = timed(lambda: sample_gray(clip, reader.tap(), duration=duration))  # type: ignore[union-attr]
    reader2 = burned_reader(media)
    shared, _ = timed(lambda: full_decode(clip, duration=duration, tap=reader2.tap()))  # type: ignore[union-attr]
    print(f"technical full decode alone:            {plain:6.1f} s")
    print(
        f"subtitle sampling + OCR, own pass:      {separate:6.1f} s  "
        f"(sum with the full decode {plain + separate:.1f} s; {reader.stats.ocr_calls} OCR calls)"  # type: ignore[union-attr]
    )
    print(
        f"full decode with the subtitle tap + OCR: {shared:6.1f} s  "
        f"(saves {plain + separate - shared:.1f} s over two passes; {reader2.stats.ocr_calls} OCR calls)"  # type: ignore[union-attr]
    )


if __name__ == "__main__":
    main()
