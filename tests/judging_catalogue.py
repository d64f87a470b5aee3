"""Works and experts put straight into the catalogue for the judging tests (intake is tested elsewhere)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tasks.catalogue.db import open_catalogue, session_scope
from tasks.catalogue.models import DuplicatePair, Submission
from tasks.catalogue.records import upsert_file
from tasks.config import get_settings
from tasks.store import open_store, store_original

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ROSTER_HEADER = ["姓名", "单位", "专长", "最大评审数", "联系方式"]


@dataclass(frozen=True, slots=True)
class SampleWork:
    title: str
    unit: str
    category: str | None
    submitter: str = "李明"
    verdict: str = "pass"
    state: str = "screened"
    videos: tuple[Path, ...] = ()
    phone: str = "13800001111"


def add_works(works: list[SampleWork], offset: int = 0) -> list[str]:
    """Catalogue rows (and stored originals) for `works`; returns the submission ids."""
    settings = get_settings()
    store = open_store(settings)
    ids = []
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        for index, work in enumerate(works, start=offset):
            row = Submission(
                title=work.title,
                submitter=work.submitter,
                unit=work.unit,
                category=work.category,
                verdict=work.verdict,
                state=work.state,
                received_at=START + timedelta(hours=index),
                form={"phone": work.phone, "person_name": work.submitter, "unit_name": work.unit},
            )
            session.add(row)
            session.flush()
            for video in work.videos:
                stored = store_original(store, settings.bucket_originals, video)
                upsert_file(session, stored, name=f"{work.unit}+{work.title}.mp4", submission_id=row.id)
            ids.append(row.id)
    return ids


def add_duplicate_pair(first_id: str, second_id: str) -> None:
    """An open originality pair between two works, numbered 0001 and 0002 by judging (pair 1)."""
    from tasks.judging.records import judged_works

    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        judged_works(session)
        session.add(
            DuplicatePair(
                first_submission_id=min(first_id, second_id),
                second_submission_id=max(first_id, second_id),
                message="编号0001与编号0002画面重复",
                evidence={"works": ["0001", "0002"]},
            )
        )


def write_roster(path: Path, rows: list[list[object]]) -> Path:
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(ROSTER_HEADER)
        for row in rows:
            book.active.append(row)
        book.save(path)
        return path
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ROSTER_HEADER)
        writer.writerows(rows)
    return path


ROSTER = [
    ["张华", "重庆大学", "微纪录片、微专题", 6, "13900000001"],
    ["王芳", "西南大学", "微动漫、Vlog", 6, "13900000002"],
    ["刘洋", "重庆市档案馆", "情景再现、微专题", 6, "13900000003"],
    ["陈静", "华龙网集团", "Vlog、微纪录片", 6, "13900000004"],
    ["赵磊", "重庆红岩革命历史文化中心", "微动漫、情景再现", 6, "13900000005"],
]

WORKS = [
    SampleWork("红岩魂", "重庆大学马克思主义学院", "微纪录片"),
    SampleWork("歌乐山下", "西南大学", "微动漫", submitter="周敏"),
    SampleWork("两江红旗", "重庆市渝中区委宣传部", "微专题", submitter="吴刚"),
    SampleWork("山城记忆", "重庆 档案馆", "情景再现", submitter="郑洁"),
    SampleWork("我的长征路", "重庆红岩革命历史文化中心（红岩联线）", "Vlog", submitter="孙丽"),
    SampleWork("不合格作品", "某单位", "Vlog", verdict="fail"),
    SampleWork("已撤回作品", "某单位", "Vlog", state="withdrawn"),
]
