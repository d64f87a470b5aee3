"""Screening one video file: the steps' I/O (probe, the one decode, Whisper, the text sources)
around the pure rules, and the one composition of those steps (`screen_file`).

Who runs a step is the caller's choice (`Steps`): the Prefect flow in `flows/screen.py` submits each
as a task (retries, tags, its task runner); `LocalSteps` calls the same functions in threads without
Prefect (`guangying screen` without `--record`, the tests, the benches). The order, the gating and
what a failed step becomes are decided here once, so every caller screens a file the same way.
Every step takes the `ProbedFile` (what all steps of one file share) and its own one or two inputs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from tasks.aigc.frames import DecodedFrames, label_branch, save_times
from tasks.aigc.spoken import HOTWORDS as DISCLOSURE_HOTWORDS
from tasks.aigc.spoken import SpokenReport, from_transcript
from tasks.aigc.stage import SaveCrop, sampling_rules, screen_aigc
from tasks.aigc.visual import sample_plan
from tasks.config import get_settings
from tasks.context import WorkContext
from tasks.engines.asr import AsrEngine, Transcript
from tasks.engines.ocr import OcrEngine
from tasks.findings import Check, Finding, Status, Verdict, verdict
from tasks.judging.originality import Signature, signature_branch, signature_from_raw
from tasks.media.decode import DecodeReport, GrayTap, RawBranch, full_decode
from tasks.media.probe import MediaProbe, ProbeError, min_fps_per_second, probe
from tasks.rules import DEFAULT_RULES, ContestRules
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
    # What the subtitle check read and heard (its exports, tests); not part of the JSON contract.
    tracks: list[SubtitleTrack] = field(default_factory=list)
    transcript: Transcript | None = None

    @property
    def verdict(self) -> Verdict:
        return verdict(self.findings)

    def finding(self, check: Check) -> Finding:
        return next(f for f in self.findings if f.check == check)

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


def transcribe(media: MediaProbe, context: WorkContext, engine: AsrEngine | None = None) -> Transcript | None:
    """One Whisper pass over the whole track serves the subtitle check and the search for spoken AI
    disclosures, so the hotwords carry both the work's names and the disclosure's words. None when
    the file has no audio stream."""
    return subtitles.transcribe(media, context, engine, extra_hotwords=DISCLOSURE_HOTWORDS)


def spoken_disclosures(transcript: Transcript | None, media: MediaProbe) -> SpokenReport | None:
    """The production spoken-disclosure path: disclosures anywhere in the whole-track transcript.
    None when audio exists but no transcript could be made: the AI-label check then hears the
    opening and closing seconds itself (`aigc.spoken.listen`)."""
    if transcript is None and media.audio_codecs:
        return None
    return from_transcript(transcript)


@dataclass(frozen=True, slots=True)
class ProbedFile:
    """What every step of one file's screening shares, once the file is probed: each step takes this
    and its own one or two inputs, so a step's signature is written once. Plain, picklable values:
    the flow's tasks take it to their task runner (threads, or a Dask worker in another process)."""

    path: Path
    name: str  # the name the submitter gave the file (the technical rules read it)
    context: WorkContext
    rules: ContestRules
    media: MediaProbe
    # Where the one decode leaves the AI-label frames; None (or a folder a remote worker lacks):
    # the label check reads the frames from the file itself.
    label_frames: Path | None = None


def aigc_check(
    probed: ProbedFile,
    spoken: SpokenReport | None,
    *,
    ocr: OcrEngine | None = None,
    asr: AsrEngine | None = None,
    save_crop: SaveCrop | None = None,
) -> Finding:
    """The AI-label check on the frames the one decode left in `label_frames` (read from the file
    when they are missing: a decode that stopped short, a Dask worker on another machine)."""
    folder = probed.label_frames
    frames = DecodedFrames.load(folder) if folder is not None else None
    return screen_aigc(
        probed.media,
        probed.context,
        probed.rules,
        ocr=ocr,
        asr=asr,
        save_crop=save_crop,
        spoken=spoken,
        frames=frames,
    )


def subtitle_verdict(
    probed: ProbedFile,
    tracks: list[SubtitleTrack],
    transcript: Transcript | None,
    problems: list[str],
    extra_evidence: dict[str, Any] | None = None,
) -> Finding:
    return subtitles.subtitle_finding(
        tracks,
        transcript,
        probed.rules,
        script_text=probed.context.script_text,
        problems=problems,
        extra_evidence=extra_evidence,
    )


def technical_rules(probed: ProbedFile, report: DecodeReport | None, slowest: float | None) -> list[Finding]:
    return technical_findings(probed.media, probed.name, report, probed.rules, slowest)


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


# ------------------------------------------------------------------ the composition

T = TypeVar("T", covariant=True)


class Pending(Protocol[T]):
    """A step started in the background (a Prefect future, a concurrent.futures.Future)."""

    def result(self) -> T: ...


