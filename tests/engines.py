"""Stand-ins behind the engine Protocols, for tests about orchestration rather than recognition.

The stand-ins themselves live in tasks/engines/stand_in.py (GUANGYING_ENGINES=stand-in selects them
in other processes); tests about what the models recognise use the real engines and are marked `slow`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tasks.engines.stand_in import BlindOcr, DeafAsr

__all__ = ["BlindOcr", "DeafAsr", "StandIns"]


@dataclass
class StandIns:
    ocr: BlindOcr = field(default_factory=BlindOcr)
    asr: DeafAsr = field(default_factory=DeafAsr)
