"""Renditions for the platforms: H.264 High + AAC in MP4 with the index first (+faststart), one per
target size (1080p, 720p: the short side, so a portrait work stays portrait), rotation applied,
aspect kept, sound normalised to EBU R128 (-16 LUFS by default, two-pass `loudnorm`, linear).

The implicit AI label of the original (办法 第五条, GB 45438 Annex E) is carried into every
rendition as an `AIGC` metadata item (`-movflags use_metadata_tags`); nothing else of the
original's metadata is (phones record GPS positions and owners' names). Removing a label is
forbidden (第十条), so it is written even where ffmpeg would have dropped it (XMP, stream tags).

All targets come out of one ffmpeg process: the original is decoded once and split. A target that
was already encoded with the same settings (the experts' 720p viewing copy, tasks/publish/viewing.py)
is remuxed instead, with the labels added.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ffmpeg

from tasks.aigc.metadata import read_metadata
from tasks.media import runner
from tasks.media.probe import MediaProbe, ProbeError, probe
from tasks.store import sha256_of


class TranscodeError(Exception):
    """ffmpeg could not make the renditions; the message is Chinese and names the file."""


@dataclass(frozen=True, slots=True)
class Target:
    short_side: int  # 1080 → "1080p"
    crf: int
    maxrate_kbps: int
    audio_kbps: int = 128

    @property
    def name(self) -> str:
        return f"{self.short_side}p"


@dataclass(frozen=True, slots=True)
class RenditionProfile:
    """Encoder settings; part of every published file's fingerprint (a change re-renders)."""

    targets: tuple[Target, ...] = (Target(1080, 21, 6000), Target(720, 22, 3000))
    # The cheapest x264 preset within SSIM −0.002 of `medium` on every rendition (bench/publish.py
    # --compare): on 12 s of 1080p25, veryfast took 0.59× medium's CPU at SSIM −0.0007 (1080p) and
    # −0.0011 (720p), 7 % smaller files; the maxrate caps both. Publication was 17× a bare decode.
    preset: str = "veryfast"
    loudness: float = -16.0  # LUFS, integrated
    true_peak: float = -1.5  # dBTP
    loudness_range: float = 11.0  # LU
    sample_rate: int = 48000
    keyframe_seconds: float = 2.0
    version: int = 1

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Planned:
    target: Target
    width: int
    height: int


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def output_size(display_width: int, display_height: int, short_side: int) -> tuple[int, int]:
    """The displayed frame scaled so that its short side is `short_side`, aspect kept, even sides."""
    if display_width <= display_height:
        return short_side, _even(display_height * short_side / display_width)
    return _even(display_width * short_side / display_height), short_side


def plan_renditions(media: MediaProbe, profile: RenditionProfile) -> list[Planned]:
    """Every target no larger than the original; an original below all of them gets one rendition
    at its own size (renditions are never upscaled)."""
    video = media.video
    if video is None or not video.display_width or not video.display_height:
        raise TranscodeError(f"{Path(media.path).name}：没有可用的视频流，无法生成展播版本")
    short = video.short_side
    fitting = [t for t in profile.targets if t.short_side <= short]
    if not fitting:
        smallest = min(profile.targets, key=lambda t: t.short_side)
        fitting = [Target(_even(short), smallest.crf, smallest.maxrate_kbps, smallest.audio_kbps)]
    plans = []
    for target in fitting:
        width, height = output_size(video.display_width, video.display_height, target.short_side)
        plans.append(Planned(target, width, height))
    return plans


def label_tags(media: MediaProbe) -> dict[str, str]:
    """The original's implicit AI labels as metadata items to write: {field: value as found}."""
    tags: dict[str, str] = {}
    for label in read_metadata(media).labels:
        name = re.sub(r"[^\w.:-]", "_", label.field) or "AIGC"
        if "aigc" not in name.lower():
            name = f"AIGC_{name}"
        key, n = name, 2
        while key in tags and tags[key] != label.raw:
            key, n = f"{name}.{n}", n + 1
        tags[key] = label.raw
    return tags


# loudnorm's first pass prints a JSON object at the end of its log.
_JSON_TAIL = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}", re.S)


def parse_loudnorm(log: str) -> dict[str, float] | None:
    """Pure: the measured values of a `loudnorm=print_format=json` pass, None when unusable."""
    found = _JSON_TAIL.findall(log)
    if not found:
        return None
    data = json.loads(found[-1])
    try:
        values = {k: float(data[k]) for k in ("input_i", "input_tp", "input_lra", "input_thresh")}
        values["target_offset"] = float(data.get("target_offset", 0.0))
    except (KeyError, ValueError):
        return None
    if any(v != v or abs(v) == float("inf") for v in values.values()):  # silence measures -inf
        return None
    return values


