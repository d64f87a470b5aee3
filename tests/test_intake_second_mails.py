"""Second e-mails as December brings them: a reply to the receipt with the missing material, a reply
that only quotes the 受理编号, an ambiguous one, a resend of the same zip, a re-zipped folder."""

from __future__ import annotations

import asyncio
import json
import logging
import mailbox
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from cli.main import main
from samples.clips import ClipSpec, render_clip
from samples.packages import clip, folder_package, good_form, package_files, zip_package
from tasks.config import get_settings
from tasks.rules import SHANGHAI

pytestmark = pytest.mark.usefixtures("prefect_server", "stand_in_engines")
PREFIX = "张明（江北区融媒体中心）+红岩家书"
SENDER = "zhangming@example.cn"
FIRST_ID = "<first-1@example.cn>"


@pytest.fixture(autouse=True)
def _fresh_root_logger(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])


def _mail(
    subject: str,
    sent: datetime,
    message_id: str,
    attachments: list[Path],
    *,
    body: str = "左老师您好：附件为作品材料，请查收。",
    sender: str = SENDER,
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = f"张明 <{sender}>"
    message["To"] = "cqdsspzb@163.com"
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    for path in attachments:
        message.add_attachment(
            path.read_bytes(), maintype="application", subtype="octet-stream", filename=path.name
        )
    return message.as_bytes()


def _mbox(path: Path, *messages: bytes) -> Path:
    box = mailbox.mbox(path)
    for message in messages:
        box.add(message)
    box.close()
    return path


def _ingest(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    main(["ingest", "--json", *args])
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _status(capsys: pytest.CaptureFixture[str]) -> list[dict]:  # type: ignore[type-arg]
    capsys.readouterr()
    assert main(["status", "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def _receipt(item: dict) -> str:  # type: ignore[type-arg]
    return (get_settings().data_dir / "receipts" / f"{item['id']}.txt").read_text(encoding="utf-8")


def _latest_artifact(key: str) -> str:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    async def read() -> str:
        async with get_client() as client:
            found = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                sort=ArtifactSort.CREATED_DESC,
                limit=1,
            )
            return str(found[0].data) if found else ""

    return asyncio.run(read())


def _check(item: dict, check: str) -> list[dict]:  # type: ignore[type-arg]
    return [f for f in item["findings"] if f["check"] == check]


@pytest.fixture
def first_package(tmp_path: Path, media_dir: Path) -> tuple[Path, Path]:
    """A package without its 版权承诺书, and the 承诺书 scan sent afterwards."""
    video = media_dir / "hd.mp4"
    if not video.exists():  # 1080P: the work can pass once complete
        render_clip(video, ClipSpec(seconds=2.0))
    files = package_files(tmp_path / "src", video, form=good_form())
    pledge = next(path for name, path in files if name.startswith("版权承诺书"))
    without = [(name, path) for name, path in files if not name.startswith("版权承诺书")]
    archive = zip_package(tmp_path / "first" / f"{PREFIX}.zip", without, folder=PREFIX)
    scan = tmp_path / "reply" / "版权承诺书（签字）.jpg"
    scan.parent.mkdir()
    scan.write_bytes(pledge.read_bytes())
    return archive, scan


def test_a_reply_and_a_resend_join_the_work_and_complete_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first_package: tuple[Path, Path]
) -> None:
    """The by-hand scenario: a first mail (no 承诺书, 11-28), a resend of the same zip (12-02, new
    Message-ID) and the reply to the receipt with the 承诺书 (12-03): one work, complete, in time."""
    archive, scan = first_package
    first = _mail(PREFIX, datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI), FIRST_ID, [archive])
    resend = _mail(PREFIX, datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI), "<resend-2@example.cn>", [archive])
    reply = _mail(
        f"Re: {PREFIX}",
        datetime(2026, 12, 3, 16, 0, tzinfo=SHANGHAI),
        "<reply-3@example.cn>",
        [scan],
        body="左老师：补交版权承诺书扫描件，请查收。",
        In_Reply_To=FIRST_ID,
        References=FIRST_ID,
    )
    box = _mbox(tmp_path / "收件箱导出.mbox", first, reply, resend)
    results = _ingest(capsys, str(box))
    assert [r.get("intake") for r in results] == ["first", "resend", "supplement"]
    assert len({r["id"] for r in results}) == 1

    (work,) = _status(capsys)
    assert datetime.fromisoformat(work["received_at"]) == datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)
    assert [f["status"] for f in _check(work, "deadline")] == ["pass"]
    assert {f["status"] for f in _check(work, "materials")} == {"pass"}
    assert work["verdict"] == "pass", [f for f in work["findings"] if f["status"] != "pass"]
    assert [p["kind"] for p in work["packages"]] == ["first", "resend", "supplement"]
    receipt = _receipt(work)
    assert "12月03日补交：版权承诺书扫描件（附件2）" in receipt
    assert "12月02日重发" in receipt
    assert "缺少的材料\n    无" in receipt

    # The run's artifact names the work and what happened to each package; the dashboards were refreshed.
    table = _latest_artifact("intake-run")
    assert work["id"] in table and "红岩家书" in table
    assert "新作品" in table and "补交到该作品" in table and "重发" in table and "通过" in table
    assert "受理后的作品概况" in _latest_artifact("guangying-summary")

    # The same mailbox again changes nothing.
    again = _ingest(capsys, str(box))
    assert all(r.get("duplicate") for r in again) and len(_status(capsys)) == 1


