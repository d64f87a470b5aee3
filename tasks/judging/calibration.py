"""The scoring model: every total explained by the quality of the work and the expert's habits,
fitted over all scores at once (robust least squares, SciPy).

    total(work w, expert e) = m + bias_e + scale_e × (quality_w − m) + noise

m is the median of all totals (a fixed centre, so that bias_e is the expert's leniency at a typical
score and scale_e how far they stretch scores around it). quality_w is the score the work would get
from an average expert: it is the work's score in the ranking.

- **Robust**: the scores' residuals go through the pseudo-Huber loss 2c²(√(1 + (r/c)²) − 1) with
  c = `ROBUST_K` noise SDs (the noise SD estimated from the median absolute residual): quadratic for
  ordinary residuals, linear for far ones, so one wild score cannot pull its work further than about
  c / (the work's other scores). It is SciPy's soft_l1 loss, applied to the scores only.
- **Expert bias**: every expert has one, under a Gaussian prior N(0, `BIAS_PRIOR_SD`²) (a ridge).
  The prior is what fixes the level when nothing else does: within each group of experts and works
  connected by shared reviews the biases average 0, so groups that share no expert (a disconnected
  design) are compared as if their experts were, on average, equally strict.
- **Expert scale**: estimated (as a log, under N(0, `SCALE_PRIOR_SD`²)) only for experts with at
  least `MIN_FOR_SCALE` scores; the others keep scale 1 and are only shifted.
- Works with one score get that score, calibrated for its expert; a work with no score is not in
  the model.

The fit is `scipy.optimize.least_squares` (trust-region reflective, sparse Jacobian, LSMR steps):
an additive least-squares pass gives the start, a pass close to least absolute deviations the
robust noise estimate, then `ROBUST_PASSES` pseudo-Huber passes with the scales, each followed by a
new noise estimate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import least_squares
from scipy.sparse.csgraph import connected_components

MIN_FOR_SCALE = 6  # scores an expert needs before their own scale is estimated
BIAS_PRIOR_SD = 10.0  # points: experts' leniencies are taken to lie mostly within ±2 × this
SCALE_PRIOR_SD = 0.3  # experts' scales are taken to lie mostly within ×0.55–1.8 (log-normal)
ROBUST_K = 1.345  # the loss turns from quadratic to linear around this many noise SDs
NOISE_FLOOR = 1.0  # points: the noise SD is never taken below this (totals are rounded)
MAD_TO_SD = 1.4826
ROBUST_PASSES = 2


@dataclass(slots=True)
class Calibration:
    centre: float  # m
    quality: pd.Series  # work → estimated quality (points, as an average expert would score it)
    bias: pd.Series  # expert → leniency at the centre (points; > 0 lenient)
    scale: pd.Series  # expert → stretch around the centre (1 = average)
    noise: float  # SD of a score around the model (points)
    groups: int  # connected groups of experts and works
    # One row per score: work, expert, total; calibrated (the total as the average expert would have
    # given it), expected (the model's value), weight (how much it counts, 0–1), group (connected).
    frame: pd.DataFrame


def _robust_sd(values: np.ndarray) -> float:
    if len(values) == 0:
        return 0.0
    return float(np.median(np.abs(values - np.median(values)))) * MAD_TO_SD


def _on_scores(count: int, robust: bool) -> Callable[[np.ndarray], np.ndarray]:
    """A loss for least_squares (its convention: z = (f / f_scale)²): on the first `count` residuals
    (the scores) the pseudo-Huber loss 2(√(1 + z) − 1) when `robust`, squares otherwise; the ridge
    residuals after them always squares."""

    def loss(z: np.ndarray) -> np.ndarray:
        out = np.empty((3, len(z)))
        out[0], out[1], out[2] = z, 1.0, 0.0
        if robust:
            root = np.sqrt(1 + z[:count])
            out[0, :count], out[1, :count], out[2, :count] = 2 * (root - 1), 1 / root, -0.5 / root**3
        return out

    return loss


@dataclass(slots=True)
class _Design:
    work: np.ndarray  # per score: work index
    expert: np.ndarray  # per score: expert index
    total: np.ndarray
    works: int
    experts: int
    scaled: np.ndarray  # expert indices with their own scale

    def unpack(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        quality = params[: self.works]
        bias = params[self.works : self.works + self.experts]
        scale = np.ones(self.experts)
        scale[self.scaled] = np.exp(params[self.works + self.experts :])
        return quality, bias, scale


def _fit(
    design: _Design, centre: float, start: np.ndarray, noise: float, margin: float | None = None
) -> np.ndarray:
    """Minimise the loss of the scores' residuals plus the priors' ridge, each in points²
    (a Gaussian prior of SD τ on a parameter p is the residual noise × p / τ); the scores' loss is
    pseudo-Huber with the given margin (points), least squares without one."""
    n, w, e, s = len(design.total), design.works, design.experts, len(design.scaled)
    rows = np.arange(n)
    scaled_column = np.full(e, -1)
    scaled_column[design.scaled] = w + e + np.arange(s)
    has_scale = scaled_column[design.expert] >= 0
    ridge = np.concatenate([np.full(e, noise / BIAS_PRIOR_SD), np.full(s, noise / SCALE_PRIOR_SD)])

    def residuals(params: np.ndarray) -> np.ndarray:
        quality, bias, scale = design.unpack(params)
        predicted = centre + bias[design.expert] + scale[design.expert] * (quality[design.work] - centre)
        return np.concatenate([predicted - design.total, ridge * params[w:]])

    def jacobian(params: np.ndarray) -> sparse.csr_matrix:
        quality, _bias, scale = design.unpack(params)
        slope = scale[design.expert]
        lever = slope * (quality[design.work] - centre)
        data = np.concatenate([slope, np.ones(n), lever[has_scale], ridge])
        row = np.concatenate([rows, rows, rows[has_scale], n + np.arange(e + s)])
        column = np.concatenate(
            [design.work, w + design.expert, scaled_column[design.expert][has_scale], w + np.arange(e + s)]
        )
        return sparse.csr_matrix((data, (row, column)), shape=(n + e + s, w + e + s))

    result = least_squares(
        residuals,
        start,
        jac=jacobian,
        method="trf",
        tr_solver="lsmr",
        x_scale="jac",
        loss=_on_scores(n, margin is not None),
        f_scale=margin or 1.0,
    )
    return np.asarray(result.x)


def _noise(residual: np.ndarray, parameters: int) -> float:
    """The noise SD from the median absolute residual, corrected for the parameters fitted."""
    n = len(residual)
    if n <= parameters:
        return NOISE_FLOOR
    return max(NOISE_FLOOR, _robust_sd(residual) * float(np.sqrt(n / (n - parameters))))


def calibrate(frame: pd.DataFrame) -> Calibration:
    """Fit the model to `frame` (columns work, expert, total; one row per score)."""
    frame = frame.reset_index(drop=True).copy()
    totals = frame["total"].to_numpy(float)
    if frame.empty:
        empty = pd.Series(dtype=float)
        frame["calibrated"], frame["expected"], frame["weight"] = empty, empty, empty
        frame["group"] = pd.Series(dtype=int)
        return Calibration(0.0, empty, empty, empty, NOISE_FLOOR, 0, frame)
    work_codes, work_names = pd.factorize(frame["work"], sort=True)
    expert_codes, expert_names = pd.factorize(frame["expert"], sort=True)
    w, e = len(work_names), len(expert_names)
    centre = float(np.median(totals))
    graph = sparse.csr_matrix((np.ones(len(totals)), (work_codes, w + expert_codes)), shape=(w + e, w + e))
    groups, labels = connected_components(graph, directed=False)
    counts = np.bincount(expert_codes, minlength=e)
    work_means = frame.groupby(work_codes)["total"].mean().to_numpy(float)
    design = _Design(work_codes, expert_codes, totals, w, e, np.flatnonzero(counts >= MIN_FOR_SCALE))
    additive = _Design(work_codes, expert_codes, totals, w, e, np.array([], dtype=int))
    start = np.concatenate([work_means, np.zeros(e)])
    params = _fit(additive, centre, start, NOISE_FLOOR)
    params = _fit(additive, centre, params, NOISE_FLOOR, NOISE_FLOOR)  # close to least absolute deviations
    noise = _noise(_residual(additive, centre, params), w + e - groups)
    params = np.concatenate([params, np.zeros(len(design.scaled))])
    fitted = w + e + len(design.scaled) - groups
    for _ in range(ROBUST_PASSES):
        params = _fit(design, centre, params, noise, ROBUST_K * noise)
        noise = _noise(_residual(design, centre, params), fitted)
    quality, bias, scale = design.unpack(params)
    residual = _residual(design, centre, params)
    frame["calibrated"] = centre + (totals - centre - bias[expert_codes]) / scale[expert_codes]
    frame["expected"] = totals - residual
    frame["weight"] = 1 / np.sqrt(1 + (residual / (ROBUST_K * noise)) ** 2)  # the loss's ψ(r) / r
    frame["group"] = labels[work_codes]
    return Calibration(
        centre,
        pd.Series(quality, index=list(work_names)),
        pd.Series(bias, index=list(expert_names)),
        pd.Series(scale, index=list(expert_names)),
        noise,
        groups,
        frame,
    )


def _residual(design: _Design, centre: float, params: np.ndarray) -> np.ndarray:
    quality, bias, scale = design.unpack(params)
    predicted = centre + bias[design.expert] + scale[design.expert] * (quality[design.work] - centre)
    return np.asarray(design.total - predicted)
