"""The demo's sample material: eight works e-mailed as real packages (forms, pledge scans, zips with
GBK names, a 7z, loose attachments, a Baidu Netdisk link), each an exported .eml with its own Date in
November 2026 (one sent after the deadline), and the experts who judge them with their score sheets.
`flows/demo.py` runs the product's flows on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import py7zr

from samples.clips import Caption, ClipSpec, remux, render_clip
from samples.packing import pledge_scan, write_zip
from tasks.intake.forms import RegistrationForm, SummaryRow
from tasks.intake.templates import write_registration_form, write_summary_table
from tasks.rules import SHANGHAI


@dataclass(frozen=True, slots=True)
class SampleWork:
    submitter: str
    title: str
    extension: str
    spec: ClipSpec
    truncate_to: float | None = None  # keep this fraction of the bytes: a transfer cut short
    packing: str = "zip"  # how the package arrives: zip (GBK names), 7z, folder
    form: dict[str, str] = field(default_factory=dict)  # 登记表 fields that differ from the defaults
    pledge: bool = True  # False: the 承诺书 scan was forgotten
    remux_args: tuple[str, ...] = ()  # ffmpeg output options applied after rendering (metadata)
    sent: datetime = datetime(2026, 11, 20, 9, 30, tzinfo=SHANGHAI)  # the e-mail's Date


def _captioned(title: str, subtitle: str = "红色光影 英雄重庆", *extra: Caption, **kwargs: Any) -> ClipSpec:
    captions = (Caption(title, size=64, y="80"), Caption(subtitle, size=48), *extra)
    return ClipSpec(seconds=4, captions=captions, **kwargs)


# An AI-made shot, labelled as 《人工智能生成合成内容标识办法》 asks: an implicit label in the metadata and
# a visible one in the opening frames' top-right corner (≥5 % of the short side, shown for 3 s).
AI_LABEL = Caption("本片部分画面由AI生成", start=0, end=3, size=72, x="w-text_w-40", y="40")
AIGC_METADATA = (
    "-movflags",
    "use_metadata_tags",
    "-metadata",
    'AIGC={"Label":"1","ContentProducer":"001191110102MAD55U9H0F10002","ProduceID":"hy-2026-0001"}',
)


LONG_INTRO = (
    "微纪录片。作品以江竹筠烈士在渣滓洞监狱中的斗争经历为主线，通过档案文献、历史照片和亲历者后人的讲述，"
    "再现了她在敌人酷刑面前坚贞不屈、视死如归的革命气节；同时走访重庆大学、红岩村、歌乐山烈士陵园等地，"
    "记录当代青年学生重温红岩故事、传承红岩精神的学习实践，展现“红岩精神”在新时代的感召力和生命力，"
    "作品在校园网络平台播出后反响热烈，被多所学校用作党史学习教育素材。"
)

SAMPLE_WORKS: tuple[SampleWork, ...] = (
    SampleWork(
        "重庆红岩革命历史博物馆",
        "红岩魂",
        ".mp4",
        _captioned("红岩魂", "红色光影 英雄重庆", AI_LABEL),
        remux_args=AIGC_METADATA,
        form={
            "broadcast": "已播出",
            "platform": "华龙网 https://www.cqnews.net/html/2026-07/01/content_1.html",
        },
        sent=datetime(2026, 11, 12, 10, 5, tzinfo=SHANGHAI),
    ),
    SampleWork(
        "渝中区委党校",
        "歌乐山下",
        ".mp4",
        _captioned("歌乐山下", width=1080, height=1920, fps="30"),
        packing="folder",
        sent=datetime(2026, 11, 30, 22, 47, tzinfo=SHANGHAI),  # the last evening: still in time
    ),
    SampleWork(  # subtitles typed in traditional characters
        "沙坪坝区档案馆",
        "两江红旗",
        ".mov",
        _captioned("两江红旗", "兩江紅旗 迎風飄揚", fps="30000/1001"),
        packing="7z",
    ),
    SampleWork(
        "张明（江北区融媒体中心）",
        "山城记忆",
        ".mp4",
        _captioned("山城记忆", width=1280, height=720),
        pledge=False,
    ),
    SampleWork("李华（重庆大学）", "江姐", ".mp4", _captioned("江姐", fps="24"), form={"intro": LONG_INTRO}),
    SampleWork("北碚区文旅委", "雾都烽火", ".mp4", _captioned("雾都烽火"), truncate_to=0.5),
    SampleWork(  # a good work, sent nine hours after the deadline: fails on 报送时间 alone
        "大足区融媒体中心",
        "石刻里的初心",
        ".mp4",
        _captioned("石刻里的初心", source="gradients"),  # its own footage, not the test pattern
        sent=datetime(2026, 12, 1, 9, 12, tzinfo=SHANGHAI),
    ),
)

# A seventh sender whose video is too large for e-mail: a Baidu Netdisk link and its 提取码.
NETDISK_NOTE = (
    "左老师您好：\n我单位作品《巴渝星火》视频文件较大，已上传百度网盘，其余材料随后补交。\n"
    "链接：https://pan.baidu.com/s/1BaYuXingHuo2026 提取码：hy49 有效期：7天\n"
)


def _split(submitter: str) -> tuple[str, str]:
    """「张明（江北区融媒体中心）」→ (张明, 江北区融媒体中心); a unit → (unit, '')."""
    if "（" in submitter:
        person, unit = submitter.rstrip("）").split("（", 1)
        return person, unit
    return submitter, ""


def sample_form(work: SampleWork) -> RegistrationForm:
    person, unit = _split(work.submitter)
    fields: dict[str, Any] = {
        "title": work.title,
        "duration": f"{work.spec.seconds:g}秒",
        "broadcast": "未播出",
        "contact": person if unit else "左老师",
        "phone": "13896068058",
        "team": f"导演：{person}；编剧、摄像、后期：{unit or work.submitter}创作组。",
        "intro": f"微专题。以《{work.title}》为题，讲述重庆红色资源背后的党史故事，弘扬红岩精神。",
    }
    if unit:
        fields.update(person_name=person, person_unit=unit)
    else:
        fields.update(unit_name=work.submitter)
    fields.update(work.form)
    return RegistrationForm(**fields)


def build_sample(work: SampleWork, folder: Path) -> Path:
    """The rendered video alone (named 「报送人（单位）+作品名称」), as before packages existed."""
    path = folder / "videos" / f"{work.submitter}+{work.title}{work.extension}"
    if path.exists():
        return path
    render_clip(path, work.spec)
    if work.remux_args:
        labelled = path.with_name(f"labelled-{path.name}")
        remux(path, labelled, *work.remux_args)
        labelled.replace(path)
    if work.truncate_to is not None:
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * work.truncate_to)])
    return path


def build_package(work: SampleWork, folder: Path) -> Path:
    """The whole package as the sender mails it: video, 文稿, 登记表, 汇总表, 承诺书 scan."""
    name = f"{work.submitter}+{work.title}"
    target = folder / {"zip": f"{name}.zip", "7z": f"{name}.7z", "folder": name}[work.packing]
    if target.exists():
        return target
    video = build_sample(work, folder)
    parts = folder / "parts" / name
    form = sample_form(work)
    person, unit = _split(work.submitter)
    row = SummaryRow(
        index="1",
        title=work.title,
        duration=form.duration,
        author=person,
        unit=unit or work.submitter,
        broadcast=form.platform if form.broadcast == "已播出" else "未播出",
    )
    script = parts / "文稿.txt"
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_bytes(f"《{work.title}》解说词\n旁白：红色光影，英雄重庆。".encode("gbk"))
    members: list[tuple[str, Path]] = [
        (video.name, video),
        (f"{name}-最终视频文稿.txt", script),
        ("附件1：作品登记表.docx", write_registration_form(parts / "登记表.docx", form, tick="■")),
        ("附件3：作品汇总表.docx", write_summary_table(parts / "汇总表.docx", [row])),
    ]
    if work.pledge:
        scan = pledge_scan(parts / "承诺书.jpg", title=work.title, signer=work.submitter)
        members.append(("附件2：版权承诺书（签字盖章）.jpg", scan))
    if work.packing == "zip":
        write_zip(target, [(f"{name}/{n}", p) for n, p in members], encoding="gbk")  # as Windows zips it
    elif work.packing == "7z":
        with py7zr.SevenZipFile(target, "w") as archive:
            for member, path in members:
                archive.write(path, f"{name}/{member}")
    else:
        target.mkdir(parents=True)
        for member, path in members:
            (target / member).write_bytes(path.read_bytes())
    return target


def mail(
    subject: str, sent: datetime, attachments: list[Path], *, body: str, message_id: str
) -> EmailMessage:
    """The e-mail a sender writes to the contest mailbox (notice 五: 统一打包发送至电子邮箱)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "submitter@example.cn"
    message["To"] = "cqdsspzb@163.com"
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = message_id
    message.set_content(body)
    for path in attachments:
        message.add_attachment(
            path.read_bytes(), maintype="application", subtype="octet-stream", filename=path.name
        )
    return message


