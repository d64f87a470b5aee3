"""The demo: the product's flows on the sample material of `samples/demo.py`, on the embedded default —
intake and screening of eight e-mailed packages, then the committee's work: an agreed extension,
the experts, assignment, score sheets, the approved list and publication. The same story on any
date: received times are the e-mails' own.
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

from prefect import flow, task

from flows.intake import intake
from samples.demo import (
    LATE_AGREED,
    SAMPLE_WORKS,
    SampleWork,
    fill_score_sheet,
    mail_package,
    netdisk_mail,
    write_roster,
)
from tasks.config import get_settings
from tasks.submissions.service import views


@task(name="build-package", retries=1)
def mail_package_task(work: SampleWork, index: int, folder: Path) -> Path:
    return mail_package(work, index, folder)


@flow(name="demo")
def demo_flow(folder: Path) -> list[dict[str, Any]]:
    """Build the e-mails, run the intake flow (screening included) and return each work's status."""
    folder.mkdir(parents=True, exist_ok=True)
    packages = [mail_package_task(work, i, folder) for i, work in enumerate(SAMPLE_WORKS, start=1)]
    packages.append(netdisk_mail(folder))
    results = intake(paths=packages, screen=True)
    ids = [r["id"] for r in results if r.get("id")]
    items = [item.to_json() for item in views(get_settings(), ids)]
    errors = [{"package": r["package"], "error": r["error"]} for r in results if r.get("error")]
    return items + errors


@flow(name="demo-judging")
def demo_judging_flow(folder: Path) -> dict[str, Any]:
    """What the committee does after screening: an agreed extension, the expert roster, assignment,
    score sheets back, ranking approved (without waiting: the demo has no operator at the UI), and
    the excellent works published with their showcase page."""
    from flows.judging import judging_flow
    from flows.publish import publish
    from tasks.decisions import DecisionAction
    from tasks.judging import service
    from tasks.submissions.service import Refused, decide, works

    settings = get_settings()
    now = settings.now()
    title, note = LATE_AGREED
    late = next((w for w in works(settings) if w.title == title), None)
    if late is not None and late.verdict != "pass":
        with suppress(Refused):  # agreed on an earlier run of the demo
            decide(settings, late.id, DecisionAction.ACCEPT_LATE, note=note, by="筹备组（演示）")
    roster = service.import_roster(settings, write_roster(folder / "评审专家名单.xlsx"), now).roster
    service.check_originality(settings)
    judged, assignment = service.assign_catalogue(settings, per_work=3)
    sheets = [fill_score_sheet(p) for p in service.build_packets(settings, folder / "评审包", now)]
    imported = service.import_scores(settings, sheets, now)
    # Three works: one 特别优秀 and one 优秀 (counts, cumulative), approved without waiting.
    approval = judging_flow(special=1, excellent=2, approve=True, approver="筹备组（演示）")
    published = publish()
    return {
        "experts": len(roster.experts),
        "works": {w.work.number: w.work.title for w in judged},
        "assignment": {w.work.title: list(assignment.experts.get(w.work.number, ())) for w in judged},
        "sheets": len([s for s in imported if s.ok]),
        "approval": approval,
        "published": published,
    }
