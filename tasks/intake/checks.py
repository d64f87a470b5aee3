"""Intake checks: pure functions from what a package holds to findings (stage "intake").

Each message names the file, the rule (a sentence of the notice or its attachments), the measured
value and what to do. Hard rules of the notice fail; inconsistencies a person should look at warn.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from tasks.beijing_time import padded_date, padded_date_time
from tasks.findings import Check, Finding, Status
from tasks.intake.details import IntakeDetails
from tasks.intake.forms import RegistrationForm
from tasks.intake.naming import PackageName
from tasks.intake.netdisk import NetdiskLink
from tasks.intake.received import BASIS_LABELS
from tasks.intake.text import char_count, format_duration, halfwidth, squash
from tasks.roles import ROLE_LABELS, FileRole
from tasks.rules import DEFAULT_RULES, ContestRules

NAMING_EXAMPLE = "例如“张明（江北区融媒体中心）+山城记忆”"
REQUIRED_ROLES = (
    FileRole.VIDEO,
    FileRole.SCRIPT,
    FileRole.REGISTRATION_FORM,
    FileRole.SUMMARY_TABLE,
    FileRole.PLEDGE,
)
_WHAT_TO_SEND = {
    FileRole.VIDEO: "请补交作品高清原视频（MP4/MOV/MPG等格式），视频过大时可通过百度网盘报送并附链接和提取码",
    FileRole.SCRIPT: "请补交最终视频文稿（Word、TXT或PDF）",
    FileRole.REGISTRATION_FORM: "请下载附件1填写后以Word电子版补交",
    FileRole.SUMMARY_TABLE: "请下载附件3填写后以Word电子版补交",
    FileRole.PLEDGE: "请打印附件2，签字或盖章后扫描（PDF/JPG/PNG）补交",
}
MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(?:\(?0\d{2,3}\)?-?)?\d{7,8}(?:-\d{1,6})?$")


def _f(check: Check, status: Status, message: str, **evidence: object) -> Finding:
    return Finding(check, status, message, dict(evidence), stage="intake")


@dataclass(frozen=True, slots=True)
class FileFact:
    name: str
    role: FileRole
    sha256: str
    size: int
    duration: float | None = None  # measured, videos only
    episode: int | None = None


@dataclass(slots=True)
class PackageFacts:
    """What the checks may look at: everything known about one submission's files and forms."""

    package_name: str
    name: PackageName
    received_at: datetime
    received_basis: str | None = None  # tasks.intake.received.ReceivedBasis
    files: list[FileFact] = field(default_factory=list)
    details: IntakeDetails = field(default_factory=IntakeDetails)  # the forms, the 汇总表, Netdisk links

    def of_role(self, role: FileRole) -> list[FileFact]:
        return [f for f in self.files if f.role == role]


def check_naming(facts: PackageFacts) -> list[Finding]:
    """五「文件名以“报送人（单位）+作品名称”格式命名」."""
    if facts.name.ok:
        return [
            _f(
                Check.NAMING,
                Status.PASS,
                f"「{facts.package_name}」的命名符合“报送人（单位）+作品名称”格式。",
            )
        ]
    return [
        _f(
            Check.NAMING,
            Status.WARN,
            f"「{facts.package_name}」的命名不符合通知要求的“报送人（单位）+作品名称”格式（{facts.name.problem}）。"
            f"请按此格式重新命名，{NAMING_EXAMPLE}。",
            name=facts.package_name,
            problem=facts.name.problem,
        )
    ]


def check_title(facts: PackageFacts) -> list[Finding]:
    """The work's name in the package name and in 附件1 should be the same work."""
    form = facts.details.read_form
    form_title = form.title if form else ""
    name_title = facts.name.title or ""
    if not form_title or not name_title or squash(form_title) == squash(name_title):
        return []
    if squash(form_title) in squash(name_title) or squash(name_title) in squash(form_title):
        return []
    return [
        _f(
            Check.NAMING,
            Status.WARN,
            f"「{facts.package_name}」名称中的作品名称“{name_title}”与作品登记表中的“{form_title}”不一致。"
            "请核对是否装错了登记表，并使文件名与登记表一致。",
            name_title=name_title,
            form_title=form_title,
        )
    ]


