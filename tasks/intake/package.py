"""One package → its files with roles, parsed forms, Netdisk links and the package-level findings.

A package is what one sender handed over at once: an archive, a folder, loose files, or an e-mail
(its attachments and body). `analyse` unpacks and reads it in a private scratch folder; the originals
are never touched. The consistency checks run later, over everything the submission holds
(`tasks.catalogue.submissions`), so that files attached afterwards are judged together.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from tasks.findings import Check, Finding, Status
from tasks.intake import archives
from tasks.intake.classify import (
    ARCHIVE_EXTENSIONS,
    OVERSIZED,
    SUBTITLE_EXTENSIONS,
    classify,
    is_junk,
    settle_scans,
    sniff,
)
from tasks.intake.details import IntakeDetails
from tasks.intake.documents import convert_doc, libreoffice
from tasks.intake.forms import (
    FormError,
    parse_registration_form,
    parse_summary_table,
)
from tasks.intake.naming import PackageName, parse_package_name, split_episode, strip_extension
from tasks.intake.netdisk import NetdiskLink, find_links
from tasks.intake.received import Received, ReceivedBasis
from tasks.roles import FileRole
from tasks.rules import ContestRules
from tasks.store import sha256_of

T = TypeVar("T")
SCRIPT_TEXT_KEPT = 20_000  # characters of a 文稿 kept in the catalogue (5 minutes of narration is ~1,500)


@dataclass(slots=True)
class Package:
    """What a source hands over; `paths` are local files or folders (read only)."""

    name: str
    paths: list[Path]
    source: str
    received_at: datetime
    received_basis: ReceivedBasis = ReceivedBasis.FILE_TIME  # what `received_at` rests on
    received_set_by: str | None = None  # the operator who stated the time (ReceivedBasis.OPERATOR)
    message_id: str | None = None
    replies_to: tuple[str, ...] = ()  # the Message-IDs of its In-Reply-To and References headers
    sender: str | None = None  # the address of an e-mail's From, lower case
    body_text: str | None = None  # an e-mail's text: Netdisk links, the sender's note
    original: Path | None = None  # the raw .eml of an e-mail, stored as the package original
    findings: list[Finding] = field(default_factory=list)  # what the source found (an unreadable e-mail)

    def stated(self, received: Received) -> None:
        """An operator states when the package arrived (it replaces what the source said)."""
        self.received_at, self.received_basis, self.received_set_by = (
            received.at,
            received.basis,
            received.set_by,
        )


@dataclass(slots=True)
class IntakeFile:
    name: str  # path inside the package, as the sender named it
    path: Path  # local copy (under the scratch folder, or the original for loose files)
    role: FileRole
    kind: str
    reason: str
    sha256: str
    size: int
    text: str | None = None
    duration: float | None = None
    episode: int | None = None
    nested_archive: bool = False

    def meta(self) -> dict[str, Any]:
        data = {
            "path": self.name,
            "kind": self.kind,
            "reason": self.reason,
            "duration": self.duration,
            "episode": self.episode,
            "archive": self.nested_archive,
        }
        if self.role == FileRole.SCRIPT and self.text:
            data["text"] = self.text[:SCRIPT_TEXT_KEPT]  # screening compares subtitles with it
        return data


@dataclass(slots=True)
class Analysis:
    package: Package
    fingerprint: str
    name: PackageName
    files: list[IntakeFile] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # archives, unreadable documents
    details: IntakeDetails = field(default_factory=IntakeDetails)  # forms, 汇总表, Netdisk links, name
    containers: list[Path] = field(default_factory=list)  # top-level archives as received

    def of_role(self, role: FileRole) -> list[IntakeFile]:
        return [f for f in self.files if f.role == role]

    @property
    def script_text(self) -> str | None:
        texts = [f.text for f in self.of_role(FileRole.SCRIPT) if f.text]
        return "\n".join(texts) or None

    @property
    def sidecars(self) -> list[Path]:
        return [f.path for f in self.files if PurePosixPath(f.name).suffix.lower() in SUBTITLE_EXTENSIONS]


def _walk(path: Path) -> tuple[list[tuple[str, Path]], list[Finding]]:
    """(name inside the package, path) of every regular file; links are findings, never followed."""
    if path.is_symlink():
        return [], [_link_finding(path.name)]
    if path.is_file():
        return [(path.name, path)], []
    entries: list[tuple[str, Path]] = []
    findings: list[Finding] = []
    for root, dirs, files in os.walk(path, followlinks=False):
        base = Path(root)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                findings.append(_link_finding((base / name).relative_to(path).as_posix()))
        for name in sorted(files):
            full = base / name
            rel = full.relative_to(path).as_posix()
            if full.is_symlink():
                findings.append(_link_finding(rel))
            elif full.is_file():
                entries.append((rel, full))
        dirs.sort()
    return entries, findings


def _link_finding(name: str) -> Finding:
    return Finding(
        Check.ARCHIVE,
        Status.FAIL,
        f"「{name}」是符号链接，已忽略（不会读取链接指向的文件）。请直接报送文件本身。",
        {"member": name},
        stage="intake",
    )


def fingerprint(package: Package) -> str:
    """sha256 identifying the package: the e-mail or the single file's bytes, else a manifest."""
    if package.original is not None:
        return sha256_of(package.original)
    if len(package.paths) == 1 and package.paths[0].is_file() and not package.paths[0].is_symlink():
        return sha256_of(package.paths[0])
    manifest = hashlib.sha256()
    for path in sorted(package.paths):
        entries, _ = _walk(path)
        for name, full in sorted(entries):
            manifest.update(f"{path.name}/{name}\0{sha256_of(full)}\n".encode())
    return manifest.hexdigest()


