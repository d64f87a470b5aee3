"""Hostile text: control characters in names, megabyte metadata values, names that make regexes crawl."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from samples.hostile import append_xmp
from samples.packages import clip as render
from tasks.aigc.declared import DeclaredReport
from tasks.aigc.metadata import read_metadata
from tasks.aigc.spoken import SpokenReport
from tasks.aigc.verdict import aigc_finding
from tasks.aigc.visual import VisualReport
from tasks.findings import Check, Finding, Status
from tasks.media.probe import probe
from tasks.printable import clip, printable
from tasks.rules import DEFAULT_RULES


def test_printable_escapes_terminal_controls_and_bidi_overrides() -> None:
    assert printable("\x1b[2J作品.mp4") == "\\x1b[2J作品.mp4"
    assert printable("exe.\u202emp4") == "exe.\\u202emp4"
    assert printable("a\nb\x9bc\x7f") == "a\\x0ab\\x9bc\\x7f"
    assert printable("张明（江北区融媒体中心）+红岩家书.zip") == "张明（江北区融媒体中心）+红岩家书.zip"


def test_finding_messages_never_carry_control_characters() -> None:
    finding = Finding("archive", Status.FAIL, "压缩包中的「\x1b[2J\x1b]0;pwned\x07」是符号链接。\n第二行", {})
    assert "\x1b" not in finding.message and "\x07" not in finding.message
    assert "「\\x1b[2J\\x1b]0;pwned\\x07」" in finding.message
    assert finding.message.endswith("\n第二行")  # line breaks of a message stay
    assert Finding(Check.NAMING, Status.PASS, finding.message, {}).message == finding.message  # idempotent


def test_long_evidence_values_are_clipped() -> None:
    huge = "码" * 1_000_000
    finding = Finding("aigc_label", Status.WARN, "提示", {"nested": [{"raw": huge}], "n": 3, "ok": "短"})
    raw = finding.evidence["nested"][0]["raw"]
    assert len(raw) < 2100 and raw.endswith("（共1000000个字符，已截断）")
    assert finding.evidence["n"] == 3 and finding.evidence["ok"] == "短"
    assert clip("abc", 10) == "abc"


def test_a_megabyte_aigc_value_is_not_echoed_into_the_finding(tmp_path: Path, media_dir: Path) -> None:
    value = json.dumps({"AIGC": {"Label": "9" * 1_000_000, "ContentProducer": "x" * 500_000}})
    attribute = value.replace("&", "&amp;").replace('"', "&quot;")
    description = (
        f'<rdf:Description xmlns:tc260="http://www.tc260.org.cn/ns/AIGC/1.0/" tc260:AIGC="{attribute}"/>'
    )
    forged = append_xmp(render(media_dir), tmp_path / "forged.mp4", description)
    metadata = read_metadata(probe(forged))
    assert metadata.labels and metadata.labels[0].problem is not None
    finding = aigc_finding(
        metadata, VisualReport(frames_ocr=1), SpokenReport(), DeclaredReport(), DEFAULT_RULES
    )
    assert finding.status == Status.WARN  # a malformed AIGC field: a person looks
    assert len(finding.message) < 1000, len(finding.message)
    assert len(json.dumps(finding.to_dict(), ensure_ascii=False)) < 20_000


def test_package_names_with_long_whitespace_runs_parse_in_linear_time() -> None:
    """`a+b`, 3,000 spaces and a letter took 100 s in the old episode pattern (cubic backtracking).

    Run in a child process so that a regression fails on the timeout instead of hanging the suite.
    """
    code = (
        "from tasks.intake.naming import parse_package_name as p\n"
        "for tail in (' ' * 3000 + 'c', '\\u3000' * 3000 + '!', 'E' * 3000 + ' ' * 3000 + 'x'):\n"
        "    r = p('a+b' + tail)\n"
        "    print(r.submitter, r.title[:1], r.episode, r.problem)\n"
        "r = p('张' + ' ' * 3000 + '(重庆大学)+江姐')\n"
        "print(r.submitter, r.unit, r.title)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.splitlines() == ["a b None None"] * 3 + ["张 重庆大学 江姐"]


def test_json_lines_escape_what_json_dumps_leaves_raw() -> None:
    import json

    from tasks.printable import json_line

    name = "作品\u202egpj.exe\x85"  # a right-to-left override and a C1 control in a file name
    line = json_line({"file": name, "size": 3})
    assert "\u202e" not in line and "\x85" not in line and "\\u202e" in line
    assert json.loads(line) == {"file": name, "size": 3}  # the same data to a JSON reader
    assert "作品" in line  # Chinese stays readable
