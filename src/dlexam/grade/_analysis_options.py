"""Distractor analysis for choice parts: how often each option was chosen, overall and by
the upper and lower groups, with a flag on options that do not work as intended."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["OptionStats", "option_stats"]

_NOISE = 1e-12


@dataclass(frozen=True)
class OptionStats:
    """One option of a choice part. Shares are fractions of the students who answered the
    part (`share`) or of the upper/lower 27% group (None when there are no groups)."""

    option: str
    is_key: bool | None  # None when the key was not given
    count: int
    share: float | None
    upper_share: float | None
    lower_share: float | None
    flag: str = ""


def option_stats(picks: Sequence[frozenset[str] | None], offered: Sequence[str], key: frozenset[str],
                 upper: np.ndarray, lower: np.ndarray, group: int) -> tuple[tuple[OptionStats, ...], int]:
    """The statistics of every offered option (in the order given) and of any other option a
    student chose (sorted after them), and the number of students who chose nothing.
    `upper` and `lower` are group weights per student (0 outside the group); `group` is the
    group size, 0 when no groups could be formed."""
    chosen_by: dict[str, list[int]] = defaultdict(list)
    for student, pick in enumerate(picks):
        for option in pick or ():
            chosen_by[option].append(student)
    counts = {option: len(students) for option, students in chosen_by.items()}
    answered = sum(1 for pick in picks if pick)
    offered_set = set(offered)
    extra = sorted((set(counts) | key) - offered_set)
    options = list(dict.fromkeys(offered)) + extra
    if not offered:
        offered_set = set(options)
    stats = []
    for option in options:
        chose = np.zeros(len(picks))
        chose[chosen_by.get(option, [])] = 1.0
        upper_share = float(upper @ chose) / group if group else None
        lower_share = float(lower @ chose) / group if group else None
        is_key = option in key if key else None
        count = counts.get(option, 0)
        flag = _flag(option in offered_set, is_key, count, upper_share, lower_share)
        share = count / answered if answered else None
        stats.append(OptionStats(option, is_key, count, share, upper_share, lower_share, flag))
    return tuple(stats), len(picks) - answered


def _flag(offered: bool, is_key: bool | None, count: int, upper: float | None, lower: float | None) -> str:
    if not offered:
        return "not one of the offered options"
    if count == 0:
        return {True: "the key was never chosen: check the key", False: "never chosen, so it does not work"
                " as a distractor", None: "never chosen"}[is_key]
    if upper is None or lower is None or is_key is None:
        return ""
    if not is_key and upper > lower + _NOISE:
        return "chosen more by the upper group than the lower: check the key and the wording"
    if is_key and upper + _NOISE < lower:
        return "the key is chosen more by the lower group than the upper: check the key"
    return ""
