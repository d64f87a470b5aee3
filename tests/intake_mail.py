"""E-mails as submitters send them (Foxmail GBK, raw 8-bit subjects, RFC 2231 names), for the
IMAP, .eml and .mbox paths of intake."""

from __future__ import annotations

from datetime import datetime
from email.header import Header
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr
from pathlib import Path

from tasks.rules import SHANGHAI

PREFIX = "张明（江北区融媒体中心）+红岩家书"
SENT = datetime(2026, 10, 9, 10, 30, tzinfo=SHANGHAI)


def foxmail_message(archive: Path) -> bytes:
    """GBK everywhere, the attachment's name as an RFC 2047 word inside the parameter (Foxmail, Outlook)."""
    message = MIMEMultipart()
    message["Subject"] = Header(PREFIX, "gbk")
    message["From"] = formataddr((str(Header("张明", "gbk")), "zhangming@example.cn"))
    message["To"] = "cqdsspzb@163.com"
    message["Date"] = format_datetime(SENT)
    message["Message-ID"] = "<foxmail-1@example.cn>"
    message.attach(MIMEText("左老师您好：附件为我单位作品包，请查收。", "plain", "gb2312"))
    part = MIMEApplication(archive.read_bytes())
    part.add_header("Content-Disposition", "attachment", filename=Header(archive.name, "gbk").encode())
    message.attach(part)
    return message.as_bytes()


def netdisk_message(files: list[tuple[str, Path]]) -> bytes:
    """A raw 8-bit GBK subject (no RFC 2047), RFC 2231 file names, the video on Baidu Netdisk."""
    message = EmailMessage()
    message["Subject"] = "SUBJECT-PLACEHOLDER"
    message["From"] = "lihua@example.cn"
    message["Date"] = format_datetime(SENT)
    message["Message-ID"] = "<netdisk-2@example.cn>"
    message.set_content(
        "视频较大，已上传百度网盘。\n链接: https://pan.baidu.com/s/1JiangJie49 提取码: jj49 有效期30天\n"
    )
    for name, path in files:
        message.add_attachment(
            path.read_bytes(), maintype="application", subtype="octet-stream", filename=name
        )
    return message.as_bytes().replace(b"SUBJECT-PLACEHOLDER", "重庆大学+江姐".encode("gbk"))


def late_message(archive: Path) -> bytes:
    message = EmailMessage()
    message["Subject"] = "北碚区文旅委+雾都烽火"
    message["Date"] = format_datetime(datetime(2026, 12, 1, 8, 0, tzinfo=SHANGHAI))
    message["Message-ID"] = "<late-3@example.cn>"
    message.set_content("逾期补交。")
    message.add_attachment(archive.read_bytes(), maintype="application", subtype="zip", filename=archive.name)
    return message.as_bytes()