AudioFilters = list[tuple[str, dict[str, Any]]]


def loudness_filters(measured: dict[str, float] | None, profile: RenditionProfile) -> AudioFilters:
    """The second pass: linear normalisation to the target with the measured values; silence (or
    no measurement) is only resampled, never amplified."""
    resample = ("aresample", {"out_sample_rate": profile.sample_rate})
    if measured is None:
        return [resample]
    loudnorm = {
        "I": profile.loudness,
        "TP": profile.true_peak,
        "LRA": profile.loudness_range,
        "measured_I": measured["input_i"],
        "measured_TP": measured["input_tp"],
        "measured_LRA": measured["input_lra"],
        "measured_thresh": measured["input_thresh"],
        "offset": measured["target_offset"],
        "linear": "true",
        "print_format": "none",
    }
    return [("loudnorm", loudnorm), resample]


def measure_loudness(
    path: Path, profile: RenditionProfile, timeout: float = 600.0
) -> dict[str, float] | None:
    """First loudnorm pass over the first audio stream. Audio only: `-vn -sn -dn` on the input, so
    the video is never decoded (a trailing `-vn` after the output, as before, is ignored by ffmpeg)."""
    args = ffmpeg.input(str(path), vn=None, sn=None, dn=None).audio.filter(
        "loudnorm",
        I=profile.loudness,
        TP=profile.true_peak,
        LRA=profile.loudness_range,
        print_format="json",
    )
    cmd = ffmpeg.output(args, "-", format="null").global_args(*runner.GLOBAL_ARGS).compile()
    done = runner.run(cmd, timeout=timeout, max_stdout=1 << 20)
    if done.timed_out:
        return None
    return parse_loudnorm(done.log)


def transcode_command(
    source: MediaProbe,
    outputs: dict[str, Path],
    plans: list[Planned],
    profile: RenditionProfile,
    *,
    tags: dict[str, str],
    audio_filters: AudioFilters | None,
) -> list[str]:
    """One ffmpeg process: decode once (autorotated), split per target, scale, encode, mux.

    `outputs` maps each target's name to its file; `audio_filters` None means no audio stream."""
    assert source.video is not None
    fps = source.video.avg_fps or source.video.r_fps or 25.0
    gop = max(1, round(fps * profile.keyframe_seconds))
    inp = ffmpeg.input(str(source.path))
    video = inp[str(source.video.index)]
    videos = video.filter_multi_output("split", len(plans)) if len(plans) > 1 else None
    audios = None
    if audio_filters is not None:
        audio = inp["a:0"]
        for name, kwargs in audio_filters:
            audio = audio.filter(name, **kwargs)
        audios = audio.filter_multi_output("asplit", len(plans)) if len(plans) > 1 else None
    streams = []
    for i, plan in enumerate(plans):
        v = videos[i] if videos is not None else video
        v = v.filter("scale", plan.width, plan.height, flags="bicubic").filter("setsar", "1")
        v = v.filter("format", "yuv420p")
        args: dict[str, Any] = {
            "vcodec": "libx264",
            "preset": profile.preset,
            "profile:v": "high",
            "crf": plan.target.crf,
            "maxrate": f"{plan.target.maxrate_kbps}k",
            "bufsize": f"{plan.target.maxrate_kbps * 2}k",
            "g": gop,
            "map_metadata": "-1",
            "map_chapters": "-1",
            "movflags": "+faststart+use_metadata_tags",
        }
        parts = [v]
        if audio_filters is not None:
            a = audios[i] if audios is not None else audio
            parts.append(a)
            args |= {"acodec": "aac", "audio_bitrate": f"{plan.target.audio_kbps}k", "ac": 2}
        streams.append(ffmpeg.output(*parts, str(outputs[plan.target.name]), **args))
    cmd = ffmpeg.merge_outputs(*streams).global_args(*runner.GLOBAL_ARGS, "-loglevel", "error")
    return with_labels(cmd.overwrite_output().compile(), list(outputs.values()), tags)


def with_labels(compiled: list[str], targets: list[Path], tags: dict[str, str]) -> list[str]:
    """One `-metadata key=value` per label before each output file (ffmpeg-python takes a keyword
    once)."""
    extra = [item for key, value in tags.items() for item in ("-metadata", f"{key}={value}")]
    for target in targets:
        index = compiled.index(str(target))
        compiled[index:index] = extra
    return compiled


@dataclass(frozen=True, slots=True)
class RenditionFile:
    name: str  # "1080p"
    path: Path
    width: int
    height: int
    duration: float
    bit_rate: int | None
    codecs: str  # for <source type='video/mp4; codecs="…"'>
    sha256: str
    size: int


