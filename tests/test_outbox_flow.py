"""The outbox's other doors: the deployment's flow (approve by kind with the approver recorded, then
send) and the nightly run's last step (drafts; sends only what a person approved, only when the
setting is on)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.outbox import nightly_outbox, outbox_flow
from tasks.catalogue.db import open_catalogue, session_scope
from tasks.config import get_settings
from tasks.outbox import records
from tasks.outbox.model import Kind, OutboxState
from tests.outbox_catalogue import Catalogue, build
from tests.outbox_smtp import SmtpServer, running_smtp_server

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    with running_smtp_server(monkeypatch) as server:
        yield server


@pytest.fixture
def catalogue(tmp_path: Path) -> Catalogue:
    video = tmp_path / "正片.mp4"
    video.write_bytes(os.urandom(2048))
    return build(tmp_path, video)


def _states(kind: Kind) -> list[str]:
    with session_scope(open_catalogue(get_settings().catalogue_url)) as session:
        return sorted(r.state for r in records.messages(session) if r.kind == kind)


def test_the_flow_approves_by_kind_with_its_approver_and_sends(
    catalogue: Catalogue, smtp_server: SmtpServer
) -> None:
    refused = outbox_flow(approve_kinds=[Kind.RECEIPT], approver=" ", send=True)
    assert refused["approved"] == [] and "批准人" in refused["refused"][0]
    assert smtp_server.received == [] and set(_states(Kind.RECEIPT)) == {OutboxState.DRAFT}

    result = outbox_flow(approve_kinds=[Kind.RECEIPT], approver="王老师", send=True)
    assert len(result["approved"]) == 3 and result["drafted"] == []
    assert len(result["send"]["sent"]) == 2 and len(result["send"]["refused"]) == 1
    assert len(smtp_server.received) == 2
    assert _states(Kind.RECEIPT) == [OutboxState.REFUSED, OutboxState.SENT, OutboxState.SENT]
    assert set(_states(Kind.RESULT)) == {OutboxState.DRAFT}  # only the kind named
    # run twice: nothing more
    again = outbox_flow(approve_kinds=[Kind.RECEIPT], approver="王老师", send=True)
    assert again["approved"] == [] and again["send"]["sent"] == [] and len(smtp_server.received) == 2


def test_the_nightly_step_sends_only_what_was_approved_and_only_when_set(
    catalogue: Catalogue, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = nightly_outbox()
    assert first["drafted"] and "send" not in first
    settings = get_settings()
    with session_scope(open_catalogue(settings.catalogue_url)) as session:
        (receipt,) = [
            r
            for r in records.messages(session)
            if r.kind == Kind.RECEIPT and r.submission_id == catalogue.mailed
        ]
        records.approve(session, ids=[receipt.id], by="王老师", now=settings.now())
    assert nightly_outbox() == {"drafted": []} and smtp_server.received == []  # off by default
    monkeypatch.setenv("GUANGYING_OUTBOX_SEND_NIGHTLY", "true")
    get_settings.cache_clear()
    result = nightly_outbox()
    assert result["send"]["sent"] == [receipt.id] and len(smtp_server.received) == 1
    assert OutboxState.DRAFT in _states(Kind.RECEIPT)  # the unapproved ones wait
