"""The one Chinese-bytes decoder: every encoding people send, declared or not, and it never raises."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tasks.chinese_bytes import charset_name, decode_chinese, decode_chinese_with_encoding
from tasks.intake.archives import decode_zip_name

TEXT = "1\n00:00:01,000 --> 00:00:03,500\n红色光影 英雄重庆：《红岩》的故事\n"  # BOM-less UTF-16 shows by its NULs


@pytest.mark.parametrize(
    ("codec", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("gbk", "gb18030"),
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("utf-32", "utf-32"),
    ],
)
def test_undeclared_bytes(codec: str, expected: str) -> None:
    text, encoding = decode_chinese_with_encoding(TEXT.encode(codec))
    assert (text, encoding) == (TEXT, expected)


def test_big5_reads_as_big5() -> None:
    traditional = "歷史的回聲在這裡響起"
    assert decode_chinese_with_encoding(traditional.encode("big5")) == (traditional, "big5")


def test_declared_charset_wins_and_gbk_aliases_read_as_gb18030() -> None:
    assert charset_name("GB2312") == charset_name(" x-gbk ") == charset_name("CP936") == "gb18030"
    assert charset_name(None) is None and charset_name("") is None
    # 「€」 is in cp1252, not in GBK: the declared charset decides, not a guess.
    assert decode_chinese("€".encode("cp1252"), "windows-1252") == "€"
    assert decode_chinese(TEXT.encode("gbk"), "GB2312") == TEXT
    # A declared charset Python does not know, or one the bytes do not fit: the guess takes over.
    assert decode_chinese(TEXT.encode("gbk"), "x-unknown-8bit") == TEXT
    assert decode_chinese(TEXT.encode("utf-8"), "us-ascii") == TEXT


def test_never_raises() -> None:
    garbage = bytes(range(256)) * 3
    assert isinstance(decode_chinese(garbage), str)
    assert decode_chinese(b"") == ""
    assert isinstance(decode_chinese(b"\xef\xbb\xbf\xff\xfe\x80"), str)  # a BOM, then broken bytes


def test_zip_names_without_the_utf8_flag(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("作品/文稿.txt", "登记表.docx"):
            info = zipfile.ZipInfo(name)
            archive.writestr(info, b"x")
    raw = path.read_bytes()
    for name in ("作品/文稿.txt", "登记表.docx"):  # rewrite as a Chinese Windows archiver would: GBK, no flag
        utf8, gbk = name.encode("utf-8"), name.encode("gbk").ljust(len(name.encode("utf-8")), b"_")
        raw = raw.replace(utf8, gbk)
    raw = raw.replace(b"\x00\x08", b"\x00\x00")  # drop the UTF-8 flag bit (0x800) on every header
    path.write_bytes(raw)
    with zipfile.ZipFile(path) as archive:
        names = [decode_zip_name(info) for info in archive.infolist()]
    padded = [
        n + "_" * (len(n.encode("utf-8")) - len(n.encode("gbk"))) for n in ("作品/文稿.txt", "登记表.docx")
    ]
    assert names == padded
