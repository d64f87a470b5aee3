"""Declared AI use: what the registration form, the script or the title say (when the package has them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tasks.aigc.labels import Declaration, declarations
from tasks.context import WorkContext


@dataclass(slots=True)
class DeclaredReport:
    found: list[tuple[str, Declaration]] = field(default_factory=list)  # (source, sentence)
    sources_read: list[str] = field(default_factory=list)

    def to_evidence(self) -> dict[str, Any]:
        return {
            "sources_read": self.sources_read,
            "statements": [{"source": s, "text": d.text, "uses_ai": d.uses_ai} for s, d in self.found],
        }


SOURCES = (("form", "登记表"), ("script", "文稿"), ("title", "作品名称"))


def read_declarations(context: WorkContext) -> DeclaredReport:
    report = DeclaredReport()
    texts = {"form": context.form_text, "script": context.script_text, "title": context.title}
    for key, _label in SOURCES:
        text = texts[key]
        if not text:
            continue
        report.sources_read.append(key)
        report.found += [(key, d) for d in declarations(text)]
    return report
