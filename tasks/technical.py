"""Technical validation (notice 四（二）): pure functions from measured media facts to findings.

Inputs are a MediaProbe (ffprobe), a DecodeReport (the one full decode) and ContestRules; nothing
here runs a process or touches the disk, so every rule can be tested on plain values.
"""

from __future__ import annotations

from pathlib import Path

from tasks.findings import Check, Finding, Status
from tasks.intake.text import format_duration
from tasks.media.decode import DecodeReport
from tasks.media.probe import MediaProbe, ProbeError, VideoStream
from tasks.rules import ContestRules

STAGE = "technical"

# ffprobe's demuxer names → what people call them.
FORMAT_NAMES: dict[str, str] = {
    "matroska": "Matroska/WebM（MKV/WEBM）",
    "avi": "AVI",
    "flv": "FLV",
    "asf": "WMV/ASF",
    "mpegts": "MPEG-TS（TS）",
    "rm": "RealMedia",
    "gif": "GIF动画",
    "image2": "图片",
    "png_pipe": "PNG图片",
    "jpeg_pipe": "JPEG图片",
}

# ffprobe's messages for unreadable input → what they mean to a submitter.
PROBE_ERRORS: dict[str, str] = {
    "moov atom not found": "MP4/MOV文件不完整（缺少moov索引，常见于上传或拷贝中断）",
    "Invalid data found when processing input": "文件内容无法识别为视频（可能不是视频文件或已损坏）",
    "End of file": "文件过早结束（文件不完整）",
}


def _finding(check: Check, status: Status, message: str, **evidence: object) -> Finding:
    return Finding(check=check, status=status, message=message, evidence=dict(evidence), stage=STAGE)


def describe_format(probe: MediaProbe) -> str:
    for name in probe.format_names:
        if name in FORMAT_NAMES:
            return FORMAT_NAMES[name]
    return probe.format_long_name or probe.format_name or "未知格式"


def check_format(probe: MediaProbe, filename: str, rules: ContestRules) -> Finding:
    """By content: ffprobe's demuxer, not the extension. A lying extension is reported, not fatal."""
    extension = Path(filename).suffix.lower()
    allowed = next((rules.allowed_formats[n] for n in probe.format_names if n in rules.allowed_formats), None)
    evidence = {"format_name": probe.format_name, "extension": extension}
    if probe.video is None:
        return _finding(
            Check.FORMAT,
            Status.FAIL,
            f"文件中没有视频画面（封装格式为{describe_format(probe)}），请提交视频文件",
            **evidence,
        )
    if allowed is None:
        return _finding(
            Check.FORMAT,
            Status.FAIL,
            f"文件实际封装格式为{describe_format(probe)}（扩展名为{extension or '无'}），"
            f"不在允许的MPG、MPEG、MP4、MOV格式之内，请转换为MP4后重新提交",
            **evidence,
        )
    is_mpeg_ps = "mpeg" in probe.format_names
    extension_matches = (
        (extension in (".mpg", ".mpeg")) if is_mpeg_ps else (extension in (".mp4", ".mov", ".m4v"))
    )
    if not extension_matches:
        return _finding(
            Check.FORMAT,
            Status.WARN,
            f"文件实际封装格式为{allowed}，但扩展名为{extension or '无'}，扩展名与内容不符，建议改为正确的扩展名",
            container=allowed,
            **evidence,
        )
    return _finding(
        Check.FORMAT, Status.PASS, f"封装格式为{allowed}，符合要求", container=allowed, **evidence
    )


def check_duration(probe: MediaProbe, rules: ContestRules) -> Finding:
    """Per episode: each file of a series is judged on its own."""
    duration = probe.duration or (probe.video.duration if probe.video else None)
    limit = rules.max_episode_seconds
    if duration is None:
        return _finding(Check.DURATION, Status.ERROR, "无法读取视频时长", limit_seconds=limit)
    evidence = {"seconds": round(duration, 3), "limit_seconds": limit}
    if duration > limit + 0.5:  # container rounding is not the submitter's fault
        return _finding(
            Check.DURATION,
            Status.FAIL,
            f"单集时长为{format_duration(duration, tenths=True)}，超过5分钟的上限；超长作品可拆分为系列分集提交",
            **evidence,
        )
    return _finding(
        Check.DURATION,
        Status.PASS,
        f"单集时长为{format_duration(duration, tenths=True)}，不超过5分钟",
        **evidence,
    )


