"""Hostile inputs through the real command line: wall time and peak memory of each, against an
honest input of the same kind measured in the same run.

Usage: python bench/hostile.py [--only NAME …] [--timeout 300] [--keep]
Builds every input in a temporary folder (with samples/, never tests/) and runs, each in a fresh
GUANGYING_DATA_DIR:
  - packages:      `guangying ingest --no-screen --json PATH`
  - videos:        `guangying screen --json PATH`
  - rosters:       `guangying experts PATH`          (baseline: an honest six-expert roster)
  - score sheets:  `guangying scores PATH`           (same baseline)
  - assignments:   `guangying assign --experts R --works W` (same baseline)
  - approval list: the judging flow's check of an edited list, in a fresh Python (baseline: ten entries)
and prints one row per input: exit status, wall seconds, peak RSS of the command's process tree
(wait4), their ratios to the baseline of the same kind, and what the output says (the first
finding's check, or the refusal's sentence, and whether any control character reached the
terminal). Goal: every input under 60 s and under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samples.clips import ClipSpec, render_clip  # noqa: E402
from samples.demo import SAMPLE_WORKS, build_package, sample_form  # noqa: E402
from samples.hostile import (  # noqa: E402
    LONG_NAME,
    ROSTER_HEADER,
    append_xmp,
    far_cell_xlsx,
    forge_duration,
    many_members_zip,
    many_paragraphs_docx,
    merged_xlsx,
    nested_mime,
)
from tasks.intake.forms import SummaryRow  # noqa: E402
from tasks.intake.templates import write_registration_form, write_summary_xlsx  # noqa: E402
from tasks.judging.rubric import CRITERIA  # noqa: E402
from tasks.rules import DEFAULT_RULES  # noqa: E402

GUANGYING = str(ROOT / ".venv" / "bin" / "guangying")
PREFIX = "张明（江北区融媒体中心）+红岩家书"
HONEST = replace(
    SAMPLE_WORKS[3], packing="folder", spec=ClipSpec(width=640, height=360, seconds=2.0)
)  # 李华（重庆大学）+江姐, as a folder, its clip small
BASELINE_OF = {"ingest": "ingest", "screen": "screen", "experts": "table", "scores": "table"}
BASELINE_OF |= {"assign": "table", "python": "python"}


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # "ingest", "screen", "experts", "scores", "assign" or "python"
    build: Callable[[Path], Path]
    note: str


def clip(media: Path) -> Path:
    """An honest 2 s clip, 640×360 (rendered once per run)."""
    path = media / "clip.mp4"
    return path if path.exists() else render_clip(path, ClipSpec(width=640, height=360, seconds=2.0))


def _package(folder: Path, media: Path, extra: dict[str, Callable[[Path], Path]]) -> Path:
    """An honest package folder (video, 登记表, 汇总表, 承诺书, 文稿) plus hostile files."""
    target = build_package(HONEST, folder)
    for name, make in extra.items():
        make(target / name)
    return target


def roster_rows(count: int) -> list[list[object]]:
    categories = DEFAULT_RULES.categories
    return [[f"专家{i}", f"单位{i % 997}", categories[i % 5], 30, ""] for i in range(count)]


def roster_csv(path: Path, count: int) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([ROSTER_HEADER, *roster_rows(count)])
    return path


def assignment_tables(folder: Path, experts: int, works: int) -> Path:
    """A folder with 专家.csv (`experts` rows) and 作品.csv (`works` rows) for `assign --experts --works`."""
    folder.mkdir(parents=True, exist_ok=True)
    roster_csv(folder / "专家.csv", experts)
    lines = ["编号,作品名称,单位,类别", *(f"A{i},作品{i},单位{i % 991}x,微纪录片" for i in range(works))]
    (folder / "作品.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def approval_script(path: Path, entries: int) -> Path:
    """A script that checks an edited approval list of `entries` numbers against ten works, as the
    judging flow does before it pauses again, and prints the reasons it would show."""
    path.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "from tasks.judging.service import check_tiers\n"
        "known = {f'{i:04d}' for i in range(1, 11)}\n"
        f"listed = [f'{{i:06d}}' for i in range({entries})]\n"
        "problems = check_tiers({'特别优秀': listed, '优秀': []}, known)\n"
        "print('；'.join(problems)[:200], len('；'.join(problems)))\n",
        encoding="utf-8",
    )
    return path


def million_rows_xlsx(path: Path, rows: int = 1_000_000) -> Path:
    """A 汇总表 of a million rows, written as XML directly (openpyxl would take minutes to write it)."""
    write_summary_xlsx(
        path, [SummaryRow("1", "红岩家书", "3分20秒", None, "张明", "江北区融媒体中心", "未播出")]
    )
    cells = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="inlineStr"><is><t>作品{r}</t></is></c>'
        f'<c r="C{r}" t="inlineStr"><is><t>3分20秒</t></is></c></row>'
        for r in range(3, rows + 3)
    ).encode()
    source = path.with_suffix(".orig")
    shutil.move(path, source)
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            data = old.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", cells + b"</sheetData>")
            new.writestr(info, data)
    source.unlink()
    return path


def control_zip(path: Path, media: Path) -> Path:
    honest = build_package(HONEST, path.parent / "ctl-src")
    with zipfile.ZipFile(path, "w") as archive:
        for source in sorted(honest.iterdir()):
            archive.write(source, f"{PREFIX}/{source.name}")
        archive.writestr(f"{PREFIX}/\x1b[2J\x1b]0;pwned\x07作品说明.txt", "说明".encode())
        link = zipfile.ZipInfo(f"{PREFIX}/\u202e4pm.exe")  # a symlink with a right-to-left override
        link.external_attr = 0o120777 << 16
        archive.writestr(link, b"/etc/passwd")
    return path


def mail(path: Path, subject: str, attachments: dict[str, bytes]) -> Path:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "zhangming@example.cn"
    message["Date"] = "Fri, 09 Oct 2026 10:30:00 +0800"
    message["Message-ID"] = f"<bench-{abs(hash(subject)) % 10**8}@example.cn>"
    message.set_content("左老师您好：作品见附件。")
    for name, data in attachments.items():
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    path.write_bytes(message.as_bytes())
    return path


def cases(media: Path) -> list[Case]:
    form = sample_form(HONEST)

    def docx_bytes(folder: Path) -> bytes:
        return write_registration_form(folder / "登记表-附件.docx", form).read_bytes()

    xmp_value = json.dumps({"AIGC": {"Label": "9" * 1_000_000, "ContentProducer": "x" * 100}})
    xmp_attr = xmp_value.replace("&", "&amp;").replace('"', "&quot;")
    xmp = f'<rdf:Description xmlns:tc260="http://www.tc260.org.cn/ns/AIGC/1.0/" tc260:AIGC="{xmp_attr}"/>'
    return [
        Case("baseline package", "ingest", lambda d: _package(d, media, {}), "honest folder package"),
        Case(
            "merged A10:XFD1048576",
            "ingest",
            lambda d: _package(d, media, {"作品汇总表（附件3）.xlsx": merged_xlsx}),
            "5 KB .xlsx, one merged range of 17e9 cells",
        ),
        Case(
            "3M paragraphs .docx",
            "ingest",
            lambda d: _package(
                d, media, {"附件1登记表-修订.docx": lambda p: many_paragraphs_docx(p, 3_000_000, form)}
            ),
            "a 登记表 with 3 million empty paragraphs",
        ),
        Case(
            "1M rows .xlsx",
            "ingest",
            lambda d: _package(d, media, {"汇总表-全.xlsx": million_rows_xlsx}),
            "a 汇总表 of a million rows",
        ),
        Case(
            "lying zip (5x40 MB)",
            "ingest",
            lambda d: lying_zip_40(d / f"{PREFIX}.zip"),
            "five directory entries sharing one 40 MB member",
        ),
        Case(
            "control-char names",
            "ingest",
            lambda d: control_zip(d / f"{PREFIX}.zip", media),
            "member \\x1b[2J…, a symlink named with U+202E",
        ),
        Case(
            "365-byte attachment name",
            "ingest",
            lambda d: mail(d / "长名.eml", "张明+红岩家书", {LONG_NAME: docx_bytes(d)}),
            ".eml, attachment named with 122 characters",
        ),
        Case(
            "MIME 3000 deep (.eml)",
            "ingest",
            lambda d: _write(
                d / "深.eml",
                nested_mime("<deep@bench>", "北碚区+雾都烽火", 3000, "Fri, 09 Oct 2026 10:30:00 +0800"),
            ),
            ".eml whose MIME nests 3,000 levels",
        ),
        Case(
            "subject a+b+3000 spaces",
            "ingest",
            lambda d: mail(d / "空格.eml", "a+b" + " " * 3000 + "c", {"文稿.txt": "文稿".encode()}),
            "package name that was cubic in the name pattern",
        ),
        Case(
            "zip of 1,000,000 members",
            "ingest",
            lambda d: many_members_zip(d / f"{PREFIX}.zip", 1_000_000),
            "a 47 MB zip whose directory lists a million empty members",
        ),
        Case(
            "zip of 5,000,000 members",
            "ingest",
            lambda d: many_members_zip(d / f"{PREFIX}.zip", 5_000_000),
            "the same, five million (zip64)",
        ),
        Case("baseline clip", "screen", lambda d: clip(media), "honest 2 s clip"),
        Case(
            "mvhd 100,000 s",
            "screen",
            lambda d: forge_duration(clip(media), d / "days.mp4", 100_000),
            "2 s clip claiming 100,000 s",
        ),
        Case(
            "mvhd 4.29e9 s",
            "screen",
            lambda d: forge_duration(clip(media), d / "max.mp4", 0xFFFFFFFF, movie_timescale=1),
            "2 s clip claiming 4,294,967,295 s",
        ),
        Case(
            "1 MB AIGC value",
            "screen",
            lambda d: append_xmp(clip(media), d / "aigc.mp4", xmp),
            "XMP AIGC field of a million characters",
        ),
        Case(
            "baseline roster",
            "experts",
            lambda d: roster_csv(d / "专家名单.csv", 6),
            "an honest roster of six experts",
        ),
        Case(
            "roster cell at XFD1048576",
            "experts",
            lambda d: far_cell_xlsx(d / "专家名单.xlsx", ROSTER_HEADER, roster_rows(6)),
            "5 KB roster .xlsx, one cell at XFD1048576",
        ),
        Case(
            "score sheet cell at XFD1048576",
            "scores",
            lambda d: far_cell_xlsx(d / "评分表-王芳.xlsx", ["评审专家", "编号", *CRITERIA]),
            "a returned score sheet, one cell at XFD1048576",
        ),
        Case(
            "roster of 100,000 experts",
            "experts",
            lambda d: roster_csv(d / "专家名单.csv", 100_000),
            "a 3 MB roster .csv",
        ),
        Case(
            "assign 100,000 experts × 200 works",
            "assign",
            lambda d: assignment_tables(d / "tables", 100_000, 200),
            "assign --experts (100,000 rows) --works (200 rows)",
        ),
        Case(
            "assign 1,000 experts × 2,000 works",
            "assign",
            lambda d: assignment_tables(d / "tables", 1_000, 2_000),
            "the largest roster taken, against 2,000 works (2,000,000 pairs: refused)",
        ),
        Case("baseline approval", "python", lambda d: approval_script(d / "check.py", 10), "ten entries"),
        Case(
            "approval list of 200,000",
            "python",
            lambda d: approval_script(d / "check.py", 200_000),
            "an edited list of 200,000 numbers",
        ),
    ]


def command_for(case: Case, built: Path) -> list[str]:
    if case.kind == "screen":
        return [GUANGYING, "screen", "--json", str(built)]
    if case.kind == "experts":
        return [GUANGYING, "experts", str(built)]
    if case.kind == "scores":
        return [GUANGYING, "scores", str(built)]
    if case.kind == "assign":
        return [GUANGYING, "assign", "--experts", str(built / "专家.csv"), "--works", str(built / "作品.csv")]
    if case.kind == "python":
        return [sys.executable, str(built)]
    return [GUANGYING, "ingest", "--no-screen", "--json", str(built)]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def lying_zip_40(path: Path) -> Path:
    """The zip of the issue: a 40 MB member compressing ~90:1, listed five times."""
    noise = random.Random(9).randbytes(40 * 1024**2 // 95)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{PREFIX}/{PREFIX}.mp4", noise + b"\0" * (40 * 1024**2 - len(noise)))
    return _copies(path, 5)


def _copies(path: Path, copies: int) -> Path:
    import struct

    data = path.read_bytes()
    eocd = data.rindex(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", data[eocd + 12 : eocd + 20])
    directory = data[cd_offset : cd_offset + cd_size] * copies
    end = bytearray(data[eocd : eocd + 22])
    struct.pack_into("<HHII", end, 8, copies, copies, len(directory), cd_offset)
    path.write_bytes(data[:cd_offset] + directory + bytes(end))
    return path


# A lean launcher: Linux carries the parent's peak RSS over fork and exec into a child's ru_maxrss,
# so the command is started by a fresh, small Python and not by this process (which built a 100 MB
# spreadsheet a moment ago). It prints the command's exit status, wall time and peak RSS (wait4).
_LAUNCHER = r"""
import json, os, sys, time
out, timeout, command = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
started = time.monotonic()
pid = os.fork()
if pid == 0:
    os.setsid()
    os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
    os.dup2(1, 2)  # the sentence of a refusal is on stderr
    os.execvp(command[0], command)
