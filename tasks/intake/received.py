"""When a package was received, and what that time rests on.

The deadline (notice 五「2026年11月30日前」) is judged on the package's own time: an e-mail's Date,
else the last server that received it, else a time an operator states. Packages that arrived in
time are still being processed after the deadline, so the time of ingestion is the last resort.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime
from enum import StrEnum

from tasks.beijing_time import numeric_date_time
from tasks.rules import DEFAULT_RULES, SHANGHAI


class ReceivedBasis(StrEnum):
    EMAIL_DATE = "email_date"  # the Date header of the e-mail that brought the package
    RECEIVED_HEADER = "received_header"  # the newest Received header (no usable Date)
    SERVER_ARRIVAL = "server_arrival"  # IMAP INTERNALDATE: when the mailbox got it
    OPERATOR = "operator"  # stated by an operator (`ingest --received-at`), recorded with who
    UPLOAD_TIME = "upload_time"  # when the object reached the inbox bucket
    FILE_TIME = "file_time"  # the newest modification time of the files handed over
    INGEST_TIME = "ingest_time"  # nothing better was known


# How each basis is named for people (receipts, status).
BASIS_LABELS: dict[str, str] = {
    ReceivedBasis.EMAIL_DATE: "以邮件发送时间为准",
    ReceivedBasis.RECEIVED_HEADER: "以邮件服务器收信时间为准",
    ReceivedBasis.SERVER_ARRIVAL: "以邮箱收信时间为准",
    ReceivedBasis.OPERATOR: "由工作人员登记",
    ReceivedBasis.UPLOAD_TIME: "以上传时间为准",
    ReceivedBasis.FILE_TIME: "按文件修改时间推定",
    ReceivedBasis.INGEST_TIME: "按受理入库时间推定",
}


@dataclass(frozen=True, slots=True)
class Received:
    at: datetime
    basis: ReceivedBasis
    set_by: str | None = None  # the operator who stated it, for ReceivedBasis.OPERATOR


class StatedTimeError(ValueError):
    """An operator's stated time that cannot be read, or that lies in the future; the message is for people."""


# The forms people type (Beijing time): 2026-11-28 10:00, 2026/11/28 10:00, 2026.11.28 10:00,
# 2026年11月28日 10:00 (or 10时, 10点30分), 11月28日 10:00 (the contest's year); the hour is required.
_TYPED = re.compile(
    r"^(?:(?P<year>\d{4})\s*[-/.年]\s*)?(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s|(?<=日))\s*(?P<hour>\d{1,2})\s*(?:[:：时点]\s*(?P<minute>\d{1,2})?\s*分?"
    r"(?:\s*[:：]\s*(?P<second>\d{1,2})\s*秒?)?)?)?$"
)
TYPED_FORMS = "2026-11-28 10:00、2026/11/28 10:00、2026年11月28日 10:00 或 11月28日 10:00（北京时间）"


def _typed(text: str, year: int) -> datetime | None:
    found = _TYPED.match(text)
    if found is None or found["hour"] is None or (found["year"] is None and "月" not in text):
        return None  # a received time is a moment (the hour is written); a bare 11-28 is too easily a typo
    parts = {k: int(v) for k, v in found.groupdict().items() if v is not None}
    try:
        return datetime(
            parts.get("year", year),
            parts["month"],
            parts["day"],
            parts.get("hour", 0),
            parts.get("minute", 0),
            parts.get("second", 0),
            tzinfo=SHANGHAI,
        )
    except ValueError:
        return None


def parse_stated_time(
    text: str | datetime, *, now: datetime | None = None, year: int | None = None
) -> datetime:
    """A received time as an operator states it, aware: Beijing time unless it carries an offset.

    `text` is ISO 8601 (`2026-11-28T10:00+08:00`, `2026-11-28 10:00`) or one of the typed forms
    (`TYPED_FORMS`; without a year, `year`, by default the contest's); a datetime without an offset
    (the Prefect UI, an API client) is Beijing time too. With `now`, a time later than it is refused."""
    if isinstance(text, datetime):
        moment: datetime | None = text
    else:
        written = unicodedata.normalize("NFKC", text).strip()
        try:
            moment = datetime.fromisoformat(written)
        except ValueError:
            moment = _typed(written, year or DEFAULT_RULES.deadline.astimezone(SHANGHAI).year)
    if moment is None:
        raise StatedTimeError(f"无法识别的时间“{text}”，请写成 {TYPED_FORMS}")
    moment = moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)
    if now is not None and moment > now:
        raise StatedTimeError(
            f"收到时间“{text}”（北京时间{numeric_date_time(moment)}）晚于当前时间"
            f"（{numeric_date_time(now)}），不能登记将来的时间，未作任何改动"
        )
    return moment


def _header_time(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


def mail_received(message: Message, server_arrival: datetime | None, ingested: datetime) -> Received:
    """The e-mail's Date; else the date of its newest Received header (the last hop, our server);
    else when the mailbox got it; else the time of ingestion."""
    date = message.get("Date")
    if date and (moment := _header_time(str(date))):
        return Received(moment, ReceivedBasis.EMAIL_DATE)
    for hop in message.get_all("Received") or []:  # newest first: each server prepends its own
        stamp = str(hop).rsplit(";", 1)
        if len(stamp) == 2 and (moment := _header_time(stamp[1])):
            return Received(moment, ReceivedBasis.RECEIVED_HEADER)
    if server_arrival is not None:
        return Received(server_arrival, ReceivedBasis.SERVER_ARRIVAL)
    return Received(ingested.astimezone(UTC), ReceivedBasis.INGEST_TIME)
