"""The intake flow and CLI end to end: drop folder, inbox bucket (SeaweedFS), screening, status, export."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from cli.main import main
from samples.packages import clip, folder_package, good_form, package_files, zip_package
from tasks.config import get_settings
from tasks.store import MinioStore
from tests.engines import StandIns

pytestmark = pytest.mark.usefixtures("prefect_server")
PREFIX = "张明（江北区融媒体中心）+红岩家书"


@pytest.fixture(autouse=True)
def _fresh_root_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() configures logging on the test's captured stderr; the next test must not inherit it."""
    monkeypatch.setattr(logging.root, "handlers", [])


def _status(capsys: pytest.CaptureFixture[str]) -> list[dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_ingest_screens_videos_into_the_submission(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str], stand_in_engines: StandIns
) -> None:
    """Intake and screening chained; the engines are stand-ins (recognition is tested elsewhere)."""
    files = package_files(tmp_path / "src", clip(media_dir), form=good_form(intro="红岩" * 80))
    good = zip_package(tmp_path / f"{PREFIX}.zip", files, folder=PREFIX)
    evil = tmp_path / "某单位+恶意包.zip"
    import zipfile

    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../outside.txt", b"x")
    stated = ["--received-at", "2026-11-28 15:20", "--by", "王老师"]  # arrived in time, handed over later
    code = main(["ingest", *stated, str(good), str(evil), str(tmp_path / "不存在.zip")])
    out, err = capsys.readouterr()
    assert code == 2  # a path that does not exist: a usage error, the others taken in all the same
    assert "找不到" in err and "不存在.zip" in err and "超过附件1规定的150字以内" in out
    assert not (tmp_path.parent / "outside.txt").exists()

    items = {item["title"]: item for item in _status(capsys)}
    work = items["红岩家书"]
    assert set(work) >= {
        "id",
        "title",
        "submitter",
        "unit",
        "category",
        "state",
        "verdict",
        "files",
        "form",
        "findings",
    }
    assert work["state"] == "screened" and work["verdict"] == "fail"
    assert {"role": "video", "name": f"{PREFIX}/{PREFIX}.mp4"} in [
        {"role": f["role"], "name": f["name"]} for f in work["files"]
    ]
    stages = {f["stage"] for f in work["findings"]}
    assert {"intake", "technical", "aigc", "subtitles"} <= stages  # screening findings attached
    assert stand_in_engines.asr.heard == [f"{PREFIX}.mp4"]  # the one video, heard once
    resolution = next(f for f in work["findings"] if f["check"] == "resolution")
    assert resolution["status"] == "fail" and resolution["file"].endswith(".mp4")
    assert work["form"]["title"] == "红岩家书" and work["form"]["submitter"] == "张明"
    evil_item = items["恶意包"]
    assert any("“..”" in f["message"] for f in evil_item["findings"] if f["check"] == "archive")

    # Receipt, export, templates, the same package again.
    receipts = get_settings().data_dir / "receipts"
    receipt = (receipts / f"{work['id']}.txt").read_text(encoding="utf-8")
    assert "作品受理回执" in receipt and "作品简介" in receipt and "分辨率" in receipt
    assert "已于2026年11月28日 15:20（北京时间，由工作人员登记）收到" in receipt
    assert (work["received_basis"], work["received_set_by"]) == ("operator", "王老师")
    assert not [f for f in work["findings"] if f["check"] == "deadline" and f["status"] != "pass"]
    assert main(["receipt", work["id"][:8]]) == 0 and "受理编号" in capsys.readouterr().out
    out_xlsx = tmp_path / "汇总.xlsx"
    assert main(["export", "--out", str(out_xlsx)]) == 0
    sheet = load_workbook(out_xlsx).active
    assert [c.value for c in sheet[2]][:6] == ["序号", "作品名称", "时长", "作者", "单位", "播出情况"]
    rows = {r[1]: r for r in sheet.iter_rows(min_row=3, values_only=True) if r[1]}
    assert rows["红岩家书"][2] == "2秒" and rows["红岩家书"][3] == "张明" and rows["红岩家书"][8] == "不通过"
    assert not any("13896068058" in str(v) for r in sheet.iter_rows(values_only=True) for v in r)
    assert (
        main(["templates", str(tmp_path / "tpl")]) == 0 and len(list((tmp_path / "tpl").glob("*.docx"))) == 3
    )
    capsys.readouterr()
    assert main(["ingest", "--no-screen", str(good)]) == 0
    assert "已受理过" in capsys.readouterr().out
    assert len(_status(capsys)) == 2

    # A Netdisk note now; the operator attaches the downloaded video later with --for.
    note = tmp_path / "重庆大学+江姐.txt"
    note.write_text("链接：https://pan.baidu.com/s/1JJ 提取码：jj49 永久有效", encoding="utf-8")
    assert main(["ingest", "--no-screen", "--json", *stated, str(note)]) == 1  # 文稿, forms… missing
    pending = json.loads(capsys.readouterr().out)
    assert pending["state"] == "awaiting_download" and pending["netdisk"]["code"] == "jj49"
    video = tmp_path / "download" / "重庆大学+江姐.mp4"
    video.parent.mkdir()
    video.write_bytes(clip(media_dir, "jiang.mp4", seconds=3).read_bytes())
    assert main(["ingest", "--no-screen", "--json", "--for", pending["id"][:8], str(video)]) == 1
    attached = json.loads(capsys.readouterr().out)
    assert attached["id"] == pending["id"] and attached["state"] == "received"
    assert [f["name"] for f in attached["files"] if f["role"] == "video"] == ["重庆大学+江姐.mp4"]
    assert main(["ingest", "--for", "nosuchid", str(video)]) == 2
    assert "找不到受理编号" in capsys.readouterr().err


