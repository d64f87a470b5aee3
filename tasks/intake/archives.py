"""Unpacking .zip/.7z/.rar packages safely: every problem is a finding, nothing lands outside `target`.

Threats handled: `../` and absolute member names, symlinks, zip bombs (file count, total size,
compression ratio, members longer than declared), encrypted and corrupt archives. Windows zips name
members in GBK without the UTF-8 flag; those names are recovered.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING, BinaryIO

from tasks.chinese_bytes import decode_chinese
from tasks.findings import Check, Finding, Status
from tasks.rules import ContestRules
from tasks.sniff import archive_kind
from tasks.zipdir import ZipDirectoryTooLarge, check_zip_directory

if TYPE_CHECKING:
    import py7zr  # imported when a .7z arrives: it is slow to load

CHUNK = 1 << 20


@dataclass(slots=True)
class Budget:
    """What is left of the zip-bomb limits, shared by nested archives of one package."""

    bytes_left: int
    files_left: int

    @classmethod
    def from_rules(cls, rules: ContestRules) -> Budget:
        return cls(rules.archive_max_total_bytes, rules.archive_max_files)


@dataclass(frozen=True, slots=True)
class Extracted:
    path: Path  # where it now is, under the target folder
    name: str  # its path inside the archive (POSIX, decoded)
    size: int


@dataclass(slots=True)
class ArchiveResult:
    kind: str
    files: list[Extracted] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


class _Overflow(Exception):
    """A member produced more bytes than declared or than the budget allows."""


def _finding(status: Status, message: str, **evidence: object) -> Finding:
    return Finding(Check.ARCHIVE, status, message, dict(evidence), stage="intake")


def decode_zip_name(info: zipfile.ZipInfo) -> str:
    """The member's name as the sender saw it: UTF-8 flag → as is; else UTF-8, GBK or Big5 bytes."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")  # zipfile decoded the raw bytes as cp437: lossless back
    except UnicodeEncodeError:
        return info.filename
    return decode_chinese(raw)