def _document_finding(name: str, what: str, exc: Exception | str, status: Status = Status.FAIL) -> Finding:
    return Finding(
        Check.DOCUMENT,
        status,
        f"「{name}」无法作为{what}读取（{exc}）。请用附件模板重新填写，另存为Word（.docx）格式后重新报送。",
        {"file": name, "error": str(exc)[:300]},
        stage="intake",
    )


def analyse(package: Package, scratch: Path, rules: ContestRules) -> Analysis:
    """Unpack and read `package` inside `scratch` (a fresh folder); bad input becomes findings."""
    scratch.mkdir(parents=True, exist_ok=True)
    analysis = Analysis(
        package=package, fingerprint=fingerprint(package), name=parse_package_name(package.name)
    )
    analysis.findings += package.findings
    unpacking = _Unpacking(analysis, scratch, rules)
    for path in package.paths:
        entries, findings = _walk(path)
        analysis.findings += findings
        prefix = f"{path.name}/" if path.is_dir() and len(package.paths) > 1 else ""
        unpacking.queue += [(prefix + name, full, 0) for name, full in entries]
    unpacking.run()
    roles = settle_scans([f.role for f, _ in unpacking.classified], [r for _, r in unpacking.classified])
    for (file, _), role in zip(unpacking.classified, roles, strict=True):
        file.role = role
        analysis.files.append(file)
    _read_forms(analysis, rules)
    _read_netdisk(analysis)
    _measure_videos(analysis)
    analysis.name = _best_name(analysis, unpacking.folder_names)
    analysis.details = replace(analysis.details, package=analysis.name)
    return analysis