killed = False
while True:
    done, status, usage = os.wait4(pid, os.WNOHANG)
    if done:
        break
    if time.monotonic() - started > timeout and not killed:
        os.killpg(pid, 9)
        killed = True
    time.sleep(0.05)
code = 124 if killed else os.waitstatus_to_exitcode(status)
print(json.dumps({"code": code, "wall": time.monotonic() - started, "rss": usage.ru_maxrss * 1024}))
"""


def run(command: list[str], env: dict[str, str], timeout: float) -> tuple[int, float, int, str]:
    """(exit status, wall seconds, peak RSS in bytes of the command's process tree, its stdout)."""
    with tempfile.NamedTemporaryFile() as out:
        done = subprocess.run(
            [sys.executable, "-S", "-c", _LAUNCHER, out.name, str(timeout), *command],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        measured = json.loads(done.stdout)
        text = Path(out.name).read_text(encoding="utf-8", errors="replace")
    return measured["code"], measured["wall"], measured["rss"], text


def summary(kind: str, text: str) -> str:
    """What the command said, in a few words: checks of non-passing findings, or the error."""
    checks: list[str] = []
    for line in text.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if "error" in item:
            checks.append(f"error: {item['error'][:40]}")
        for finding in item.get("findings") or []:
            if finding.get("status") != "pass":
                checks.append(f"{finding['check']}:{finding['status']}")
    if not checks:  # a text answer: its sentence on a limit, or its first line
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        checks = [
            next((line for line in lines if "上限" in line or "多于" in line), lines[0] if lines else "-")
        ]
    raw = [name for name, c in (("ESC", "\x1b"), ("BEL", "\x07"), ("U+202E", "\u202e")) if c in text]
    return (", ".join(dict.fromkeys(checks)) or "-")[:90] + (
        f"  [raw {'/'.join(raw)} in output]" if raw else ""
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", help="run only the cases whose name contains one of these")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="guangying-hostile-"))
    media = base / "media"
    media.mkdir()
    rows = []
    baseline: dict[str, tuple[float, int]] = {}
    try:
        for index, case in enumerate(cases(media)):
            if (
                args.only
                and not case.name.startswith("baseline")
                and not any(o in case.name for o in args.only)
            ):
                continue
            folder = base / f"case{index}"
            folder.mkdir()
            built = case.build(folder)
            size = (
                sum(p.stat().st_size for p in built.rglob("*") if p.is_file())
                if built.is_dir()
                else built.stat().st_size
            )
            env = {**os.environ, "GUANGYING_DATA_DIR": str(folder / "var"), "GUANGYING_IMAP_HOST": ""}
            code, wall, rss, text = run(command_for(case, built), env, args.timeout)
            group = BASELINE_OF[case.kind]
            if case.name.startswith("baseline"):
                baseline[group] = (wall, rss)
            base_wall, base_rss = baseline.get(group, (wall, rss))
            rows.append(
                (case, size, code, wall, rss, wall / base_wall, rss / base_rss, summary(case.kind, text))
            )
            print(
                f"{case.name:26} {case.kind:6} in={size / 1024**2:7.2f}MB rc={code:<3} {wall:6.1f}s "
                f"({wall / base_wall:4.1f}x) {rss / 1024**2:6.0f}MB ({rss / base_rss:4.1f}x)  {rows[-1][-1]}",
                flush=True,
            )
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    over = [r for r in rows if r[3] > 60 or r[4] > 1024**3 or r[2] == 124]
    print(f"\n{len(rows)} inputs; over 60 s or 1 GB: {', '.join(r[0].name for r in over) or 'none'}")


if __name__ == "__main__":
    main()
