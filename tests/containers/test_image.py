"""The worker image does real work: the same verdicts and outputs as the host for `screen --json`, an
`ingest` of a Windows-made package and a `publish`; its Python packages are the lock's."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from samples.clips import ClipSpec, render_clip
from samples.packages import clip, package_files, zip_package
from tests.containers.engine import ROOT, Engine
from tests.fixtures import SUITE_NOW

RECEIVED = "2026-11-28T10:00+08:00"  # before the deadline: the deadline finding names 北京时间


def _host(*args: str, data: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GUANGYING_DATA_DIR": str(data), "GUANGYING_CLOCK": SUITE_NOW.isoformat()}
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _boxed(
    engine: Engine, image: str, *args: str, data: Path, mount: Path
) -> subprocess.CompletedProcess[str]:
    env = {"GUANGYING_DATA_DIR": str(data), "GUANGYING_CLOCK": SUITE_NOW.isoformat()}
    return engine.run(image, *args, mounts=(mount,), env=env)


def _timed(call: Any) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = call()
    return done, round(time.monotonic() - started, 1)


def _lines(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _pins(freeze: str) -> dict[str, str]:
    pins = {}
    for line in freeze.splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split(";")[0].split("==", 1)
            pins[name.strip().lower().replace("_", "-")] = version.strip()
    return pins


def test_the_image_runs_the_locked_packages_and_pip_check_is_clean(engine: Engine, image: str) -> None:
    frozen = engine.run(image, "freeze", "--exclude-editable", entrypoint="pip", timeout=300)
    assert frozen.returncode == 0, frozen.stderr
    installed = _pins(frozen.stdout)
    locked = _pins((ROOT / "constraints.txt").read_text())
    assert len(installed) > 100  # prefect, faster-whisper, rapidocr … and what they need
    different = {name: (v, locked.get(name)) for name, v in installed.items() if locked.get(name) != v}
    assert different == {}, different  # name: (in the image, in the lock)
    # What the lock has beyond the image is the test tools and what only they need.
    assert {"pytest", "ruff", "mypy", "playwright"} <= set(locked) - set(installed)
    check = engine.run(image, "check", entrypoint="pip", timeout=300)
    assert check.returncode == 0 and "No broken requirements" in check.stdout, check.stdout + check.stderr


def _screen_summary(result: dict[str, Any]) -> dict[str, Any]:
    probe = {k: v for k, v in result["probe"].items() if k != "path"}
    findings = [(f["check"], f["status"], f["message"]) for f in result["findings"]]
    return {"verdict": result["verdict"], "probe": probe, "findings": findings}


def test_screen_json_in_the_container_says_what_the_host_says(
    engine: Engine, image: str, tmp_path: Path
) -> None:
    folder = tmp_path / "w"
    render_clip(folder / "clip.mp4", ClipSpec(width=1280, height=720, seconds=2.0))
    host, host_s = _timed(lambda: _host("screen", "--json", str(folder / "clip.mp4"), data=tmp_path / "h"))
    boxed, boxed_s = _timed(
        lambda: engine.run(image, "screen", "--json", "/w/clip.mp4", mounts=((folder, "/w"),))
    )
    print(f"screen --json clip.mp4: host {host_s} s, container {boxed_s} s")
    assert (boxed.returncode, host.returncode) == (1, 1), boxed.stderr  # 1: a finding fails (720p)
    [on_host], [in_box] = _lines(host), _lines(boxed)
    assert in_box["file"] == "/w/clip.mp4"
    assert _screen_summary(in_box) == _screen_summary(on_host)
    assert in_box["verdict"] == "fail"
    assert {f["check"]: f["status"] for f in in_box["findings"]}["resolution"] == "fail"
    assert {f["check"]: f["status"] for f in in_box["findings"]}["aigc_label"] == "pass"


def _windows_package(folder: Path) -> Path:
    """A zip made on Windows (GBK names, no UTF-8 flag) holding a legacy Word 97 .doc form."""
    files = package_files(folder / "parts", clip(folder))
    name, docx = files[1]
    subprocess.run(
        [
            *("soffice", f"-env:UserInstallation=file://{folder}/lo", "--headless"),
            *("--convert-to", "doc", "--outdir", str(folder / "doc"), str(docx)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    legacy = folder / "doc" / "登记表.doc"
    assert legacy.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    files[1] = (name.removesuffix(".docx") + ".doc", legacy)
    return zip_package(folder / "张明（江北区融媒体中心）+红岩家书.zip", files)


def _file_summary(file: dict[str, Any]) -> dict[str, Any]:
    """A file of the ingest line. For a .doc form the catalogue records LibreOffice's .docx conversion
    (its sha256 and size), whose bytes carry the conversion's time: those two differ run to run."""
    if file["name"].endswith(".doc"):
        return {k: v for k, v in file.items() if k not in {"sha256", "size"}}
    return file


