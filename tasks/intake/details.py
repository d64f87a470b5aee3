"""What intake learnt from a submission's packages, as kept in the catalogue (`Submission.form`)
and as the intake rules see it (`tasks.intake.checks.PackageFacts.details`).

Light on purpose: `guangying status` reads it, so the form parsers (python-docx, openpyxl) load only
in `from_json`, where a stored form is actually read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tasks.intake.forms import RegistrationForm, SummaryRow
    from tasks.intake.naming import PackageName
    from tasks.intake.netdisk import NetdiskLink


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True, slots=True)
class IntakeDetails:
    """What intake learnt from a submission's packages, kept in `Submission.form`: the 登记表's
    fields (flat, as the previous code stored them), the 汇总表's rows, the Netdisk links and the
    parsed package name."""

    form: RegistrationForm | None = None
    form_file: str | None = None
    forms_count: int = 0
    summary_rows: tuple[SummaryRow, ...] | None = None
    summary_file: str | None = None
    netdisk: tuple[NetdiskLink, ...] = ()
    package: PackageName | None = None

    @property
    def read_form(self) -> RegistrationForm | None:
        """The 登记表 the checks judge: one read from a named file (as intake has always stored it)."""
        return self.form if self.form_file else None

    def updated_by(self, later: IntakeDetails) -> IntakeDetails:
        """These details with a later package's over them: its 登记表 or 汇总表 replaces the earlier
        one only when it has one; the package name first seen stays."""
        has_form, has_summary = later.form is not None, later.summary_rows is not None
        return IntakeDetails(
            form=later.form if has_form else self.form,
            form_file=later.form_file if has_form else self.form_file,
            forms_count=max(self.forms_count, later.forms_count),
            summary_rows=later.summary_rows if has_summary else self.summary_rows,
            summary_file=later.summary_file if has_summary else self.summary_file,
            netdisk=later.netdisk or self.netdisk,
            package=self.package or later.package,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> IntakeDetails:
        from tasks.intake.forms import RegistrationForm, SummaryRow
        from tasks.intake.naming import PackageName
        from tasks.intake.netdisk import NetdiskLink

        data = data or {}
        fields = {k: v for k, v in data.items() if k in RegistrationForm.__dataclass_fields__}
        rows = data.get("summary_rows")
        package = data.get("package")
        return cls(
            form=RegistrationForm(**fields) if fields else None,
            form_file=data.get("form_file"),
            forms_count=int(data.get("forms_count", 0)),
            summary_rows=tuple(SummaryRow(**r) for r in rows) if rows is not None else None,
            summary_file=data.get("summary_file"),
            netdisk=tuple(
                NetdiskLink(
                    url=link["url"],
                    code=link.get("code"),
                    valid_days=link.get("valid_days"),
                    expires_at=_moment(link.get("expires_at")),
                    permanent=bool(link.get("permanent")),
                )
                for link in data.get("netdisk", [])
            ),
            package=PackageName(**package) if package else None,
        )

    def to_json(self) -> dict[str, Any]:
        """The keys the previous code wrote, in its order; a part not known is left out."""
        data: dict[str, Any] = {}
        if self.form is not None:
            data.update(self.form.to_dict())
            data["form_file"] = self.form_file
        data["forms_count"] = self.forms_count
        if self.summary_rows is not None:
            data["summary_rows"] = [r.to_dict() for r in self.summary_rows]
            data["summary_file"] = self.summary_file
        if self.netdisk:
            data["netdisk"] = [link.to_dict() for link in self.netdisk]
        if self.package is not None:
            data["package"] = self.package.to_dict()
        return data
