"""A zip whose central directory lies: several entries pointing at one member, compressed sizes
larger than the space the member occupies. Built byte by byte here."""

from __future__ import annotations

import random
import struct
import zipfile
from dataclasses import replace
from pathlib import Path

from tasks.findings import Status
from tasks.intake.archives import extract
from tasks.rules import DEFAULT_RULES

MEMBER_BYTES = 8 * 1024**2


def lying_zip(path: Path, *, copies: int, claimed_compressed: int | None = None) -> Path:
    """One deflated 8 MB member compressing about 50:1 (honestly under the 100:1 limit), listed
    `copies` times in the central directory, every entry pointing at the same local header; with
    `claimed_compressed`, each entry also claims that compressed size."""
    noise = random.Random(9).randbytes(MEMBER_BYTES // 60)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("作品.mp4", noise + b"\0" * (MEMBER_BYTES - len(noise)))
    data = path.read_bytes()
    eocd = data.rindex(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", data[eocd + 12 : eocd + 20])
    entry = bytearray(data[cd_offset : cd_offset + cd_size])
    if claimed_compressed is not None:
        struct.pack_into("<I", entry, 20, claimed_compressed)
    directory = bytes(entry) * copies
    end = bytearray(data[eocd : eocd + 22])
    struct.pack_into("<HHII", end, 8, copies, copies, len(directory), cd_offset)
    path.write_bytes(data[:cd_offset] + directory + bytes(end))
    return path


def _written(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_entries_pointing_at_one_member_are_refused(tmp_path: Path) -> None:
    # 40 MB declared in all, under the (lowered) budget; each entry's ratio is an honest ~50:1.
    archive = lying_zip(tmp_path / "伪造.zip", copies=5)
    assert archive.stat().st_size < MEMBER_BYTES // 40
    rules = replace(DEFAULT_RULES, archive_max_total_bytes=64 * 1024**2)
    result = extract(archive, tmp_path / "out", display="伪造.zip", rules=rules)
    assert result.files == [] and _written(tmp_path / "out") == 0
    (finding,) = result.findings
    assert finding.status == Status.FAIL and finding.evidence["overlapping"] == 5
    assert (
        "「伪造.zip」的目录与实际内容不符：「作品.mp4」" in finding.message and "共5个文件" in finding.message
    )


def test_a_compressed_size_larger_than_the_member_is_refused(tmp_path: Path) -> None:
    archive = lying_zip(tmp_path / "一个.zip", copies=1, claimed_compressed=MEMBER_BYTES // 20)
    result = extract(archive, tmp_path / "out", display="一个.zip", rules=DEFAULT_RULES)
    assert result.files == [] and _written(tmp_path / "out") == 0
    assert [f.evidence.get("members") for f in result.findings] == [["作品.mp4"]]


def test_an_honest_zip_still_extracts(tmp_path: Path) -> None:
    archive = tmp_path / "真.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("作品.mp4", b"\1" * 1024)
        out.writestr("文稿.txt", "文稿".encode())
        out.writestr("空目录/", b"")
    result = extract(archive, tmp_path / "out", display="真.zip", rules=DEFAULT_RULES)
    assert result.findings == [] and sorted(f.name for f in result.files) == ["作品.mp4", "文稿.txt"]
