"""Re-judging a work after a supplement without a new video, against a screening of its video.

Usage: python bench/supplement.py [--seconds 60] [--repeat 3]
A work is taken in from a package without its 版权承诺书 (a 1080p25 clip of `--seconds`, rendered
once under bench/out/); then the reply carrying the 承诺书 scan is joined to it. Prints, in the same
run:
  - baseline: the technical stage of the work's video (probe + the one full decode), the floor of
    any screening (the real one adds OCR and ASR on top)
  - supplement: reading the reply, matching it to the work, recording it and judging the work's
    intake checks again on all it holds, then its 回执 (what the flow does for it: no video is
    screened again)
  - ratio supplement / baseline
Runs on a throw-away catalogue (SQLite) and object store under a temporary folder; no Prefect server.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from samples.clips import camera_like  # noqa: E402
from samples.packages import good_form, package_files, zip_package  # noqa: E402
from tasks.catalogue.db import open_catalogue, session_scope  # noqa: E402
from tasks.catalogue.models import Submission  # noqa: E402
from tasks.catalogue.submissions import record_analysis, submission_view  # noqa: E402
from tasks.intake.package import analyse  # noqa: E402
from tasks.intake.sources import package_from_message  # noqa: E402
from tasks.report.receipt import render_receipt  # noqa: E402
from tasks.rules import DEFAULT_RULES, SHANGHAI  # noqa: E402
from tasks.screening import technical  # noqa: E402
from tasks.store import LocalStore  # noqa: E402

PREFIX = "张明（江北区融媒体中心）+红岩家书"
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=SHANGHAI)


def _mail(subject: str, sent: datetime, message_id: str, attachment: Path, **headers: str) -> bytes:
    message = EmailMessage()
    message["Subject"], message["From"], message["Date"] = (
        subject,
        "zhangming@example.cn",
        format_datetime(sent),
    )
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name] = value
    message.set_content("附件为作品材料，请查收。")
    message.add_attachment(
        attachment.read_bytes(), maintype="application", subtype="octet-stream", filename=attachment.name
    )
    return message.as_bytes()


def one_round(video: Path, folder: Path) -> tuple[float, float]:
    """(baseline seconds, supplement seconds) on a fresh catalogue."""
    files = package_files(folder / "src", video, form=good_form())
    pledge = next(path for name, path in files if name.startswith("版权承诺书"))
    without = [(n, p) for n, p in files if not n.startswith("版权承诺书")]
    archive = zip_package(folder / f"{PREFIX}.zip", without, folder=PREFIX)
    scan = folder / "版权承诺书（签字）.jpg"
    scan.write_bytes(pledge.read_bytes())
    first = _mail(PREFIX, datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI), "<first@example.cn>", archive)
    reply = _mail(
        f"Re: {PREFIX}",
        datetime(2026, 12, 3, 16, 0, tzinfo=SHANGHAI),
        "<reply@example.cn>",
        scan,
        **{"In-Reply-To": "<first@example.cn>"},
    )
    engine = open_catalogue(f"sqlite:///{folder / 'catalogue.db'}")
    store = LocalStore(folder / "store")
    judged = {"rules": DEFAULT_RULES, "deadline": DEFAULT_RULES.deadline, "now": NOW}
    first_package = package_from_message(first, folder / "m1", source="bench")
    with session_scope(engine) as session:
        made = record_analysis(
            session, analyse(first_package, folder / "a1", DEFAULT_RULES), store, "o", **judged
        )

    started = time.perf_counter()
    technical(video, DEFAULT_RULES)
    baseline = time.perf_counter() - started

    started = time.perf_counter()
    reply_package = package_from_message(reply, folder / "m2", source="bench")
    with session_scope(engine) as session:
        joined = record_analysis(
            session, analyse(reply_package, folder / "a2", DEFAULT_RULES), store, "o", **judged
        )
        work = session.get(Submission, joined.submission_id)
        assert work is not None and joined.submission_id == made.submission_id and joined.kind == "supplement"
        receipt = render_receipt(submission_view(session, work), issued=NOW)
    supplement = time.perf_counter() - started
    assert "补交：版权承诺书" in receipt
    return baseline, supplement


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    video = camera_like(ROOT / "bench" / "out" / f"supplement-{int(args.seconds)}s-1080p25.mp4", args.seconds)
    rounds = []
    for index in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            rounds.append(one_round(video, Path(tmp)))
            print(
                f"round {index + 1}: baseline {rounds[-1][0]:.2f} s, supplement {rounds[-1][1]:.2f} s",
                flush=True,
            )
    baseline = statistics.median(r[0] for r in rounds)
    supplement = statistics.median(r[1] for r in rounds)
    print(f"video: {args.seconds:.0f} s 1080p25, {args.repeat} rounds (medians)")
    print(f"baseline  technical stage of the video:        {baseline:8.2f} s")
    print(f"supplement read + match + record + re-judge:   {supplement:8.2f} s")
    print(f"ratio supplement / baseline:                   {supplement / baseline:8.3f}")


if __name__ == "__main__":
    main()
