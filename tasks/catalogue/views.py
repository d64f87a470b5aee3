"""Typed views of a catalogued submission: what receipts, the export and the CLI read, and what
`Submission.form` holds.

`SubmissionView.to_json()` is the `guangying status --json` contract; `SubmissionView.details`
reads `Submission.form` as `tasks.intake.details.IntakeDetails`.
Light on purpose: `guangying status` imports this, so the intake parsers (python-docx, openpyxl)
load only where a form is actually read (`IntakeDetails.from_json`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tasks.beijing_time import iso
from tasks.decisions import Decision, DecisionAction, in_force
from tasks.findings import Status
from tasks.intake.details import IntakeDetails


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True, slots=True)
class FileView:
    role: str
    name: str
    sha256: str
    size: int
    verdict: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "name": self.name,
            "sha256": self.sha256,
            "size": self.size,
            "verdict": self.verdict,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FileView:
        return cls(data["role"], data["name"], data["sha256"], data["size"], data.get("verdict"))


@dataclass(frozen=True, slots=True)
class FindingView:
    """A finding as catalogued (its message already bounded when it was recorded), with the name
    of the file it is about."""

    check: str
    status: str
    message: str
    evidence: Mapping[str, Any] | None
    stage: str
    file: str | None

    @property
    def file_base_name(self) -> str:
        return (self.file or "").rsplit("/", 1)[-1]

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status,
            "message": self.message,
            "evidence": self.evidence,
            "stage": self.stage,
            "file": self.file,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FindingView:
        return cls(
            data["check"],
            data["status"],
            data["message"],
            data.get("evidence"),
            data["stage"],
            data.get("file"),
        )


@dataclass(frozen=True, slots=True)
class NetdiskView:
    """The submission's first Netdisk link, as the receipt and the status show it."""

    url: str
    code: str | None
    expires_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "code": self.code, "expires_at": _iso(self.expires_at)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NetdiskView:
        return cls(data["url"], data.get("code"), _moment(data.get("expires_at")))


@dataclass(frozen=True, slots=True)
class PackageView:
    """A package of the work as received: the first, a supplement or a resend
    (`tasks.catalogue.threading.PackageKind`), with its own received time and the roles it brought."""

    kind: str
    name: str
    received_at: datetime
    source: str | None
    roles: tuple[str, ...]  # tasks.roles.FileRole of the files it added, in order

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "received_at": iso(self.received_at),
            "source": self.source,
            "roles": list(self.roles),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PackageView:
        return cls(
            data["kind"],
            data["name"],
            datetime.fromisoformat(data["received_at"]),
            data.get("source"),
            tuple(data.get("roles") or ()),
        )


def decision_json(decision: Decision) -> dict[str, Any]:
    return {
        "action": str(decision.action),
        "check": decision.waived_check,
        "note": decision.note,
        "decided_by": decision.decided_by,
        "decided_at": decision.decided_at.isoformat(),
        "number": decision.number,
        "value": dict(decision.value) if decision.value else None,
    }


def decision_from_json(data: Mapping[str, Any]) -> Decision:
    return Decision(
        DecisionAction(data["action"]),
        data["note"],
        data["decided_by"],
        datetime.fromisoformat(data["decided_at"]),
        data.get("check"),
        data.get("value"),
        data.get("number"),
    )


@dataclass(frozen=True, slots=True)
class SubmissionView:
    """One submission as the catalogue knows it: built by `tasks.catalogue.submissions.submission_view`."""

    id: str
    title: str | None
    submitter: str | None
    unit: str | None
    category: str | None
    state: str
    verdict: str | None
    received_at: datetime
    received_basis: str | None
    received_set_by: str | None
    source: str | None
    package_name: str | None
    netdisk: NetdiskView | None
    files: tuple[FileView, ...]
    form: Mapping[str, Any]  # `Submission.form` as stored: the contract shows it unchanged
    decisions: tuple[Decision, ...]
    verdict_by_person: bool
    findings: tuple[FindingView, ...]
    packages: tuple[PackageView, ...] = ()  # in the order received

    @property
    def details(self) -> IntakeDetails:
        return IntakeDetails.from_json(self.form)

    @property
    def waived(self) -> set[str]:
        """The checks an operator's decision set aside (and did not take back)."""
        return {c for d in in_force(self.decisions) if (c := d.waived_check)}

    @property
    def problems(self) -> list[FindingView]:
        """Every finding that is not a pass."""
        return [f for f in self.findings if f.status != Status.PASS]

    def to_json(self) -> dict[str, Any]:
        """The `guangying status --json` object: keys, order and formats are a contract."""
        return {
            "id": self.id,
            "title": self.title,
            "submitter": self.submitter,
            "unit": self.unit,
            "category": self.category,
            "state": self.state,
            "verdict": self.verdict,
            "received_at": iso(self.received_at),  # Beijing time, +08:00
            "received_basis": self.received_basis,
            "received_set_by": self.received_set_by,
            "source": self.source,
            "package_name": self.package_name,
            "netdisk": self.netdisk.to_json() if self.netdisk else None,
            "files": [f.to_json() for f in self.files],
            "form": self.form,
            "decisions": [decision_json(d) for d in self.decisions],
            "verdict_by_person": self.verdict_by_person,
            "findings": [f.to_json() for f in self.findings],
            "packages": [p.to_json() for p in self.packages],
            "received_at_utc": self.received_at.astimezone(UTC).isoformat(),  # as before 0008
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SubmissionView:
        """A view from a `status --json` object (tests and tools that hold one)."""
        netdisk = data.get("netdisk")
        return cls(
            id=data["id"],
            title=data.get("title"),
            submitter=data.get("submitter"),
            unit=data.get("unit"),
            category=data.get("category"),
            state=data["state"],
            verdict=data.get("verdict"),
            received_at=datetime.fromisoformat(data["received_at"]),
            received_basis=data.get("received_basis"),
            received_set_by=data.get("received_set_by"),
            source=data.get("source"),
            package_name=data.get("package_name"),
            netdisk=NetdiskView.from_json(netdisk) if netdisk else None,
            files=tuple(FileView.from_json(f) for f in data.get("files") or []),
            form=data.get("form") or {},
            decisions=tuple(decision_from_json(d) for d in data.get("decisions") or []),
            verdict_by_person=bool(data.get("verdict_by_person")),
            findings=tuple(FindingView.from_json(f) for f in data.get("findings") or []),
            packages=tuple(PackageView.from_json(p) for p in data.get("packages") or []),
        )
