"""Builders of realistic submission packages, for the tests and the benches (bench/batch.py,
bench/supplement.py).

Forms come from the same template code that `guangying templates` writes, filled in as people do;
videos are real ffmpeg clips (tiny: 2 s, 640×360); zips carry GBK names without the UTF-8 flag.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from samples.clips import ClipSpec, render_clip
from samples.packing import pledge_scan, write_zip
from tasks.intake.forms import RegistrationForm, SummaryRow
from tasks.intake.templates import write_registration_form, write_summary_table

TEAM = "导演：张明（江北区融媒体中心）；编剧：李华；摄像：王强；后期：赵敏。"
INTRO = "微纪录片。以红岩英烈的家书为线索，讲述1949年渣滓洞、白公馆中共产党人坚守信仰的故事，展现红岩精神的时代价值。"
SCRIPT = "【第一幕】1949年的重庆，歌乐山下。旁白：这是一封写给母亲的家书……\n【第二幕】红岩村。"


def clip(folder: Path, name: str = "clip.mp4", seconds: float = 2.0, **spec: object) -> Path:
    """A real H.264/AAC clip, rendered once per folder and name."""
    path = folder / name
    if not path.exists():
        render_clip(path, ClipSpec(width=640, height=360, seconds=seconds, **spec))  # type: ignore[arg-type]
    return path


def good_form(**overrides: object) -> RegistrationForm:
    form = RegistrationForm(
        title="红岩家书",
        duration="2秒",
        person_name="张明",
        person_unit="江北区融媒体中心",
        broadcast="未播出",
        contact="张明",
        phone="13896068058",
        team=TEAM,
        intro=INTRO,
    )
    return replace(form, **overrides)  # type: ignore[arg-type]


def summary_row(form: RegistrationForm, **overrides: object) -> SummaryRow:
    row = SummaryRow(
        index="1",
        title=form.title,
        duration=form.duration,
        author=form.person_name or form.unit_name,
        unit=form.person_unit or form.unit_name,
        broadcast=form.platform if form.broadcast == "已播出" else "未播出",
    )
    return replace(row, **overrides)  # type: ignore[arg-type]


def package_files(
    folder: Path,
    video: Path,
    *,
    form: RegistrationForm | None = None,
    prefix: str = "张明（江北区融媒体中心）+红岩家书",
    video_names: tuple[str, ...] | None = None,
    summary: bool = True,
    pledge: bool = True,
    script: bool = True,
    tick: str = "☑",
) -> list[tuple[str, Path]]:
    """The files of one package, named as submitters name them: (name inside the package, file)."""
    form = form or good_form()
    folder.mkdir(parents=True, exist_ok=True)
    files = [(name, video) for name in (video_names or (f"{prefix}.mp4",))]
    files.append(
        (f"{prefix}-作品登记表.docx", write_registration_form(folder / "登记表.docx", form, tick=tick))
    )
    if summary:
        files.append(("作品汇总表.docx", write_summary_table(folder / "汇总表.docx", [summary_row(form)])))
    if pledge:
        signer = form.person_name or form.unit_name
        files.append(
            ("版权承诺书（签字）.jpg", pledge_scan(folder / "承诺书.jpg", title=form.title, signer=signer))
        )
    if script:
        (folder / "文稿.txt").write_bytes(SCRIPT.encode("gbk"))  # Notepad on a Chinese Windows
        files.append(("最终视频文稿.txt", folder / "文稿.txt"))
    return files


def zip_package(path: Path, files: list[tuple[str, Path]], *, folder: str | None = None) -> Path:
    """A zip as Windows' 「发送到 ▸ 压缩文件夹」 makes it: GBK names, no UTF-8 flag, junk included."""
    members: list[tuple[str, Path | bytes]] = [((f"{folder}/" if folder else "") + n, p) for n, p in files]
    members += [("__MACOSX/._登记表.docx", b"\x00\x05\x16\x07"), ("Thumbs.db", b"\xd0\xcf\x11\xe0junk")]
    return write_zip(path, members, encoding="gbk")


def folder_package(path: Path, files: list[tuple[str, Path]]) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    for name, source in files:
        (path / name).write_bytes(source.read_bytes())
    (path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return path
