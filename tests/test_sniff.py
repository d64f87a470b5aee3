"""The one magic-byte sniffer: real files built here (zip, 7z, Office, images, clips), kinds by content."""

from __future__ import annotations

import random
import subprocess
import zipfile
from pathlib import Path

import cv2
import numpy as np
import py7zr
from docx import Document
from openpyxl import Workbook

from samples.clips import ClipSpec, render_clip
from tasks.sniff import archive_kind, office_kind, sniff, sniff_head


def test_office_files_are_told_apart_from_plain_zips(tmp_path: Path) -> None:
    docx = tmp_path / "登记表.zip"  # a misleading name: content decides
    Document().save(docx)
    xlsx = tmp_path / "汇总表.docx"
    Workbook().save(xlsx)
    plain = tmp_path / "作品.docx"
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("作品/文稿.txt", "你好")
    assert sniff(docx) == "docx" and archive_kind(docx) is None
    assert sniff(xlsx) == "xlsx" and archive_kind(xlsx) is None
    assert sniff(plain) == "zip" and archive_kind(plain) == "zip"


def test_office_kind_by_entries() -> None:
    assert office_kind(["[Content_Types].xml", "ppt/presentation.xml"]) == "pptx"
    assert office_kind(["[Content_Types].xml", "word/styles.xml"]) == "docx"  # main part missing
    assert office_kind(["[Content_Types].xml", "xl/styles.xml"]) == "xlsx"
    assert office_kind(["word/readme.txt"]) is None
    assert office_kind([]) is None


def test_a_broken_zip_is_still_a_zip(tmp_path: Path) -> None:
    broken = tmp_path / "a.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert sniff(broken) == "zip" and archive_kind(broken) == "zip"


def test_seven_zip_and_images(tmp_path: Path) -> None:
    seven = tmp_path / "a.bin"
    with py7zr.SevenZipFile(seven, "w") as archive:
        archive.writestr(b"hello", "a.txt")
    assert sniff(seven) == "7z" and archive_kind(seven) == "7z"
    image = np.zeros((16, 16, 3), dtype=np.uint8)
    for suffix, kind in ((".jpg", "jpeg"), (".png", "png"), (".bmp", "bmp"), (".tiff", "tiff")):
        path = tmp_path / f"still{suffix}"
        assert cv2.imwrite(str(path), image)
        renamed = path.rename(tmp_path / f"still{suffix}.txt")
        assert sniff(renamed) == kind


def test_videos_in_any_container(tmp_path: Path) -> None:
    mp4 = render_clip(tmp_path / "clip.mp4", ClipSpec(width=160, height=120, seconds=2.0, audio=False))
    assert sniff(mp4) == "video"
    for suffix, codec in (
        (".mkv", "mpeg4"),
        (".ts", "mpeg2video"),
        (".flv", "flv"),
        (".avi", "mpeg4"),
        (".mpg", "mpeg2video"),
        (".wmv", "msmpeg4"),
    ):
        other = tmp_path / f"clip{suffix}"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(mp4), "-c:v", codec, str(other)], check=True)
        assert sniff(other) == "video", suffix
        assert archive_kind(other) is None


def test_text_binary_empty_and_unreadable(tmp_path: Path) -> None:
    assert sniff_head("1\n00:00:01,000 --> 00:00:02,000\n你好\n".encode()) == "text"
    assert sniff_head(b"<?xml version='1.0'?><a/>") == "text"  # a signature we do not act on
    assert sniff_head("你好".encode("utf-16")) == "text"
    assert sniff_head(b"\x00\x01\x02\x03garbage") == "binary"
    # Text cut mid-character by the head is text; random bytes without a NUL byte are not.
    for text, encoding in (
        ("红色光影英雄重庆", "utf-8"),
        ("红色光影英雄重庆", "gbk"),
        ("紅色光影英雄重慶", "big5"),
    ):
        assert sniff_head((text * 40).encode(encoding)[:301]) == "text", encoding
    chance = random.Random(20261204)
    heads = [chance.randbytes(512) for _ in range(3000)]
    no_nul = [h for h in heads if b"\x00" not in h]
    assert len(no_nul) > 300  # about one in seven
    assert {sniff_head(h) for h in no_nul} == {"binary"}
    assert sniff_head(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) == "ole"
    assert sniff_head(b"%PDF-1.7\n") == "pdf"
    assert sniff_head(b"Rar!\x1a\x07\x01\x00" + b"\x00" * 20) == "rar"
    assert sniff_head(b"") == "empty"
    assert sniff(tmp_path / "missing.mp4") == "unreadable"
