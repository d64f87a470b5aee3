"""How well the ranking recovers the true order on confounded review designs.

Usage: python bench/ranking.py [--instances 12] [--works 150] [--experts 12] [--k 3] [--seed 1]
                               [--bias-sd 8] [--scale-sd 0.3] [--wild 0.025]

Each instance simulates what judging faces (nothing here is fitted to the model being measured):
  - five categories of different strength (true quality = 72 + the category's offset + N(0, 7));
  - experts with one or two specialities, a unit each, a severity (bias ~ N(0, 8) points) and a
    scale (log-normal, SD 0.3: some stretch their scores, some squeeze them);
  - the real assignment (`tasks.judging.assignment.assign`, k experts per work, speciality first,
    no expert of the work's own unit), so who reviews what is confounded with quality;
  - noise N(0, 4) on every total, rounded to whole points within 0–100, and one score in 40 wild
    (uniform over 40–95: a misread sheet, an expert who misunderstood the rubric).
The severity, scale and wild share are options: how far the raw mean falls behind depends mostly on
how much the experts differ.
It prints, per method, the mean over the instances of: recall of the true top 10 % and top 30 %
(the share of those works that the method puts in its own top 10 % / 30 %) and Spearman's rank
correlation with the true quality; then the time per instance and its ratio to additive least
squares timed in the same run. Methods:
  - raw mean: the mean of a work's totals;
  - previous: the per-expert median/MAD normalisation and median the ranking used before (kept
    here only as the baseline);
  - additive LS: total = quality + expert bias, ordinary least squares over all scores;
  - model: `tasks.judging.calibration.calibrate` (robust, with expert scales), what `ranking` uses;
  - oracle: the mean of the scores corrected with the TRUE severities and scales, which no method
    knows: a ceiling for methods that average, not a method.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import lsqr
from scipy.stats import spearmanr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tasks.judging.assignment import assign  # noqa: E402
from tasks.judging.calibration import calibrate  # noqa: E402
from tasks.judging.model import Expert, Work  # noqa: E402
from tasks.rules import DEFAULT_RULES  # noqa: E402

STRENGTH = dict(zip(DEFAULT_RULES.categories, (6.0, 3.0, 0.0, -3.0, -6.0), strict=True))
CENTRE = 72.0


@dataclass(frozen=True, slots=True)
class Setting:
    works: int = 150
    experts: int = 12
    k: int = 3
    bias_sd: float = 8.0
    scale_sd: float = 0.3
    wild: float = 1 / 40


@dataclass(slots=True)
class Instance:
    scores: pd.DataFrame  # work, expert, total
    quality: pd.Series  # the truth, by work
    bias: dict[str, float]
    scale: dict[str, float]


def instance(setting: Setting, seed: int) -> Instance:
    rng = random.Random(seed)
    gen = np.random.default_rng(seed)
    units = [f"单位{i:02d}" for i in range(20)]
    works, experts, k = setting.works, setting.experts, setting.k
    cap = int(works * k / experts * 1.15) + 1
    roster = [
        Expert(
            f"专家{i:02d}",
            rng.choice(units),
            frozenset(rng.sample(DEFAULT_RULES.categories, rng.randint(1, 2))),
            cap,
        )
        for i in range(experts)
    ]
    items = [
        Work(f"{i:04d}", f"作品{i}", rng.choice(units), rng.choice(DEFAULT_RULES.categories))
        for i in range(works)
    ]
    quality = pd.Series(
        [CENTRE + STRENGTH[str(w.category)] + gen.normal(0, 7) for w in items],
        index=[w.number for w in items],
    )
    bias = {e.name: float(gen.normal(0, setting.bias_sd)) for e in roster}
    scale = {e.name: float(np.exp(gen.normal(0, setting.scale_sd))) for e in roster}
    result = assign(items, roster, k)
    rows = []
    for number, names in result.experts.items():
        for name in names:
            total = CENTRE + bias[name] + scale[name] * (quality[number] - CENTRE) + gen.normal(0, 4)
            if gen.random() < setting.wild:
                total = gen.uniform(40, 95)
            rows.append((number, name, float(np.clip(round(total), 0, 100))))
    return Instance(pd.DataFrame(rows, columns=["work", "expert", "total"]), quality, bias, scale)


def raw_mean(case: Instance) -> pd.Series:
    return case.scores.groupby("work")["total"].mean()


def previous(case: Instance) -> pd.Series:
    """The normalisation the ranking used before: per-expert median/MAD z-scores on the common
    scale (spread shrunk towards the overall one as if 3 more scores had it), median per work, the
    mean breaking ties."""

    def spread_of(values: pd.Series) -> float:
        if len(values) < 2:
            return 0.0
        mad = float((values - values.median()).abs().median()) * 1.4826
        return mad if mad > 0 else float(values.std(ddof=0))

    frame = case.scores
    centre = float(frame["total"].median())
    spread = spread_of(frame["total"]) or 1.0
    out = frame["total"].astype(float).copy()
    for _expert, group in frame.groupby("expert"):
        values = group["total"].astype(float)
        n = len(values)
        own = np.sqrt((n * spread_of(values) ** 2 + 3 * spread**2) / (n + 3))
        if n >= 3 and own > 0:
            out.loc[group.index] = centre + (values - values.median()) / own * spread
        elif n >= 2:
            out.loc[group.index] = values - values.median() + centre
    normalised = frame.assign(normalised=out.clip(0, 100))
    grouped = normalised.groupby("work")["normalised"]
    return grouped.median() + grouped.mean() * 1e-6


def additive(case: Instance) -> pd.Series:
    """total = quality + bias, least squares over all scores (biases summing to 0)."""
    frame = case.scores
    works, work_names = pd.factorize(frame["work"], sort=True)
    experts, _ = pd.factorize(frame["expert"], sort=True)
    n, w = len(frame), len(work_names)
    e = int(experts.max()) + 1
    rows = np.concatenate([np.arange(n), np.arange(n), np.full(e, n)])
    columns = np.concatenate([works, w + experts, w + np.arange(e)])
    design = sparse.csr_matrix((np.ones(2 * n + e), (rows, columns)), shape=(n + 1, w + e))
    target = np.concatenate([frame["total"].to_numpy(float), [0.0]])
    solution = lsqr(design, target, atol=1e-12, btol=1e-12)[0]
    return pd.Series(solution[:w], index=list(work_names))


def model(case: Instance) -> pd.Series:
    return calibrate(case.scores).quality


def oracle(case: Instance) -> pd.Series:
    frame = case.scores
    expert = frame["expert"]
    corrected = CENTRE + (frame["total"] - CENTRE - expert.map(case.bias)) / expert.map(case.scale)
    return corrected.groupby(frame["work"]).mean()


METHODS = (
    ("raw mean", raw_mean),
    ("previous", previous),
    ("additive LS", additive),
    ("model", model),
    ("oracle", oracle),
)


def recall(estimate: pd.Series, truth: pd.Series, share: float) -> float:
    top = max(1, round(share * len(truth)))
    return len(set(estimate.nlargest(top).index) & set(truth.nlargest(top).index)) / top


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=12)
    parser.add_argument("--works", type=int, default=150)
    parser.add_argument("--experts", type=int, default=12)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bias-sd", type=float, default=8.0, help="experts' severity SD (points)")
    parser.add_argument("--scale-sd", type=float, default=0.3, help="SD of the log of experts' scales")
    parser.add_argument("--wild", type=float, default=1 / 40, help="share of wild scores")
    args = parser.parse_args()
    setting = Setting(args.works, args.experts, args.k, args.bias_sd, args.scale_sd, args.wild)
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _ in METHODS}
    seconds: dict[str, float] = {name: 0.0 for name, _ in METHODS}
    for index in range(args.instances):
        case = instance(setting, args.seed + index)
        truth = case.quality
        for name, method in METHODS:
            started = time.perf_counter()
            estimate = method(case).reindex(truth.index)
            seconds[name] += time.perf_counter() - started
            rho = float(spearmanr(estimate, truth).statistic)
            figures[name].append((recall(estimate, truth, 0.1), recall(estimate, truth, 0.3), rho))
    print(
        f"{args.instances} instances of {args.works} works × {args.experts} experts × {args.k} reviews "
        f"(seeds {args.seed}–{args.seed + args.instances - 1}); severity SD {args.bias_sd:g} points, "
        f"scale SD {args.scale_sd:g} (log), wild scores {args.wild:.1%}"
    )
    print(
        f"{'method':<12}{'top-10 % recall':>17}{'top-30 % recall':>17}{'Spearman':>10}"
        f"{'time/instance':>15}{'× additive LS':>15}"
    )
    for name, _ in METHODS:
        top10, top30, rho = np.mean(figures[name], axis=0)
        per = seconds[name] / args.instances
        ratio = seconds[name] / seconds["additive LS"]
        print(f"{name:<12}{top10:>17.3f}{top30:>17.3f}{rho:>10.3f}{per * 1000:>12.1f} ms{ratio:>14.1f}×")
    base = np.mean(figures["raw mean"], axis=0)
    ls = np.mean(figures["additive LS"], axis=0)
    new = np.mean(figures["model"], axis=0)
    print(
        f"\nmodel − raw mean: top-10 % {new[0] - base[0]:+.3f} (goal ≥ +0.100); "
        f"model − additive LS: top-10 % {new[0] - ls[0]:+.3f}, Spearman {new[2] - ls[2]:+.3f} (goal ≥ 0)"
    )


if __name__ == "__main__":
    main()
