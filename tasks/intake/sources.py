"""Where packages come from: a drop folder, the object store's inbox bucket, an IMAP mailbox.

Each source turns what it finds into `Package`s with local paths under a scratch folder and says
when each arrived (the deadline is judged on it). Whether an item was handed over before is asked
through `seen`, so that this module needs no database.
"""

from __future__ import annotations

import contextlib
import email
import email.header
import email.policy
import email.utils
import hashlib
import imaplib
import logging
import mailbox
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path, PurePosixPath

from tasks.chinese_bytes import decode_chinese
from tasks.findings import Check, Finding, Status
from tasks.intake.classify import is_junk
from tasks.intake.package import Package
from tasks.intake.received import Received, ReceivedBasis, mail_received, parse_stated_time
from tasks.store import ObjectStore

Seen = Callable[[str], bool]
PARTIAL_SUFFIXES = (".part", ".crdownload", ".tmp", ".partial", ".download", ".filepart")

# --- drop folder ---------------------------------------------------------------------------------


def newest_mtime(path: Path) -> float:
    """The newest modification time of a file, or of anything inside a folder (a folder's arrival)."""
    if path.is_file() or path.is_symlink():
        return path.lstat().st_mtime
    times = [p.lstat().st_mtime for p in path.rglob("*")] or [path.stat().st_mtime]
    return max(times)


def folder_item(entry: Path) -> str:
    """The seen-key of a drop-folder entry: its name, size and newest change (a re-copied folder is new)."""
    size = (
        entry.stat().st_size
        if entry.is_file()
        else sum(p.stat().st_size for p in entry.rglob("*") if p.is_file())
    )
    return f"{entry.name}|{size}|{newest_mtime(entry):.0f}"


