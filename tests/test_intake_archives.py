"""Real archives as submitters (and attackers) make them: GBK zips, 7z, rar, traversal, bombs."""

from __future__ import annotations

import stat
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import py7zr

from samples.packages import clip, folder_package, good_form, package_files, zip_package
from samples.packing import write_rar4_stored, write_zip
from tasks.intake.archives import Budget, extract
from tasks.intake.package import Package, analyse
from tasks.rules import DEFAULT_RULES
from tests.fixtures import SUITE_NOW

PREFIX = "张明（江北区融媒体中心）+红岩家书"


def _analyse(path: Path, work: Path, name: str | None = None):  # type: ignore[no-untyped-def]
    package = Package(name=name or path.name, paths=[path], source="test", received_at=SUITE_NOW)
    return analyse(package, work, DEFAULT_RULES)


def _roles(analysis) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.name.rsplit("/", 1)[-1]: f.role for f in analysis.files}


def test_gbk_zip_from_windows_is_read_with_its_chinese_names(tmp_path: Path, media_dir: Path) -> None:
    files = package_files(tmp_path / "src", clip(media_dir))
    archive = zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)
    with zipfile.ZipFile(archive) as raw:
        assert all(not info.flag_bits & 0x800 for info in raw.infolist())  # really no UTF-8 flag
    analysis = _analyse(archive, tmp_path / "work")
    assert _roles(analysis) == {
        f"{PREFIX}.mp4": "video",
        f"{PREFIX}-作品登记表.docx": "registration_form",
        "作品汇总表.docx": "summary_table",
        "版权承诺书（签字）.jpg": "pledge",
        "最终视频文稿.txt": "script",
    }  # __MACOSX and Thumbs.db ignored
    assert analysis.findings == []
    assert (analysis.name.submitter, analysis.name.unit, analysis.name.title) == (
        "张明",
        "江北区融媒体中心",
        "红岩家书",
    )
    form, rows = analysis.details.form, analysis.details.summary_rows
    assert form is not None and form.title == "红岩家书"
    assert rows and rows[0].author == "张明"
    assert analysis.script_text and "歌乐山下" in analysis.script_text  # decoded from GBK
    assert analysis.of_role("video")[0].duration == 2.0


def test_seven_zip_and_rar_packages(tmp_path: Path, media_dir: Path) -> None:
    files = package_files(tmp_path / "src", clip(media_dir), prefix="重庆大学+江姐")
    seven = tmp_path / "重庆大学+江姐.7z"
    with py7zr.SevenZipFile(seven, "w") as archive:
        for name, path in files:
            archive.write(path, f"重庆大学+江姐/{name}")
    assert set(_roles(_analyse(seven, tmp_path / "w1")).values()) == {
        "video",
        "registration_form",
        "summary_table",
        "pledge",
        "script",
    }
    rar = write_rar4_stored(tmp_path / "重庆大学+江姐.rar", [(f"江姐/{n}", p.read_bytes()) for n, p in files])
    analysis = _analyse(rar, tmp_path / "w2")
    assert analysis.findings == []
    assert _roles(analysis)["重庆大学+江姐-作品登记表.docx"] == "registration_form"


def test_folder_package_with_upper_case_extension(tmp_path: Path, media_dir: Path) -> None:
    files = package_files(tmp_path / "src", clip(media_dir), video_names=(f"{PREFIX}.MP4",))
    folder = folder_package(tmp_path / PREFIX, files)
    analysis = _analyse(folder, tmp_path / "work")
    assert _roles(analysis)[f"{PREFIX}.MP4"] == "video" and ".DS_Store" not in _roles(analysis)


