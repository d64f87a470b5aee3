"""Screening one video file: the technical stage's I/O (probe, the one decode) around the pure rules.

The Prefect flow in `flows/screen.py` calls these same functions as tasks; `guangying screen`
runs that flow, so the CLI and the deployments share one code path.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tasks.aigc.frames import label_branch, save_times
from tasks.aigc.spoken import HOTWORDS as DISCLOSURE_HOTWORDS
from tasks.aigc.stage import sampling_rules
from tasks.aigc.visual import sample_plan
from tasks.config import get_settings
from tasks.context import WorkContext
from tasks.engines.asr import Transcript
from tasks.engines.ocr import OcrEngine
from tasks.findings import Check, Finding, Status, Verdict, verdict
from tasks.judging.originality import Signature, signature_branch, signature_from_raw
from tasks.media.decode import DecodeReport, GrayTap, RawBranch, full_decode
from tasks.media.probe import MediaProbe, ProbeError, min_fps_per_second, probe
from tasks.rules import ContestRules
from tasks.scratch import scratch_folder
from tasks.subtitles import run as subtitles
from tasks.subtitles.model import SubtitleTrack
from tasks.technical import check_unreadable, technical_findings

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ScreenResult:
    file: str
    probe: MediaProbe | None
    findings: list[Finding] = field(default_factory=list)
    # The originality signature, made during the one decode; stored with the findings.
    signature: Signature | None = None

    @property
    def verdict(self) -> Verdict:
        return verdict(self.findings)

    def to_json(self) -> dict[str, Any]:
        """The `guangying screen --json` contract (design brief, command line)."""
        return {
            "file": self.file,
            "verdict": str(self.verdict),
            "probe": self.probe.summary() if self.probe else {},
            "findings": [f.to_dict() for f in self.findings],
        }


def missing_file(path: Path) -> ScreenResult | None:
    """The result for a path that is not a regular file (nothing to screen), else None."""
    if path.is_file():
        return None
    missing = Finding(Check.INTEGRITY, Status.FAIL, f"找不到文件：{path}（不存在或不是普通文件）")
    return ScreenResult(file=str(path), probe=None, findings=[missing])


def probe_or_findings(path: Path) -> MediaProbe | list[Finding]:
    """The probe, or the findings that explain why the file cannot be read as media."""
    size = path.stat().st_size
    if size == 0:
        return check_unreadable(0, ProbeError(path, "empty file"))
    try:
        return probe(path)
    except ProbeError as exc:
        return check_unreadable(size, exc)


def decode(
    media: MediaProbe,
    rules: ContestRules,
    tap: GrayTap | None = None,
    branches: tuple[RawBranch, ...] = (),
) -> DecodeReport | None:
    if media.video is None:
        return None
    return full_decode(
        Path(media.path),
        duration=media.duration,
        black_min=rules.black_min_seconds,
        freeze_min=rules.freeze_min_seconds,
        tap=tap,
        branches=branches,
    )


@dataclass(slots=True)
class DecodeOutcome:
    report: DecodeReport | None
    burned: SubtitleTrack | None = None  # burned-in subtitles read during the same pass
    problems: list[str] = field(default_factory=list)
    signature: Signature | None = None  # originality thumbnails made during the same pass


def decode_reading_subtitles(
    media: MediaProbe,
    rules: ContestRules,
    ocr: OcrEngine | None = None,
    label_frames: Path | None = None,
) -> DecodeOutcome:
    """The one full decode, with every consumer of frames riding on it as a branch: the burned-in
    subtitle reader, the originality signature and, given a folder in `label_frames`, the AI-label
    frames (left there for `aigc.frames.DecodedFrames.load`). Decoding dominates the cost of
    screening; each of them reading the file itself would decode it again.

    An OCR failure inside that pass must not cost the technical findings: the decode is then run
    again without the reader and the failure becomes a problem of the subtitle check. A decode
    that did not complete leaves no signature (judging computes it from the file, as before) and
    no label frames (the AI-label check reads them itself).
    """
    if media.video is None:
        return DecodeOutcome(None)
    # The folder is the flow's: a Dask worker on another machine does not have it (no branch then).
    wanted = label_frames is not None and label_frames.is_dir()
    plan = sample_plan(media, sampling_rules(media, rules)) if wanted else None
    with scratch_folder(get_settings().data_dir, "decode") as folder:
        branches = [signature_branch(folder / "signature.gray")]
        if plan is not None and label_frames is not None:
            branches.append(label_branch(label_frames, plan))
        outcome = _decode_with_reader(media, rules, ocr, tuple(branches))
        if outcome.report is not None and not outcome.report.completed and not outcome.report.timed_out:
            # The integrity verdict must be the file's, never a side branch's (a full scratch disk):
            # a decode that failed is confirmed without the branches (broken files fail fast).
            outcome.report = decode(media, rules)
            return outcome
        if outcome.report is not None and outcome.report.completed:
            outcome.signature = signature_from_raw(branches[0].read_bytes())
            if plan is not None and label_frames is not None:
                save_times(label_frames, plan, outcome.report.shown)
    return outcome


def _decode_with_reader(
    media: MediaProbe, rules: ContestRules, ocr: OcrEngine | None, branches: tuple[RawBranch, ...]
) -> DecodeOutcome:
    try:
        reader = subtitles.burned_reader(media, ocr)
        if reader is not None:
            return DecodeOutcome(decode(media, rules, reader.tap(), branches), reader.track())
    except Exception as exc:
        log.exception("burned-in subtitle OCR failed")
        return DecodeOutcome(
            decode(media, rules, branches=branches),
            problems=[f"画面字幕识别（OCR）出错：{type(exc).__name__}"],
        )
    return DecodeOutcome(decode(media, rules, branches=branches))


def transcribe(media: MediaProbe, context: WorkContext) -> Transcript | None:
    """One Whisper pass over the whole track serves the subtitle check and the search for spoken AI
    disclosures, so the hotwords carry both the work's names and the disclosure's words."""
    return subtitles.transcribe(media, context, extra_hotwords=DISCLOSURE_HOTWORDS)


def slowest_second(media: MediaProbe) -> float | None:
    if media.video is None or not media.video.variable_frame_rate:
        return None
    return min_fps_per_second(Path(media.path), media.video.index)


def technical(path: Path, rules: ContestRules, name: str | None = None) -> ScreenResult:
    """The whole technical stage of one file, without Prefect (used by tests and benchmarks)."""
    measured = probe_or_findings(path)
    if isinstance(measured, list):
        return ScreenResult(file=str(path), probe=None, findings=measured)
    report = decode(measured, rules)
    findings = technical_findings(measured, name or path.name, report, rules, slowest_second(measured))
    return ScreenResult(file=str(path), probe=measured, findings=findings)


def subtitle_check(
    media: MediaProbe, context: WorkContext, rules: ContestRules, *, ocr: OcrEngine | None = None
) -> tuple[Finding, list[SubtitleTrack], Transcript | None]:
    """The subtitle check as the screening flow runs it, without Prefect (tests and benches): the
    burned-in band read during the one full decode, the shared Whisper pass, the text sources, the
    verdict. Engine failures become problems of the check, never a traceback."""
    outcome = decode_reading_subtitles(media, rules, ocr)
    problems = list(outcome.problems)
    tracks = subtitles.text_tracks(media, context)
    if outcome.burned is not None:
        tracks.append(outcome.burned)
    try:
        transcript = transcribe(media, context) if media.audio_codecs else None
    except Exception as exc:
        log.exception("speech recognition failed")
        transcript, problems = None, [*problems, f"语音识别出错：{type(exc).__name__}"]
    finding = subtitles.subtitle_finding(
        tracks, transcript, rules, script_text=context.script_text, problems=problems
    )
    return finding, tracks, transcript
