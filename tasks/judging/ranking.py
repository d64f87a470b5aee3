"""Aggregating the scores robustly and proposing the list (notice 六).

1. Per-expert normalisation: every expert's totals are put on the common scale,
   z = (x − median of that expert) / spread of that expert, then
   normalised = overall median + z × overall spread, kept within 0–100. Spreads are robust
   (1.4826 × MAD, the standard deviation when the MAD is 0); an expert's spread is shrunk towards
   the overall one as if `PRIOR_SCORES` more scores had the overall spread, so that four scores
   with a tiny MAD cannot blow up the scale. A lenient and a severe expert thus count alike. An
   expert with fewer than `MIN_FOR_SCALE` scores is only shifted by their median; one with a single
   score is taken as is.
2. A work's score is the median of its normalised scores (one expert far off cannot move it); the
   mean of the normalised scores breaks ties; works equal on both are tied and share a rank.
3. Agreement: ICC(1) of the totals (one-way random effects, unbalanced groups), before and after
   normalisation. Experts whose scores sit far from their co-reviewers' (bias or reversed order)
   and works whose experts disagree widely are flagged.
4. Tiers: the top `special` works are proposed 特别优秀, the next up to `excellent` 优秀. A tie on a
   boundary keeps all tied works in the higher tier, and says so. Works not fully scored, or with an
   open originality question, are ranked but not proposed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tasks.findings import Check, Finding, Status
from tasks.judging.rubric import TIER_EXCELLENT, TIER_SPECIAL
from tasks.judging.scores import Score

MIN_FOR_SCALE = 3
PRIOR_SCORES = 3
MAD_TO_SD = 1.4826
DISAGREEMENT_POINTS = 30.0  # max − min of a work's raw totals that asks for a second look
BIAS_POINTS = 10.0  # an expert's mean distance from co-reviewers below which nobody is flagged
MIN_SHARED_FOR_ORDER = 4


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
    score: float | None  # median of normalised scores
    mean: float | None  # mean of normalised scores (tie-break)
    raw_mean: float | None
    scores: int
    expected: int
    spread: float | None
    tier: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "work": self.number,
            "rank": self.rank,
            "score": self.score,
            "mean": self.mean,
            "raw_mean": self.raw_mean,
            "scores": self.scores,
            "expected": self.expected,
            "spread": self.spread,
            "tier": self.tier,
            "notes": self.notes,
        }


@dataclass(slots=True)
class Ranking:
    works: list[RankedWork]
    normalised: pd.DataFrame  # one row per score: work, expert, total, normalised
    agreement_raw: float | None
    agreement_normalised: float | None
    findings: list[Finding] = field(default_factory=list)
    ties: list[list[str]] = field(default_factory=list)

    def proposal(self) -> dict[str, list[str]]:
        return {
            tier: [w.number for w in self.works if w.tier == tier] for tier in (TIER_SPECIAL, TIER_EXCELLENT)
        }


def scores_frame(scores: Sequence[Score]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"work": s.work, "expert": s.expert, "total": float(s.total)} for s in scores],
        columns=["work", "expert", "total"],
    )


def _robust_spread(values: pd.Series) -> float:
    if len(values) < 2:
        return 0.0
    mad = float((values - values.median()).abs().median()) * MAD_TO_SD
    return mad if mad > 0 else float(values.std(ddof=0))


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """Add `normalised`: each expert's totals on the common scale (see the module's note)."""
    frame = frame.copy()
    if frame.empty:
        frame["normalised"] = pd.Series(dtype=float)
        return frame
    centre = float(frame["total"].median())
    spread = _robust_spread(frame["total"]) or 1.0
    out = frame["total"].astype(float).copy()
    for _expert, group in frame.groupby("expert", sort=True):
        values = group["total"].astype(float)
        own_centre = float(values.median())
        n = len(values)
        own_spread = np.sqrt(
            (n * _robust_spread(values) ** 2 + PRIOR_SCORES * spread**2) / (n + PRIOR_SCORES)
        )
        if n >= MIN_FOR_SCALE and own_spread > 0:
            out.loc[group.index] = centre + (values - own_centre) / own_spread * spread
        elif len(values) >= 2:
            out.loc[group.index] = values - own_centre + centre
    frame["normalised"] = out.clip(0, 100).round(4)
    return frame


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


def _expert_findings(frame: pd.DataFrame) -> list[Finding]:
    """Experts far from their co-reviewers: a bias well outside the others', or reversed order."""
    rows = []
    for expert, group in frame.groupby("expert", sort=True):
        diffs, own, others = [], [], []
        for _, item in group.iterrows():
            peers = frame[(frame["work"] == item["work"]) & (frame["expert"] != expert)]["total"]
            if len(peers):
                diffs.append(item["total"] - peers.mean())
                own.append(item["total"])
                others.append(peers.mean())
        if diffs:
            corr = None
            if len(own) >= MIN_SHARED_FOR_ORDER and np.std(own) > 0 and np.std(others) > 0:
                corr = float(np.corrcoef(own, others)[0, 1])
            rows.append((expert, float(np.mean(diffs)), corr, len(diffs)))
    if not rows:
        return []
    biases = pd.Series([r[1] for r in rows])
    centre = float(biases.median())
    correlations = [r[2] for r in rows if r[2] is not None]
    # Reversed order only stands out when the others agree with each other.
    others_agree = len(correlations) >= 3 and float(np.median(correlations)) > 0.3
    limit = max(BIAS_POINTS, 3 * _robust_spread(biases))
    findings = []
    for expert, bias, corr, shared in rows:
        evidence = {"expert": expert, "bias": round(bias, 2), "correlation": corr, "shared_works": shared}
        if abs(bias - centre) > limit:
            direction = "高" if bias > 0 else "低"
            findings.append(
                Finding(
                    Check.EXPERT_OUTLIER,
                    Status.WARN,
                    f"专家{expert}的评分平均比同组专家{direction}{abs(bias):.1f}分（{shared}件作品），"
                    "明显偏离其他专家；已通过标准化校正，建议复核",
                    evidence,
                    stage="judging",
                )
            )
        elif corr is not None and corr < 0 and others_agree:
            findings.append(
                Finding(
                    Check.EXPERT_OUTLIER,
                    Status.WARN,
                    f"专家{expert}对{shared}件作品的高低排序与同组专家相反（相关系数{corr:.2f}），建议复核",
                    evidence,
                    stage="judging",
                )
            )
    return findings