def _display_evidence(video: VideoStream) -> dict[str, object]:
    return {
        "coded": f"{video.width}x{video.height}",
        "displayed": f"{video.display_width}x{video.display_height}",
        "rotation": video.rotation,
        "sample_aspect_ratio": video.sample_aspect_ratio,
    }


def check_resolution(video: VideoStream, rules: ContestRules) -> Finding:
    size = f"{video.display_width}×{video.display_height}"
    evidence = {
        **_display_evidence(video),
        "short_side": video.short_side,
        "min_short_side": rules.min_short_side_px,
    }
    if video.short_side < rules.min_short_side_px:
        return _finding(
            Check.RESOLUTION,
            Status.FAIL,
            f"分辨率为{size}，低于要求的1080P（短边应不少于{rules.min_short_side_px}像素），"
            "请用高清原始素材以1080P（1920×1080，竖屏1080×1920）或更高分辨率重新导出后报送",
            **evidence,
        )
    return _finding(Check.RESOLUTION, Status.PASS, f"分辨率为{size}，达到1080P要求", **evidence)


def check_aspect_ratio(video: VideoStream, rules: ContestRules) -> Finding:
    if not video.display_height or not video.display_width:
        return _finding(Check.ASPECT_RATIO, Status.ERROR, "无法读取画面尺寸", **_display_evidence(video))
    measured = video.display_width / video.display_height
    nearest = min(rules.aspect_ratios, key=lambda r: abs(measured - r.value) / r.value)
    deviation = abs(measured - nearest.value) / nearest.value
    evidence = {
        **_display_evidence(video),
        "ratio": round(measured, 4),
        "nearest": nearest.label,
        "deviation": round(deviation, 4),
    }
    size = f"{video.display_width}×{video.display_height}"
    if deviation > rules.aspect_tolerance:
        return _finding(
            Check.ASPECT_RATIO,
            Status.FAIL,
            f"画面比例为{measured:.3f}:1（{size}），不是横屏16:9、4:3、3:2或竖屏9:16、3:4、2:3之一"
            f"（最接近{nearest.label}）",
            **evidence,
        )
    orientation = "竖屏" if nearest.height > nearest.width else "横屏"
    return _finding(
        Check.ASPECT_RATIO,
        Status.PASS,
        f"画面比例为{orientation}{nearest.label}（{size}），符合要求",
        **evidence,
    )


def check_frame_rate(
    video: VideoStream, rules: ContestRules, min_fps_per_second: float | None = None
) -> Finding:
    """Judged on the average rate; for variable-rate video the slowest second is reported too."""
    fps = video.avg_fps or video.r_fps
    if not fps:
        return _finding(Check.FRAME_RATE, Status.ERROR, "无法读取帧率", min_fps=rules.min_fps)
    evidence: dict[str, object] = {
        "average_fps": round(fps, 3),
        "nominal_fps": round(video.r_fps, 3) if video.r_fps else None,
        "variable": video.variable_frame_rate,
        "min_fps": rules.min_fps,
    }
    variable_note = ""
    if min_fps_per_second is not None:
        evidence["slowest_second_frames"] = min_fps_per_second
        variable_note = f"（可变帧率，最慢的一秒仅{min_fps_per_second:g}帧）"
    if fps < rules.min_fps * (1 - rules.fps_tolerance):
        return _finding(
            Check.FRAME_RATE,
            Status.FAIL,
            f"平均帧率为{fps:.2f}帧/秒{variable_note}，低于要求的{rules.min_fps:g}帧/秒，"
            f"请以不低于{rules.min_fps:g}帧/秒（如25或30帧/秒）重新导出后报送",
            **evidence,
        )
    return _finding(
        Check.FRAME_RATE, Status.PASS, f"平均帧率为{fps:.2f}帧/秒{variable_note}，不低于25帧/秒", **evidence
    )


def _probe_error_text(detail: str) -> str:
    return next(
        (text for key, text in PROBE_ERRORS.items() if key in detail), "文件无法读取为视频（可能已损坏）"
    )


def check_unreadable(size: int, error: ProbeError) -> list[Finding]:
    """A file ffprobe cannot open: integrity and format both fail, with what ffprobe said."""
    if size == 0:
        text = "文件为空（0字节），请重新导出并提交完整的视频文件"
    else:
        text = f"{_probe_error_text(error.detail)}，请重新导出并提交完整的视频文件"
    evidence = {"size_bytes": size, "ffprobe": error.detail}
    return [
        _finding(Check.INTEGRITY, Status.FAIL, text, **evidence),
        _finding(Check.FORMAT, Status.FAIL, "无法识别文件的封装格式（文件无法读取）", **evidence),
    ]