def test_run_polls_drop_folder_and_inbox_bucket(
    seaweed,
    tmp_path: Path,
    media_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GUANGYING_S3_ENDPOINT", seaweed.endpoint)
    monkeypatch.setenv("GUANGYING_S3_ACCESS_KEY", seaweed.access_key)
    monkeypatch.setenv("GUANGYING_S3_SECRET_KEY", seaweed.secret_key)
    monkeypatch.setenv("GUANGYING_S3_SECURE", "false")
    monkeypatch.setenv(
        "GUANGYING_BUCKET_INBOX", f"inbox-{os.getpid()}-{tmp_path.name[-8:].lower().replace('_', '-')}"
    )
    get_settings.cache_clear()
    settings = get_settings()
    store = MinioStore(seaweed.endpoint, seaweed.access_key, seaweed.secret_key, secure=False)

    files = package_files(tmp_path / "src", clip(media_dir))
    drop = settings.resolved_drop_dir
    drop.mkdir(parents=True)
    folder_package(drop / PREFIX, files)
    (drop / "上传中.zip.part").write_bytes(b"PK")
    old = 1_790_000_000  # 2026-09-21: long settled
    for path in [drop / PREFIX, *(drop / PREFIX).iterdir()]:
        os.utime(path, (old, old))

    # The inbox bucket: a folder uploaded file by file; the pledge arrives in a later upload.
    other = package_files(
        tmp_path / "src2",
        clip(media_dir),
        form=good_form(title="江姐", person_name="李华", person_unit="重庆大学"),
    )
    # The uploader states when the package arrived (S3 metadata, as `mc cp --attr` writes it).
    store.client.make_bucket(settings.bucket_inbox)
    for name, path in other:
        if "承诺书" not in name:
            store.client.fput_object(
                settings.bucket_inbox,
                f"李华（重庆大学）+江姐/{name}",
                str(path),
                metadata={"received-at": "2026-11-29T21:05:00+08:00"},
            )

    assert main(["run", "--no-screen", "--json"]) == 1  # 江姐 has no 承诺书 yet
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sorted(r["title"] for r in results) == ["江姐", "红岩家书"]
    by_title = {r["title"]: r for r in results}
    hongyan = by_title["红岩家书"]  # taken in, not screened (--no-screen): 审核中, nothing failed
    assert hongyan["verdict"] is None and hongyan["state"] == "received"
    assert not [f for f in hongyan["findings"] if f["status"] == "fail"]
    assert hongyan["received_at"].startswith("2026-09-21")
    jiang = by_title["江姐"]
    assert jiang["verdict"] == "fail" and any("未收到版权承诺书" in f["message"] for f in jiang["findings"])
    assert jiang["received_at"] == "2026-11-29T21:05:00+08:00" and jiang["received_basis"] == "operator"
    assert jiang["received_at_utc"] == "2026-11-29T13:05:00+00:00"

    assert main(["run", "--no-screen", "--json"]) == 0  # nothing new: nothing changes
    assert capsys.readouterr().out == ""

    pledge = next(p for n, p in other if "承诺书" in n)
    store.put_file(settings.bucket_inbox, "李华（重庆大学）+江姐/版权承诺书（签字）.jpg", pledge)
    assert main(["run", "--no-screen", "--json"]) == 0
    (later,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert later["id"] == jiang["id"] and later["verdict"] is None  # the failure is gone; 审核中
    assert not [f for f in later["findings"] if f["status"] == "fail"]
    assert len(_status(capsys)) == 2
