"""Which role each file of a package plays: by content first, then by name.

Roles: video, script (最终视频文稿), registration_form (附件1), summary_table (附件3),
pledge (附件2 扫描件), other. Junk that archivers and file managers add is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tasks.findings import Check, Finding, Status
from tasks.intake.documents import docx_text, read_text_file
from tasks.intake.text import squash
from tasks.office import DocumentTooLarge
from tasks.roles import ROLE_LABELS as ROLE_LABELS  # receipt.py reads it from here
from tasks.roles import FileRole
from tasks.rules import DEFAULT_RULES, ContestRules
from tasks.sniff import sniff

# Video containers people send, allowed or not: the technical stage judges the format by content.
VIDEO_EXTENSIONS = frozenset(
    {".mp4", ".mov", ".mpg", ".mpeg", ".m4v", ".avi", ".mkv", ".wmv", ".flv", ".ts", ".webm", ".3gp"}
)
SUBTITLE_EXTENSIONS = frozenset({".srt", ".ass", ".ssa", ".vtt"})
ARCHIVE_EXTENSIONS = frozenset({".zip", ".7z", ".rar"})
DOCUMENT_EXTENSIONS = frozenset({".docx", ".doc", ".xlsx", ".xls", ".pdf", ".txt", ".eml"})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png"})
SCAN_KINDS = {"pdf", "jpeg", "png", "tiff", "bmp", "gif", "heic"}
_JUNK_NAMES = {"thumbs.db", ".ds_store", "desktop.ini", "ehthumbs.db", ".localized"}

_NAME_HINTS: tuple[tuple[FileRole, re.Pattern[str]], ...] = (
    (FileRole.REGISTRATION_FORM, re.compile(r"登记表|报名表|附件\s*1")),
    (FileRole.SUMMARY_TABLE, re.compile(r"汇总表|汇总|附件\s*3")),
    (FileRole.PLEDGE, re.compile(r"承诺书|承诺|版权|授权书|附件\s*2")),
    (FileRole.SCRIPT, re.compile(r"文稿|脚本|解说词|台词|剧本|文案|稿件|字幕稿")),
)


def is_junk(relative: str) -> bool:
    """__MACOSX resource forks, ._AppleDouble files, Thumbs.db, .DS_Store, Word's ~$ lock files."""
    parts = PurePosixPath(relative.replace("\\", "/")).parts
    if any(p == "__MACOSX" for p in parts):
        return True
    name = parts[-1] if parts else relative
    return name.lower() in _JUNK_NAMES or name.startswith(("._", "~$", ".~lock"))


def name_hint(name: str) -> FileRole | None:
    stem = PurePosixPath(name).stem
    for role, pattern in _NAME_HINTS:
        if pattern.search(stem):
            return role
    return None


OVERSIZED = "超出读取上限"  # the reason of a document that was not read (its finding says why)


@dataclass(frozen=True, slots=True)
class Classification:
    role: FileRole
    kind: str
    reason: str  # why, for the logs and the evidence
    text: str | None = None  # the document's text when it was read (script, forms, notes)
    finding: Finding | None = None  # a document beyond the reading bounds of ContestRules


def _oversized(
    name: str, kind: str, hint: FileRole | None, reason: str, evidence: dict[str, object]
) -> Classification:
    """Not read at all: the file, the limit and what was measured, in one finding. A 登记表 or 汇总表
    that cannot be read fails; any other file is for a person to look at."""
    required = hint in (FileRole.REGISTRATION_FORM, FileRole.SUMMARY_TABLE)
    return Classification(
        hint or FileRole.OTHER,
        kind,
        OVERSIZED,
        finding=Finding(
            Check.DOCUMENT,
            Status.FAIL if required else Status.WARN,
            f"「{name}」{reason}，未读取其内容（疑似伪造或损坏的文件）。请按附件模板重新填写或删去多余内容后重新报送。",
            {"file": name, "reason": reason, **evidence},
            stage="intake",
        ),
    )


def _docx_role(text: str) -> FileRole | None:
    squashed = squash(text)
    if "作品登记表" in squashed or ("参赛主体" in squashed and "作品简介" in squashed):
        return FileRole.REGISTRATION_FORM
    if "作品汇总表" in squashed or all(w in squashed for w in ("序号", "作品名称", "时长", "作者")):
        return FileRole.SUMMARY_TABLE
    if "版权承诺书" in squashed:
        return FileRole.PLEDGE
    return None


def classify(
    path: Path, name: str, kind: str | None = None, rules: ContestRules = DEFAULT_RULES
) -> Classification:
    """Role of one (already unpacked) file; `name` is its path inside the package. Documents are
    read within the bounds of `rules`; one beyond them is not read and carries a finding."""
    kind = kind or sniff(path)
    hint = name_hint(name)
    suffix = PurePosixPath(name).suffix.lower()
    if kind == "video":
        return Classification(FileRole.VIDEO, kind, "视频文件头")
    if kind == "docx":
        try:
            text = docx_text(path, rules)
        except DocumentTooLarge as exc:
            return _oversized(name, kind, hint, str(exc), exc.evidence)
        except Exception:
            return Classification(hint or FileRole.OTHER, kind, "无法读取的Word文档")
        role = _docx_role(text)
        if role:
            return Classification(role, kind, "文档内容", text)
        return Classification(hint or FileRole.SCRIPT, kind, "文件名" if hint else "Word文档", text)
    if kind == "xlsx":
        from tasks.intake.forms import FormError, looks_like_summary_xlsx

        try:
            summary = looks_like_summary_xlsx(path, rules)  # the first rows only; the 汇总表 is read later
        except FormError as exc:
            if exc.too_large:
                return _oversized(name, kind, hint, str(exc), exc.evidence)
            summary = False
        if summary or hint == FileRole.SUMMARY_TABLE:
            return Classification(FileRole.SUMMARY_TABLE, kind, "表格内容" if summary else "文件名")
        return Classification(hint or FileRole.OTHER, kind, "文件名" if hint else "Excel表格")
    if kind in SCAN_KINDS:
        if hint in (FileRole.PLEDGE, FileRole.SCRIPT, FileRole.REGISTRATION_FORM, FileRole.SUMMARY_TABLE):
            return Classification(hint, kind, "文件名")
        return Classification(FileRole.OTHER, kind, "scan?")  # settled by settle_scans()
    if kind == "text":
        if suffix in SUBTITLE_EXTENSIONS:
            return Classification(FileRole.OTHER, kind, "字幕文件")
        text = read_text_file(path)[: rules.document_max_text_chars]  # reads 2 MB at most
        if "pan.baidu.com" in text:
            return Classification(FileRole.OTHER, kind, "网盘链接", text)
        return Classification(hint or FileRole.SCRIPT, kind, "文件名" if hint else "文本文件", text)
    if kind == "ole":
        return Classification(hint or FileRole.SCRIPT, kind, "旧版Word文档")
    if suffix in VIDEO_EXTENSIONS:
        return Classification(FileRole.VIDEO, kind, "扩展名")
    return Classification(hint or FileRole.OTHER, kind, "文件名" if hint else "未知类型")


def settle_scans(roles: list[FileRole], reasons: list[str]) -> list[FileRole]:
    """Images and PDFs without a telling name: the first is the pledge scan if there is none yet;
    further ones are posters or stills (other)."""
    settled = list(roles)
    for index, reason in enumerate(reasons):
        if reason == "scan?" and FileRole.PLEDGE not in settled:
            settled[index] = FileRole.PLEDGE
    return settled