def check_integrity(probe: MediaProbe, report: DecodeReport) -> Finding:
    """The whole video stream must decode without error, to the end the container announces."""
    duration = probe.duration or 0.0
    evidence: dict[str, object] = {
        "decoded_seconds": round(report.decoded_seconds, 2),
        "declared_seconds": round(duration, 2),
        "errors": [{"seconds": e.seconds, "message": e.message} for e in report.errors[:20]],
        "error_count": len(report.errors),
    }
    if report.timed_out:
        return _finding(
            Check.INTEGRITY,
            Status.ERROR,
            f"完整解码超时（解码至{format_duration(report.decoded_seconds, tenths=True)}），需人工复核",
            **evidence,
        )
    if report.errors:
        first = report.errors[0]
        return _finding(
            Check.INTEGRITY,
            Status.FAIL,
            f"视频解码出错（首个错误位于{format_duration(first.seconds, tenths=True)}，共{len(report.errors)}处），文件可能已损坏，"
            "请重新导出后提交",
            **evidence,
        )
    # A file cut short in transfer often decodes cleanly but stops early.
    if duration and report.decoded_seconds < duration - max(1.0, 0.02 * duration):
        return _finding(
            Check.INTEGRITY,
            Status.FAIL,
            f"视频只能解码到{format_duration(report.decoded_seconds, tenths=True)}，而文件标称时长为{format_duration(duration, tenths=True)}，"
            "文件不完整，请重新上传",
            **evidence,
        )
    if not report.completed:
        return _finding(
            Check.INTEGRITY, Status.FAIL, "视频未能完整解码，文件可能已损坏，请重新导出后提交", **evidence
        )
    return _finding(
        Check.INTEGRITY,
        Status.PASS,
        f"视频完整解码至结尾（{format_duration(report.decoded_seconds, tenths=True)}），无错误",
        **evidence,
    )


def _stretches(items: list, limit: int = 10) -> list[dict[str, float]]:
    return [
        {"start": round(s.start, 2), "end": round(s.end, 2), "seconds": round(s.seconds, 2)}
        for s in items[:limit]
    ]


def check_picture(report: DecodeReport, rules: ContestRules) -> list[Finding]:
    """「画面清晰稳定」 is advisory: long black or frozen stretches are flagged for a person to look at."""
    findings = []
    for check, items, minimum, what in (
        (Check.BLACK_FRAMES, report.black, rules.black_min_seconds, "黑屏"),
        (Check.FROZEN_FRAMES, report.frozen, rules.freeze_min_seconds, "静止画面"),
    ):
        long = [s for s in items if s.seconds >= minimum]
        if long:
            where = "、".join(
                f"{format_duration(s.start, tenths=True)}–{format_duration(s.end, tenths=True)}"
                for s in long[:3]
            )
            findings.append(
                _finding(
                    check,
                    Status.WARN,
                    f"发现{len(long)}段{what}（不少于{minimum:g}秒）：{where}，请确认是否为有意设计",
                    stretches=_stretches(long),
                    min_seconds=minimum,
                )
            )
        else:
            findings.append(
                _finding(check, Status.PASS, f"未发现长于{minimum:g}秒的{what}", min_seconds=minimum)
            )
    return findings


def check_audio(probe: MediaProbe) -> Finding:
    if not probe.audio_codecs:
        return _finding(
            Check.AUDIO, Status.WARN, "视频没有音轨（无声音），请确认是否为有意设计", audio_streams=0
        )
    return _finding(
        Check.AUDIO,
        Status.PASS,
        f"包含音轨（{', '.join(probe.audio_codecs)}）",
        audio_streams=len(probe.audio_codecs),
    )


def technical_findings(
    probe: MediaProbe,
    filename: str,
    report: DecodeReport | None,
    rules: ContestRules,
    min_fps_per_second: float | None = None,
) -> list[Finding]:
    """All technical checks of one readable file, in the order people read them."""
    findings = [check_format(probe, filename, rules), check_duration(probe, rules)]
    if probe.video is not None:
        findings += [
            check_resolution(probe.video, rules),
            check_aspect_ratio(probe.video, rules),
            check_frame_rate(probe.video, rules, min_fps_per_second),
        ]
    if report is not None:
        findings.append(check_integrity(probe, report))
        findings += check_picture(report, rules)
    findings.append(check_audio(probe))
    return findings
