"""Subtitles against speech and against the 文稿: coverage of the speech, character error rates,
and the hotwords that help Whisper with the names of the work's domain."""

from __future__ import annotations

from collections.abc import Sequence

import regex
from rapidfuzz.distance import LCSseq, Levenshtein

from tasks.chinese import normalise_for_cer, to_simplified
from tasks.context import WorkContext
from tasks.engines.asr import Transcript
from tasks.subtitles.model import Cue

SLACK = 0.3  # s: subtitle timing and the 0.5-s sampling of burned-in text are not frame-exact

# Names Whisper base mishears as homophones (洪岩/红岩, 江戒/江姐): offered as hotwords whenever the
# title or 文稿 uses them. Only terms the work itself uses are offered, so a prompt echoed on unclear
# audio cannot invent a subject.
DOMAIN_TERMS = (
    "红岩",
    "红岩村",
    "红岩精神",
    "南方局",
    "周恩来",
    "毛泽东",
    "邓小平",
    "江姐",
    "渣滓洞",
    "白公馆",
    "歌乐山",
    "曾家岩",
    "重庆谈判",
    "双十协定",
    "新华日报",
    "八路军",
    "国统区",
    "党史",
    "烈士",
    "革命",
    "人工智能",
)
_HAN_RUN = regex.compile(r"\p{Han}{2,}")


def hotwords(context: WorkContext, limit: int = 100) -> str | None:
    """Title, the domain terms the work uses, and the 文稿's longer phrases, within `limit` characters."""
    parts: list[str] = []
    known = to_simplified(" ".join(t for t in (context.title, context.script_text) if t))
    if context.title:
        parts.append(to_simplified(context.title).strip())
    parts += [term for term in DOMAIN_TERMS if term in known]
    result: list[str] = []
    size = 0
    for part in dict.fromkeys(p for p in parts if p):
        if size + len(part) > limit:
            break
        result.append(part)
        size += len(part) + 1
    return " ".join(result) or None


def _merge(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def speech_intervals(transcript: Transcript) -> list[tuple[float, float]]:
    """Where words are spoken (word timestamps; the segment when Whisper gave none)."""
    spans: list[tuple[float, float]] = []
    for segment in transcript.segments:
        if segment.words:
            spans += [(w.start, w.end) for w in segment.words if normalise_for_cer(w.text)]
        else:
            spans.append((segment.start, segment.end))
    return _merge(spans)


def _overlap(a: Sequence[tuple[float, float]], b: Sequence[tuple[float, float]]) -> float:
    total, j = 0.0, 0
    for start, end in a:
        while j < len(b) and b[j][1] <= start:
            j += 1
        k = j
        while k < len(b) and b[k][0] < end:
            total += max(0.0, min(end, b[k][1]) - max(start, b[k][0]))
            k += 1
    return total


def coverage(cues: Sequence[Cue], speech: Sequence[tuple[float, float]]) -> float | None:
    """Share of the speech time during which some subtitle is on screen; None without speech."""
    spoken = sum(end - start for start, end in speech)
    if spoken <= 0:
        return None
    shown = _merge([(c.start - SLACK, c.end + SLACK) for c in cues])
    return min(1.0, _overlap(speech, shown) / spoken)


def speech_cer(cues: Sequence[Cue], transcript: Transcript) -> float | None:
    """CER of what Whisper heard against what the subtitles say, over the time both cover.

    The subtitles are the reference (what the authors meant); Whisper base's own error on clean
    Mandarin is 0.12–0.21, so only a large value means the two disagree.
    """
    shown = _merge([(c.start - SLACK, c.end + SLACK) for c in cues])
    heard = []
    for segment in transcript.segments:
        words = segment.words or ()
        for word in words:
            middle = (word.start + word.end) / 2
            if any(a <= middle <= b for a, b in shown):
                heard.append(word.text)
    spoken = speech_intervals(transcript)
    said = [c.text for c in cues if _overlap([(c.start - SLACK, c.end + SLACK)], spoken) > 0]
    reference = normalise_for_cer("".join(said))
    if not reference:
        return None
    return Levenshtein.distance(reference, normalise_for_cer("".join(heard))) / len(reference)


def script_mismatch(cues: Sequence[Cue], script_text: str) -> float | None:
    """Share of subtitle characters that do not follow the 文稿 (1 − LCS / subtitle length).

    The 文稿 may hold more than is said (headings, shot notes): text it has that the subtitles
    lack is not an error here, only subtitle text it lacks.
    """
    subtitles = normalise_for_cer("".join(c.text for c in cues))
    script = normalise_for_cer(script_text)
    if not subtitles or not script:
        return None
    return 1.0 - LCSseq.similarity(subtitles, script) / len(subtitles)