def test_a_reply_that_only_quotes_the_number_joins_its_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first_package: tuple[Path, Path]
) -> None:
    archive, scan = first_package
    first = _mail(PREFIX, datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI), FIRST_ID, [archive])
    (made,) = _ingest(capsys, "--no-screen", str(_mbox(tmp_path / "a.mbox", first)))
    assert "fail" in {f["status"] for f in _check(made, "materials")}
    # Another address, a new subject, no In-Reply-To: only the number quoted in the body.
    reply = _mail(
        "补交材料",
        datetime(2026, 12, 3, 16, 0, tzinfo=SHANGHAI),
        "<other-9@example.org>",
        [scan],
        body=f"您好，受理编号{made['id'][:8]}的作品补交承诺书。",
        sender="office@example.org",
    )
    (joined,) = _ingest(capsys, "--no-screen", str(_mbox(tmp_path / "b.mbox", reply)))
    assert joined["id"] == made["id"] and joined["intake"] == "supplement"
    assert {f["status"] for f in _check(joined, "materials")} == {"pass"}
    assert len(_status(capsys)) == 1


def test_an_ambiguous_reply_is_a_finding_never_a_guess(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str], first_package: tuple[Path, Path]
) -> None:
    archive, scan = first_package
    other_prefix = "张明（江北区融媒体中心）+嘉陵江畔"
    other_files = package_files(
        tmp_path / "other",
        clip(media_dir, "other.mp4", seconds=3.0),
        form=good_form(title="嘉陵江畔"),
        prefix=other_prefix,
    )
    other = zip_package(tmp_path / f"{other_prefix}.zip", other_files, folder=other_prefix)
    mails = [
        _mail(PREFIX, datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI), FIRST_ID, [archive]),
        _mail(other_prefix, datetime(2026, 11, 28, 11, 0, tzinfo=SHANGHAI), "<first-2@example.cn>", [other]),
    ]
    made = _ingest(capsys, "--no-screen", str(_mbox(tmp_path / "a.mbox", *mails)))
    ids = sorted(r["id"] for r in made)
    reply = _mail(
        "补交承诺书",
        datetime(2026, 12, 3, 16, 0, tzinfo=SHANGHAI),
        "<reply-both@example.cn>",
        [scan],
        body=f"两件作品（{ids[0][:8]}、{ids[1][:8]}）的承诺书见附件。",
    )
    (result,) = _ingest(capsys, "--no-screen", str(_mbox(tmp_path / "b.mbox", reply)))
    assert result["id"] not in ids and result["intake"] == "first"
    (finding,) = _check(result, "matching")
    assert finding["status"] == "warn" and sorted(finding["evidence"]["candidates"]) == ids
    assert "《红岩家书》" in finding["message"] and "《嘉陵江畔》" in finding["message"]
    assert "归属作品" not in _receipt(result) and "嘉陵江畔" not in _receipt(result)  # for the staff
    for item in _status(capsys):  # the two works are untouched
        if item["id"] in ids:
            assert [p["kind"] for p in item["packages"]] == ["first"]


def test_an_identical_resend_and_a_rezipped_folder_are_the_same_work(
    tmp_path: Path, media_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = "渝中区委党校+档案里的初心"
    files = package_files(
        tmp_path / "src", clip(media_dir), form=good_form(title="档案里的初心"), prefix=prefix
    )
    folder = folder_package(tmp_path / "drop" / prefix, files)
    (made,) = _ingest(capsys, "--no-screen", "--received-at", "2026-11-29 09:00", str(folder))
    rezipped = zip_package(tmp_path / "again" / f"{prefix}.zip", files, folder=prefix)
    (again,) = _ingest(capsys, "--no-screen", str(rezipped))
    assert again["id"] == made["id"] and again["intake"] == "resend"
    (work,) = _status(capsys)
    assert [p["kind"] for p in work["packages"]] == ["first", "resend"]
    assert work["received_at"] == made["received_at"]  # the first package's time stays the work's
    assert len([f for f in work["files"] if f["role"] == "video"]) == 1


def test_the_same_name_from_the_same_sender_joins_its_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], first_package: tuple[Path, Path]
) -> None:
    """No In-Reply-To, no number: the sender marks the name 「（补交）」 and spaces it differently."""
    archive, scan = first_package
    first = _mail(PREFIX, datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI), FIRST_ID, [archive])
    (made,) = _ingest(capsys, "--no-screen", str(_mbox(tmp_path / "a.mbox", first)))
    again = _mail(
        "张 明（江北区融媒体中心）+红岩家书（补交）",
        datetime(2026, 12, 3, 16, 0, tzinfo=SHANGHAI),
        "<again-4@example.cn>",
        [scan],
    )
    (joined,) = _ingest(capsys, "--no-screen", str(_mbox(tmp_path / "b.mbox", again)))
    assert joined["id"] == made["id"] and joined["intake"] == "supplement"
    # The same name from another address is not enough.
    stranger = _mail(
        f"{PREFIX}（补交）",
        datetime(2026, 12, 3, 17, 0, tzinfo=SHANGHAI),
        "<x-5@example.org>",
        [scan],
        sender="x@example.org",
    )
    (other,) = _ingest(capsys, "--no-screen", str(_mbox(tmp_path / "c.mbox", stranger)))
    assert other["id"] != made["id"]
