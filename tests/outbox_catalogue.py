"""A small catalogue for the outbox tests: works in several states (one whose first mail is stored
as intake stores it, one awaiting a Netdisk download with material missing, one whose address the
server refuses), a roster with e-mail contacts, an assignment and an approved list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import FindingRecord, IntakePackage, Submission
from tasks.catalogue.records import upsert_file
from tasks.config import get_settings
from tasks.findings import Check, Status
from tasks.judging.model import Approval
from tasks.judging.rubric import TIER_EXCELLENT
from tasks.judging.service import approve, assign_catalogue, import_roster
from tasks.store import open_store, store_original
from tests.judging_catalogue import write_roster

FIRST_MAIL_ID = "<first-1@example.cn>"
FIRST_MAIL_FROM = "liming@example.cn"
ROSTER = [
    ["张华", "重庆大学", "微纪录片、微专题", 6, "zhanghua@expert.example.cn"],
    ["王芳", "西南大学", "微动漫、Vlog", 6, "wangfang@expert.example.cn"],
    ["刘洋", "重庆市档案馆", "情景再现、微专题", 6, "13900000003"],
]


@dataclass(frozen=True, slots=True)
class Catalogue:
    mailed: str  # passed; its first mail (From liming@example.cn) stored as intake stores it
    waiting: str  # awaiting its Netdisk download; the 文稿 missing; address in the 登记表
    refused: str  # passed; its address is refused by the test server
    numbers: dict[str, str]  # submission id → 评审编号


# What must never reach anyone but the work's own submitter, nor any expert.
PRIVATE = ("李明", "重庆大学马克思主义学院", "13800001111", "liming@example.cn", "周敏", "西南大学新闻学院",
           "13800002222", "zhoumin@example.cn", "吴刚", "渝中区委宣传部", "13800003333", "refused-wu@example.cn")  # fmt: skip


def first_mail(path: Path, when: datetime) -> Path:
    message = EmailMessage()
    message["Subject"] = "李明（重庆大学马克思主义学院）+红岩魂"
    message["From"] = formataddr(("李明", FIRST_MAIL_FROM))
    message["To"] = "cqdsspzb@163.com"
    message["Date"] = format_datetime(when)
    message["Message-ID"] = FIRST_MAIL_ID
    message.set_content("左老师您好：附件为作品包。")
    path.write_bytes(message.as_bytes())
    return path


def build(tmp_path: Path, video: Path, *, approve_list: bool = True) -> Catalogue:
    settings = get_settings()
    store = open_store(settings)
    now = settings.now()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        mailed = Submission(
            title="红岩魂", submitter="李明", unit="重庆大学马克思主义学院", category="微纪录片",
            state="screened", verdict="pass", received_at=now - timedelta(days=10),
            message_id=FIRST_MAIL_ID, source="imap:cqdsspzb@imap.163.com/INBOX",
            form={"person_name": "李明", "contact": "李明 liming.form@example.cn", "phone": "13800001111"},
        )  # fmt: skip
        waiting = Submission(
            title="歌乐山下", submitter="周敏", unit="西南大学新闻学院", category="微动漫",
            state="awaiting_download", received_at=now - timedelta(days=9),
            netdisk_url="https://pan.baidu.com/s/1GeLe", netdisk_code="gl49",
            netdisk_expires_at=now + timedelta(days=2),
            form={"person_name": "周敏", "contact": "周敏", "phone": "13800002222 zhoumin@example.cn"},
        )  # fmt: skip
        refused = Submission(
            title="两江红旗", submitter="吴刚", unit="渝中区委宣传部", category="微专题",
            state="screened", verdict="pass", received_at=now - timedelta(days=8),
            form={"person_name": "吴刚", "contact": "refused-wu@example.cn", "phone": "13800003333"},
        )  # fmt: skip
        session.add_all([mailed, waiting, refused])
        session.flush()
        stored = store_original(store, settings.bucket_originals, first_mail(tmp_path / "first.eml", now))
        session.add(
            IntakePackage(
                sha256=stored.sha256, submission_id=mailed.id, name="红岩魂", source=mailed.source,
                object_key=f"{stored.bucket}/{stored.key}", received_at=mailed.received_at,
            )
        )  # fmt: skip
        session.add(
            FindingRecord(
                submission_id=waiting.id, stage="intake", check=Check.MATERIALS, status=Status.FAIL,
                message="未收到最终视频文稿。请补交。", evidence={"role": "script"},
            )
        )  # fmt: skip
        for work in (mailed, refused):
            upsert_file(session, store_original(store, settings.bucket_originals, video), name="正片.mp4",
                        submission_id=work.id)  # fmt: skip
        ids = (mailed.id, waiting.id, refused.id)
    counts = import_roster(settings, write_roster(tmp_path / "专家.csv", ROSTER), now).counts
    assert counts is not None
    works, _ = assign_catalogue(settings, per_work=2)
    numbers = {w.submission_id: w.work.number for w in works}
    if approve_list:
        approve(
            settings,
            Approval({TIER_EXCELLENT: [numbers[ids[0]]]}, {TIER_EXCELLENT: [numbers[ids[0]]]}, "审批人", now),
            tmp_path / "名单",
        )
    return Catalogue(*ids, numbers)
