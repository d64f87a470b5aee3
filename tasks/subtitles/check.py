"""The `subtitles` verdict (notice 四（二）「字幕应为中文简体字」): pure, from what was read and heard.

fail  — any cue holds a traditional-only character (strict OpenCC set, tasks/chinese.py);
warn  — speech without subtitles, subtitles covering too little of the speech, subtitles that
        disagree strongly with the speech or the 文稿, subtitles that are not Chinese, a subtitle
        source that cannot be read;
error — an engine could not run and nothing decisive was found;
pass  — otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tasks.chinese import han_ratio, suggest_simplified, traditional_only_chars
from tasks.engines.asr import Transcript
from tasks.findings import Check, Finding, Status
from tasks.rules import ContestRules
from tasks.subtitles.model import Cue, SubtitleTrack, fmt_time
from tasks.subtitles.speech import coverage, script_mismatch, speech_cer, speech_intervals

STAGE = "subtitles"
RULE = "规则：字幕应为中文简体字"
MAX_LISTED = 8  # cues spelled out in the message; evidence has them all
MAX_EVIDENCE_CUES = 200
EXCERPT_CHARS = 200


@dataclass(frozen=True, slots=True)
class BadCue:
    source: str
    cue: Cue
    characters: tuple[str, ...]
    suggestion: str

    def describe(self) -> str:
        return (
            f"{fmt_time(self.cue.start)}–{fmt_time(self.cue.end)}「{self.cue.text}」"
            f"含繁体字{'、'.join(self.characters)}，建议改为「{self.suggestion}」"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "start": self.cue.start,
            "end": self.cue.end,
            "text": self.cue.text,
            "traditional": list(self.characters),
            "suggestion": self.suggestion,
        }


def bad_cues(tracks: Sequence[SubtitleTrack]) -> list[BadCue]:
    found = []
    for track in tracks:
        for cue in track.cues:
            characters = traditional_only_chars(cue.text)
            if characters:
                found.append(BadCue(track.describe(), cue, tuple(characters), suggest_simplified(cue.text)))
    return found


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


@dataclass(frozen=True, slots=True)
class Measured:
    """What the subtitle check measured, before it judges."""

    readable: list[SubtitleTrack]  # tracks with cues
    cues: list[Cue]  # every readable cue, in time order
    speech_seconds: float
    has_speech: bool  # enough speech that subtitles are expected
    covered: float | None  # share of the speech time under a cue
    cer_by_track: dict[str, float]  # character error rate against what Whisper heard
    mismatch_by_track: dict[str, float]  # share of characters not in the 文稿


def measure(
    tracks: Sequence[SubtitleTrack],
    transcript: Transcript | None,
    rules: ContestRules,
    script_text: str | None,
) -> Measured:
    readable = [t for t in tracks if t.cues]
    cues = sorted((c for t in readable for c in t.cues), key=lambda c: c.start)
    speech = speech_intervals(transcript) if transcript is not None else []
    speech_seconds = sum(b - a for a, b in speech)
    has_speech = speech_seconds >= rules.subtitle_min_speech_seconds
    chinese_speech = transcript is not None and transcript.language in ("zh", "yue")
    cer_by_track: dict[str, float] = {}
    if has_speech and chinese_speech and transcript is not None:
        for track in readable:
            if (value := speech_cer(track.cues, transcript)) is not None:
                cer_by_track[track.describe()] = round(value, 3)
    mismatch_by_track: dict[str, float] = {}
    for track in readable if script_text else []:
        if (value := script_mismatch(track.cues, script_text or "")) is not None:
            mismatch_by_track[track.describe()] = round(value, 3)
    return Measured(
        readable=readable,
        cues=cues,
        speech_seconds=speech_seconds,
        has_speech=has_speech,
        covered=coverage(cues, speech) if has_speech else None,
        cer_by_track=cer_by_track,
        mismatch_by_track=mismatch_by_track,
    )


def _evidence(
    tracks: Sequence[SubtitleTrack],
    transcript: Transcript | None,
    measured: Measured,
    problems: Sequence[str],
) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "sources": [t.summary() for t in tracks],
        "cues": [
            {"source": t.describe(), "start": c.start, "end": c.end, "text": c.text}
            for t in measured.readable
            for c in t.cues
        ][:MAX_EVIDENCE_CUES],
        "speech_seconds": round(measured.speech_seconds, 1),
    }
    if transcript is not None:
        evidence["speech_language"] = transcript.language
        evidence["speech_language_probability"] = transcript.language_probability
        evidence["transcript_excerpt"] = transcript.text[:EXCERPT_CHARS]
    if measured.covered is not None:
        evidence["coverage"] = round(measured.covered, 3)
    if measured.cer_by_track:
        evidence["cer_vs_speech"] = measured.cer_by_track
    if measured.mismatch_by_track:
        evidence["mismatch_vs_script"] = measured.mismatch_by_track
    if problems:
        evidence["problems"] = list(problems)
    return evidence


def _warnings(tracks: Sequence[SubtitleTrack], measured: Measured, rules: ContestRules) -> list[str]:
    """What a person should look at: unreadable sources, non-Chinese text, speech without (enough)
    subtitles, subtitles far from the speech or from the 文稿."""
    warnings = [f"{t.describe()}{t.problem}，请人工查看" for t in tracks if t.problem]
    readable, covered = measured.readable, measured.covered
    chinese = [t for t in readable if han_ratio(t.text) >= rules.subtitle_min_han_ratio]
    if readable and not chinese:
        ratios = "、".join(f"{t.describe()}汉字占{_pct(han_ratio(t.text))}" for t in readable)
        warnings.append(f"字幕不是中文（{ratios}），{RULE}")
    if measured.has_speech and not readable:
        warnings.append(
            f"检测到约{measured.speech_seconds:.0f}秒语音，但未发现字幕（内嵌字幕轨、字幕文件、画面字幕均未找到）；"
            f"{RULE}，请确认是否需要添加字幕"
        )
    elif covered is not None and covered < rules.subtitle_min_speech_coverage:
        warnings.append(
            f"字幕只覆盖了{_pct(covered)}的语音时长（约{measured.speech_seconds:.0f}秒语音），"
            f"低于{_pct(rules.subtitle_min_speech_coverage)}，可能有语音段落缺少字幕"
        )
    cer, mismatch = measured.cer_by_track, measured.mismatch_by_track
    if cer and min(cer.values()) > rules.subtitle_max_speech_cer:
        name, value = min(cer.items(), key=lambda item: item[1])
        warnings.append(
            f"字幕与语音内容差异较大（{name}与语音识别结果的字符错误率为{_pct(value)}，"
            f"超过{_pct(rules.subtitle_max_speech_cer)}），请核对字幕是否与配音一致"
        )
    if mismatch and min(mismatch.values()) > rules.subtitle_max_script_mismatch:
        name, value = min(mismatch.items(), key=lambda item: item[1])
        warnings.append(
            f"字幕与文稿差异较大（{name}有{_pct(value)}的字与文稿不符，"
            f"超过{_pct(rules.subtitle_max_script_mismatch)}），请核对字幕与最终文稿是否一致"
        )
    return warnings


def _passed(measured: Measured) -> str:
    if not measured.readable:
        return "未检测到语音，也未发现字幕，无需字幕检查"
    sources = "、".join(t.describe() for t in measured.readable)
    parts = [f"字幕为简体中文（{len(measured.cues)}条，来源：{sources}），未发现繁体字"]
    if measured.covered is not None:
        parts.append(f"覆盖{_pct(measured.covered)}的语音时长")
    if measured.cer_by_track:
        parts.append(f"与语音识别结果的字符错误率{_pct(min(measured.cer_by_track.values()))}")
    if measured.mismatch_by_track:
        parts.append(f"与文稿不符的字占{_pct(min(measured.mismatch_by_track.values()))}")
    return "，".join(parts)


def subtitle_finding(
    tracks: Sequence[SubtitleTrack],
    transcript: Transcript | None,
    rules: ContestRules,
    *,
    script_text: str | None = None,
    problems: Sequence[str] = (),
    extra_evidence: dict[str, Any] | None = None,
) -> Finding:
    """Traditional-only characters fail; what a person should look at warns; else pass.
    `problems`: engines or sources that could not run (Chinese, for people)."""
    measured = measure(tracks, transcript, rules, script_text)
    evidence = {**_evidence(tracks, transcript, measured, problems), **(extra_evidence or {})}

    def finding(status: Status, message: str) -> Finding:
        return Finding(Check.SUBTITLES, status, message, evidence, stage=STAGE)

    bad = bad_cues(measured.readable)
    if bad:
        evidence["traditional_cues"] = [b.as_dict() for b in bad]
        characters = list(dict.fromkeys(c for b in bad for c in b.characters))
        listed = "；".join(b.describe() for b in bad[:MAX_LISTED])
        more = f"；另有{len(bad) - MAX_LISTED}条，见明细" if len(bad) > MAX_LISTED else ""
        return finding(
            Status.FAIL,
            f"字幕中有{len(bad)}条含繁体字（共{len(characters)}个：{'、'.join(characters)}），"
            f"{RULE}。{listed}{more}。请改为简体字后重新提交",
        )
    warnings = _warnings(tracks, measured, rules)
    if problems and not measured.readable and not measured.has_speech:
        return finding(Status.ERROR, "字幕检查未能完成：" + "；".join(problems) + "。请人工查看")
    warnings += [f"{p}，相关检查未完成" for p in problems]
    if warnings:
        return finding(Status.WARN, "；".join(warnings) + "。")
    return finding(Status.PASS, _passed(measured))
