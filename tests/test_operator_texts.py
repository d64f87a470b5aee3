"""What operators send and read: receipts for every state (golden files), the export, `status`."""

from __future__ import annotations

import copy
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tasks.catalogue.views import SubmissionView
from tasks.report.receipt import render_receipt as render_view
from tasks.rules import SHANGHAI

GOLDEN = Path(__file__).parent / "golden"
NOTICE_FIVE = "通知第五条要求报送“作品高清原视频，最终视频文稿、作品登记表、作品汇总表Word电子版，以及作品版权承诺书扫描件”。"
PREFIX = "张明（江北区融媒体中心）+红岩家书"
ISSUED = datetime(2026, 12, 4, 9, 0, tzinfo=SHANGHAI)  # the receipts' date, fixed for the golden files


def _finding(check: str, status: str, message: str, stage: str = "intake", **extra: Any) -> dict[str, Any]:
    return {
        "check": check,
        "status": status,
        "message": message,
        "evidence": extra.pop("evidence", {}),
        "stage": stage,
        "file": extra.pop("file", None),
    }


def _missing(role: str, label: str, todo: str) -> dict[str, Any]:
    return _finding("materials", "fail", f"未收到{label}。{NOTICE_FIVE}{todo}。", evidence={"role": role})


def render_receipt(item: dict[str, Any]) -> str:
    """The receipt of a `status --json` object, read into the typed view the receipt takes."""
    return render_view(SubmissionView.from_json(item), issued=ISSUED)


def _item(**changes: Any) -> dict[str, Any]:
    """A `submission_json` object: a complete package, screened, that passes."""
    item: dict[str, Any] = {
        "id": "3f2a9c1e-0000-4000-8000-000000000001",
        "title": "红岩家书",
        "submitter": "张明",
        "unit": "江北区融媒体中心",
        "category": "微纪录片",
        "state": "screened",
        "verdict": "pass",
        "received_at": "2026-11-27T13:30:00+00:00",
        "received_basis": "email_date",
        "received_set_by": None,
        "source": "imap:INBOX",
        "package_name": f"{PREFIX}.zip",
        "netdisk": None,
        "files": [
            {
                "role": "video",
                "name": f"{PREFIX}/{PREFIX}.mp4",
                "sha256": "a" * 64,
                "size": 1,
                "verdict": "pass",
            },
            {"role": "script", "name": f"{PREFIX}/文稿.docx", "sha256": "b" * 64, "size": 1, "verdict": None},
            {
                "role": "registration_form",
                "name": f"{PREFIX}/附件1.docx",
                "sha256": "c" * 64,
                "size": 1,
                "verdict": None,
            },
            {
                "role": "summary_table",
                "name": f"{PREFIX}/附件3.docx",
                "sha256": "d" * 64,
                "size": 1,
                "verdict": None,
            },
            {
                "role": "pledge",
                "name": f"{PREFIX}/承诺书.pdf",
                "sha256": "e" * 64,
                "size": 1,
                "verdict": None,
            },
        ],
        "form": {
            "title": "红岩家书",
            "person_name": "张明",
            "summary_rows": [{"title": "红岩家书", "author": "张明、李华"}],
        },
        "decisions": [],
        "verdict_by_person": False,
        "findings": [
            _finding(
                "deadline",
                "pass",
                "作品于2026年11月27日 21:30（北京时间，以邮件发送时间为准）收到，在截止时间之前。",
            ),
            _finding("naming", "pass", f"「{PREFIX}.zip」的命名符合“报送人（单位）+作品名称”格式。"),
            _finding(
                "declared_duration",
                "pass",
                "登记表填写的时长“8秒”与视频实际时长8秒一致。",
                evidence={"videos": {f"{PREFIX}/{PREFIX}.mp4": 8.0}, "measured_seconds": 8.0},
            ),
            _finding(
                "resolution",
                "pass",
                "分辨率为1920×1080，达到1080P要求",
                "technical",
                file=f"{PREFIX}/{PREFIX}.mp4",
            ),
            # Staff-only advisories: never in a receipt.
            _finding(
                "black_frames",
                "warn",
                "发现1段黑屏（不少于3秒）：0.0秒–3.5秒，请确认是否为有意设计",
                "technical",
            ),
            _finding("audio", "warn", "没有音轨", "technical"),
        ],
    }
    item.update(copy.deepcopy(changes))
    return item


