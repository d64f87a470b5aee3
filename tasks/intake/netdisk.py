"""Baidu Netdisk submissions (notice 五): the link, its 提取码 and how long the code stays valid."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from tasks.intake.text import halfwidth
from tasks.rules import SHANGHAI

_LINK = re.compile(
    r"(?:https?://)?pan\.baidu\.com/(?:s/[\w-]+|share/init\?surl=[\w-]+)(?:\?pwd=(?P<pwd>[A-Za-z0-9]{4}))?",
    re.IGNORECASE,
)
_CODE = re.compile(
    r"(?:提取码|提取密码|密码|验证码|pwd|code)\s*[:：=]?\s*(?P<code>[A-Za-z0-9]{4})(?![A-Za-z0-9])", re.I
)
_DAYS = re.compile(r"(?:有效期\s*[:：]?\s*(?P<a>\d+)\s*天|(?P<b>\d+)\s*天\s*(?:内)?有效)")
_UNTIL = re.compile(
    r"(?:有效期至|有效至|截止|到期)\s*[:：]?\s*(?P<y>\d{4})\s*[年\-/.]\s*(?P<m>\d{1,2})\s*[月\-/.]\s*(?P<d>\d{1,2})"
)
_PERMANENT = re.compile(r"永久(?:有效)?")


@dataclass(frozen=True, slots=True)
class NetdiskLink:
    url: str
    code: str | None
    valid_days: int | None  # as stated (「有效期30天」); None when not stated or permanent
    expires_at: datetime | None
    permanent: bool = False

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["expires_at"] = self.expires_at.isoformat() if self.expires_at else None
        return data


def find_links(text: str, sent_at: datetime) -> list[NetdiskLink]:
    """Every pan.baidu.com share in `text`, with the code and the validity stated near it."""
    norm = halfwidth(text)
    links: list[NetdiskLink] = []
    seen: set[str] = set()
    matches = list(_LINK.finditer(norm))
    for index, match in enumerate(matches):
        url = match.group(0)
        if not url.lower().startswith("http"):
            url = "https://" + url
        if url in seen:
            continue
        seen.add(url)
        # The code and validity belong to this link: what follows it up to the next link, else
        # what precedes it back to the previous one (「提取码：a1b2 链接：…」).
        end = matches[index + 1].start() if index + 1 < len(matches) else len(norm)
        previous_end = matches[index - 1].end() if index else 0
        after = norm[match.end() : end]
        before = norm[previous_end : match.start()].rsplit("\n", 1)[-1][-60:]  # the same line only
        code = match.group("pwd")
        if code is None and (found := _CODE.search(after) or _CODE.search(before)):
            code = found.group("code")
        permanent = bool(_PERMANENT.search(after) or _PERMANENT.search(before))
        valid_days: int | None = None
        expires: datetime | None = None
        if permanent:
            pass
        elif days := _DAYS.search(after) or _DAYS.search(before):
            valid_days = int(days.group("a") or days.group("b"))
            expires = sent_at + timedelta(days=valid_days)
        elif until := _UNTIL.search(after) or _UNTIL.search(before):
            y, m, d = int(until.group("y")), int(until.group("m")), int(until.group("d"))
            try:
                expires = datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI)
                valid_days = max(0, (expires - sent_at).days)
            except ValueError:
                expires = None
        links.append(
            NetdiskLink(url=url, code=code, valid_days=valid_days, expires_at=expires, permanent=permanent)
        )
    return links
