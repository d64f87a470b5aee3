"""Recognised subtitles corrected against the 文稿 (pure).

OCR of burned-in text and Whisper misread characters (「跟竞走」 for 跟党走), split one line shown for
2.7 s into several short cues, and read the same line twice. The package's 文稿 has the right
wording. `correct_cues`:

1. cuts the 文稿 into clauses (at sentence and clause punctuation and line breaks) and makes the
   candidates a cue may be: one clause, or two or three clauses in a row;
2. takes for each cue the candidate nearest to its text (rapidfuzz, on the normal form screening
   compares in); where the OCR reading is a near match (similarity ≥ `NEAR`), the cue takes the
   文稿's wording, else it keeps what was read;
3. merges cues in a row that read the same line (the same text, or the same corrected text) into
   one spanning them, and stretches each cue to the next one when the gap between them is shorter
   than one OCR sampling step (the text was on screen the whole time);
4. measures what still disagrees with the 文稿 (screening's measure: 1 − LCS / subtitle length).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from tasks.chinese import normalise_for_cer
from tasks.subtitles.model import Cue
from tasks.subtitles.speech import script_mismatch

NEAR = 60.0  # rapidfuzz ratio (0–100) from which a reading is the 文稿's line misread
SAME_LINE = 85.0  # two cues in a row this similar read the same line
STRETCH_GAP = 1.0  # s: a gap shorter than this between two cues is the sampling step, not a pause
MAX_MISMATCH = 0.1  # share of subtitle characters not in the 文稿 above which cues are held
_CLAUSE = re.compile(r"[^，,。．.！!？?；;：:、\n\r]+")


@dataclass(frozen=True, slots=True)
class Correction:
    cues: tuple[Cue, ...]
    corrected: int  # cues whose wording came from the 文稿
    merged: int  # cues folded into their neighbour (the same line read twice)
    mismatch: float | None  # share of characters that still disagree with the 文稿 (None: nothing to compare)


def clauses(script: str) -> list[str]:
    """The 文稿's clauses as written (without their punctuation)."""
    return [c.strip() for c in _CLAUSE.findall(script) if normalise_for_cer(c)]


def _candidates(parts: Sequence[str]) -> list[str]:
    found = []
    for size in (1, 2, 3):
        for start in range(len(parts) - size + 1):
            found.append("，".join(parts[start : start + size]))
    return list(dict.fromkeys(found))


def _best(text: str, candidates: Sequence[str], normal: Sequence[str]) -> tuple[str, float]:
    reading = normalise_for_cer(text)
    best, score = text, 0.0
    for candidate, form in zip(candidates, normal, strict=True):
        value = fuzz.ratio(reading, form)
        if value > score:
            best, score = candidate, value
    return best, score


def _merge(cues: Sequence[Cue]) -> tuple[list[Cue], int]:
    merged: list[Cue] = []
    for cue in cues:
        if merged:
            last = merged[-1]
            same = fuzz.ratio(normalise_for_cer(last.text), normalise_for_cer(cue.text)) >= SAME_LINE
            if same and cue.start - last.end <= STRETCH_GAP:
                longer = cue.text if len(cue.text) > len(last.text) else last.text
                merged[-1] = Cue(last.start, max(last.end, cue.end), longer)
                continue
        merged.append(cue)
    return merged, len(cues) - len(merged)


def _stretch(cues: Sequence[Cue]) -> list[Cue]:
    out = list(cues)
    for index in range(len(out) - 1):
        cue, following = out[index], out[index + 1]
        if 0 < following.start - cue.end <= STRETCH_GAP:
            out[index] = Cue(cue.start, following.start, cue.text)
    return out


def correct_cues(cues: Sequence[Cue], script: str | None) -> Correction:
    """Pure: the cues with the 文稿's wording where they are near it, duplicates merged, stretched."""
    ordered = sorted(cues, key=lambda c: (c.start, c.end))
    merged, folded = _merge(ordered)
    corrected = 0
    if script and clauses(script):
        candidates = _candidates(clauses(script))
        normal = [normalise_for_cer(c) for c in candidates]
        fixed = []
        for cue in merged:
            wording, score = _best(cue.text, candidates, normal)
            if score >= NEAR and normalise_for_cer(wording) != normalise_for_cer(cue.text):
                fixed.append(Cue(cue.start, cue.end, wording))
                corrected += 1
            elif score >= NEAR:
                fixed.append(Cue(cue.start, cue.end, wording))
            else:
                fixed.append(cue)
        merged, more = _merge(fixed)
        folded += more
    final = tuple(_stretch(merged))
    mismatch = script_mismatch(final, script) if script else None
    return Correction(final, corrected, folded, mismatch)
