"""Where the project's shared test data lies: `../shared/fixtures` beside the checkout (CI lays it there)."""

from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
SPEECH = FIXTURES / "speech"
C2PA_FIXTURE = FIXTURES / "external" / "c2pa-signed-portrait.mp4"


def speech_texts() -> dict[str, str]:
    """The exact texts of the speech clips (texts.tsv: name, text)."""
    with (SPEECH / "texts.tsv").open(encoding="utf-8") as handle:
        return {row[0]: row[1] for row in csv.reader(handle, delimiter="\t") if row}


# The suite's clock. No test reads today's date: what depends on the time reads this (through the
# `clock` fixture and GUANGYING_CLOCK). Move it to prove the suite holds on any day, e.g.
# `GUANGYING_TEST_CLOCK=2027-06-01T09:00+08:00 make test`.
SUITE_NOW = datetime.fromisoformat(os.environ.get("GUANGYING_TEST_CLOCK", "2026-12-04T12:00:00+08:00"))
