"""What each file of a package is for: the roles intake assigns, and their Chinese names.

Not the sniffer's kinds (tasks/sniff.py): a file of kind "video" has role VIDEO, but a "docx" may
be a script, a registration form or a pledge.
"""

from __future__ import annotations

from enum import StrEnum


class FileRole(StrEnum):
    VIDEO = "video"
    SCRIPT = "script"  # 最终视频文稿
    REGISTRATION_FORM = "registration_form"  # 附件1
    SUMMARY_TABLE = "summary_table"  # 附件3
    PLEDGE = "pledge"  # 附件2 扫描件
    OTHER = "other"


ROLE_LABELS: dict[str, str] = {
    FileRole.VIDEO: "作品视频",
    FileRole.SCRIPT: "最终视频文稿",
    FileRole.REGISTRATION_FORM: "作品登记表（附件1）",
    FileRole.SUMMARY_TABLE: "作品汇总表（附件3）",
    FileRole.PLEDGE: "版权承诺书扫描件（附件2）",
    FileRole.OTHER: "其他文件",
}