def path_received_at(path: Path) -> datetime:
    """When a file or folder handed over as a package arrived: its newest modification time."""
    return datetime.fromtimestamp(newest_mtime(path), UTC)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An item a source could not read this run (an entry the file system refuses, an object that
    cannot be downloaded): said once, skipped, and tried again on the next run; the rest goes on."""

    item: str
    reason: str


def drop_folder_packages(
    folder: Path,
    *,
    seen: Seen = lambda _: False,
    settle_seconds: float = 5.0,
    now: datetime | None = None,
    unreadable: list[Unreadable] | None = None,
) -> list[Package]:
    """Each top-level entry (archive, folder, loose file) of `folder` is one package.

    Entries changed within `settle_seconds` are still being copied and wait for the next run;
    arrival time is the newest modification time inside the entry. An entry that cannot be read
    goes to `unreadable`.
    """
    if not folder.is_dir():
        return []
    now = now or datetime.now(UTC)
    packages = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or is_junk(entry.name) or entry.name.lower().endswith(PARTIAL_SUFFIXES):
            continue
        if entry.is_symlink():
            continue  # a link may point anywhere on the server: never followed
        try:
            newest = newest_mtime(entry)
            if now.timestamp() - newest < settle_seconds or seen(folder_item(entry)):
                continue
        except OSError as exc:  # permissions, a vanished file, a name the file system refuses
            if unreadable is not None:
                unreadable.append(Unreadable(entry.name, exc.strerror or type(exc).__name__))
            continue
        packages.append(
            Package(
                name=entry.name,
                paths=[entry],
                source=f"folder:{entry}",
                received_at=datetime.fromtimestamp(newest, UTC),
            )
        )
    return packages


# --- inbox bucket --------------------------------------------------------------------------------


@dataclass(slots=True)
class InboxBatch:
    """New keys of one top-level name in the inbox bucket (an archive, or a folder of files)."""

    group: str
    keys: list[str]
    package: Package
    earlier_keys: list[str] = field(default_factory=list)  # keys of this group handed over before


def _arrival(store: ObjectStore, bucket: str, key: str, ingested: datetime) -> Received:
    """When the object arrived: stated by the uploader (S3 metadata `received-at`, e.g.
    `mc cp --attr received-at=2026-11-28T10:00+08:00`), else S3 LastModified or a local file's
    modification time, else the time of ingestion."""
    client = getattr(store, "client", None)
    if client is not None:
        try:
            info = client.stat_object(bucket, key)
        except Exception:
            return Received(ingested, ReceivedBasis.INGEST_TIME)
        stated = {k.lower(): v for k, v in (info.metadata or {}).items()}.get("x-amz-meta-received-at")
        if stated:
            try:
                return Received(
                    parse_stated_time(stated, now=ingested), ReceivedBasis.OPERATOR, set_by="上传者"
                )
            except ValueError:
                pass
        if info.last_modified is not None:
            return Received(info.last_modified, ReceivedBasis.UPLOAD_TIME)
        return Received(ingested, ReceivedBasis.INGEST_TIME)
    path_of = getattr(store, "_path", None)
    if path_of is not None:
        try:
            return Received(
                datetime.fromtimestamp(path_of(bucket, key).stat().st_mtime, UTC), ReceivedBasis.UPLOAD_TIME
            )
        except OSError:
            pass
    return Received(ingested, ReceivedBasis.INGEST_TIME)


def inbox_batches(
    store: ObjectStore,
    bucket: str,
    scratch: Path,
    *,
    seen: Seen,
    ingested: datetime,
    unreadable: list[Unreadable] | None = None,
) -> Iterator[InboxBatch]:
    """Poll `bucket` for keys not seen before, download them under `scratch`, one batch per group;
    a group arrived when its newest key did. A group with an object that cannot be downloaded goes
    to `unreadable` whole (its keys stay unseen, so the next run tries it again)."""
    groups: dict[str, list[str]] = {}
    for key in store.list_keys(bucket):
        if key.endswith("/") or is_junk(key):
            continue
        groups.setdefault(PurePosixPath(key).parts[0], []).append(key)
    for index, (group, keys) in enumerate(sorted(groups.items())):
        new = [k for k in keys if not seen(k)]
        if not new:
            continue
        root = scratch / f"inbox-{index}"
        try:
            arrived = _download(store, bucket, new, root, ingested)
        except Exception as exc:  # one broken object must not stop the bucket
            if unreadable is not None:
                unreadable.append(Unreadable(group, f"{type(exc).__name__}: {exc}"[:200]))
            continue
        path = root / group
        newest = (
            max(arrived, key=lambda r: r.at) if arrived else Received(ingested, ReceivedBasis.INGEST_TIME)
        )
        yield InboxBatch(
            group=group,
            keys=new,
            earlier_keys=[k for k in keys if k not in new],
            package=Package(
                name=group,
                paths=[path],
                source=f"inbox:{bucket}/{group}",
                received_at=newest.at,
                received_basis=newest.basis,
                received_set_by=newest.set_by,
            ),
        )


def _download(
    store: ObjectStore, bucket: str, keys: list[str], root: Path, ingested: datetime
) -> list[Received]:
    arrived = []
    for key in keys:
        relative = PurePosixPath(key)
        if any(p in ("..", "") for p in relative.parts):
            continue
        target = root.joinpath(*relative.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        store.get_file(bucket, key, target)
        arrived.append(_arrival(store, bucket, key, ingested))
    return arrived


# --- e-mail --------------------------------------------------------------------------------------


def _unescape(text: str) -> str:
    """Raw 8-bit header bytes (a client that skipped RFC 2047) come back as surrogate escapes."""
    if not any("\udc80" <= c <= "\udcff" for c in text):
        return text
    return decode_chinese(text.encode("utf-8", "surrogateescape"))


def decode_header_value(value: object) -> str:
    """RFC 2047 words (=?GBK?B?…?=, =?UTF-8?Q?…?=) and raw GBK/UTF-8 bytes to text."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        # compat32 wraps raw 8-bit header bytes in a Header (charset unknown-8bit): keep the bytes.
        parts = email.header.decode_header(value)
    else:
        text = str(value)
        try:
            parts = email.header.decode_header(text)
        except Exception:
            return _unescape(text)
    out = []
    for part, charset in parts:
        if isinstance(part, bytes):
            out.append(
                _unescape(decode_chinese(part, charset))
                if charset
                else _unescape(part.decode("utf-8", "surrogateescape"))
            )
        else:
            out.append(_unescape(part))
    return re.sub(r"\s+", " ", "".join(out)).strip()


MAX_NAME_BYTES = 200  # file systems allow 255 bytes; 「(2)」 and a scratch folder's suffixes need room


def safe_filename(name: str, fallback: str) -> str:
    """Only the last path component; no control characters; never empty, '.' or '..'; at most
    MAX_NAME_BYTES in UTF-8 (120 Chinese characters are 360 bytes): a longer name keeps its start,
    a short hash of the whole name (two long names never collide) and its extension."""
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    name = name.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be a file name
    if name in ("", ".", ".."):
        return fallback
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    suffix = PurePosixPath(name).suffix
    if len(suffix.encode("utf-8")) > 16 or not suffix[1:].isalnum():
        suffix = ""
    tag = "~" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    room = MAX_NAME_BYTES - len(tag) - len(suffix.encode("utf-8"))
    stem = name[: len(name) - len(suffix)].encode("utf-8")[:room].decode("utf-8", "ignore").rstrip()
    return f"{stem}{tag}{suffix}"


