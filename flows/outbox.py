"""The outbox flow: draft what the catalogue's state calls for, approve by kind (who is recorded),
send what a person approved. The CLI (`guangying outbox`), the deployment and the nightly run's
last step are its doors; the operations live in `tasks.outbox.service`."""

from __future__ import annotations

import logging
from typing import Any

from prefect import flow, task

from flows.intake import secret_setting
from flows.retries import IO_RETRIES
from tasks.config import Settings, get_settings
from tasks.failures import cause
from tasks.outbox import service
from tasks.outbox.smtp import SmtpAccount, SmtpTransport


def smtp_account(settings: Settings) -> SmtpAccount | None:
    """The contest mailbox's SMTP account, or None when GUANGYING_SMTP_HOST is not set."""
    if not settings.smtp_host:
        return None
    return SmtpAccount(
        host=settings.smtp_host,
        user=settings.smtp_user,
        password=secret_setting(settings.smtp_password, settings.smtp_password_block),
        port=settings.smtp_port,
        ssl=settings.smtp_ssl,
        starttls=settings.smtp_starttls,
    )


log = logging.getLogger(__name__)
NO_SMTP = "未配置发信邮箱（GUANGYING_SMTP_HOST），未发送任何邮件。"


@task(name="outbox-draft", **IO_RETRIES)
def draft_task() -> list[int]:
    settings = get_settings()
    return service.refresh_drafts(settings, settings.now())


@task(name="outbox-send")
def send_task() -> dict[str, Any]:
    """Send the approved messages (no retries of the task itself: the outbox has its own)."""
    settings = get_settings()
    account = smtp_account(settings)
    if account is None:
        return {"error": NO_SMTP}
    report = service.send_approved(settings, settings.now(), lambda: SmtpTransport(account))
    return report.to_json()


@flow(name="outbox", log_prints=True)
def outbox_flow(
    approve_kinds: list[str] | None = None, approver: str | None = None, send: bool = True
) -> dict[str, Any]:
    """Draft, approve every draft of the kinds named (recorded with `approver`), send the approved."""
    settings = get_settings()
    new = draft_task()
    approved = service.approve_kinds(settings, approve_kinds or [], approver or "", settings.now())
    result: dict[str, Any] = {"drafted": new, "approved": approved.approved, "refused": approved.refused}
    if send:
        result["send"] = send_task()
    print(
        f"新起草 {len(new)} 封，批准 {len(result['approved'])} 封"
        + (f"，发送 {len(result['send'].get('sent', []))} 封" if send else "")
        + "。"
    )
    return result


def nightly_outbox() -> dict[str, Any]:
    """The nightly run's last step: draft what the night's changes call for; send what a person
    has approved only when GUANGYING_OUTBOX_SEND_NIGHTLY is on (off by default). Nothing is approved here."""
    settings = get_settings()
    try:
        result: dict[str, Any] = {"drafted": draft_task()}
        if settings.outbox_send_nightly:
            result["send"] = send_task()
    except Exception as exc:  # the night's intake and screening stand; the outbox is tried again tomorrow
        log.warning("the outbox step failed: %s: %s", type(exc).__name__, exc)
        return {
            "drafted": [],
            "error": f"待发邮件未能处理（{cause(exc) or type(exc).__name__}），下次运行时重试。",
        }
    return result