def test_malicious_zip_is_findings_and_nothing_lands_outside(tmp_path: Path) -> None:
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escaped.txt", b"x")
        archive.writestr("/tmp/absolute-guangying.txt", b"x")
        archive.writestr("C:\\Windows\\win.ini", b"x")
        link = zipfile.ZipInfo("passwd-link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("正常/文稿.txt", "旁白")
    target = tmp_path / "deep" / "target"
    result = extract(evil, target, display="evil.zip", rules=DEFAULT_RULES)
    assert [f.name for f in result.files] == ["正常/文稿.txt"]
    messages = " ".join(f.message for f in result.findings)
    assert "“..”" in messages and "绝对路径" in messages and "符号链接" in messages
    assert {f.check for f in result.findings} == {"archive"} and all(
        f.stage == "intake" for f in result.findings
    )
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "deep" / "escaped.txt").exists()
    assert not Path("/tmp/absolute-guangying.txt").exists()
    written = {
        p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file() or p.is_symlink()
    }
    assert written == {"evil.zip", "deep/target/正常/文稿.txt"}


def test_zip_bomb_by_ratio_total_and_count(tmp_path: Path) -> None:
    bomb = write_zip(tmp_path / "bomb.zip", [("zeros.bin", b"\0" * (20 << 20))], encoding=None)
    result = extract(bomb, tmp_path / "t1", display="bomb.zip", rules=DEFAULT_RULES)
    assert result.files == [] and "压缩炸弹" in result.findings[0].message
    assert result.findings[0].evidence["ratio"] > DEFAULT_RULES.archive_max_ratio

    many = write_zip(tmp_path / "many.zip", [(f"f{i}.txt", b"x") for i in range(12)], encoding=None)
    small = replace(DEFAULT_RULES, archive_max_files=10, archive_max_total_bytes=5)
    result = extract(many, tmp_path / "t2", display="many.zip", rules=small)
    assert result.files == [] and result.findings[0].evidence["files"] == 12
    result = extract(
        many, tmp_path / "t3", display="many.zip", rules=replace(DEFAULT_RULES, archive_max_total_bytes=5)
    )
    assert result.files == [] and result.findings[0].evidence["total_bytes"] == 12
    assert not [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix in (".txt", ".bin")]


