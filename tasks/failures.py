"""The real cause of a failure, for people: a full disk, a read-only folder, missing permission;
and the one sentence a command says when it fails (`explain`, `configuration_error`).

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


def configuration_error(exc: BaseException) -> str | None:
    """One sentence for a setting that cannot be used (exit 2), or None when `exc` is something else."""
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError

    from tasks.config import CATALOGUE_URL_FORM, CatalogueUrlError, describe_error

    if isinstance(exc, ValidationError):
        return describe_error(exc)
    if isinstance(exc, CatalogueUrlError | ArgumentError):
        return f"配置项 GUANGYING_DATABASE_URL 无法使用：{exc}，应写成 {CATALOGUE_URL_FORM}。"
    return None


def explain(exc: BaseException) -> str:
    """One sentence for the operator: what failed and what to check (the details go to the crash log)."""
    from sqlalchemy.exc import OperationalError

    if (real := cause(exc)) is not None:
        from tasks.config import get_settings

        where = get_settings().data_dir.resolve()
        return (
            f"{real}，无法写入（数据目录 {where}）。请腾出空间或恢复写入权限后重新运行，已受理的作品不受影响"
        )
    if isinstance(exc, OperationalError):
        from tasks.config import get_settings, make_url_safe

        url = make_url_safe(get_settings().catalogue_url)
        return f"无法连接作品库（{url}），请检查数据库是否在运行以及 GUANGYING_DATABASE_URL 的设置"
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"运行出错（{type(exc).__name__}: {first_line}）"
