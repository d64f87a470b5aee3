"""Where the project's shared test data lies: `../shared/fixtures` beside the checkout (CI lays it there)."""

from __future__ import annotations

import csv
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
SPEECH = FIXTURES / "speech"
C2PA_FIXTURE = FIXTURES / "external" / "c2pa-signed-portrait.mp4"


def speech_texts() -> dict[str, str]:
    """The exact texts of the speech clips (texts.tsv: name, text)."""
    with (SPEECH / "texts.tsv").open(encoding="utf-8") as handle:
        return {row[0]: row[1] for row in csv.reader(handle, delimiter="\t") if row}