def mail_package(work: SampleWork, index: int, folder: Path) -> Path:
    """The package as it sits in the mailbox, exported as an .eml: the archive attached, or the
    files of a folder attached one by one."""
    name = f"{work.submitter}+{work.title}"
    target = folder / "mail" / f"{index:02d}-{name}.eml"
    if target.exists():
        return target
    package = build_package(work, folder)
    attachments = sorted(package.iterdir()) if package.is_dir() else [package]
    message = mail(
        name,
        work.sent,
        attachments,
        body="左老师您好：附件为我单位报送的作品及材料，请查收。",
        message_id=f"<demo-{index}@guangying.example>",
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(message.as_bytes())
    return target


def netdisk_mail(folder: Path) -> Path:
    path = folder / "mail" / "99-九龙坡区委宣传部+巴渝星火.eml"
    if not path.exists():
        sent = datetime(2026, 11, 29, 16, 40, tzinfo=SHANGHAI)
        message = mail(
            "九龙坡区委宣传部+巴渝星火",
            sent,
            [],
            body=NETDISK_NOTE,
            message_id="<demo-netdisk@guangying.example>",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(message.as_bytes())
    return path


# --- after screening: the experts who judge the works and how they score -------------------------

# The committee agreed to take the work sent nine hours late (an operator's recorded decision).
LATE_AGREED = ("石刻里的初心", "报送人11月30日晚来电说明邮件发送失败，筹备组同意延期受理")

# 姓名, 单位, 专长, 最大评审数, 联系方式 — one expert works at the unit of 红岩魂 (conflict of interest).
SAMPLE_EXPERTS: tuple[tuple[str, str, str, int, str], ...] = (
    ("王立群", "重庆大学马克思主义学院", "微纪录片、微专题", 3, "023-65100001"),
    ("陈晓红", "西南大学", "微动漫、Vlog", 3, "023-68250002"),
    ("刘建国", "重庆市档案馆", "微纪录片、情景再现", 3, "023-63890003"),
    ("赵敏", "重庆红岩革命历史博物馆", "微专题、情景再现", 3, "023-63300004"),
    ("孙伟", "重庆日报社", "Vlog、微专题", 3, "023-63900005"),
    ("周静", "四川美术学院", "微动漫、微纪录片", 3, "023-65920006"),
)
# How strict each expert scores (points off every criterion): robust aggregation evens it out.
STRICTNESS = {"王立群": 0.0, "陈晓红": 2.0, "刘建国": 1.0, "赵敏": 0.5, "孙伟": -1.0, "周静": 1.5}
QUALITY = {"红岩魂": 0.92, "歌乐山下": 0.86, "石刻里的初心": 0.8}  # what the sample experts think


def write_roster(path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "单位", "专长", "最大评审数", "联系方式"])
    for row in SAMPLE_EXPERTS:
        sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def fill_score_sheet(path: Path) -> Path:
    """An expert's packet as it comes back: every criterion scored, a remark."""
    from openpyxl import load_workbook

    from tasks.judging.packets import FIXED_COLUMNS, HEADER_ROW
    from tasks.judging.rubric import RUBRIC

    book = load_workbook(path)
    sheet = book["评分表"]
    expert = str(sheet.cell(row=2, column=1).value).split("：", 1)[1]
    first = len(FIXED_COLUMNS) + 1
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        title = sheet.cell(row=row, column=2).value
        if not title:
            continue
        quality = QUALITY.get(str(title), 0.75)
        for offset, criterion in enumerate(RUBRIC):
            score = max(0.0, min(criterion.maximum, round(criterion.maximum * quality - STRICTNESS[expert])))
            sheet.cell(row=row, column=first + offset, value=score)
        sheet.cell(row=row, column=first + len(RUBRIC) + 1, value="主题鲜明，史实准确。")
    book.save(path)
    return path
