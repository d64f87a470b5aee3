"""Screening flows: orchestration only (which task runs when, retries, artifacts); rules live in tasks/."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.context import get_run_context

from flows.retries import IO_RETRIES
from tasks import screening
from tasks.aigc.spoken import SpokenReport
from tasks.aigc.stage import crop_saver
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.records import replace_findings, upsert_file
from tasks.catalogue.submissions import derive_if_screened
from tasks.config import get_settings
from tasks.context import WorkContext
from tasks.findings import STATUS_LABELS, VERDICT_LABELS, Finding
from tasks.judging.records import save_signature
from tasks.media.decode import DecodeReport
from tasks.media.probe import MediaProbe
from tasks.outside import for_markdown
from tasks.rules import DEFAULT_RULES
from tasks.store import open_store, sha256_of, store_original
from tasks.subtitles import run as subtitles

# I/O can fail for passing reasons (a busy NFS mount, a database restart): retry with backoff.
# A rule that fails is a result, not an error: rule tasks never retry.


@task(name="probe", tags=["ffprobe"], **IO_RETRIES)
def probe_task(path: Path) -> MediaProbe | list[Finding]:
    return screening.probe_or_findings(path)


@task(name="full-decode", tags=["decode", "ocr"], retries=1, retry_delay_seconds=5)
def decode_task(probed: screening.ProbedFile) -> screening.DecodeOutcome:
    """The one full decode: integrity, black/frozen stretches, the burned-in subtitle band, the
    originality signature and the AI-label frames (into `label_frames`)."""
    return screening.decode_reading_subtitles(probed.media, probed.rules, label_frames=probed.label_frames)


@task(name="frame-rate-samples", tags=["ffprobe"], **IO_RETRIES)
def slowest_second_task(probed: screening.ProbedFile) -> float | None:
    return screening.slowest_second(probed.media)


@task(name="technical-rules")
def technical_rules_task(
    probed: screening.ProbedFile, report: DecodeReport | None, slowest: float | None
) -> list[Finding]:
    return screening.technical_rules(probed, report, slowest)


@task(name="aigc-label", tags=["ocr"])
def aigc_label_task(probed: screening.ProbedFile, spoken: SpokenReport | None, record: bool) -> Finding:
    """AI-content labels (metadata, opening/middle/end OCR, the shared transcript, declarations);
    with `record`, label crops go to the evidence bucket."""
    save_crop = None
    if record:
        settings = get_settings()
        save_crop = crop_saver(open_store(settings), settings.bucket_evidence)
    return screening.aigc_check(probed, spoken, save_crop=save_crop)


@task(name="record-findings", **IO_RETRIES)
def record_task(path: Path, name: str, result: screening.ScreenResult, submission_id: str | None) -> str:
    """Store the original (content-addressed) and its findings in the catalogue; return the file id."""
    settings = get_settings()
    stored = store_original(open_store(settings), settings.bucket_originals, path)
    run_id = str(get_run_context().task_run.flow_run_id)  # type: ignore[union-attr]
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        row = upsert_file(session, stored, name=name, submission_id=submission_id)
        probe = result.probe.summary() if result.probe else None
        replace_findings(session, row, result.findings, probe=probe, flow_run_id=run_id)
        if result.signature is not None:  # judging's originality check then decodes nothing
            save_signature(session, stored.sha256, result.signature)
        if submission_id is not None:  # the work's state in the same transaction as this verdict
            derive_if_screened(
                session, submission_id, rules=DEFAULT_RULES, deadline=settings.deadline, now=settings.now()
            )
        return row.id


@task(name="subtitle-sources", tags=["ffmpeg"], **IO_RETRIES)
def subtitle_sources_task(probed: screening.ProbedFile) -> list[subtitles.SubtitleTrack]:
    return subtitles.text_tracks(probed.media, probed.context)


@task(name="transcribe", tags=["asr"])
def transcribe_task(probed: screening.ProbedFile) -> subtitles.Transcript | None:
    """Whisper over the whole track, once: the subtitle check and the spoken-disclosure search share it."""
    return screening.transcribe(probed.media, probed.context)


@task(name="subtitle-rules")
def subtitle_rules_task(
    probed: screening.ProbedFile,
    tracks: list[subtitles.SubtitleTrack],
    transcript: subtitles.Transcript | None,
    problems: list[str],
    record: bool,
) -> Finding:
    """The verdict; with `record`, the cues and transcript (WebVTT/JSON) go to the evidence bucket."""
    extra = {}
    if record:
        settings = get_settings()
        prefix = f"subtitles/{sha256_of(probed.path)}"
        keys = subtitles.store_exports(
            open_store(settings), settings.bucket_evidence, prefix, tracks, transcript
        )
        extra["exports"] = {"bucket": settings.bucket_evidence, "keys": keys}
    return screening.subtitle_verdict(probed, tracks, transcript, problems, extra)


class FlowSteps:
    """`tasks.screening`'s steps as this flow's tasks: the long ones submitted to the task runner."""

    def __init__(self, record: bool) -> None:
        self.record = record

    def probe(self, path: Path) -> MediaProbe | list[Finding]:
        return probe_task(path)

    def decode(self, probed: screening.ProbedFile) -> Any:
        return decode_task.submit(probed)

    def transcribe(self, probed: screening.ProbedFile) -> Any:
        return transcribe_task.submit(probed)

    def text_tracks(self, probed: screening.ProbedFile) -> Any:
        return subtitle_sources_task.submit(probed)

    def slowest_second(self, probed: screening.ProbedFile) -> Any:
        return slowest_second_task.submit(probed)

    def technical(
        self, probed: screening.ProbedFile, report: DecodeReport | None, slowest: float | None
    ) -> list[Finding]:
        return technical_rules_task(probed, report, slowest)

    def aigc(self, probed: screening.ProbedFile, spoken: SpokenReport | None) -> Finding:
        return aigc_label_task(probed, spoken, self.record)

    def subtitles(
        self,
        probed: screening.ProbedFile,
        tracks: list[subtitles.SubtitleTrack],
        transcript: subtitles.Transcript | None,
        problems: list[str],
    ) -> Finding:
        return subtitle_rules_task(probed, tracks, transcript, problems, self.record)


def artifact_key(path: Path, name: str, submission_id: str | None) -> str:
    """Unique per work and stable across runs, in the characters Prefect allows in a key (Chinese
    file names would all strip to the same key): the submission and the file's name in it, or for
    a bare file its absolute path."""
    if submission_id:
        return f"screen-{submission_id[:16].lower()}-{hashlib.sha256(name.encode()).hexdigest()[:10]}"
    return f"screen-file-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}"


def findings_table(findings: list[Finding]) -> list[dict[str, Any]]:
    """The table artifact's rows. Prefect renders each text cell as Markdown: a message quoting a
    file name or a title goes through `for_markdown`."""
    return [
        {"检查项": str(f.check), "结果": STATUS_LABELS[f.status], "说明": for_markdown(f.message)}
        for f in findings
    ]


@flow(name="screen-video", log_prints=True)
def screen_video(
    path: Path,
    name: str | None = None,
    record: bool = True,
    context: WorkContext | None = None,
) -> dict[str, Any]:
    """Technical validation of one video file; findings go to the catalogue and a table artifact."""
    path = Path(path)
    name = name or path.name
    context = context or WorkContext()
    result = screening.screen_file(path, FlowSteps(record), name=name, context=context, rules=DEFAULT_RULES)
    if record:
        record_task(path, name, result, context.submission_id)
    title = f"《{for_markdown(context.title)}》" if context.title else ""
    create_table_artifact(  # the description is rendered as Markdown: a title or file name is escaped
        key=artifact_key(path, name, context.submission_id),
        table=findings_table(result.findings),
        description=f"{title}{for_markdown(name)} 的审核结果：{VERDICT_LABELS[result.verdict]}",
    )
    return result.to_json()


def configured_screen_video() -> Any:
    """The screen-video flow with the task runner of the settings: as it is, or on Dask."""
    settings = get_settings()
    if settings.task_runner != "dask":
        return screen_video
    from prefect_dask import DaskTaskRunner

    runner: Any = DaskTaskRunner(address=settings.dask_address) if settings.dask_address else DaskTaskRunner()
    return screen_video.with_options(task_runner=runner)


@flow(name="screen-files", log_prints=True)
def screen_files(paths: list[Path], record: bool = False) -> list[dict[str, Any]]:
    """`guangying screen`: each file as its own screen-video run, one result per file."""
    results = []
    for path in paths:
        path = Path(path)
        missing = screening.missing_file(path)
        if missing is not None:
            results.append(missing.to_json())
            continue
        results.append(configured_screen_video()(path, record=record))
    return results