def check_materials(facts: PackageFacts) -> list[Finding]:
    """五: video, 文稿, 登记表, 汇总表 and the pledge scan must all be there."""
    findings = []
    awaiting = bool(facts.details.netdisk) and not facts.of_role(FileRole.VIDEO)
    for role in REQUIRED_ROLES:
        present = facts.of_role(role)
        if present:
            names = "、".join(f"「{f.name}」" for f in present[:5])
            findings.append(
                _f(
                    Check.MATERIALS,
                    Status.PASS,
                    f"已收到{ROLE_LABELS[role]}：{names}。",
                    role=role,
                    files=[f.name for f in present],
                )
            )
            continue
        if role == FileRole.VIDEO and awaiting:
            continue  # the netdisk check says what happens next
        findings.append(
            _f(
                Check.MATERIALS,
                Status.FAIL,
                f"未收到{ROLE_LABELS[role]}。通知第五条要求报送“作品高清原视频，最终视频文稿、作品登记表、作品汇总表Word电子版，"
                f"以及作品版权承诺书扫描件”。{_WHAT_TO_SEND[role]}。",
                role=role,
            )
        )
    if facts.details.forms_count > 1:
        findings.append(
            _f(
                Check.MATERIALS,
                Status.WARN,
                f"一个作品包里有{facts.details.forms_count}份作品登记表。每件作品应单独填写一份登记表并单独打包；"
                "如为系列作品请合并为一份登记表。",
                forms=facts.details.forms_count,
            )
        )
    return findings


def check_form(facts: PackageFacts, rules: ContestRules) -> list[Finding]:
    """附件1: required fields, 100字/150字 limits, the phone number, 播出情况 with its platform and link."""
    form, where = facts.details.read_form, f"作品登记表「{facts.details.form_file}」"
    if form is None:
        return []
    findings: list[Finding] = []
    missing = [
        label
        for label, value in (
            ("作品名称", form.title),
            ("作品时长", form.duration),
            ("参赛主体", form.unit_name or form.person_name),
            ("联系人", form.contact),
            ("联系电话", form.phone),
            ("作品简介", form.intro),
        )
        if not value.strip()
    ]
    if missing:
        findings.append(
            _f(
                Check.FORM_FIELDS,
                Status.FAIL,
                f"{where}中以下栏目未填写：{'、'.join(missing)}。请补全后重新报送登记表。",
                file=facts.details.form_file,
                missing=missing,
            )
        )
    else:
        findings.append(
            _f(Check.FORM_FIELDS, Status.PASS, f"{where}的必填栏目已填写。", file=facts.details.form_file)
        )
    for label, text, limit in (
        ("作品创作团队情况", form.team, rules.max_team_chars),
        ("作品简介", form.intro, rules.max_intro_chars),
    ):
        count = char_count(text)
        if count > limit:
            findings.append(
                _f(
                    Check.FIELD_LENGTH,
                    Status.FAIL,
                    f"{where}的“{label}”共{count}字，超过附件1规定的{limit}字以内（多{count - limit}字）。请精简到{limit}字以内。",
                    file=facts.details.form_file,
                    field=label,
                    chars=count,
                    limit=limit,
                )
            )
        elif text:
            findings.append(
                _f(
                    Check.FIELD_LENGTH,
                    Status.PASS,
                    f"“{label}”{count}字，未超过{limit}字。",
                    field=label,
                    chars=count,
                    limit=limit,
                )
            )
    findings += _check_phone(form.phone, where, facts.details.form_file)
    findings += _check_broadcast(form, where, facts.details.form_file)
    return findings


def phone_ok(text: str) -> bool:
    """A mainland mobile (11 digits from 13x–19x) or a landline with area code (023-xxxxxxxx)."""
    candidates = re.split(r"[,，;；/、]|\s{2,}|或", halfwidth(text))
    for candidate in candidates:
        digits = re.sub(r"[\s\-－—()（）]", "", candidate)
        spaced = re.sub(r"\s", "", candidate)
        if MOBILE.match(digits) or LANDLINE.match(spaced) or LANDLINE.match(digits):
            return True
    return False