def safe_member_path(name: str) -> tuple[PurePosixPath | None, str | None]:
    """A relative path that stays inside the target, or (None, the reason in Chinese)."""
    unified = name.replace("\\", "/")
    if unified.startswith("/") or re.match(r"^[A-Za-z]:", unified):
        return None, "使用了绝对路径"
    parts = [p for p in unified.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None, "路径中含有“..”，会写到解压目录之外"
    parts = [re.sub(r"[\x00-\x1f]", "_", p) for p in parts]
    if not parts:
        return None, "名称为空"
    return PurePosixPath(*parts), None


@contextmanager
def _exclusive(target: Path, relative: PurePosixPath) -> Iterator[tuple[BinaryIO, Path]]:
    """Open a new file under `target` (never following a link, never overwriting); removed on error."""
    root = target.resolve()
    path = root.joinpath(*relative.parts)
    if not path.resolve().is_relative_to(root):  # belt and braces after safe_member_path
        raise ValueError(f"member escapes target: {relative}")
    path.parent.mkdir(parents=True, exist_ok=True)
    stem, suffix, n = path.stem, path.suffix, 1
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
            break
        except FileExistsError:  # the same name twice in one archive: keep both
            n += 1
            path = path.with_name(f"{stem}({n}){suffix}")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle, path
    except BaseException:
        with suppress(OSError):
            path.unlink()
        raise


def _copy_capped(source: IO[bytes], sink: BinaryIO, cap: int) -> int:
    written = 0
    while chunk := source.read(CHUNK):
        written += len(chunk)
        if written > cap:
            raise _Overflow
        sink.write(chunk)
    return written


@dataclass(frozen=True, slots=True)
class _Member:
    name: str
    size: int  # declared uncompressed size
    compressed: int | None
    is_dir: bool = False
    is_link: bool = False
    encrypted: bool = False


def _precheck(
    display: str, members: list[_Member], archive_size: int, rules: ContestRules, budget: Budget
) -> list[Finding]:
    """Zip-bomb limits on the declared sizes, before a single byte is unpacked."""
    files = [m for m in members if not m.is_dir]
    total = sum(m.size for m in files)
    if len(files) > budget.files_left:
        return [
            _finding(
                Status.FAIL,
                f"压缩包「{display}」内有{len(files)}个文件，超过单个作品包{rules.archive_max_files}个文件的上限，"
                "未解压。请只打包作品视频、文稿、登记表、汇总表和承诺书。",
                archive=display,
                files=len(files),
                limit=rules.archive_max_files,
            )
        ]
    if total > budget.bytes_left:
        return [
            _finding(
                Status.FAIL,
                f"压缩包「{display}」解压后共{total / 1024**3:.2f}GB，超过{rules.archive_max_total_bytes / 1024**3:.0f}GB的上限，"
                "未解压（疑似“压缩炸弹”）。请检查压缩包内容后重新报送。",
                archive=display,
                total_bytes=total,
                limit=rules.archive_max_total_bytes,
            )
        ]
    for member in files:
        compressed = member.compressed if member.compressed is not None else archive_size
        if (
            member.size >= rules.archive_ratio_min_bytes
            and member.size / max(compressed, 1) > rules.archive_max_ratio
        ):
            ratio = member.size / max(compressed, 1)
            return [
                _finding(
                    Status.FAIL,
                    f"压缩包「{display}」中的「{member.name}」压缩比为{ratio:.0f}:1（上限{rules.archive_max_ratio:.0f}:1），"
                    "疑似“压缩炸弹”，未解压。请重新打包后报送。",
                    archive=display,
                    member=member.name,
                    ratio=round(ratio, 1),
                    limit=rules.archive_max_ratio,
                )
            ]
    return []


def _member_findings(display: str, members: list[_Member]) -> tuple[list[_Member], list[Finding]]:
    """Drop links, encrypted members and unsafe names, with a finding for each kind."""
    keep: list[_Member] = []
    findings: list[Finding] = []
    encrypted: list[str] = []
    for member in members:
        if member.is_dir:
            continue
        if member.is_link:
            findings.append(
                _finding(
                    Status.FAIL,
                    f"压缩包「{display}」中的「{member.name}」是符号链接，已忽略。请直接打包文件本身。",
                    archive=display,
                    member=member.name,
                )
            )
            continue
        if member.encrypted:
            encrypted.append(member.name)
            continue
        _, problem = safe_member_path(member.name)
        if problem:
            findings.append(
                _finding(
                    Status.FAIL,
                    f"压缩包「{display}」中的「{member.name}」{problem}，已忽略。请用相对路径重新打包。",
                    archive=display,
                    member=member.name,
                )
            )
            continue
        keep.append(member)
    if encrypted:
        findings.append(
            _finding(
                Status.FAIL,
                f"压缩包「{display}」已加密（{len(encrypted)}个文件需要密码），无法解压。请去掉密码后重新报送。",
                archive=display,
                members=encrypted[:20],
            )
        )
    return keep, findings


def _corrupt(display: str, exc: BaseException, member: str | None = None) -> Finding:
    where = f"中的「{member}」" if member else ""
    return _finding(
        Status.FAIL,
        f"压缩包「{display}」{where}已损坏或不完整，无法解压（{type(exc).__name__}）。请重新打包并完整上传。",
        archive=display,
        member=member,
        error=f"{type(exc).__name__}: {exc}"[:300],
    )


def _bomb_member(display: str, member: str) -> Finding:
    return _finding(
        Status.FAIL,
        f"压缩包「{display}」中的「{member}」解压后比声明的大小更大或超出总量上限，已停止解压（疑似“压缩炸弹”）。",
        archive=display,
        member=member,
    )


def _extract_stream(
    result: ArchiveResult,
    display: str,
    target: Path,
    members: list[_Member],
    budget: Budget,
    opener: Callable[[str], IO[bytes]],
    errors: tuple[type[BaseException], ...],
) -> None:
    """Copy each member through `opener`, capped at its declared size and the package budget."""
    for member in members:
        relative, _ = safe_member_path(member.name)
        assert relative is not None
        cap = min(member.size, budget.bytes_left)
        try:
            with opener(member.name) as source, _exclusive(target, relative) as (sink, path):
                written = _copy_capped(source, sink, cap)
        except _Overflow:
            result.findings.append(_bomb_member(display, member.name))
            return
        except errors as exc:
            result.findings.append(_corrupt(display, exc, member.name))
            continue
        budget.bytes_left -= written
        budget.files_left -= 1
        result.files.append(Extracted(path=path, name=relative.as_posix(), size=written))


def overlapping_entries(path: Path, archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """Entries whose data, as the central directory describes it (local header + compressed size),
    overlaps another entry's or the central directory itself.

    A zip that lies does this: five entries pointing at one 40 MB member write 200 MB from a 450 KB
    file, and a compressed size larger than the space the member occupies hides its true ratio.
    """
    spans: list[tuple[int, int, zipfile.ZipInfo]] = []
    with path.open("rb") as handle:
        for info in archive.infolist():
            handle.seek(info.header_offset)
            header = handle.read(30)
            if len(header) < 30 or header[:4] != b"PK\x03\x04":
                continue  # not a local header: extracting it reports the archive as corrupt
            name_length, extra_length = struct.unpack("<HH", header[26:30])
            data = info.header_offset + 30 + name_length + extra_length
            spans.append((info.header_offset, data + info.compress_size, info))
    spans.sort(key=lambda span: (span[0], span[1]))
    bad: dict[int, zipfile.ZipInfo] = {}
    reach: tuple[int, zipfile.ZipInfo] | None = None  # the furthest end so far, and whose it is
    directory = getattr(archive, "start_dir", None)
    for start, end, info in spans:
        if reach is not None and start < reach[0]:
            bad[id(info)], bad[id(reach[1])] = info, reach[1]
        if directory is not None and end > directory:
            bad[id(info)] = info
        if reach is None or end > reach[0]:
            reach = (end, info)
    return sorted(bad.values(), key=lambda info: info.header_offset)


def _forged(display: str, entries: list[zipfile.ZipInfo]) -> Finding:
    names = [decode_zip_name(info) for info in entries]
    shown = "、".join(f"「{name}」" for name in names[:5]) + ("等" if len(names) > 5 else "")
    return _finding(
        Status.FAIL,
        f"压缩包「{display}」的目录与实际内容不符：{shown}共{len(names)}个文件的数据相互重叠或超出压缩包范围"
        "（疑似伪造的压缩包），未解压。请用常用压缩软件重新打包后报送。",
        archive=display,
        members=names[:20],
        overlapping=len(names),
    )


def _zip(path: Path, target: Path, display: str, rules: ContestRules, budget: Budget) -> ArchiveResult:
    result = ArchiveResult("zip")
    errors = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, ValueError)
    try:
        check_zip_directory(path)  # its entries counted before ZipFile builds one object per entry
        archive = zipfile.ZipFile(path)
    except ZipDirectoryTooLarge as exc:
        result.findings.append(
            _finding(
                Status.FAIL,
                f"压缩包「{display}」的{exc}（单个作品包最多{rules.archive_max_files}个文件），未解压。"
                "请只打包作品视频、文稿、登记表、汇总表和承诺书。",
                archive=display,
                entries=exc.directory.entries,
                directory_bytes=exc.directory.size,
                limit=exc.limit,
            )
        )
        return result
    except errors as exc:
        result.findings.append(_corrupt(display, exc))
        return result
    with archive:
        infos = {}
        members = []
        for info in archive.infolist():
            name = decode_zip_name(info)
            mode = info.external_attr >> 16
            infos[name] = info
            members.append(
                _Member(
                    name=name,
                    size=info.file_size,
                    compressed=info.compress_size,
                    is_dir=info.is_dir(),
                    is_link=stat.S_ISLNK(mode),
                    encrypted=bool(info.flag_bits & 0x1),
                )
            )
        if forged := overlapping_entries(path, archive):
            result.findings.append(_forged(display, forged))  # its sizes cannot be trusted either
            return result
        if bomb := _precheck(display, members, path.stat().st_size, rules, budget):
            result.findings.extend(bomb)
            return result
        keep, findings = _member_findings(display, members)
        result.findings.extend(findings)
        _extract_stream(result, display, target, keep, budget, lambda n: archive.open(infos[n]), errors)
    return result


class _CappedWriter:
    """py7zr writes each member through one of these: straight to the safe path, capped."""

    def __init__(self, handle: BinaryIO, cap: int) -> None:
        self.handle, self.cap, self.written = handle, cap, 0

    def write(self, data: bytes | bytearray) -> int:
        self.written += len(data)
        if self.written > self.cap:
            raise _Overflow
        return self.handle.write(data)

    def read(self, size: int | None = None) -> bytes:
        return b""

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.written

    def flush(self) -> None:
        self.handle.flush()

    def size(self) -> int:
        return self.written

    def close(self) -> None:
        return None


def _encrypted_or_corrupt(display: str, exc: Exception) -> Finding:
    """Why py7zr could not open the archive (it raises many types: Bad7zFile, PasswordRequired…)."""
    if "password" in type(exc).__name__.lower():
        return _finding(
            Status.FAIL, f"压缩包「{display}」已加密，无法解压。请去掉密码后重新报送。", archive=display
        )
    return _corrupt(display, exc)


def _sevenzip_members(archive: py7zr.SevenZipFile) -> list[_Member]:
    encrypted = archive.needs_password()
    return [
        _Member(
            name=f.filename,
            size=int(f.uncompressed or 0),
            compressed=None,  # solid archives have no per-member size: judged on the whole archive
            is_dir=bool(f.is_directory),
            is_link=bool(f.is_symlink),
            encrypted=encrypted,
        )
        for f in archive.files
    ]


def _solid_ratio(
    display: str, members: list[_Member], archive_size: int, rules: ContestRules
) -> Finding | None:
    """The whole archive's compression ratio, since its members have none of their own."""
    total = sum(m.size for m in members if not m.is_dir)
    ratio = total / max(archive_size, 1)
    if total < rules.archive_ratio_min_bytes or ratio <= rules.archive_max_ratio:
        return None
    return _finding(
        Status.FAIL,
        f"压缩包「{display}」压缩比为{ratio:.0f}:1（上限{rules.archive_max_ratio:.0f}:1），"
        "疑似“压缩炸弹”，未解压。请重新打包后报送。",
        archive=display,
        ratio=round(ratio, 1),
    )


class _Abandon(Exception):
    """Extraction failed: unwinding the open files removes every one of them."""


def _sevenzip_extract(
    result: ArchiveResult,
    archive: py7zr.SevenZipFile,
    display: str,
    target: Path,
    keep: list[_Member],
    budget: Budget,
) -> None:
    """py7zr asks for one writer per member; each is a capped writer on a file opened on one
    ExitStack, which closes them all when py7zr is done or, if it failed, removes them all."""
    from py7zr.io import WriterFactory

    wanted = {m.name: m for m in keep}
    opened: dict[str, tuple[_CappedWriter, Path]] = {}

    class Writers(WriterFactory):
        def __init__(self, files: ExitStack) -> None:
            self.files = files

        def create(self, filename: str) -> _CappedWriter:  # type: ignore[override]
            member = wanted.get(filename)
            relative, _ = safe_member_path(filename)
            if member is None or relative is None:
                raise _Overflow  # py7zr asked for something we did not select
            handle, out = self.files.enter_context(_exclusive(target, relative))
            writer = _CappedWriter(handle, min(member.size, budget.bytes_left))
            opened[filename] = (writer, out)
            return writer

    failure: Finding | None = None
    try:
        with ExitStack() as files:
            try:
                archive.extract(targets=list(wanted), factory=Writers(files))
            except _Overflow:
                failure = _bomb_member(display, ",".join(opened) or display)
            except Exception as exc:
                failure = _corrupt(display, exc)
            if failure is not None:
                raise _Abandon
    except Exception:
        if failure is None:
            raise  # closing a finished file failed: extract() reports the archive
        result.findings.append(failure)  # a removal that failed too changes nothing
        return
    for name, (writer, out) in opened.items():
        budget.bytes_left -= writer.written
        budget.files_left -= 1
        relative = safe_member_path(name)[0] or PurePosixPath(name)
        result.files.append(Extracted(path=out, name=relative.as_posix(), size=writer.written))


def _sevenzip(path: Path, target: Path, display: str, rules: ContestRules, budget: Budget) -> ArchiveResult:
    import py7zr

    result = ArchiveResult("7z")
    try:
        archive = py7zr.SevenZipFile(path, mode="r")
    except Exception as exc:
        result.findings.append(_encrypted_or_corrupt(display, exc))
        return result
    with archive:
        members = _sevenzip_members(archive)
        archive_size = path.stat().st_size
        if bomb := _precheck(display, members, archive_size, rules, budget):
            result.findings.extend(bomb)
            return result
        if ratio := _solid_ratio(display, members, archive_size, rules):
            result.findings.append(ratio)
            return result
        keep, findings = _member_findings(display, members)
        result.findings.extend(findings)
        if keep:
            _sevenzip_extract(result, archive, display, target, keep, budget)
    return result


def rar_tool_available() -> bool:
    """rarfile needs unrar, unar, bsdtar or 7z for compressed members (7z ships with p7zip-full)."""
    return any(shutil.which(tool) for tool in ("unrar", "unar", "bsdtar", "7z", "7zz"))


def _rar(path: Path, target: Path, display: str, rules: ContestRules, budget: Budget) -> ArchiveResult:
    import rarfile

    result = ArchiveResult("rar")
    try:
        archive = rarfile.RarFile(path)
    except rarfile.PasswordRequired:
        result.findings.append(
            _finding(
                Status.FAIL, f"压缩包「{display}」已加密，无法解压。请去掉密码后重新报送。", archive=display
            )
        )
        return result
    except (rarfile.Error, OSError, EOFError) as exc:
        result.findings.append(_corrupt(display, exc))
        return result
    with archive:
        members = [
            _Member(
                name=info.filename or "",
                size=int(info.file_size or 0),
                compressed=int(info.compress_size or 0),
                is_dir=info.is_dir(),
                is_link=info.is_symlink(),
                encrypted=info.needs_password(),
            )
            for info in archive.infolist()
        ]
        if bomb := _precheck(display, members, path.stat().st_size, rules, budget):
            result.findings.extend(bomb)
            return result
        keep, findings = _member_findings(display, members)
        result.findings.extend(findings)
        if keep and not rar_tool_available():
            result.findings.append(
                _finding(
                    Status.ERROR,
                    f"服务器缺少解压RAR所需的工具（unrar/7z），压缩包「{display}」未能解压。请管理员安装p7zip-full后重试，"
                    "或请报送人改用ZIP格式。",
                    archive=display,
                )
            )
            return result
        errors = (rarfile.Error, OSError, EOFError)
        _extract_stream(result, display, target, keep, budget, archive.open, errors)
    return result


def extract(
    path: Path, target: Path, *, display: str, rules: ContestRules, budget: Budget | None = None
) -> ArchiveResult:
    """Unpack `path` into the (new or empty) folder `target`; never raises on a bad archive."""
    kind = archive_kind(path)
    target.mkdir(parents=True, exist_ok=True)
    budget = budget or Budget.from_rules(rules)
    handlers = {"zip": _zip, "7z": _sevenzip, "rar": _rar}
    if kind not in handlers:
        return ArchiveResult(kind or "unknown", findings=[_corrupt(display, ValueError("not an archive"))])
    try:
        return handlers[kind](path, target, display, rules, budget)
    except _Overflow:
        return ArchiveResult(kind, findings=[_bomb_member(display, display)])
    except Exception as exc:  # an unforeseen library error on a hostile file is still a finding
        return ArchiveResult(kind, findings=[_corrupt(display, exc)])
