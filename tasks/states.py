"""Where a work stands: the states a submission passes through, and their Chinese names."""

from __future__ import annotations

from enum import StrEnum


class SubmissionState(StrEnum):
    RECEIVED = "received"  # taken in; its videos not all screened yet (审核中 unless already failed)
    AWAITING_DOWNLOAD = "awaiting_download"  # a Baidu Netdisk link, no video yet
    SCREENED = "screened"  # every video screened: the verdict is final until a person decides
    WITHDRAWN = "withdrawn"  # set aside by an operator (`guangying withdraw`); no stage changes it
    REMOVED = "removed"  # taken in by mistake (`guangying withdraw --mistake`): in no list, originals kept


# States an operator set that no stage changes.
FINAL_STATES: frozenset[str] = frozenset({SubmissionState.WITHDRAWN, SubmissionState.REMOVED})

STATE_LABELS: dict[str, str] = {
    SubmissionState.RECEIVED: "已受理",
    SubmissionState.AWAITING_DOWNLOAD: "已登记，等待从百度网盘下载作品视频",
    SubmissionState.SCREENED: "已完成初步审核",
    SubmissionState.WITHDRAWN: "已撤回",
    SubmissionState.REMOVED: "误收，已移除",
}
