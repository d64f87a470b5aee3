"""E-mail addresses: one that can be written in a To header, found in a form's text or read from
the From of a submitter's mail."""

from __future__ import annotations

import email
import email.policy
import re
from email.utils import getaddresses, parseaddr

from tasks.outside import find_contacts

# RFC 5321's dot-atom local part and a domain of labels with a dot, in ASCII (an IDN is written in
# its xn-- form); 64 and 254 are its length limits.
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


def valid_address(text: str | None) -> str | None:
    """The bare address (lower-case domain) when `text` is one address that can be sent to, else None."""
    if not text or any(c in text for c in "\r\n\0"):
        return None
    _, address = parseaddr(text.strip())
    local, at, domain = address.rpartition("@")
    if not at or len(address) > 254 or len(local) > 64 or not _LOCAL.fullmatch(local):
        return None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels) or labels[-1].isdigit():
        return None
    return f"{local}@{domain.lower()}"


def address_in_text(text: str | None) -> str | None:
    """The first valid e-mail address written in `text` (a form's 联系人 or 联系方式 field)."""
    for contact in find_contacts(text or ""):
        if contact.kind == "email" and (address := valid_address(contact.value.replace(" ", ""))):
            return address
    return None


def mail_sender(raw: bytes) -> tuple[str | None, str | None]:
    """(the Message-ID, the first valid address of Reply-To, else From) of a raw e-mail."""
    blank = re.search(rb"\r?\n\r?\n", raw)
    head = raw[: blank.start()] if blank else raw
    message = email.message_from_bytes(head + b"\r\n\r\n", policy=email.policy.compat32)
    message_id = str(message.get("Message-ID") or "").strip() or None
    for header in ("Reply-To", "From"):
        for _, address in getaddresses([str(v) for v in message.get_all(header, [])]):
            if found := valid_address(address):
                return message_id, found
    return message_id, None
