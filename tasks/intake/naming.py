"""「报送人（单位）+作品名称」: parsing package and file names (notice 五「文件名以…格式命名」)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from tasks.intake.classify import ARCHIVE_EXTENSIONS, DOCUMENT_EXTENSIONS, IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from tasks.intake.text import CN_NUMERAL, cn_number, halfwidth

# Extensions stripped before parsing; a title may contain dots, so only known ones go.
KNOWN_EXTENSIONS = sorted(
    ARCHIVE_EXTENSIONS | VIDEO_EXTENSIONS | DOCUMENT_EXTENSIONS | IMAGE_EXTENSIONS, key=len, reverse=True
)

_QUOTES = "《》“”\"「」『』'"
# Linear on any input (a name of 3,000 spaces must not take minutes): runs are matched possessively
# (`++`, `*+`), and a separator run is only tried from its first character (the lookbehind), so no
# start position re-scans a run that an earlier one already rejected.
_SEP = r"[\s_\-.·]"
_EPISODE_PATTERNS = (
    re.compile(rf"[(\[]?第\s*+([0-9{CN_NUMERAL}]++)\s*+[集期话部][)\]]?$"),
    re.compile(rf"(?:(?<!{_SEP}){_SEP}++|EP|ep|Ep|E)\s*+0*(\d{{1,3}})$"),
    re.compile(r"(?<=\D)0(\d)$"),  # 红岩魂01
    re.compile(r"[(\[]([上中下])(?:集|篇)?[)\]]$"),
)
_PERSON_UNIT = re.compile(r"([^()]*+)\(([^()]++)\)")  # 「张明（江北区融媒体中心）」, half-width by then
_PART = {"上": 1, "中": 2, "下": 3}


@dataclass(frozen=True, slots=True)
class PackageName:
    """The parts of a name; `problem` says in Chinese why it does not follow the convention."""

    raw: str
    submitter: str | None = None
    unit: str | None = None
    title: str | None = None
    episode: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def strip_extension(name: str) -> str:
    lowered = name.lower()
    for ext in KNOWN_EXTENSIONS:
        if lowered.endswith(ext) and len(name) > len(ext):
            return name[: -len(ext)]
    return name


def _clean_title(text: str) -> str:
    return text.strip().strip(_QUOTES).strip()


def split_episode(title: str) -> tuple[str, int | None]:
    """「红岩魂（第2集）」→(「红岩魂」, 2); 「红岩魂01」→(「红岩魂」, 1); no number → (title, None)."""
    norm = halfwidth(title).rstrip()
    for pattern in _EPISODE_PATTERNS:
        match = pattern.search(norm)
        if not match:
            continue
        base = _clean_title(title[: match.start()])
        if not base:
            continue
        token = match.group(1)
        number = _PART.get(token) or cn_number(token)
        if number is not None:
            return base, number
    return _clean_title(title), None


def _top_level_plus(norm: str) -> int:
    """Index of the first 「+」 outside brackets, or -1."""
    depth = 0
    for index, char in enumerate(norm):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif char == "+" and depth == 0:
            return index
    return -1


def parse_package_name(name: str) -> PackageName:
    """Parse 「报送人（单位）+作品名称」; brackets and 「+」 may be full- or half-width."""
    raw = name
    base = strip_extension(name.strip()).strip()
    norm = halfwidth(base).replace("【", "[").replace("】", "]")
    plus = _top_level_plus(norm)
    if plus < 0:
        title, episode = split_episode(base)
        return PackageName(
            raw, title=title or None, episode=episode, problem="名称中缺少“+”分隔报送人和作品名称"
        )
    who, what = base[:plus].strip(), base[plus + 1 :].strip()
    who_norm = norm[:plus].strip()
    title, episode = split_episode(what)
    if not who:
        return PackageName(raw, title=title or None, episode=episode, problem="“+”前缺少报送人（单位）")
    if not title:
        return PackageName(raw, submitter=who, problem="“+”后缺少作品名称")
    match = _PERSON_UNIT.fullmatch(who_norm)
    if match:
        person = who[match.start(1) : match.end(1)].strip()
        unit = who[match.start(2) : match.end(2)].strip()
        if not person:
            # 「（重庆大学）+江姐」: the unit is the submitter.
            return PackageName(raw, submitter=unit, unit=unit, title=title, episode=episode)
        return PackageName(raw, submitter=person, unit=unit, title=title, episode=episode)
    if any(c in who_norm for c in "()"):
        return PackageName(
            raw, submitter=who, title=title, episode=episode, problem="报送人（单位）的括号不完整"
        )
    # No brackets: a unit sending in its own name (or a person without a unit; the 登记表 tells).
    return PackageName(raw, submitter=who, title=title, episode=episode)