def rank(
    scores: Sequence[Score],
    assigned: Mapping[str, Collection[str]],
    policy: TierPolicy = TierPolicy(),
    flagged: Collection[str] = (),
) -> Ranking:
    """Rank every assigned work; propose tiers among the fully scored, unflagged ones."""
    frame = normalise(scores_frame(scores))
    by_work = {work: group for work, group in frame.groupby("work")} if not frame.empty else {}
    works: list[RankedWork] = []
    findings: list[Finding] = []
    for number in sorted(assigned):
        group = by_work.get(number)
        expected = len(assigned[number])
        if group is None or group.empty:
            works.append(RankedWork(number, None, None, None, None, 0, expected, None, notes=["尚无评分"]))
            continue
        totals = group["total"]
        item = RankedWork(
            number,
            None,
            round(float(group["normalised"].median()), 2),
            round(float(group["normalised"].mean()), 2),
            round(float(totals.mean()), 2),
            len(group),
            expected,
            round(float(totals.max() - totals.min()), 2),
        )
        if item.scores < expected:
            item.notes.append(f"评分未完成（{item.scores}/{expected}）")
        if number in flagged:
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
        works.append(item)

    scored = sorted(
        (w for w in works if w.score is not None),
        key=lambda w: (-(w.score or 0.0), -(w.mean or 0.0), w.number),  # both set for every scored work
    )
    ties: list[list[str]] = []
    previous: RankedWork | None = None
    for position, item in enumerate(scored, start=1):
        if previous is not None and (previous.score, previous.mean) == (item.score, item.mean):
            item.rank = previous.rank
            if ties and previous.number in ties[-1]:
                ties[-1].append(item.number)
            else:
                ties.append([previous.number, item.number])
        else:
            item.rank = position
        previous = item
    for group in ties:
        first = next(w for w in scored if w.number == group[0])
        findings.append(
            Finding(
                Check.TIE,
                Status.WARN,
                f"编号{'、'.join(group)}并列第{first.rank}名（{first.score:g}分）",
                {"works": group, "rank": first.rank, "score": first.score},
                stage="judging",
            )
        )
    findings += _propose(scored, policy)
    ordered = scored + [w for w in works if w.score is None]
    findings = _expert_findings(frame) + findings
    raw = icc1(frame, "total") if not frame.empty else None
    norm = icc1(frame, "normalised") if not frame.empty else None
    return Ranking(ordered, frame, raw, norm, findings, ties)


def _propose(scored: list[RankedWork], policy: TierPolicy) -> list[Finding]:
    candidates = [w for w in scored if not w.notes or all(n.startswith("专家评分相差") for n in w.notes)]
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
