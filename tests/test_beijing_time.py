"""Beijing time as people read it (tasks/beijing_time.py): one formatter, each output's own look."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from tasks.beijing_time import (
    beijing_day,
    day_key,
    in_beijing,
    iso,
    numeric_date_time,
    padded_date,
    padded_date_time,
    padded_month_day,
    plain_date,
    plain_date_time,
    plain_month_day,
)
from tasks.rules import SHANGHAI

# 2026-12-05 17:05 in Beijing: the same moment written three ways.
MOMENT = datetime(2026, 12, 5, 9, 5, tzinfo=UTC)
AS_SQLITE_GIVES_IT = datetime(2026, 12, 5, 9, 5)  # naive, stored in UTC
IN_NEW_YORK = MOMENT.astimezone(timezone(timedelta(hours=-5)))


def test_every_look_of_one_moment() -> None:
    assert padded_date(MOMENT) == "2026年12月05日"
    assert padded_date_time(MOMENT) == "2026年12月05日 17:05"
    assert padded_month_day(MOMENT) == "12月05日"
    assert plain_date(MOMENT) == "2026年12月5日"
    assert plain_date_time(MOMENT) == "2026年12月5日 17:05"
    assert numeric_date_time(MOMENT) == "2026-12-05 17:05"
    assert day_key(MOMENT) == "20261205"
    assert iso(MOMENT) == "2026-12-05T17:05:00+08:00"
    assert plain_month_day(date(2026, 12, 5)) == "12月5日"


def test_any_offset_and_a_naive_catalogue_time_are_the_same_moment() -> None:
    for written in (IN_NEW_YORK, AS_SQLITE_GIVES_IT, MOMENT.astimezone(SHANGHAI)):
        assert in_beijing(written) == MOMENT
        assert in_beijing(written).utcoffset() == timedelta(hours=8)
        assert padded_date_time(written) == "2026年12月05日 17:05"
    assert (
        numeric_date_time(IN_NEW_YORK.isoformat()) == "2026-12-05 17:05"
    )  # as the catalogue's JSON holds it


def test_the_day_turns_at_midnight_in_beijing_not_in_utc() -> None:
    late = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 2026-12-01 00:30 in Beijing
    assert beijing_day(late) == date(2026, 12, 1)
    assert padded_date(late) == "2026年12月01日" and plain_date(late) == "2026年12月1日"
    assert day_key(late) == "20261201" and padded_month_day(late) == "12月01日"
    assert numeric_date_time(late - timedelta(hours=1)) == "2026-11-30 23:30"
