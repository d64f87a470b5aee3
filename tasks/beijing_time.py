"""Beijing time as people read it: the one place where a moment becomes the text of a receipt, a
finding, a mail, a document, a page or a terminal line.

Each format is named after its look, and each output keeps the look it has always had:

- padded, 「2026年12月05日 17:00」: receipts, findings, mails, the status page's stamp;
- plain, 「2026年12月5日」: the 优秀作品名单, the certificates, the status page's approval line;
- numeric, 「2026-12-05 17:00」: terminal lines, review links, refusals of a stated time;
- `day_key` 「20261205」 inside identifiers, `iso` 「2026-12-05T17:00:00+08:00」 in exports.

Every function takes an aware datetime, or a naive one as the catalogue hands it back from SQLite
(stored in UTC): a naive moment is UTC, never the machine's local time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from tasks.rules import SHANGHAI


def in_beijing(moment: datetime) -> datetime:
    """The same moment on Beijing's clock (a naive one is taken as UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(SHANGHAI)


def padded_date(moment: datetime) -> str:
    """「2026年12月05日」"""
    return f"{in_beijing(moment):%Y年%m月%d日}"


def padded_date_time(moment: datetime) -> str:
    """「2026年12月05日 17:00」"""
    return f"{in_beijing(moment):%Y年%m月%d日 %H:%M}"


def padded_month_day(moment: datetime) -> str:
    """「12月05日」"""
    return f"{in_beijing(moment):%m月%d日}"


def plain_date(moment: datetime) -> str:
    """「2026年12月5日」, as a signed document writes a date."""
    local = in_beijing(moment)
    return f"{local.year}年{local.month}月{local.day}日"


def plain_date_time(moment: datetime) -> str:
    """「2026年12月5日 17:00」"""
    return f"{plain_date(moment)} {in_beijing(moment):%H:%M}"


def plain_month_day(day: date) -> str:
    """「12月5日」 of a calendar day already counted in Beijing time (see `beijing_day`)."""
    return f"{day.month}月{day.day}日"


def beijing_day(moment: datetime) -> date:
    """The calendar day in Beijing on which `moment` fell."""
    return in_beijing(moment).date()


def numeric_date_time(moment: datetime | str) -> str:
    """「2026-12-05 17:00」; a string is an ISO time as the catalogue's JSON holds it, any offset."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return f"{in_beijing(moment):%Y-%m-%d %H:%M}"


def day_key(moment: datetime) -> str:
    """「20261205」, the Beijing day inside an identifier."""
    return f"{in_beijing(moment):%Y%m%d}"


def iso(moment: datetime) -> str:
    """「2026-12-05T17:00:00+08:00」: ISO 8601 with Beijing's offset, for exports."""
    return in_beijing(moment).isoformat()
