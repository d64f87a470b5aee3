"""Which work a package belongs to: second e-mails (replies, supplements) and resends.

December goes like this: the receipt asks for the missing 版权承诺书, the submitter answers it
(`Re: …`, In-Reply-To the first mail, the 受理编号 quoted), or sends the same zip once more. Such a
package joins the work it belongs to instead of becoming a new one. The rules, in order — the first
that names any work decides:

1. **Thread**: its In-Reply-To/References name a mail that brought one of the work's packages
   (`work_for_message_ids`, the one lookup of Message-IDs).
2. **Resend**: one of its videos is byte-identical (sha256) to a video of the work, and it names no
   other work (a re-zipped folder is the same package; the same video under another title or
   sender, or a near-identical one, is left to the originality check of judging).
3. **受理编号**: the subject or body quotes a work's 受理编号 (all 32 characters, or the first 8 or more).
4. **Name and sender**: the same 「报送人（单位）+作品名称」 (compared through `identity`) from the
   same sender address as one of the work's packages.

A rule that names several works is never guessed from: the package becomes a work of its own with a
finding for an operator that lists the candidates.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tasks.catalogue.models import File, IntakePackage, OutboxMessage, Submission
from tasks.findings import Check, Finding, Status
from tasks.outside import identity
from tasks.roles import FileRole
from tasks.states import FINAL_STATES

if TYPE_CHECKING:
    from tasks.intake.package import Analysis

# A 受理编号 is 32 hex digits (uuid4().hex); people quote the first 8 (status shows them).
_NUMBER = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{8,32}(?![0-9a-fA-F])")
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|fw|fwd|aw|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
MAX_NUMBERS = 50  # quoted hex runs looked up per mail (a body full of hashes is not searched whole)


class PackageKind(StrEnum):
    FIRST = "first"  # the package that made the work; its received time is the work's
    SUPPLEMENT = "supplement"  # added files (a reply, `ingest --for`, a Netdisk download)
    RESEND = "resend"  # nothing new: every file was already the work's


class MatchRule(StrEnum):
    THREAD = "thread"
    VIDEO = "video"
    NUMBER = "number"
    NAME = "name"


RULE_LABELS: dict[str, str] = {
    MatchRule.THREAD: "邮件回复关系（In-Reply-To/References）",
    MatchRule.VIDEO: "视频文件完全相同",
    MatchRule.NUMBER: "邮件中注明的受理编号",
    MatchRule.NAME: "同一发件人、相同的“报送人（单位）+作品名称”",
}


@dataclass(frozen=True, slots=True)
class WorkMatch:
    rule: MatchRule
    candidates: tuple[str, ...]  # submission ids; exactly one when the match is certain

    @property
    def submission_id(self) -> str | None:
        return self.candidates[0] if len(self.candidates) == 1 else None


def _open_works(session: Session, ids: Iterable[str]) -> tuple[str, ...]:
    """`ids` without duplicates and without works withdrawn, in the order given."""
    wanted = list(dict.fromkeys(i for i in ids if i))
    if not wanted:
        return ()
    query = select(Submission.id).where(Submission.id.in_(wanted), Submission.state.not_in(FINAL_STATES))
    open_ids = set(session.scalars(query))
    return tuple(i for i in wanted if i in open_ids)


def work_for_message_ids(session: Session, message_ids: Sequence[str]) -> list[str]:
    """The works (submission ids) that the mails with these Message-IDs belong to: the mails that
    brought a work's packages (the first mail and every reply taken in since) and the mails the
    pipeline itself sent about a work (the outbox's receipts, reminders and results), so that a
    reply to a receipt finds its work."""
    ids = [m for m in dict.fromkeys(message_ids) if m]
    if not ids:
        return []
    # A Message-ID is compared with and without its angle brackets (headers carry them, some
    # exports and stores do not).
    spellings = list(
        dict.fromkeys([*ids, *(i.strip("<>") for i in ids), *(f"<{i.strip('<>')}>" for i in ids)])
    )
    found = list(
        session.scalars(select(IntakePackage.submission_id).where(IntakePackage.message_id.in_(spellings)))
    )
    found += session.scalars(select(Submission.id).where(Submission.message_id.in_(spellings)))
    found += session.scalars(
        select(OutboxMessage.submission_id).where(
            OutboxMessage.message_id.in_(spellings), OutboxMessage.submission_id.is_not(None)
        )
    )
    return [f for f in dict.fromkeys(found) if f]


def works_with_videos(
    session: Session, sha256s: Sequence[str], key: tuple[str, str, str] | None = None
) -> list[str]:
    """Works holding one of these videos, byte for byte — unless the package names another work
    (another title or sender: the same video under two names is for the originality check, not a
    resend)."""
    if not sha256s:
        return []
    query = select(File.submission_id).where(File.sha256.in_(sha256s), File.role == FileRole.VIDEO)
    found = []
    for submission_id in dict.fromkeys(session.scalars(query)):
        work = session.get(Submission, submission_id) if submission_id else None
        theirs = work and name_key(work.title, work.submitter, work.unit)
        if work is not None and (key is None or not theirs or same_name(key, theirs)):
            found.append(work.id)
    return found


def quoted_numbers(*texts: str | None) -> list[str]:
    """Hex runs of 8 to 32 digits in the texts, lower case: what may be a quoted 受理编号."""
    found: list[str] = []
    for text in texts:
        found += [m.lower() for m in _NUMBER.findall(text or "") if m.lower() not in found]
    return found[:MAX_NUMBERS]


def works_by_number(session: Session, numbers: Sequence[str]) -> list[str]:
    if not numbers:
        return []
    clauses = [Submission.id == n if len(n) == 32 else Submission.id.startswith(n) for n in numbers]
    return list(dict.fromkeys(session.scalars(select(Submission.id).where(or_(*clauses)))))


# 「红岩家书（重发）」, 「红岩家书(补交)」: the same work, marked by its sender as sent again.
_SENT_AGAIN = re.compile(
    r"\s*[（(【\[]\s*(?:重发|重新报送|补交|补充|补发|更正|修改|修改版|更新)\s*[）)】\]]\s*$"
)


def name_key(title: str | None, submitter: str | None, unit: str | None) -> tuple[str, str, str] | None:
    """(作品名称, 报送人, 单位) in their identity form, a 「（重发）」 mark left out; None without a
    title and a sender name."""
    key = (identity(_SENT_AGAIN.sub("", title or "")), identity(submitter), identity(unit))
    return key if key[0] and (key[1] or key[2]) else None


def same_name(first: tuple[str, str, str], second: tuple[str, str, str]) -> bool:
    """The same title, and the same person or the same unit (a form fills one, a file name both)."""
    return first[0] == second[0] and (
        bool(first[1] and first[1] == second[1]) or bool(first[2] and first[2] == second[2])
    )


def works_by_name(session: Session, sender: str | None, key: tuple[str, str, str] | None) -> list[str]:
    if not sender or key is None:
        return []
    query = (
        select(Submission)
        .join(IntakePackage, IntakePackage.submission_id == Submission.id)
        .where(IntakePackage.sender == sender)
    )
    found = []
    for work in dict.fromkeys(session.scalars(query)):
        theirs = name_key(work.title, work.submitter, work.unit)
        if theirs is not None and same_name(key, theirs):
            found.append(work.id)
    return found


def package_name_key(analysis: Analysis) -> tuple[str, str, str] | None:
    """The 「报送人（单位）+作品名称」 a package gives: its form, else its (reply-prefix-free) name."""
    from tasks.intake.naming import parse_package_name

    form = analysis.details.read_form
    if form is not None and (key := name_key(form.title, form.submitter, form.unit)):
        return key
    names = [analysis.name, parse_package_name(_REPLY_PREFIX.sub("", analysis.package.name))]
    for name in names:
        if name.ok and (key := name_key(name.title, name.submitter, name.unit)):
            return key
    return None


def match_work(session: Session, analysis: Analysis) -> WorkMatch | None:
    """The work an analysed package belongs to by the rules above, or None for a new work."""
    package = analysis.package
    videos = [f.sha256 for f in analysis.of_role(FileRole.VIDEO)]
    key = package_name_key(analysis)
    rules = (
        (MatchRule.THREAD, lambda: work_for_message_ids(session, package.replies_to)),
        (MatchRule.VIDEO, lambda: works_with_videos(session, videos, key)),
        (
            MatchRule.NUMBER,
            lambda: works_by_number(session, quoted_numbers(package.name, package.body_text)),
        ),
        (MatchRule.NAME, lambda: works_by_name(session, package.sender, key)),
    )
    for rule, lookup in rules:
        candidates = _open_works(session, lookup())
        if candidates:
            return WorkMatch(rule, candidates)
    return None


def ambiguous_finding(session: Session, match: WorkMatch) -> Finding:
    """For an operator: the package may belong to several works; nothing was merged."""
    works = [session.get(Submission, c) for c in match.candidates]
    listed = "、".join(f"《{w.title or '未识别'}》（受理编号{w.id[:8]}）" for w in works if w is not None)
    return Finding(
        Check.MATCHING,
        Status.WARN,
        f"按{RULE_LABELS[match.rule]}，该作品包可能是对{len(match.candidates)}件已受理作品之一的补交或重发："
        f"{listed}。系统未自动归并，请工作人员核对后处理：属于其中一件时，先撤销本件，"
        "再把本件的文件补交到那件作品（补交时写明其受理编号）。",
        {"rule": str(match.rule), "candidates": list(match.candidates)},
        stage="intake",
    )
