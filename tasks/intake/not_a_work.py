"""What is a submission package at all: the rule that refuses what has nothing of one.

Notice 五 asks for the video (or, when it is too large, a Baidu Netdisk link with its 提取码) with
the 登记表, 汇总表, 文稿 and 版权承诺书. A package is taken in as a work — complete or not, damaged
or not — when it holds any one of:

- a file whose bytes are a video (a video header, `tasks.sniff`; a damaged video with a header counts,
  random bytes named `.mp4` do not);
- a 登记表, 汇总表, 文稿 or 承诺书 recognised by its content or by its name (not a text or Word file
  merely defaulting to 文稿, not an unnamed image);
- a Baidu Netdisk link (in the e-mail's text or a file);
- something intake could not look into: a real archive it could not open whole (encrypted, too
  large, too deep), a legacy .doc it could not convert, an e-mail it could not read. A person decides
  those; nothing that may be a work is refused unseen.

Anything else (a lone 说明.md, random bytes named .zip or .mp4, an empty file, a mail without
attachments or link) is refused with one sentence and no 受理编号. A package addressed to a work (a
reply matched to it, `ingest --for`) is not judged by this rule: it is that work's material.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from tasks.findings import Check, Status
from tasks.intake.classify import name_hint
from tasks.roles import FileRole

if TYPE_CHECKING:
    from tasks.intake.package import Analysis

FORM_ROLES = frozenset({FileRole.REGISTRATION_FORM, FileRole.SUMMARY_TABLE, FileRole.SCRIPT, FileRole.PLEDGE})
_BY_CONTENT = ("文档内容", "表格内容")  # tasks.intake.classify's reasons for a role read from the content


@dataclass(frozen=True, slots=True)
class ContentFact:
    """One file of a package as the rule sees it."""

    name: str  # path inside the package
    role: FileRole
    kind: str  # what its bytes are (tasks.sniff), "doc" for a legacy Word file
    reason: str  # why it got its role (tasks.intake.classify)


def _recognised_form(fact: ContentFact) -> bool:
    if fact.role not in FORM_ROLES:
        return False
    return fact.reason.startswith(_BY_CONTENT) or name_hint(PurePosixPath(fact.name).name) == fact.role


def is_a_package(files: Sequence[ContentFact], *, netdisk_links: int, unread: bool) -> bool:
    """Whether a package holds anything of a submission (the module's rule)."""
    if netdisk_links or unread:
        return True
    return any(f.kind == "video" or _recognised_form(f) for f in files)


def not_a_work_message(name: str, *, mail: bool = False) -> str:
    """The one sentence a refused package gets: what it is, and what a package needs."""
    return (
        f"{'邮件' if mail else ''}「{name}」不是作品包：其中没有作品视频、没有可识别的作品登记表、汇总表、文稿或版权承诺书，"
        "也没有百度网盘链接；按通知第五条，作品包应包含作品高清视频（过大时可附百度网盘链接和提取码）"
        "及作品登记表（附件1）、版权承诺书扫描件（附件2）、作品汇总表（附件3）和最终视频文稿，"
        "故未登记为作品，未分配受理编号。"
    )


def refusal(analysis: Analysis) -> str | None:
    """`not_a_work_message` for an analysed package that is not a package at all, else None."""
    facts = [ContentFact(f.name, f.role, f.kind, f.reason) for f in analysis.files]
    unread = any(
        (f.check == Check.MAIL and f.status != Status.PASS)
        or (f.check == Check.DOCUMENT and f.status == Status.ERROR)
        or (f.check == Check.ARCHIVE and f.status != Status.PASS and analysis.containers)
        for f in analysis.findings
    )
    if is_a_package(facts, netdisk_links=len(analysis.details.netdisk), unread=unread):
        return None
    return not_a_work_message(analysis.package.name, mail=analysis.package.original is not None)
