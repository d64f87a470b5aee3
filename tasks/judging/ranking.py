"""Ranking the works and proposing the list (notice 六).

1. Scores: every total goes into the scoring model of `tasks.judging.calibration` (total = quality
   of the work + the expert's bias + the expert's scale around the centre, fitted robustly over all
   scores at once). A work's score is its estimated quality: what an average expert would give it.
   A severe and a lenient expert count alike, even when who reviews what depends on speciality,
   and one wild score cannot carry its work up or down.
2. Ranks follow the score (to 0.01 point); equal scores share a rank and the tie is reported.
3. Agreement: ICC(1) of the totals (one-way random effects, unbalanced groups), before and after
   calibration. Experts whose bias stands out or whose order runs against their co-reviewers', works
   whose experts differ by ≥ `DISAGREEMENT_POINTS`, scores the model all but set aside, and review
   designs falling apart into unconnected groups are reported.
4. Tiers: the top `special` eligible works are proposed 特别优秀, the next up to `excellent` 优秀. A
   work is eligible when it is fully scored and has no open originality question (`eligible`, a
   flag set where the reason is found, not read back from a note). A tie on a boundary keeps all
   tied works in the higher tier, and says so.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from tasks.findings import Check, Finding, Status
from tasks.judging.calibration import Calibration, calibrate
from tasks.judging.rubric import TIER_EXCELLENT, TIER_SPECIAL

DISAGREEMENT_POINTS = 30.0  # max − min of a work's raw totals that asks for a second look
BIAS_POINTS = 10.0  # an expert's bias distance from the others' below which nobody is flagged
MIN_SHARED_FOR_ORDER = 4
SET_ASIDE_WEIGHT = 0.5  # a score counted at less than half weight is named in its work's notes …
SET_ASIDE_POINTS = 10.0  # … when it is at least this far from what the model expected of it
MAD_TO_SD = 1.4826


class Scored(Protocol):
    """One expert's total for one work (a `scores.Score`, or a row of a long table)."""

    @property
    def work(self) -> str: ...
    @property
    def expert(self) -> str: ...
    @property
    def total(self) -> float: ...


@dataclass(frozen=True, slots=True)
class Total:
    work: str
    expert: str
    total: float


@dataclass(frozen=True, slots=True)
class TierPolicy:
    """How many works each tier gets: a share of the ranked works (< 1) or a count (≥ 1)."""

    special: float = 0.1
    excellent: float = 0.3  # cumulative: 特别优秀 and 优秀 together

    def counts(self, ranked: int) -> tuple[int, int]:
        def size(value: float) -> int:
            return int(value) if value >= 1 else max(1, round(value * ranked)) if ranked else 0

        special = min(size(self.special), ranked)
        return special, max(special, min(size(self.excellent), ranked))


@dataclass(slots=True)
class RankedWork:
    number: str
    rank: int | None
    score: float | None  # the model's estimate of the work's quality
    raw_mean: float | None
    scores: int
    expected: int
    spread: float | None  # max − min of the raw totals
    tier: str | None = None
    eligible: bool = True  # may be proposed: fully scored, no open originality question
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "work": self.number,
            "score": self.score,
            "rank": self.rank,
            "tier": self.tier,
            "raw_mean": self.raw_mean,
            "scores": self.scores,
            "expected": self.expected,
            "spread": self.spread,
            "eligible": self.eligible,
            "notes": self.notes,
        }


@dataclass(slots=True)
class Ranking:
    works: list[RankedWork]
    normalised: pd.DataFrame  # one row per score: work, expert, total, calibrated, expected, weight, group
    agreement_raw: float | None
    agreement_normalised: float | None  # after calibration
    findings: list[Finding] = field(default_factory=list)
    ties: list[list[str]] = field(default_factory=list)
    calibration: Calibration | None = None

    def proposal(self) -> dict[str, list[str]]:
        return {
            tier: [w.number for w in self.works if w.tier == tier] for tier in (TIER_SPECIAL, TIER_EXCELLENT)
        }


def scores_frame(scores: Sequence[Scored]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"work": s.work, "expert": s.expert, "total": float(s.total)} for s in scores],
        columns=["work", "expert", "total"],
    )


def _robust_spread(values: pd.Series) -> float:
    if len(values) < 2:
        return 0.0
    mad = float((values - values.median()).abs().median()) * MAD_TO_SD
    return mad if mad > 0 else float(values.std(ddof=0))