@dataclass(slots=True)
class _Unpacking:
    """Every file of a package, archives opened (nested ones too, to a depth), each file classified."""

    analysis: Analysis
    scratch: Path
    rules: ContestRules
    queue: list[tuple[str, Path, int]] = field(default_factory=list)  # (name in package, path, depth)
    classified: list[tuple[IntakeFile, str]] = field(default_factory=list)  # (file, why that role)
    folder_names: list[str] = field(default_factory=list)  # top folders inside archives (name candidates)
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    budget: archives.Budget | None = None

    def run(self) -> None:
        self.budget = archives.Budget.from_rules(self.rules)
        while self.queue:
            name, path, depth = self.queue.pop(0)
            if is_junk(name):
                continue
            kind = sniff(path)
            if kind in ("zip", "7z", "rar"):
                self._open_archive(name, path, kind, depth)
            elif kind == "ole" and PurePosixPath(name).suffix.lower() in (".doc", ".dot", ".wps", ""):
                legacy = _legacy_doc(self.analysis, name, path, self.scratch / f"d{next(self.counter)}")
                self.classified.append((legacy, ""))
            else:
                self._classify(name, path, kind)

    def _open_archive(self, name: str, path: Path, kind: str, depth: int) -> None:
        if depth >= self.rules.archive_max_depth:
            self.analysis.findings.append(
                Finding(
                    Check.ARCHIVE,
                    Status.FAIL,
                    f"压缩包「{name}」嵌套层数过多（超过{self.rules.archive_max_depth}层），未解压。请把所有文件直接放在一个压缩包里。",
                    {"archive": name, "depth": depth},
                    stage="intake",
                )
            )
            return
        target = self.scratch / f"x{next(self.counter)}"
        display = PurePosixPath(name).name
        result = archives.extract(path, target, display=display, rules=self.rules, budget=self.budget)
        self.analysis.findings += result.findings
        if depth == 0:
            self.analysis.containers.append(path)
        else:
            nested = _intake_file(name, path, FileRole.OTHER, kind, "嵌套压缩包", nested=True)
            self.classified.append((nested, "archive"))
        for member in result.files:
            parts = PurePosixPath(member.name).parts
            if len(parts) > 1:
                self.folder_names.append(parts[0])
            self.queue.append((member.name, member.path, depth + 1))

    def _classify(self, name: str, path: Path, kind: str) -> None:
        if PurePosixPath(name).suffix.lower() in ARCHIVE_EXTENSIONS:
            self.analysis.findings.append(_not_an_archive(name))
        found = classify(path, name, kind, self.rules)
        if found.finding is not None:  # beyond the reading bounds: not read, and not parsed below
            self.analysis.findings.append(found.finding)
        file = _intake_file(name, path, found.role, found.kind, found.reason, text=found.text)
        self.classified.append((file, found.reason))


def _not_an_archive(name: str) -> Finding:
    """Named like an archive, but its bytes are none that intake opens (damaged, cut short, renamed)."""
    return Finding(
        Check.ARCHIVE,
        Status.FAIL,
        f"「{name}」不是有效的压缩包（文件内容无法识别为ZIP、7z或RAR格式，可能已损坏、未传完或被改了扩展名）。"
        "请重新打包后报送。",
        {"archive": name},
        stage="intake",
    )


def _intake_file(
    name: str,
    path: Path,
    role: FileRole,
    kind: str,
    reason: str,
    *,
    text: str | None = None,
    nested: bool = False,
) -> IntakeFile:
    return IntakeFile(
        name=name,
        path=path,
        role=role,
        kind=kind,
        reason=reason,
        sha256=sha256_of(path),
        size=path.stat().st_size,
        text=text,
        nested_archive=nested,
    )


def _legacy_doc(analysis: Analysis, name: str, path: Path, out: Path) -> IntakeFile:
    """A Word 97–2003 .doc: converted with LibreOffice when installed, classified from the result."""
    converted = convert_doc(path, out) if libreoffice() else None
    if converted is None:
        reason = "服务器未安装LibreOffice" if not libreoffice() else "LibreOffice转换失败"
        analysis.findings.append(
            Finding(
                Check.DOCUMENT,
                Status.ERROR,
                f"「{name}」是旧版Word（.doc）文档，无法自动读取（{reason}）。请工作人员人工查看，"
                "或请报送人另存为.docx格式后重新报送。",
                {"file": name, "reason": reason},
                stage="intake",
            )
        )
        result = classify(path, name, "ole")
        return _intake_file(name, path, result.role, "doc", result.reason)
    result = classify(converted, name, "docx")
    if result.finding is not None:
        analysis.findings.append(result.finding)
    file = _intake_file(name, path, result.role, "doc", result.reason + "（由.doc转换）", text=result.text)
    file.path = converted if result.role in (FileRole.REGISTRATION_FORM, FileRole.SUMMARY_TABLE) else path
    return file