def _check_phone(phone: str, where: str, file: str | None) -> list[Finding]:
    if not phone.strip():
        return []
    if phone_ok(phone):
        return [_f(Check.PHONE, Status.PASS, f"联系电话“{phone}”格式正确。", phone_valid=True)]
    return [
        _f(
            Check.PHONE,
            Status.WARN,
            f"{where}的联系电话“{phone}”不是有效的手机号（11位）或带区号的座机号（如023-12345678）。"
            "请核对后更正，以便筹备组联系。",
            file=file,
            phone_valid=False,
        )
    ]


def _check_broadcast(form: RegistrationForm, where: str, file: str | None) -> list[Finding]:
    if len(form.broadcast_ticks) > 1:
        return [
            _f(
                Check.BROADCAST,
                Status.WARN,
                f"{where}的“播出情况”同时勾选了“已播出”和“未播出”。请只勾选一项。",
                file=file,
                ticks=form.broadcast_ticks,
            )
        ]
    if form.broadcast is None:
        return [
            _f(
                Check.BROADCAST,
                Status.WARN,
                f"{where}的“播出情况”未勾选“已播出”或“未播出”。请勾选其中一项。",
                file=file,
            )
        ]
    if form.broadcast == "已播出" and (not form.platform.strip() or not form.links):
        lacking = "播出平台和链接" if not form.platform.strip() else "作品链接（http://或https://开头的网址）"
        return [
            _f(
                Check.BROADCAST,
                Status.FAIL,
                f"{where}勾选了“已播出”，但未填写{lacking}。附件3说明要求已播出的作品填写播放量最大的“播出平台及链接”，请补填。",
                file=file,
                platform=form.platform,
            )
        ]
    return [
        _f(
            Check.BROADCAST,
            Status.PASS,
            f"播出情况：{form.broadcast}。",
            broadcast=form.broadcast,
            links=form.links,
        )
    ]


def check_declared_duration(facts: PackageFacts, rules: ContestRules) -> list[Finding]:
    """附件1「作品时长」 against the measured duration (the total of a series, or each episode)."""
    form = facts.details.read_form
    videos = [v for v in facts.of_role(FileRole.VIDEO) if v.duration is not None]
    if form is None or not form.duration.strip() or not videos:
        return []
    where = f"作品登记表「{facts.details.form_file}」"
    if form.duration_seconds is None:
        return [
            _f(
                Check.DECLARED_DURATION,
                Status.WARN,
                f"{where}的“作品时长”填写为“{form.duration}”，无法识别。请按“3分20秒”的格式填写。",
                file=facts.details.form_file,
                declared=form.duration,
            )
        ]
    total = sum(v.duration or 0 for v in videos)
    tolerance = rules.duration_tolerance_seconds
    declared = form.duration_seconds
    matches_total = abs(total - declared) <= tolerance
    matches_each = len(videos) > 1 and all(abs((v.duration or 0) - declared) <= tolerance for v in videos)
    evidence = {
        "declared": form.duration,
        "declared_seconds": declared,
        "measured_seconds": round(total, 2),
        "videos": {v.name: round(v.duration or 0, 2) for v in videos},
        "tolerance_seconds": tolerance,
    }
    if matches_total or matches_each:
        return [
            _f(
                Check.DECLARED_DURATION,
                Status.PASS,
                f"登记表填写的时长“{form.duration}”与视频实际时长{format_duration(total)}一致。",
                **evidence,
            )
        ]
    measured = format_duration(total) + (f"（共{len(videos)}集）" if len(videos) > 1 else "")
    if total >= 60:  # 「3分20秒（200秒）」 helps; 「8秒（8秒）」 only repeats itself
        measured += f"（{total:.0f}秒）"
    stated = f"“{form.duration}”" + (
        "" if squash(form.duration) == f"{declared:.0f}秒" else f"（{declared:.0f}秒）"
    )
    return [
        _f(
            Check.DECLARED_DURATION,
            Status.WARN,
            f"{where}填写的作品时长为{stated}，视频实际时长为{measured}，"
            f"相差{abs(total - declared):.0f}秒，超过{tolerance:.0f}秒的误差。请核对视频或更正登记表的作品时长。",
            **evidence,
        )
    ]