LATE = _item(
    verdict="fail",
    received_at="2026-11-30T23:59:00+00:00",
    findings=[
        _finding(
            "deadline",
            "fail",
            "作品于2026年12月01日 07:59（北京时间，以邮件发送时间为准）收到，晚于报送截止时间"
            "2026年11月30日 24:00。逾期作品请与筹备组联系（左老师 13896068058）。",
        ),
        _finding("phone", "warn", "作品登记表「附件1.docx」的联系电话“123”不是有效的手机号。请核对后更正。"),
    ],
)
INCOMPLETE = _item(
    submitter=None,
    unit=None,
    title=None,
    state="received",
    verdict="fail",
    package_name="作品.zip",
    files=[{"role": "video", "name": "作品.mp4", "sha256": "a" * 64, "size": 1, "verdict": None}],
    findings=[
        _finding(
            "naming",
            "warn",
            "「作品.zip」的命名不符合通知要求的“报送人（单位）+作品名称”格式（缺少“+”）。"
            "请按此格式重新命名，例如“张明（江北区融媒体中心）+山城记忆”。",
        ),
        _missing("script", "最终视频文稿", "请补交最终视频文稿（Word、TXT或PDF）"),
        _missing("registration_form", "作品登记表（附件1）", "请下载附件1填写后以Word电子版补交"),
        _missing("summary_table", "作品汇总表（附件3）", "请下载附件3填写后以Word电子版补交"),
        _missing("pledge", "版权承诺书扫描件（附件2）", "请打印附件2，签字或盖章后扫描（PDF/JPG/PNG）补交"),
        _finding(
            "document",
            "fail",
            "「附件1.docx」无法作为作品登记表读取（BadZipFile: File is not a zip file）。"
            "请用附件模板重新填写，另存为Word（.docx）格式后重新报送。",
        ),
        _finding(
            "document",
            "error",
            "「旧表.doc」是旧版Word（.doc）文档，无法自动读取（服务器未安装LibreOffice）。"
            "请工作人员人工查看。",
        ),
    ],
)
AWAITING = _item(
    state="awaiting_download",
    verdict=None,
    files=[f for f in _item()["files"] if f["role"] != "video"],
    netdisk={"url": "https://pan.baidu.com/s/1JJ", "code": "jj49", "expires_at": "2026-12-03T00:00:00+00:00"},
    findings=[
        _finding(
            "netdisk",
            "warn",
            "作品视频通过百度网盘报送（https://pan.baidu.com/s/1JJ，提取码jj49），"
            "等待工作人员下载后继续审核。",
        ),
        _finding("netdisk", "warn", "百度网盘提取码将在2天内（2026年12月03日）到期，请工作人员尽快下载。"),
    ],
)
PASSED = _item()
UNDER_REVIEW = _item(state="received", verdict=None, findings=_item()["findings"][:3])
FAILED_TECHNICAL = _item(
    verdict="fail",
    findings=[
        *_item()["findings"][:2],
        _finding(
            "declared_duration",
            "warn",
            "作品登记表「附件1.docx」填写的作品时长为“3分20秒”（200秒），视频实际时长为8秒，"
            "相差192秒，超过5秒的误差。请核对视频或更正登记表的作品时长。",
        ),
        _finding(
            "resolution",
            "fail",
            "分辨率为1280×720，低于要求的1080P（短边应不少于1080像素），"
            "请用高清原始素材以1080P（1920×1080，竖屏1080×1920）或更高分辨率重新导出后报送",
            "technical",
            file=f"{PREFIX}/{PREFIX}.mp4",
        ),
        _finding(
            "frame_rate",
            "fail",
            "平均帧率为24.00帧/秒，低于要求的25帧/秒，请以不低于25帧/秒（如25或30帧/秒）重新导出后报送",
            "technical",
            file=f"{PREFIX}/{PREFIX}.mp4",
        ),
        # The same finding twice (a re-screening): listed once.
        _finding(
            "frame_rate",
            "fail",
            "平均帧率为24.00帧/秒，低于要求的25帧/秒，请以不低于25帧/秒（如25或30帧/秒）重新导出后报送",
            "technical",
            file=f"{PREFIX}/{PREFIX}.mp4",
        ),
        _finding("integrity", "error", "完整解码超时（解码至3.0秒），需人工复核", "technical"),
        _finding(
            "frozen_frames",
            "warn",
            "发现1段静止画面（不少于5秒）：1.0秒–7.0秒，请确认是否为有意设计",
            "technical",
        ),
    ],
)
STATES = {
    "late": LATE,
    "incomplete": INCOMPLETE,
    "awaiting-download": AWAITING,
    "passed": PASSED,
    "under-review": UNDER_REVIEW,
    "failed-technical": FAILED_TECHNICAL,
}


