"""The real cause of a failure, for people: a full disk, a read-only folder, missing permission.

Libraries report these in their own words (sqlite3: "database or disk is full"; OSError: errno
ENOSPC/EROFS), often wrapped in another exception; a message that blames the database for a full
disk sends the operator the wrong way.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

_BY_ERRNO = {
    errno.ENOSPC: "磁盘空间已满",
    errno.EDQUOT: "磁盘配额已用完",
    errno.EROFS: "存储位置为只读（只读挂载或只读文件系统）",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
}
_BY_TEXT = (
    ("database or disk is full", "磁盘空间已满"),
    ("no space left on device", "磁盘空间已满"),
    ("attempt to write a readonly database", "作品库文件为只读"),
    ("read-only file system", "存储位置为只读（只读挂载或只读文件系统）"),
)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def cause(exc: BaseException) -> str | None:
    """One Chinese phrase naming the cause a person can act on, or None when it is none of these."""
    for link in _chain(exc):
        if isinstance(link, OSError) and link.errno in _BY_ERRNO:
            return _BY_ERRNO[link.errno]
        text = str(link).lower()
        for needle, phrase in _BY_TEXT:
            if needle in text:
                return phrase
    return None
