"""What a screening check may know about the work beyond the video file itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True)
class WorkContext:
    """Known from the submission package (empty for `guangying screen` on bare files)."""

    title: str | None = None
    script_text: str | None = None  # the final 文稿, as plain text
    form_text: str | None = None  # the 登记表's free text (团队情况, 简介): may declare AI use
    sidecar_subtitles: tuple[Path, ...] = field(default_factory=tuple)
    submission_id: str | None = None