def icc1(frame: pd.DataFrame, column: str) -> float | None:
    """ICC(1): one-way random effects, works as groups (unbalanced), over works with ≥ 2 scores."""
    groups = [g[column].to_numpy(float) for _, g in frame.groupby("work") if len(g) >= 2]
    a = len(groups)
    n = sum(len(g) for g in groups)
    if a < 2 or n <= a:
        return None
    grand = np.concatenate(groups).mean()
    msb = sum(len(g) * (g.mean() - grand) ** 2 for g in groups) / (a - 1)
    msw = sum(((g - g.mean()) ** 2).sum() for g in groups) / (n - a)
    n0 = (n - sum(len(g) ** 2 for g in groups) / n) / (a - 1)
    denominator = msb + (n0 - 1) * msw
    return None if denominator <= 0 else round(float((msb - msw) / denominator), 3)


def agreement_label(value: float | None) -> str:
    """Koo & Li (2016) bands, in Chinese."""
    if value is None:
        return "无法计算（评分不足）"
    if value < 0.5:
        return "较差"
    if value < 0.75:
        return "一般"
    if value < 0.9:
        return "良好"
    return "优秀"


def _expert_findings(calibration: Calibration) -> list[Finding]:
    """Experts far from the others: a bias well outside the others' biases, or an order reversed
    against their co-reviewers' calibrated scores of the same works (Spearman's rank correlation,
    so that one wild score does not make an order look reversed)."""
    frame = calibration.frame
    if frame.empty:
        return []
    # What the co-reviewers of each score said: their calibrated scores, weighted as the model counted them.
    weighted = frame.assign(product=frame["weight"] * frame["calibrated"]).groupby("work")
    weight_sum = weighted["weight"].transform("sum") - frame["weight"]
    others = (weighted["product"].transform("sum") - frame["weight"] * frame["calibrated"]) / weight_sum
    shared = frame.assign(others=others)[weighted["weight"].transform("count") > 1]
    biases = calibration.bias
    centre = float(biases.median())
    limit = max(BIAS_POINTS, 3 * _robust_spread(biases))
    correlations: dict[str, float] = {}
    for expert, group in shared.groupby("expert", sort=True):
        if len(group) >= MIN_SHARED_FOR_ORDER and group["total"].std() > 0 and group["others"].std() > 0:
            correlations[str(expert)] = float(spearmanr(group["total"], group["others"]).statistic)
    # Reversed order only stands out when the others agree with each other.
    others_agree = len(correlations) >= 3 and float(np.median(list(correlations.values()))) > 0.3
    counts = frame.groupby("expert").size()
    findings = []
    for expert, bias in biases.items():
        name, corr, count = str(expert), correlations.get(str(expert)), int(counts[expert])
        evidence = {
            "expert": name,
            "bias": round(float(bias), 2),
            "scale": round(float(calibration.scale[expert]), 3),
            "correlation": None if corr is None else round(corr, 3),
            "scores": count,
        }
        if abs(bias - centre) > limit:
            direction = "高" if bias > 0 else "低"
            findings.append(
                Finding(
                    Check.EXPERT_OUTLIER,
                    Status.WARN,
                    f"专家{name}的评分比平均专家{direction}{abs(bias):.1f}分（{count}件作品），"
                    "明显偏离其他专家；已由评分模型校正，建议复核",
                    evidence,
                    stage="judging",
                )
            )
        elif corr is not None and corr < 0 and others_agree:
            findings.append(
                Finding(
                    Check.EXPERT_OUTLIER,
                    Status.WARN,
                    f"专家{name}对{count}件作品的高低排序与同组专家相反（等级相关系数{corr:.2f}），建议复核",
                    evidence,
                    stage="judging",
                )
            )
    return findings


def _groups_finding(calibration: Calibration) -> list[Finding]:
    if calibration.groups <= 1:
        return []
    frame = calibration.frame
    sizes = sorted((int(n) for n in frame.groupby("group")["work"].nunique()), reverse=True)
    return [
        Finding(
            Check.SCORES,
            Status.WARN,
            f"评审分配分成{calibration.groups}个互不相连的组（各组作品数：{'、'.join(map(str, sizes))}），"
            "组与组之间没有共同的评审专家；组间比较假定各组专家平均宽严相同，建议增派跨组专家复评",
            {"groups": calibration.groups, "works": sizes},
            stage="judging",
        )
    ]


def _set_aside(group: pd.DataFrame) -> list[str]:
    """Notes for the scores of one work that the model counted at less than half weight."""
    notes = []
    for _, row in group.iterrows():
        gap = float(row["total"] - row["expected"])
        if row["weight"] < SET_ASIDE_WEIGHT and abs(gap) >= SET_ASIDE_POINTS:
            direction = "高" if gap > 0 else "低"
            notes.append(
                f"专家{row['expert']}的{row['total']:g}分比按其宽严预期的{row['expected']:.0f}分"
                f"{direction}{abs(gap):.0f}分，计入权重{row['weight']:.2f}"
            )
    return notes