def _ingest_summary(line: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in line.items() if k not in {"id", "findings", "files"}}
    kept["findings"] = [(f["check"], f["status"], f["message"], f["file"]) for f in line["findings"]]
    return kept


def test_ingest_of_a_windows_package_in_the_container_says_what_the_host_says(
    engine: Engine, image: str, tmp_path: Path
) -> None:
    package = _windows_package(tmp_path / "package")
    args = ("ingest", "--json", "--received-at", RECEIVED, "--by", "测试登记人", str(package))
    host, host_s = _timed(lambda: _host(*args, data=tmp_path / "host-var"))
    boxed, boxed_s = _timed(lambda: _boxed(engine, image, *args, data=tmp_path / "box-var", mount=tmp_path))
    print(f"ingest (GBK zip, .doc form): host {host_s} s, container {boxed_s} s")
    assert boxed.returncode == host.returncode, boxed.stderr
    [on_host], [in_box] = _lines(host), _lines(boxed)
    for in_the_box, on_the_host in zip(in_box["files"], on_host["files"], strict=True):
        assert _file_summary(in_the_box) == _file_summary(on_the_host)
    assert _ingest_summary(in_box) == _ingest_summary(on_host)
    # what the image needs for it: the GBK names, LibreOffice for the .doc, tzdata for 北京时间
    assert in_box["title"] == "红岩家书" and in_box["submitter"] == "张明"
    assert in_box["form"]["form_file"].endswith("作品登记表.doc") and in_box["form"]["phone"] == "13896068058"
    deadline = next(f for f in in_box["findings"] if f["check"] == "deadline")
    assert deadline["status"] == "pass" and "2026年11月28日 10:00（北京时间" in deadline["message"]
    assert in_box["verdict"] == on_host["verdict"] and in_box["state"] == "screened"
    originals = sorted(p.name for p in (tmp_path / "box-var" / "store").rglob("*") if p.is_file())
    assert len(originals) >= len(in_box["files"])  # stored from inside the container, on the volume


def test_publish_of_one_work_in_the_container_says_what_the_host_says(
    engine: Engine, image: str, tmp_path: Path, data_dir: Path, clock: datetime
) -> None:
    from tests.test_publish_flow import _seed

    work, _other = _seed(tmp_path / "media", clock)
    seeded = tmp_path / "seeded"
    shutil.copytree(data_dir, seeded)
    args = ("publish", "--json", "--preset", "veryfast", work)
    host, host_s = _timed(lambda: _host(*args, data=data_dir))
    host_tree = tmp_path / "host-var"
    data_dir.rename(host_tree)
    shutil.copytree(seeded, data_dir)  # the same catalogue at the same path for the container
    boxed, boxed_s = _timed(lambda: _boxed(engine, image, *args, data=data_dir, mount=tmp_path))
    print(f"publish one work (1080p+720p, poster, page): host {host_s} s, container {boxed_s} s")
    assert (boxed.returncode, host.returncode) == (0, 0), boxed.stderr + host.stderr
    [on_host], [in_box] = _lines(host), _lines(boxed)
    assert in_box == on_host
