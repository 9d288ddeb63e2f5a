"""The classical test theory numbers behind item analysis, on a complete score matrix
(students × parts, floats, no missing marks). An undefined number comes back as None with
a one-line reason, never as NaN."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["GROUP_SHARE", "Value", "cronbach_alpha", "group_size", "group_weights", "has_spread",
           "item_rest_r", "measurement_error", "upper_lower_index"]

#: Kelley's 27%: the share of students in each of the upper and lower groups.
GROUP_SHARE = 0.27

Value = tuple[float | None, str]


def has_spread(values: np.ndarray) -> bool:
    """Whether the values are not all equal (beyond float rounding of sums of marks)."""
    if values.size < 2:
        return False
    scale = max(1.0, float(np.abs(values).max()))
    return float(values.max() - values.min()) > 1e-9 * scale


def group_size(n: int) -> int:
    """Students in each of the upper and lower groups: 27% of n, rounded half up, at least 1."""
    return max(1, math.floor(GROUP_SHARE * n + 0.5)) if n else 0


def group_weights(totals: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Membership weights of the upper and lower groups, and the group size g.

    Students are ranked by total score. Those strictly above the g-th highest total belong
    to the upper group with weight 1; those tied with it share the places left equally, so
    the weights add up to exactly g and no student's place depends on the order of the rows.
    The lower group is the same from the bottom. Totals equal to 9 decimals count as tied."""
    g = group_size(totals.size)
    key = np.round(totals, 9)
    return _top_weights(key, g), _top_weights(-key, g), g


def _top_weights(key: np.ndarray, g: int) -> np.ndarray:
    weights = np.zeros(key.size)
    if g == 0:
        return weights
    cut = np.sort(key)[::-1][g - 1]
    above, tied = key > cut, key == cut
    weights[above] = 1.0
    weights[tied] = (g - int(above.sum())) / int(tied.sum())
    return weights


def item_rest_r(scores: np.ndarray) -> list[Value]:
    """Corrected point-biserial per part: the Pearson correlation of the part's marks with
    the total of the other parts (for a right/wrong part this is the point-biserial r)."""
    n, k = scores.shape
    if n < 2:
        return [(None, "needs at least two students with every part marked")] * k
    rest = scores.sum(axis=1, keepdims=True) - scores
    centred, rest_centred = scores - scores.mean(axis=0), rest - rest.mean(axis=0)
    products = (centred * rest_centred).sum(axis=0)
    norms = np.sqrt((centred ** 2).sum(axis=0) * (rest_centred ** 2).sum(axis=0))
    values: list[Value] = []
    for j in range(k):
        if not has_spread(scores[:, j]):
            values.append((None, _same_mark(scores[:, j])))
        elif k < 2:
            values.append((None, "needs at least two parts (no rest of the exam to correlate with)"))
        elif not has_spread(rest[:, j]):
            values.append((None, "the other parts have the same total for every student"))
        else:
            values.append((float(np.clip(products[j] / norms[j], -1.0, 1.0)), ""))
    return values


def upper_lower_index(scores: np.ndarray, top: np.ndarray) -> list[Value]:
    """Upper–lower discrimination index per part: (mean mark in the upper 27% by total − mean
    mark in the lower 27%) / max marks, with ties at the group boundaries shared as in
    `group_weights`."""
    n, k = scores.shape
    totals = scores.sum(axis=1)
    if n < 2:
        return [(None, "needs at least two students with every part marked")] * k
    if not has_spread(totals):
        return [(None, "every student has the same total, so the upper and lower groups coincide")] * k
    upper, lower, g = group_weights(totals)
    index = (upper @ scores - lower @ scores) / g / top
    return [(float(np.clip(index[j], -1.0, 1.0)), "") if has_spread(scores[:, j])
            else (None, _same_mark(scores[:, j])) for j in range(k)]


def _same_mark(column: np.ndarray) -> str:
    return f"every student scored the same on this part ({float(column.min()):.6g}): it cannot discriminate"


def cronbach_alpha(scores: np.ndarray) -> Value:
    """Cronbach's α = k/(k−1) · (1 − Σ var(part) / var(total)), sample variances."""
    n, k = scores.shape
    if k < 2:
        return None, "needs at least two parts"
    if n < 2:
        return None, "needs at least two students with every part marked"
    totals = scores.sum(axis=1)
    if not has_spread(totals):
        return None, "every student has the same total"
    ratio = float(scores.var(axis=0, ddof=1).sum() / totals.var(ddof=1))
    return min(1.0, k / (k - 1) * (1.0 - ratio)), ""


def measurement_error(totals: np.ndarray, alpha: float | None) -> Value:
    """Standard error of measurement, sd(total) · sqrt(1 − α)."""
    if alpha is None:
        return None, "needs Cronbach's α"
    if alpha < 0:
        return None, "Cronbach's α is negative, so the parts do not measure one thing"
    return float(totals.std(ddof=1) * math.sqrt(1.0 - alpha)), ""