def _unconverted(file: IntakeFile) -> bool:
    return file.kind == "doc" and file.path.suffix.lower() != ".docx"


def _first_readable(
    analysis: Analysis, role: FileRole, document: str, parse: Callable[[Path], T]
) -> tuple[T, str] | None:
    """What the first readable file of `role` holds, with its name; every file that cannot be read
    is a finding."""
    first = None
    for file in analysis.of_role(role):
        if _unconverted(file) or file.reason.startswith(OVERSIZED):
            continue  # the legacy-.doc or the too-large finding already says why it cannot be read
        try:
            parsed = parse(file.path)
        except FormError as exc:
            analysis.findings.append(_document_finding(file.name, document, exc))
            continue
        if first is None:
            first = (parsed, file.name)
    return first


def _read_forms(analysis: Analysis, rules: ContestRules) -> None:
    details = replace(analysis.details, forms_count=len(analysis.of_role(FileRole.REGISTRATION_FORM)))
    form = _first_readable(
        analysis,
        FileRole.REGISTRATION_FORM,
        "作品登记表（附件1）",
        lambda p: parse_registration_form(p, rules),
    )
    if form:
        details = replace(details, form=form[0], form_file=form[1])
    summary = _first_readable(
        analysis, FileRole.SUMMARY_TABLE, "作品汇总表（附件3）", lambda p: parse_summary_table(p, rules)
    )
    if summary:
        details = replace(details, summary_rows=tuple(summary[0]), summary_file=summary[1])
    analysis.details = details
    for file in analysis.of_role(FileRole.PLEDGE):
        if file.kind in ("docx", "doc"):
            analysis.findings.append(
                Finding(
                    Check.PLEDGE,
                    Status.WARN,
                    f"版权承诺书「{file.name}」是Word文档，不是签字盖章后的扫描件。通知要求报送“作品版权承诺书扫描件”，"
                    "请打印签字（盖章）后扫描为PDF/JPG/PNG补交。",
                    {"file": file.name},
                    stage="intake",
                )
            )


def _read_netdisk(analysis: Analysis) -> None:
    texts = [analysis.package.body_text or ""] + [
        f.text or "" for f in analysis.files if f.role in (FileRole.OTHER, FileRole.SCRIPT)
    ]
    links: dict[str, NetdiskLink] = {}
    for text in texts:
        if "pan.baidu.com" not in text.lower():
            continue
        for link in find_links(text, analysis.package.received_at):
            links.setdefault(link.url, link)
    analysis.details = replace(analysis.details, netdisk=tuple(links.values()))
    for file in analysis.files:
        if (
            file.role == FileRole.SCRIPT
            and file.text
            and "pan.baidu.com" in file.text
            and len(file.text) < 500
        ):
            file.role = FileRole.OTHER  # a short note with the link is not the 文稿


def _measure_videos(analysis: Analysis) -> None:
    from tasks.media.probe import ProbeError, probe

    for file in analysis.of_role(FileRole.VIDEO):
        parsed = parse_package_name(PurePosixPath(file.name).name)
        file.episode = (
            parsed.episode if parsed.ok else split_episode(strip_extension(PurePosixPath(file.name).name))[1]
        )
        try:
            file.duration = probe(file.path).duration
        except (ProbeError, OSError):
            file.duration = None  # screening reports why the file cannot be read


def _best_name(analysis: Analysis, folder_names: list[str]) -> PackageName:
    """The package's own name if it follows the convention, else a folder inside it or a video's name."""
    if analysis.name.ok:
        return analysis.name
    candidates = [c.name for c in analysis.containers] + folder_names
    candidates += [PurePosixPath(f.name).name for f in analysis.of_role(FileRole.VIDEO)]
    for candidate in candidates:
        parsed = parse_package_name(candidate)
        if parsed.ok:
            return PackageName(
                analysis.name.raw,
                submitter=parsed.submitter,
                unit=parsed.unit,
                title=parsed.title,
                episode=None,
                problem=analysis.name.problem,
            )
    return analysis.name