@dataclass(slots=True)
class Renditions:
    files: list[RenditionFile]
    loudness: dict[str, float] | None  # the original's measured values
    tags: dict[str, str]
    wall_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)


def codecs_of(media: MediaProbe) -> str:
    """RFC 6381 codecs of an H.264/AAC MP4 (e.g. "avc1.640028, mp4a.40.2")."""
    parts = []
    for stream in media.raw.get("streams") or []:
        if stream.get("codec_name") == "h264":
            profile = {"High": "6400", "Main": "4d40", "Constrained Baseline": "42e0"}.get(
                stream.get("profile", ""), "6400"
            )
            parts.append(f"avc1.{profile}{int(stream.get('level') or 40):02x}")
        elif stream.get("codec_name") == "aac":
            parts.append("mp4a.40.2")
    return ", ".join(parts)


def transcode_timeout(duration: float | None) -> float:
    """Generous on a loaded 2-core machine: 1080p + 720p at `medium` run at about real time there."""
    return 300.0 + 12.0 * (duration or 300.0)


def remux_command(encoded: Path, target: Path, tags: dict[str, str]) -> list[str]:
    """An already encoded rendition copied stream by stream into `target`: nothing of its own
    metadata or chapters, the labels as metadata items, the index first."""
    out = ffmpeg.input(str(encoded)).output(
        str(target),
        map="0",
        c="copy",
        map_metadata="-1",
        map_chapters="-1",
        movflags="+faststart+use_metadata_tags",
    )
    compiled = out.global_args(*runner.GLOBAL_ARGS, "-loglevel", "error").overwrite_output().compile()
    return with_labels(compiled, [target], tags)


def matching_plans(plans: list[Planned], encoded: Sequence[Path]) -> dict[str, Path]:
    """Which planned targets an already encoded rendition of the same original with the same encoder
    settings provides (the experts' viewing copy): matched by the displayed size; an unreadable file
    provides nothing."""
    sizes: dict[tuple[int, int], Path] = {}
    for path in encoded:
        try:
            video = probe(path).video
        except ProbeError:
            continue
        if video is not None:
            sizes.setdefault((video.display_width, video.display_height), path)
    return {
        plan.target.name: sizes[(plan.width, plan.height)]
        for plan in plans
        if (plan.width, plan.height) in sizes
    }


def _run(cmd: list[str], source: Path, timeout: float) -> None:
    done = runner.run(cmd, timeout=timeout, max_stdout=1 << 20)
    if done.timed_out:
        raise TranscodeError(f"{source.name}：转码超时")
    if not done.ok:
        raise TranscodeError(f"{source.name}：转码失败（{done.log_tail(3) or 'ffmpeg 未给出原因'}）")


def make_renditions(
    source: Path,
    scratch: Path,
    profile: RenditionProfile,
    *,
    carry_labels: bool = True,
    encoded: Sequence[Path] = (),
) -> Renditions:
    """Measure the loudness, transcode every target in one pass, describe and checksum the files.

    `carry_labels=False` writes no metadata item at all: the experts' blind viewing copies, which
    are not published (the published renditions always carry the label). `encoded`: renditions of
    `source` already made with `profile`'s encoder settings (the viewing copy): a target of the same
    size is remuxed from it with this call's labels instead of being encoded again."""
    started = time.monotonic()
    media = probe(source)
    plans = plan_renditions(media, profile)
    tags = label_tags(media) if carry_labels else {}
    scratch.mkdir(parents=True, exist_ok=True)
    outputs = {plan.target.name: scratch / f"{plan.target.name}.mp4" for plan in plans}
    reused = matching_plans(plans, encoded)
    for name, path in reused.items():
        _run(remux_command(path, outputs[name], tags), source, transcode_timeout(media.duration))
    to_encode = [plan for plan in plans if plan.target.name not in reused]
    measured = None
    if to_encode:
        measured = measure_loudness(source, profile) if media.audio_codecs else None
        filters = loudness_filters(measured, profile) if media.audio_codecs else None
        fresh = {plan.target.name: outputs[plan.target.name] for plan in to_encode}
        cmd = transcode_command(media, fresh, to_encode, profile, tags=tags, audio_filters=filters)
        _run(cmd, source, transcode_timeout(media.duration))
    files = []
    for plan in plans:
        path = outputs[plan.target.name]
        out = probe(path)
        assert out.video is not None
        files.append(
            RenditionFile(
                name=plan.target.name,
                path=path,
                width=out.video.display_width,
                height=out.video.display_height,
                duration=round(out.duration or 0.0, 3),
                bit_rate=out.bit_rate,
                codecs=codecs_of(out),
                sha256=sha256_of(path),
                size=path.stat().st_size,
            )
        )
    return Renditions(files, measured, tags, time.monotonic() - started, {"reused": sorted(reused)})