def rank(
    scores: Sequence[Scored],
    assigned: Mapping[str, Collection[str]],
    policy: TierPolicy = TierPolicy(),
    flagged: Collection[str] = (),
    copies: Collection[str] = (),
) -> Ranking:
    """Rank every assigned work; propose tiers among the eligible ones. `flagged` works (an open
    originality pair, or a confirmed copy, listed in `copies` too) are ranked but not proposed."""
    calibration = calibrate(scores_frame(scores))
    frame = calibration.frame
    by_work = {str(work): group for work, group in frame.groupby("work")} if not frame.empty else {}
    works: list[RankedWork] = []
    findings: list[Finding] = []
    for number in sorted(assigned):
        group = by_work.get(number)
        expected = len(assigned[number])
        if group is None or group.empty:
            works.append(
                RankedWork(number, None, None, None, 0, expected, None, eligible=False, notes=["尚无评分"])
            )
            continue
        totals = group["total"]
        item = RankedWork(
            number,
            None,
            round(float(calibration.quality[number]), 2),
            round(float(totals.mean()), 2),
            len(group),
            expected,
            round(float(totals.max() - totals.min()), 2),
        )
        if item.scores < expected:
            item.eligible = False
            item.notes.append(f"评分未完成（{item.scores}/{expected}）")
        if number in copies:
            item.eligible = False
            item.notes.append("经核实为抄袭作品，不予推荐")
        elif number in flagged:
            item.eligible = False
            item.notes.append("存在原创性疑点，待核实")
        if item.spread is not None and item.spread >= DISAGREEMENT_POINTS and len(group) >= 2:
            low, high = float(totals.min()), float(totals.max())
            item.notes.append(f"专家评分相差{item.spread:g}分")
            findings.append(
                Finding(
                    Check.DISAGREEMENT,
                    Status.WARN,
                    f"编号{number}的专家评分相差{item.spread:g}分（{low:g}–{high:g}），建议复议",
                    {"work": number, "spread": item.spread},
                    stage="judging",
                )
            )
        item.notes += _set_aside(group)
        works.append(item)

    scored = sorted(
        (w for w in works if w.score is not None),
        key=lambda w: (-(w.score or 0.0), w.number),  # set for every scored work
    )
    ties: list[list[str]] = []
    previous: RankedWork | None = None
    for position, item in enumerate(scored, start=1):
        if previous is not None and previous.score == item.score:
            item.rank = previous.rank
            if ties and previous.number in ties[-1]:
                ties[-1].append(item.number)
            else:
                ties.append([previous.number, item.number])
        else:
            item.rank = position
        previous = item
    for group_numbers in ties:
        first = next(w for w in scored if w.number == group_numbers[0])
        findings.append(
            Finding(
                Check.TIE,
                Status.WARN,
                f"编号{'、'.join(group_numbers)}并列第{first.rank}名（{first.score:g}分）",
                {"works": group_numbers, "rank": first.rank, "score": first.score},
                stage="judging",
            )
        )
    findings += _propose(scored, policy)
    ordered = scored + [w for w in works if w.score is None]
    findings = _groups_finding(calibration) + _expert_findings(calibration) + findings
    raw = icc1(frame, "total") if not frame.empty else None
    calibrated = icc1(frame, "calibrated") if not frame.empty else None
    return Ranking(ordered, frame, raw, calibrated, findings, ties, calibration)


def _propose(scored: list[RankedWork], policy: TierPolicy) -> list[Finding]:
    candidates = [w for w in scored if w.eligible]
    special, excellent = policy.counts(len(candidates))
    findings = []
    for tier, limit in ((TIER_SPECIAL, special), (TIER_EXCELLENT, excellent)):
        placed = sum(1 for w in candidates if w.tier is not None)
        for index, item in enumerate(candidates):
            if item.tier is not None:
                continue
            if placed >= limit and not _tied_with_previous(candidates, index, tier):
                break
            if placed >= limit:
                findings.append(
                    Finding(
                        Check.TIER_BOUNDARY,
                        Status.WARN,
                        f"编号{item.number}与上一名并列，超出{tier}建议名额（{limit}件）仍暂列{tier}，请审批时确定",
                        {"work": item.number, "tier": tier, "limit": limit},
                        stage="judging",
                    )
                )
            item.tier = tier
            placed += 1
    return findings


def _tied_with_previous(candidates: list[RankedWork], index: int, tier: str) -> bool:
    if index == 0:
        return False
    before = candidates[index - 1]
    return before.tier == tier and before.rank == candidates[index].rank