@pytest.mark.parametrize("state", list(STATES))
def test_receipts_match_their_golden_files(state: str) -> None:
    """Set GUANGYING_UPDATE_GOLDEN=1 to rewrite them after a reviewed change of wording."""
    text = render_receipt(STATES[state])
    golden = GOLDEN / f"receipt-{state}.txt"
    if os.environ.get("GUANGYING_UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("state", list(STATES))
def test_receipts_hold_only_what_the_sender_can_act_on(state: str) -> None:
    text = render_receipt(STATES[state])
    assert "：\n" in text and "报送人：" not in text
    for staff_only in (
        "黑屏",
        "静止画面",
        "音轨",
        "请工作人员",
        "无法自动读取",
        "解码超时",
        "BadZipFile",
        "Error",
    ):
        assert staff_only not in text, staff_only
    assert text.count("通知第五条要求报送") <= 1
    assert "已受理，审核中" not in text
    assert "下一步" in text and "左老师" in text


def test_each_state_says_its_own_next_step() -> None:
    late = render_receipt(LATE)
    assert "请直接与筹备组联系" in late and "回复本邮件" not in late and "缺少的材料" not in late
    assert "联系电话“123”" not in late  # a late work is not asked to correct anything
    incomplete = render_receipt(INCOMPLETE)
    assert incomplete.startswith("“红色光影") and "\n您好：\n" in incomplete
    assert incomplete.count("通知第五条要求报送") == 1 and "请下载附件1填写后以Word电子版补交" in incomplete
    assert "补交上述缺少的材料并更正所列问题" in incomplete and "审核结论：不通过" in incomplete
    awaiting = render_receipt(AWAITING)
    assert "我们将从您提供的百度网盘链接下载作品视频" in awaiting and "作品视频待下载" in awaiting
    assert "审核结论：审核中" in awaiting and "回复本邮件" not in awaiting
    assert "二、缺少的材料\n    无\n" in awaiting  # the video is not missing: we download it
    assert "请等待评审结果" in render_receipt(PASSED)
    review = render_receipt(UNDER_REVIEW)
    assert "审核结论：审核中" in review and "审核完成后我们将通知您结果" in review
    failed = render_receipt(FAILED_TECHNICAL)
    assert failed.count("平均帧率为24.00帧/秒") == 1 and "重新导出" in failed and "以1080P" in failed
    assert "当前状态：已完成初步审核" in failed and "按上述说明更正所列问题" in failed


def test_a_late_work_the_committee_accepted_is_judged_as_usual() -> None:
    accepted = _item(
        verdict="review",
        verdict_by_person=True,
        findings=LATE["findings"],
        decisions=[
            {
                "action": "accept-late",
                "check": "deadline",
                "note": "邮件发送失败，筹备组同意延期",
                "decided_by": "左老师",
                "decided_at": "2026-12-02T02:00:00+00:00",
            }
        ],
    )
    text = render_receipt(accepted)
    assert "经筹备组同意，本作品虽晚于报送截止时间收到，予以受理。" in text
    assert "报送时间" not in text.split("需要处理的问题")[1]  # overridden: no longer a problem
    assert "联系电话“123”" in text and "请核对上述提示事项" in text and "请直接与筹备组联系" not in text
    assert "邮件发送失败" not in text and "回执日期：2026年12月04日" in text


def test_the_declared_duration_never_repeats_itself() -> None:
    from datetime import UTC, datetime

    from tasks.intake.checks import FileFact, PackageFacts, check_declared_duration
    from tasks.intake.details import IntakeDetails
    from tasks.intake.forms import RegistrationForm
    from tasks.intake.naming import parse_package_name
    from tasks.rules import DEFAULT_RULES

    def message(declared: str, seconds: float, measured: float) -> str:
        form = RegistrationForm(title="红岩家书", duration=declared, duration_seconds=seconds)
        facts = PackageFacts(PREFIX, parse_package_name(PREFIX), datetime(2026, 11, 1, tzinfo=UTC))
        facts.details = IntakeDetails(form=form, form_file="附件1.docx")
        facts.files = [FileFact("a.mp4", "video", "a" * 64, 1, duration=measured)]
        (finding,) = check_declared_duration(facts, DEFAULT_RULES)
        return finding.message

    assert "“30秒”，视频实际时长为8秒，" in message("30秒", 30, 8)
    assert "“3分20秒”（200秒），视频实际时长为8秒，" in message("3分20秒", 200, 8)
    assert "实际时长为1分30秒（90秒）" in message("8秒", 8, 90)


@pytest.fixture
def catalogue(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The CLI's view of the catalogue, without a flow: `status`, `receipt` and `export` read this."""
    items = [PASSED, INCOMPLETE | {"id": "3f2a0000-0000-4000-8000-000000000002"}, AWAITING | {"id": "77aa"}]
    from tasks.submissions.service import IdMatch

    views = {i["id"]: SubmissionView.from_json(i) for i in items}
    service = "tasks.submissions.service"
    monkeypatch.setattr(f"{service}.works", lambda *_, **__: list(views.values()))
    monkeypatch.setattr(
        f"{service}.id_matches",
        lambda _session, prefix, **__: [
            IdMatch(v.id, v.title, v.submitter, v.unit) for v in views.values() if v.id.startswith(prefix)
        ],
    )
    monkeypatch.setattr(f"{service}.view_by_id", lambda _session, submission_id: views[submission_id])
    return items


def test_status_columns_line_up_in_terminal_cells(
    catalogue: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    from rich.cells import cell_len

    from cli.main import main

    assert main(["status"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()][:4]
    assert lines[0].split()[:4] == ["受理编号", "作品名称", "报送人", "收到时间（北京时间）"]

    def column(line: str, text: str) -> int:
        return cell_len(line[: line.index(text)])

    times = [column(line, "2026-11-27 21:30") for line in lines[1:]]
    assert times == [column(lines[0], "收到时间")] * 3  # Chinese and ASCII cells line up
    assert "审核中" in lines[3] and "不通过" in lines[2] and "已受理，审核中" not in "".join(lines)


def test_a_prefix_that_matches_two_works_lists_them(
    catalogue: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    assert main(["receipt", "3f2a"]) == 2
    err = capsys.readouterr().err
    assert "对应2件作品" in err and catalogue[0]["id"] in err and catalogue[1]["id"] in err
    assert main(["receipt", "ffff"]) == 2 and "找不到受理编号为“ffff”" in capsys.readouterr().err
    assert main(["receipt", "77a"]) == 0 and "等待从百度网盘下载" in capsys.readouterr().out


def test_export_in_beijing_time_with_the_authors_of_the_summary_table(
    catalogue: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    from cli.main import main

    out = tmp_path / "汇总.xlsx"
    assert main(["export", "--out", str(out)]) == 0
    sheet = load_workbook(out).active
    header = [c.value for c in sheet[2]]
    assert header[3] == "作者" and header[-1] == "收到时间（北京时间）"
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[-1]]
    assert rows[0][3] == "张明、李华"  # from 附件3's row, not the 登记表's 报送人
    assert rows[0][-1] == "2026-11-27 21:30"  # 13:30 UTC
    assert [r[8] for r in rows] == ["通过", "不通过", "审核中"]


def test_the_exported_summary_prints_on_a4_landscape(
    catalogue: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Read back with openpyxl: landscape A4 fitted to the page width, the header row on every page,
    wrapped text, widths measured for Chinese, borders, and who decided a verdict."""
    from openpyxl import load_workbook

    from cli.main import main
    from tasks.report.export import MAX_COLUMN_WIDTH, display_width

    out = tmp_path / "汇总.xlsx"
    assert main(["export", "--out", str(out)]) == 0
    sheet = load_workbook(out).active
    setup = sheet.page_setup
    assert (setup.orientation, str(setup.paperSize)) == ("landscape", str(sheet.PAPERSIZE_A4))
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$2:$2"
    header = [c.value for c in sheet[2]]
    assert "人工决定" in header
    last = 2 + len(catalogue)
    for index, name in enumerate(header, start=1):
        cells = [sheet.cell(row=r, column=index) for r in range(2, last + 1)]
        assert all(c.alignment.wrap_text and c.border.left.style == "thin" for c in cells), name
        width = sheet.column_dimensions[cells[0].column_letter].width
        wanted = min(max(display_width(c.value) for c in cells) + 2, MAX_COLUMN_WIDTH)
        assert width >= wanted, (name, width, wanted)  # no text runs into the next column
    assert display_width("受理编号") == 8 and display_width("ab") == 2


@pytest.mark.parametrize(
    ("verdicts", "code"),
    [(["pass"], 0), ([None], 0), (["pass", None], 0), (["pass", "review"], 1), (["fail"], 1), (["error"], 1)],
)
def test_ingest_marks_each_work_and_exits_as_screen_does(
    verdicts: list[str | None],
    code: int,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from cli.main import main

    results = [
        {"package": "坏包.zip", "error": "处理失败。"}
        if v == "error"
        else {"package": f"{i}.zip", "id": f"id{i}", "title": "红岩家书", "verdict": v, "findings": []}
        for i, v in enumerate(verdicts)
    ]
    monkeypatch.setattr("flows.intake.intake", lambda **_: results)
    (tmp_path / "a.zip").write_bytes(b"x")
    assert main(["ingest", "--no-screen", str(tmp_path / "a.zip")]) == code
    out = capsys.readouterr().out
    marks = {"pass": "✓ ", "fail": "✗ ", "review": "? ", None: "… ", "error": "✗ "}
    labels = {"pass": "通过", "fail": "不通过", "review": "待人工复核", None: "审核中"}
    for line, verdict in zip(out.splitlines(), verdicts, strict=True):
        assert line.startswith(marks[verdict])
        if verdict != "error":
            assert line.endswith(f"结论：{labels[verdict]}")


def test_screen_record_says_where_it_recorded(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.commands.screen import where_recorded
    from tasks.config import get_settings

    text = where_recorded(2)
    assert text.startswith("已记录2个文件") and str((data_dir / "store").resolve()) in text
    assert "catalogue.sqlite3" in text and "guangying-originals" in text
    monkeypatch.setenv("GUANGYING_DATABASE_URL", "postgresql+psycopg://guangying:s3cret@db/guangying")
    get_settings.cache_clear()
    assert "s3cret" not in where_recorded(1) and "db/guangying" in where_recorded(1)


def _decision(
    action: str, note: str, *, check: str | None = None, number: int = 1, **value: Any
) -> dict[str, Any]:
    return {
        "action": action,
        "check": check,
        "note": note,
        "decided_by": "root",
        "decided_at": "2026-12-02T02:00:00+00:00",
        "number": number,
        "value": value or None,
    }


def test_a_staff_only_decision_is_shown_only_as_its_effect() -> None:
    """A waiver recorded by login `root`, a routine re-check and a re-screening: the sender reads
    that the committee set the resolution aside, and nothing of who, how or the staff's note."""
    waived = _item(
        verdict="fail",
        findings=FAILED_TECHNICAL["findings"],
        decisions=[
            _decision("waive", "片方提供的4K母带丢失，领导口头同意", check="resolution"),
            _decision("recheck", "设置变更后重新核对", number=2),
            _decision("rescreen", "重新审核", number=3),
        ],
    )
    text = render_receipt(waived)
    assert "经筹备组同意，“分辨率”一项不再作为本作品的审核依据。" in text
    for staff in ("root", "免除该项", "领导口头同意", "重新核对", "重新审核视频", "1280×720"):
        assert staff not in text, staff
    assert "平均帧率为24.00帧/秒" in text  # what is still a problem stays


def test_a_revoked_decision_is_not_shown() -> None:
    taken_back = _item(
        findings=LATE["findings"],
        verdict="fail",
        decisions=[
            _decision("accept-late", "筹备组同意"),
            _decision("revoke", "误操作", number=2, revokes=1),
        ],
    )
    text = render_receipt(taken_back)
    assert "予以受理" not in text and "请直接与筹备组联系" in text


def test_a_withdrawn_work_asks_for_nothing() -> None:
    withdrawn = _item(
        state="withdrawn",
        verdict="fail",
        findings=INCOMPLETE["findings"],
        decisions=[_decision("withdraw", "报送人来函撤回")],
    )
    text = render_receipt(withdrawn)
    assert "本作品已撤销，不再参加本次征集，无需补充材料或回复本邮件。" in text
    for asking in ("更正所列问题", "回复本邮件发送至", "缺少的材料", "需要处理的问题", "补交"):
        assert asking not in text, asking
    assert "回执日期：2026年12月04日" in text


def test_a_subtitle_sidecar_is_named_as_such() -> None:
    with_srt = _item(
        files=[
            *_item()["files"],
            {
                "role": "other",
                "name": f"{PREFIX}/{PREFIX}.srt",
                "sha256": "c" * 64,
                "size": 100,
                "verdict": None,
            },
        ]
    )
    assert f"· 字幕文件：{PREFIX}/{PREFIX}.srt" in render_receipt(with_srt)


def test_the_intake_run_artifact_says_what_happened_to_each_package() -> None:
    from tasks.intake.run_summary import intake_markdown

    text = intake_markdown(
        [
            {
                "package": "a.zip",
                "id": "3f2a",
                "title": "红岩|家书](http://x)",
                "verdict": "pass",
                "intake": "first",
            },
            {
                "package": "Re: 红岩家书",
                "id": "3f2a",
                "title": "红岩家书",
                "verdict": None,
                "intake": "supplement",
            },
            {"package": "b.zip", "id": "3f2a", "title": "红岩家书", "duplicate": True},
            {"package": "坏.zip", "error": "处理失败：磁盘已满。"},
        ]
    )
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 4 and all(row.count(" | ") == 4 for row in rows)  # a | in a title is no column
    assert "新作品" in rows[0] and "通过" in rows[0] and "](http" not in rows[0]
    assert "补交到该作品" in rows[1] and "审核中" in rows[1]
    assert "已受理过，无变化" in rows[2] and "未受理：处理失败：磁盘已满。" in rows[3]