def _body_text(message: Message) -> str:
    plain: list[str] = []
    html: list[str] = []
    for part in message.walk():
        if part.is_multipart() or part.get_filename() or part.get_content_disposition() == "attachment":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        text = decode_chinese(payload, part.get_content_charset())
        (
            plain
            if part.get_content_type() == "text/plain"
            else html
            if part.get_content_type() == "text/html"
            else []
        ).append(text)
    if plain:
        return "\n".join(plain)
    stripped = [re.sub(r"<[^>]+>", " ", re.sub(r"(?is)<(script|style).*?</\1>", " ", h)) for h in html]
    return "\n".join(stripped)


_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


def replies_to(message: Message) -> tuple[str, ...]:
    """The Message-IDs an e-mail answers: its In-Reply-To and References headers, in that order."""
    found: list[str] = []
    for header in ("In-Reply-To", "References"):
        for value in message.get_all(header) or []:
            found += [m for m in _MESSAGE_ID.findall(decode_header_value(value)) if m not in found]
    return tuple(found)


def sender_of(message: Message) -> str | None:
    """The From address, lower case (a name and its encoding vary from one client to another)."""
    address = email.utils.parseaddr(decode_header_value(message.get("From")))[1].strip().lower()
    return address[:300] or None


def message_id_of(message: Message, raw: bytes) -> str:
    value = decode_header_value(message.get("Message-ID")).strip()
    return value or f"<sha256-{hashlib.sha256(raw).hexdigest()}@guangying>"


def package_from_message(
    raw: bytes,
    scratch: Path,
    *,
    source: str,
    internal_date: datetime | None = None,
    ingested: datetime | None = None,
) -> Package:
    """An e-mail as a package: its attachments (decoded names), its body and the raw .eml as original.

    The same whether it came over IMAP or as an exported .eml/mbox: received at its Date
    (`tasks.intake.received.mail_received`), identified by its Message-ID."""
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    received = mail_received(message, internal_date, ingested or datetime.now(UTC))
    scratch.mkdir(parents=True, exist_ok=True)
    original = scratch / "message.eml"
    original.write_bytes(raw)
    folder = scratch / "attachments"
    folder.mkdir(exist_ok=True)
    names: list[str] = []
    for index, part in enumerate(message.walk(), start=1):
        if part.is_multipart():
            continue
        filename = part.get_filename() or part.get_param("name")
        if not filename and part.get_content_disposition() != "attachment":
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        name = safe_filename(decode_header_value(filename or ""), f"附件{index}")
        target = folder / name
        stem, suffix, n = target.stem, target.suffix, 1
        while target.exists():
            n += 1
            target = folder / f"{stem}({n}){suffix}"
        target.write_bytes(payload)
        names.append(target.name)
    subject = decode_header_value(message.get("Subject"))
    name = subject or (names[0] if names else "（无主题邮件）")
    return Package(
        name=name,
        paths=[folder] if names else [],
        source=source,
        received_at=received.at,
        received_basis=received.basis,
        message_id=message_id_of(message, raw),
        replies_to=replies_to(message),
        sender=sender_of(message),
        body_text=_body_text(message),
        original=original,
    )


MAIL_EXTENSIONS = (".eml", ".mbox")
_HEADER_START = re.compile(rb"^(From |[A-Za-z][A-Za-z0-9-]*:)")


def is_mail_file(path: Path) -> bool:
    """An e-mail exported from a webmail or client (.eml) or a mailbox of several (.mbox)."""
    if path.is_symlink() or not path.is_file() or path.suffix.lower() not in MAIL_EXTENSIONS:
        return False
    with path.open("rb") as handle:
        return bool(_HEADER_START.match(handle.read(64).lstrip(b"\r\n")))


def mail_file_packages(path: Path, scratch: Path, *, source: str, ingested: datetime) -> list[Package]:
    """Each e-mail of an .eml or .mbox file as a package, exactly as if it had come over IMAP."""
    if path.suffix.lower() == ".eml":
        raws = [path.read_bytes()]
    else:
        box = mailbox.mbox(path, create=False)
        try:
            raws = [box.get_bytes(key) for key in box.iterkeys()]
        finally:
            box.close()
    return [
        _package_or_finding(raw, scratch / f"mail-{index}", source, None, ingested)
        for index, raw in enumerate(raws, start=1)
    ]


