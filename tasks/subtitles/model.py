"""Value types of the subtitle check: cues, the tracks they come in, and where each track came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class SourceKind(StrEnum):
    SOFT = "soft"  # a subtitle stream in the container
    SIDECAR = "sidecar"  # a .srt/.ass/.vtt file in the package
    BURNED = "burned"  # text in the picture, read by OCR


SOURCE_LABELS: dict[str, str] = {
    SourceKind.SOFT: "内嵌字幕轨",
    SourceKind.SIDECAR: "字幕文件",
    SourceKind.BURNED: "画面字幕（OCR识别）",
}


@dataclass(frozen=True, slots=True)
class Cue:
    start: float
    end: float
    text: str

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass(frozen=True, slots=True)
class SubtitleTrack:
    """One source of subtitles. `problem` is set when the source exists but could not be read."""

    kind: SourceKind
    label: str  # stream index and codec, file name, or the band's position
    cues: tuple[Cue, ...] = ()
    details: dict[str, object] = field(default_factory=dict)  # encoding, codec, language tag, OCR stats…
    problem: str | None = None  # Chinese, for people

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.cues)

    def describe(self) -> str:
        return f"{SOURCE_LABELS[self.kind]}（{self.label}）"

    def summary(self) -> dict[str, object]:
        return {
            "kind": str(self.kind),
            "label": self.label,
            "cues": len(self.cues),
            "seconds": round(sum(c.seconds for c in self.cues), 2),
            **({"problem": self.problem} if self.problem else {}),
            **self.details,
        }


def fmt_time(seconds: float) -> str:
    """00:01:02.5 style, for messages and evidence people read."""
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours):02d}:{int(minutes):02d}:{secs:04.1f}"