class Steps(Protocol):
    """How each step of the composition runs. The long ones are started (`Pending`) so that the
    decode, Whisper and the text sources run together; the rules are called."""

    def probe(self, path: Path) -> MediaProbe | list[Finding]: ...

    def decode(self, probed: ProbedFile) -> Pending[DecodeOutcome]: ...

    def transcribe(self, probed: ProbedFile) -> Pending[Transcript | None]: ...

    def text_tracks(self, probed: ProbedFile) -> Pending[list[SubtitleTrack]]: ...

    def slowest_second(self, probed: ProbedFile) -> Pending[float | None]: ...

    def technical(
        self, probed: ProbedFile, report: DecodeReport | None, slowest: float | None
    ) -> list[Finding]: ...

    def aigc(self, probed: ProbedFile, spoken: SpokenReport | None) -> Finding: ...

    def subtitles(
        self,
        probed: ProbedFile,
        tracks: list[SubtitleTrack],
        transcript: Transcript | None,
        problems: list[str],
    ) -> Finding: ...


def outcome(pending: Pending[Any] | None, what: str, problems: list[str]) -> Any:
    """A side step's result, or None with the failure noted: an engine that fails is a finding's
    problem, never a failed screening."""
    if pending is None:
        return None
    try:
        return pending.result()
    except Exception as exc:
        log.exception("%s failed", what)
        problems.append(f"{what}出错：{type(exc).__name__}")
        return None


def screen_file(
    path: Path,
    steps: Steps,
    *,
    name: str | None = None,
    context: WorkContext | None = None,
    rules: ContestRules = DEFAULT_RULES,
) -> ScreenResult:
    """Screen one file: probe; then the one decode (integrity, black/frozen, the subtitle band, the
    originality signature, the AI-label frames), Whisper over the whole track, the text subtitle
    sources and the frame-rate samples together; then the technical rules, the AI-label check (with
    the spoken disclosures of that one transcript) and the subtitle check."""
    path = Path(path)
    measured = steps.probe(path)
    if isinstance(measured, list):
        return ScreenResult(file=str(path), probe=None, findings=measured)
    # The AI-label frames of the one decode live until the label check has read them.
    with scratch_folder(get_settings().data_dir, "screen") as label_frames:
        probed = ProbedFile(path, name or path.name, context or WorkContext(), rules, measured, label_frames)
        return _screen_probed(probed, steps)


def _screen_probed(probed: ProbedFile, steps: Steps) -> ScreenResult:
    has_video = probed.media.video is not None
    decoded = steps.decode(probed)
    heard = steps.transcribe(probed) if has_video else None
    sources = steps.text_tracks(probed) if has_video else None
    slowest = steps.slowest_second(probed)
    decode_outcome = decoded.result()
    findings = steps.technical(probed, decode_outcome.report, slowest.result())
    if not has_video:
        return ScreenResult(file=str(probed.path), probe=probed.media, findings=findings)
    problems = list(decode_outcome.problems)
    transcript: Transcript | None = outcome(heard, "语音识别", problems)
    tracks: list[SubtitleTrack] = [*(outcome(sources, "字幕轨/字幕文件读取", problems) or [])]
    if decode_outcome.burned is not None:
        tracks.append(decode_outcome.burned)
    spoken = spoken_disclosures(transcript, probed.media)
    findings = [
        *findings,
        steps.aigc(probed, spoken),
        steps.subtitles(probed, tracks, transcript, problems),
    ]
    return ScreenResult(
        file=str(probed.path),
        probe=probed.media,
        findings=findings,
        signature=decode_outcome.signature,
        tracks=tracks,
        transcript=transcript,
    )


class LocalSteps:
    """The steps in this process, without Prefect: the long ones in threads (as the flow's thread
    runner runs them), engines given or the process's own. Nothing is stored."""

    def __init__(self, *, ocr: OcrEngine | None = None, asr: AsrEngine | None = None) -> None:
        self.ocr, self.asr = ocr, asr

    def _start(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        # One thread per started step, ended with it: nothing outlives the screening of a file.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="screen")
        try:
            return pool.submit(fn, *args)
        finally:
            pool.shutdown(wait=False)

    def probe(self, path: Path) -> MediaProbe | list[Finding]:
        return probe_or_findings(path)

    def decode(self, probed: ProbedFile) -> Pending[DecodeOutcome]:
        return self._start(
            decode_reading_subtitles, probed.media, probed.rules, self.ocr, probed.label_frames
        )

    def transcribe(self, probed: ProbedFile) -> Pending[Transcript | None]:
        return self._start(transcribe, probed.media, probed.context, self.asr)

    def text_tracks(self, probed: ProbedFile) -> Pending[list[SubtitleTrack]]:
        return self._start(subtitles.text_tracks, probed.media, probed.context)

    def slowest_second(self, probed: ProbedFile) -> Pending[float | None]:
        return self._start(slowest_second, probed.media)

    def technical(
        self, probed: ProbedFile, report: DecodeReport | None, slowest: float | None
    ) -> list[Finding]:
        return technical_rules(probed, report, slowest)

    def aigc(self, probed: ProbedFile, spoken: SpokenReport | None) -> Finding:
        return aigc_check(probed, spoken, ocr=self.ocr, asr=self.asr)

    def subtitles(
        self,
        probed: ProbedFile,
        tracks: list[SubtitleTrack],
        transcript: Transcript | None,
        problems: list[str],
    ) -> Finding:
        return subtitle_verdict(probed, tracks, transcript, problems)