@dataclass(frozen=True, slots=True)
class ImapAccount:
    host: str
    user: str
    password: str
    port: int | None = None
    ssl: bool = True
    folder: str = "INBOX"

    @property
    def source(self) -> str:
        return f"imap:{self.user}@{self.host}/{self.folder}"


_UID = re.compile(rb"UID (\d+)")


def _connect(account: ImapAccount) -> imaplib.IMAP4:
    port = account.port or (993 if account.ssl else 143)
    conn = imaplib.IMAP4_SSL(account.host, port) if account.ssl else imaplib.IMAP4(account.host, port)
    conn.login(account.user, account.password)
    return conn


def imap_packages(account: ImapAccount, scratch: Path, *, seen: Seen) -> Iterator[Package]:
    """Messages of the mailbox not seen before (by Message-ID), as packages; the mailbox is not changed."""
    conn = _connect(account)
    try:
        status, _ = conn.select(_quote(account.folder), readonly=True)
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot select {account.folder}")
        _, data = conn.uid("SEARCH", "ALL")
        uids = (data[0] or b"").split()
        ids: dict[bytes, str] = {}
        for start in range(0, len(uids), 200):
            chunk = b",".join(uids[start : start + 200]).decode()
            _, fetched = conn.uid("FETCH", chunk, "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
            for item in fetched:
                if isinstance(item, tuple) and (match := _UID.search(item[0])):
                    header = email.message_from_bytes(item[1], policy=email.policy.compat32)
                    ids[match.group(1)] = decode_header_value(header.get("Message-ID")).strip()
        for uid in uids:
            message_id = ids.get(uid, "")
            if message_id and seen(message_id):
                continue
            _, fetched = conn.uid("FETCH", uid.decode(), "(INTERNALDATE BODY.PEEK[])")
            for item in fetched:
                if not isinstance(item, tuple):
                    continue
                internal = imaplib.Internaldate2tuple(item[0])
                arrived = datetime.fromtimestamp(time.mktime(internal), UTC) if internal else None
                package = _package_or_finding(
                    item[1], scratch / f"mail-{uid.decode()}", account.source, arrived
                )
                if seen(package.message_id or ""):
                    continue
                yield package
    finally:
        with contextlib.suppress(Exception):
            conn.logout()


_log = logging.getLogger(__name__)
_BLANK_LINE = re.compile(rb"\r?\n\r?\n")


def _package_or_finding(
    raw: bytes, scratch: Path, source: str, arrived: datetime | None, ingested: datetime | None = None
) -> Package:
    """One e-mail as a package. One that cannot be read (MIME nested thousands deep, a name the file
    system refuses, …) is still a package: its headers, the raw original and a finding, so that it is
    recorded and marked seen once, and the rest of the mailbox goes on."""
    try:
        return package_from_message(raw, scratch, source=source, internal_date=arrived, ingested=ingested)
    except Exception as exc:  # one poison e-mail must not stop the mailbox
        _log.warning("cannot read the e-mail in %s", scratch, exc_info=True)
        reason = f"{type(exc).__name__}: {exc}"[:300]
    shutil.rmtree(scratch, ignore_errors=True)
    blank = _BLANK_LINE.search(raw)
    try:  # the headers alone still say who sent it, when, and its Message-ID
        package = package_from_message(
            (raw[: blank.start()] if blank else raw) + b"\r\n\r\n",
            scratch,
            source=source,
            internal_date=arrived,
        )
    except Exception:
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        package = Package(
            name="",
            paths=[],
            source=source,
            received_at=arrived or datetime.now(UTC),
            message_id=f"<sha256-{hashlib.sha256(raw).hexdigest()}@guangying>",
        )
    package.original = scratch / "message.eml"
    package.original.write_bytes(raw)
    package.paths = []
    subject = package.name or "（无主题）"
    package.name = package.name or "（无法读取的邮件）"
    package.findings.append(
        Finding(
            Check.MAIL,
            Status.ERROR,
            f"邮件「{subject}」无法自动读取（{reason}），其中的附件和正文未能取出。原始邮件已保存，"
            "请工作人员人工查看，或请报送人重新发送。",
            {"message_id": package.message_id, "error": reason},
            stage="intake",
        )
    )
    return package


def _quote(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9_.\-/]+", folder) else '"' + folder.replace('"', '\\"') + '"'