def check_summary(facts: PackageFacts) -> list[Finding]:
    """附件3's row for this work against 附件1: title, duration, 播出情况."""
    rows, form = facts.details.summary_rows, facts.details.read_form
    if rows is None:
        return []
    where = f"作品汇总表「{facts.details.summary_file}」"
    if not rows:
        return [
            _f(
                Check.SUMMARY_TABLE,
                Status.WARN,
                f"{where}中没有填写任何作品。请填写本作品的序号、作品名称、时长、作者、单位和播出情况。",
                file=facts.details.summary_file,
            )
        ]
    title = (form.title if form and form.title else None) or facts.name.title or ""
    row = next((r for r in rows if squash(r.title) == squash(title)), None) if title else None
    if row is None:
        listed = "、".join(f"“{r.title}”" for r in rows[:5])
        return [
            _f(
                Check.SUMMARY_TABLE,
                Status.WARN,
                f"{where}中找不到作品“{title}”（表中填写的是{listed}）。请核对作品名称，使汇总表与登记表一致。",
                file=facts.details.summary_file,
                title=title,
                rows=[r.title for r in rows],
            )
        ]
    problems = []
    if form is not None:
        if form.duration_seconds is not None and row.duration_seconds is not None:
            if abs(form.duration_seconds - row.duration_seconds) > 1:
                problems.append(f"时长（汇总表“{row.duration}”，登记表“{form.duration}”）")
        elif row.duration and form.duration and squash(row.duration) != squash(form.duration):
            problems.append(f"时长（汇总表“{row.duration}”，登记表“{form.duration}”）")
        if form.broadcast:
            summary_aired = None if not row.broadcast else ("未播出" not in row.broadcast)
            if summary_aired is not None and summary_aired != (form.broadcast == "已播出"):
                problems.append(f"播出情况（汇总表“{row.broadcast}”，登记表“{form.broadcast}”）")
        unit = form.unit
        if unit and row.unit and squash(unit) != squash(row.unit):
            problems.append(f"单位（汇总表“{row.unit}”，登记表“{unit}”）")
    if problems:
        return [
            _f(
                Check.SUMMARY_TABLE,
                Status.WARN,
                f"{where}第{row.index or '?'}行与作品登记表不一致：{'；'.join(problems)}。请核对后使两表一致。",
                file=facts.details.summary_file,
                row=row.to_dict(),
            )
        ]
    return [
        _f(
            Check.SUMMARY_TABLE,
            Status.PASS,
            f"作品汇总表中“{row.title}”一行与登记表一致。",
            row=row.to_dict(),
        )
    ]


def check_deadline(
    received_at: datetime, deadline: datetime, basis: str | None = None, rules: ContestRules = DEFAULT_RULES
) -> list[Finding]:
    """五「2026年11月30日前」: judged on the package's own received time (an e-mail's Date, a time an
    operator stated, else the files' arrival), never on when it happened to be processed."""
    how = BASIS_LABELS.get(basis or "", "")
    shown = f"{padded_date_time(received_at)}（北京时间{'，' + how if how else ''}）"
    due = padded_date_time(deadline)
    evidence = {"received_at": received_at.isoformat(), "deadline": deadline.isoformat(), "basis": basis}
    if received_at > deadline:
        return [
            _f(
                Check.DEADLINE,
                Status.FAIL,
                f"作品于{shown}收到，晚于报送截止时间{due}。逾期作品请与筹备组联系（{rules.contact_person} {rules.contact_phone}）。",
                **evidence,
            )
        ]
    return [_f(Check.DEADLINE, Status.PASS, f"作品于{shown}收到，在截止时间{due}之前。", **evidence)]


