"""The AI-content label state of a work at publication (《人工智能生成合成内容标识办法》第六条).

A platform that publishes: the file's implicit metadata says AI → a prominent notice that the work
contains AI-generated content (属于); no metadata but the submitter declared it → it possibly does
(可能); neither, but AI content was detected (a visible or spoken label) → it is suspected (疑似).
The evidence is the `aigc_label` finding's, as screening stored it; the label is never removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class LabelState(StrEnum):
    IS = "属于"
    POSSIBLE = "可能"
    SUSPECTED = "疑似"


NOTICES: dict[LabelState, str] = {
    LabelState.IS: "本作品含人工智能生成内容",
    LabelState.POSSIBLE: "本作品可能含人工智能生成内容",
    LabelState.SUSPECTED: "本作品疑似含人工智能生成内容",
}
_STRENGTH = {LabelState.IS: 3, LabelState.POSSIBLE: 2, LabelState.SUSPECTED: 1}
# The implicit label's own Label value (GB 45438 Annex E): 1 属于, 2 可能, 3 疑似.
_MEANINGS = {"属于": LabelState.IS, "可能": LabelState.POSSIBLE, "疑似": LabelState.SUSPECTED}


@dataclass(frozen=True, slots=True)
class AiLabel:
    state: LabelState | None
    basis: tuple[str, ...] = ()  # metadata, c2pa, declared, visual, spoken: where it rests

    @property
    def notice(self) -> str | None:
        return NOTICES[self.state] if self.state else None

    def to_json(self) -> dict[str, Any]:
        return {
            "state": str(self.state) if self.state else None,
            "notice": self.notice,
            "basis": list(self.basis),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> AiLabel:
        if not data or not data.get("state"):
            return cls(None)
        return cls(LabelState(data["state"]), tuple(data.get("basis") or ()))


def _strongest(states: Iterable[LabelState]) -> LabelState | None:
    return max(states, key=_STRENGTH.__getitem__, default=None)


def label_from_evidence(evidence: Mapping[str, Any] | None) -> AiLabel:
    """One file's `aigc_label` evidence → its label state."""
    if not evidence:
        return AiLabel(None)
    found: dict[str, LabelState] = {}
    metadata = evidence.get("metadata") or {}
    meta_states = []
    for label in metadata.get("implicit_labels") or []:
        if label.get("problem"):
            # A field named AIGC whose value cannot be read: AI content is likely, its kind unknown.
            meta_states.append(LabelState.SUSPECTED)
        else:
            meta_states.append(_MEANINGS.get(label.get("label_meaning") or "", LabelState.IS))
    if meta_states:
        found["metadata"] = _strongest(meta_states)  # type: ignore[assignment]
    if any(m.get("ai_source_types") for m in metadata.get("c2pa") or []):
        found["c2pa"] = LabelState.IS
    declared = evidence.get("declared") or {}
    if any(s.get("uses_ai") for s in declared.get("statements") or []):
        found["declared"] = LabelState.POSSIBLE
    if (evidence.get("visual") or {}).get("labels"):
        found["visual"] = LabelState.SUSPECTED
    if (evidence.get("spoken") or {}).get("disclosures"):
        found["spoken"] = LabelState.SUSPECTED
    return AiLabel(_strongest(found.values()), tuple(found))


def combine(labels: Iterable[AiLabel]) -> AiLabel:
    """A series: the strongest state of its episodes, and every basis."""
    labels = list(labels)
    basis = tuple(dict.fromkeys(b for label in labels for b in label.basis))
    return AiLabel(_strongest(label.state for label in labels if label.state), basis)


def label_windows(evidence: Mapping[str, Any] | None) -> list[tuple[float, float]]:
    """When visible AI labels are on screen: a poster frame is never taken there."""
    windows = []
    for label in ((evidence or {}).get("visual") or {}).get("labels") or []:
        start, end = label.get("appears_at"), label.get("visible_until")
        if isinstance(start, int | float) and isinstance(end, int | float):
            windows.append((float(start), float(end)))
    return windows