def test_member_longer_than_declared_is_stopped(tmp_path: Path) -> None:
    """A forged header that understates the size: extraction stops at the declared size."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("a.txt", b"A" * 1000)
    data = bytearray(path.read_bytes())
    # Patch the uncompressed size in the central directory (offset 24 of the entry) to 10 bytes.
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    result = extract(path, tmp_path / "t", display="liar.zip", rules=DEFAULT_RULES, budget=Budget(10**9, 100))
    assert result.files == [] and result.findings
    assert not list((tmp_path / "t").rglob("a.txt"))


def test_encrypted_and_corrupt_archives(tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("旁白", encoding="utf-8")
    subprocess.run(
        ["7z", "a", "-pSECRET", str(tmp_path / "locked.zip"), str(tmp_path / "s.txt")],
        check=True,
        capture_output=True,
    )
    with py7zr.SevenZipFile(
        tmp_path / "locked.7z", "w", password="secret", header_encryption=True
    ) as archive:
        archive.writestr("旁白", "文稿.txt")
    for name in ("locked.zip", "locked.7z"):
        result = extract(tmp_path / name, tmp_path / f"out-{name}", display=name, rules=DEFAULT_RULES)
        assert result.files == [] and "已加密" in result.findings[0].message, name
    good = write_zip(tmp_path / "good.zip", [("文稿.txt", "旁白".encode() * 500)])
    (tmp_path / "cut.zip").write_bytes(good.read_bytes()[:120])
    with py7zr.SevenZipFile(tmp_path / "good.7z", "w") as archive:
        archive.writestr("旁白" * 500, "文稿.txt")
    (tmp_path / "cut.7z").write_bytes((tmp_path / "good.7z").read_bytes()[:60])
    (tmp_path / "cut.rar").write_bytes(
        write_rar4_stored(tmp_path / "g.rar", [("a.txt", b"x" * 100)]).read_bytes()[:60]
    )
    for name in ("cut.zip", "cut.7z", "cut.rar"):
        result = extract(tmp_path / name, tmp_path / f"out-{name}", display=name, rules=DEFAULT_RULES)
        assert result.files == [] and "已损坏或不完整" in result.findings[0].message, name


def test_a_7z_failing_midway_leaves_no_files_behind(tmp_path: Path) -> None:
    """The first member is written, the second fails its CRC: both are removed, one finding."""
    data = {"a.txt": bytes(range(256)) * 800, "b.txt": bytes(reversed(range(256))) * 800}
    good = tmp_path / "good.7z"
    with py7zr.SevenZipFile(good, "w", filters=[{"id": py7zr.FILTER_COPY}]) as archive:
        for name, content in data.items():
            archive.writestr(content, name)
    damaged = bytearray(good.read_bytes())
    damaged[32 + len(data["a.txt"]) + 1000] ^= 0xFF  # inside b.txt's stored bytes
    (tmp_path / "bad.7z").write_bytes(bytes(damaged))
    result = extract(tmp_path / "bad.7z", tmp_path / "out", display="bad.7z", rules=DEFAULT_RULES)
    assert result.files == [] and len(result.findings) == 1
    assert "已损坏或不完整" in result.findings[0].message
    assert not [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    intact = extract(good, tmp_path / "ok", display="good.7z", rules=DEFAULT_RULES)
    assert {f.name: f.path.read_bytes() for f in intact.files} == data and not intact.findings


def test_nested_archive_and_depth_limit(tmp_path: Path, media_dir: Path) -> None:
    inner = write_zip(tmp_path / "inner.zip", [("视频/红岩家书.mp4", clip(media_dir))])
    middle = write_zip(tmp_path / "middle.zip", [("inner.zip", inner)])
    outer = write_zip(
        tmp_path / f"{PREFIX}.zip", [("middle.zip", middle), ("文稿.txt", "旁白".encode("gbk"))]
    )
    analysis = _analyse(outer, tmp_path / "work")
    assert any("嵌套层数过多" in f.message for f in analysis.findings)
    assert not analysis.of_role("video")
    one_level = write_zip(tmp_path / "one.zip", [("inner.zip", inner)])
    assert _analyse(one_level, tmp_path / "w2").of_role("video")


def test_legacy_doc_is_converted_by_libreoffice(tmp_path: Path) -> None:
    from tasks.intake.templates import write_registration_form

    docx = write_registration_form(tmp_path / "登记表.docx", good_form())
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "doc",
            "--outdir",
            str(tmp_path / "doc"),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    legacy = tmp_path / "doc" / "登记表.doc"
    assert legacy.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    analysis = _analyse(legacy, tmp_path / "work", name=f"{PREFIX}.doc")
    assert analysis.files[0].role == "registration_form" and analysis.files[0].kind == "doc"
    form = analysis.details.form
    assert form is not None and form.title == "红岩家书" and form.person_name == "张明"


def test_legacy_doc_without_libreoffice_is_a_clear_finding(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tasks.intake.package as package_module

    monkeypatch.setattr(package_module, "libreoffice", lambda: None)
    legacy = tmp_path / "作品登记表.doc"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    analysis = _analyse(legacy, tmp_path / "work", name=f"{PREFIX}.doc")
    (finding,) = analysis.findings
    assert finding.check == "document" and finding.status == "error"
    assert "旧版Word（.doc）" in finding.message and "服务器未安装LibreOffice" in finding.message
    assert analysis.files[0].role == "registration_form"  # by its name, kept as an original


def test_random_bytes_named_like_an_archive_are_an_archive_finding(tmp_path: Path) -> None:
    package = tmp_path / "赵六+坏包"
    package.mkdir()
    (package / "赵六+坏包.zip").write_bytes(bytes(range(256)) * 40)  # not a zip: a download gone wrong
    analysis = _analyse(package, tmp_path / "work")
    (finding,) = [f for f in analysis.findings if f.check == "archive"]
    assert finding.status == "fail" and "「赵六+坏包.zip」不是有效的压缩包" in finding.message
