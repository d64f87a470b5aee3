"""The judging rubric and the tiers: data, each with the sentence it comes from (the categories are
ContestRules.categories)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Criterion:
    name: str
    maximum: int
    source: str  # the notice's sentence the criterion rests on


# 四（一）1–4 are the notice's content requirements; 制作质量 rests on 四（二）「画面清晰稳定」.
RUBRIC: tuple[Criterion, ...] = (
    Criterion(
        "导向正确", 25, "四（一）1「坚持正确党史观和大历史观，准确把握党的历史发展主题主线、主流本质」"
    ),
    Criterion(
        "史实准确", 25, "四（一）2「以权威党史基本著作及重要文献为创作依据，确保脚本内容与视频素材真实可信」"
    ),
    Criterion("形式创新", 20, "四（一）3「突出网络传播属性，鼓励运用新技术、新手段增强表现力」"),
    Criterion("权属清晰", 10, "四（一）4「作品必须为原创短视频，严禁剽窃抄袭」"),
    Criterion("制作质量", 20, "四（二）「画面清晰稳定」，镜头、声音、字幕与剪辑"),
)
CRITERIA: tuple[str, ...] = tuple(c.name for c in RUBRIC)
MAXIMA: dict[str, int] = {c.name: c.maximum for c in RUBRIC}
TOTAL_MAXIMUM = sum(MAXIMA.values())

# 六「公布优秀作品名单…特别优秀的作品酌情给予奖励」
TIER_SPECIAL = "特别优秀"
TIER_EXCELLENT = "优秀"
TIERS: tuple[str, ...] = (TIER_SPECIAL, TIER_EXCELLENT)