def check_episodes(facts: PackageFacts) -> list[Finding]:
    """四（二）「可成系列」: a series' episodes numbered 1…n, none twice, none missing."""
    videos = facts.of_role(FileRole.VIDEO)
    if len(videos) < 2:
        return []
    numbers = [v.episode for v in videos]
    unnumbered = [v.name for v in videos if v.episode is None]
    if unnumbered:
        return [
            _f(
                Check.EPISODES,
                Status.WARN,
                f"作品包中有{len(videos)}个视频，其中{'、'.join(f'「{n}」' for n in unnumbered[:5])}的文件名没有集数。"
                "系列作品请在文件名中注明“第N集”，单件作品请只报送一个视频。",
                videos=[v.name for v in videos],
            )
        ]
    present = sorted(n for n in numbers if n is not None)
    duplicates = sorted({n for n in present if present.count(n) > 1})
    missing = sorted(set(range(1, max(present) + 1)) - set(present))
    if duplicates or missing:
        parts = []
        if missing:
            parts.append("缺少第" + "、".join(str(n) for n in missing) + "集")
        if duplicates:
            parts.append("第" + "、".join(str(n) for n in duplicates) + "集重复")
        return [
            _f(
                Check.EPISODES,
                Status.WARN,
                f"系列作品的集数不连续：{'，'.join(parts)}（收到第{'、'.join(str(n) for n in present)}集）。请补齐或更正文件名中的集数。",
                episodes=present,
                missing=missing,
                duplicates=duplicates,
            )
        ]
    return [_f(Check.EPISODES, Status.PASS, f"系列作品共{len(present)}集，集数连续。", episodes=present)]


def check_netdisk(facts: PackageFacts, now: datetime, rules: ContestRules) -> list[Finding]:
    """五「可将视频上传至百度网盘…附上百度网盘链接及提取码（提取码有效期至少30天）」."""
    downloaded = bool(facts.of_role(FileRole.VIDEO))
    findings: list[Finding] = []
    for link in facts.details.netdisk:
        if downloaded:
            findings.append(_netdisk(link, Status.PASS, f"百度网盘链接{link.url}中的作品视频已下载入库。"))
        elif not link.code:
            findings.append(
                _netdisk(
                    link,
                    Status.FAIL,
                    f"百度网盘链接{link.url}没有提取码，无法下载作品视频。请回复邮件补充提取码（有效期至少30天）。",
                )
            )
        else:
            findings += _awaiting_download(link, now, rules)
    return findings


def _netdisk(link: NetdiskLink, status: Status, message: str) -> Finding:
    return _f(Check.NETDISK, status, message, **link.to_dict())


def _awaiting_download(link: NetdiskLink, now: datetime, rules: ContestRules) -> list[Finding]:
    """A link with its code, not downloaded yet: waiting, and whether the code lasts long enough."""
    expires = link.expires_at
    day = padded_date(expires) if expires else ""
    expiry = f"，提取码{day}到期" if expires else ""
    findings = [
        _netdisk(
            link,
            Status.WARN,
            f"作品视频通过百度网盘报送（{link.url}，提取码{link.code}{expiry}），等待工作人员下载后继续审核。",
        )
    ]
    if expires is not None and expires <= now:
        message = (
            f"百度网盘链接{link.url}的提取码已于{day}过期。请重新分享（有效期至少30天）并发送新链接和提取码。"
        )
        return [*findings, _netdisk(link, Status.FAIL, message)]
    if link.valid_days is not None and not link.permanent and link.valid_days < rules.netdisk_min_valid_days:
        findings.append(
            _netdisk(
                link,
                Status.WARN,
                f"百度网盘提取码有效期为{link.valid_days}天，少于通知要求的至少{rules.netdisk_min_valid_days}天。"
                "请重新分享为30天或永久有效并发送新链接；工作人员也会尽快下载。",
            )
        )
    if expires is not None and (expires - now).days < rules.netdisk_warn_days:
        left = max(0, (expires - now).days)
        findings.append(
            _netdisk(link, Status.WARN, f"百度网盘提取码将在{left}天内（{day}）到期，请工作人员尽快下载。")
        )
    return findings


def intake_findings(
    facts: PackageFacts, rules: ContestRules, deadline: datetime, now: datetime
) -> list[Finding]:
    """All intake checks of one submission, in the order a receipt lists them."""
    return [
        *check_deadline(facts.received_at, deadline, facts.received_basis, rules),
        *check_naming(facts),
        *check_title(facts),
        *check_materials(facts),
        *check_netdisk(facts, now, rules),
        *check_form(facts, rules),
        *check_declared_duration(facts, rules),
        *check_summary(facts),
        *check_episodes(facts),
    ]
