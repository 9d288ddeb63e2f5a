"""The topic catalogue: one module per topic, found by scanning this package.

A topic module exposes a small interface and nothing else needs to change to add one:

    ID = "conv.output_shape"             # the id of ../shared/TOPICS.md
    TITLE = "Output shape of a convolution"
    PARAMS = {"input": REQUIRED, "stride": 1, ...}   # names in order, with defaults
    DECIMALS = 0                         # a seeded key's numbers have at most this many
                                         # decimal places (the hand-computable promise)
    CALCULATOR = False                   # optional: True if seeded keys may be irrational
                                         # (log 9, σ(0.3)); such questions allow a calculator
    def draw(rng: random.Random) -> dict # params of a hand-computable variant
    def build(params: dict) -> Question  # validate (ParamError), solve, explain
    def check(params, design) -> Verdict # design topics only: run a student's design
    def follow_through(params, part_id, given) -> Any | None
                                         # optional: error carried forward (grade/carry.py):
                                         # part_id's key recomputed from the student's own
                                         # values of the parts it depends on (`given`: part
                                         # id -> value as grade.parse.read gives it), None
                                         # when it cannot or a value used is trivial

`question(topic_id, params=... | seed=...)` is the one entry point callers use.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import random
from dataclasses import dataclass, replace
from functools import cache
from types import ModuleType
from typing import Any

from ..errors import DlexamError, UnknownTopicError
from ..model import Question, Verdict
from ._params import REQUIRED

__all__ = ["REQUIRED", "Topic", "all_topics", "get_topic", "question"]


@dataclass(frozen=True)
class Topic:
    """A topic module seen through its interface."""

    id: str
    title: str
    params: dict[str, Any]
    decimals: int | None
    calculator: bool
    module: ModuleType

    @property
    def summary(self) -> str:
        doc = (self.module.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else self.title

    def draw(self, seed: int) -> dict[str, Any]:
        """Params of the variant for `seed`: a private generator per (topic, seed), so a
        seed means the same numbers whatever else was drawn before."""
        return dict(self.module.draw(random.Random(f"{self.id}#{seed}")))

    def build(self, params: Any) -> Question:
        return self.module.build(params)

    @property
    def checks_designs(self) -> bool:
        return hasattr(self.module, "check")

    def check(self, params: Any, design: Any) -> Verdict:
        """Run a student's design (any JSON) against the question built from `params`.
        Never raises for a bad design: the Verdict says what is wrong with it."""
        if not self.checks_designs:
            raise DlexamError(f"{self.id} has no design to check; its parts are graded against the key")
        return self.module.check(params, design)

    @property
    def follows_through(self) -> bool:
        return hasattr(self.module, "follow_through")

    def follow_through(self, params: Any, part_id: str, given: dict[str, Any]) -> Any | None:
        """The key of `part_id` recomputed from the student's values `given` (part id → the value
        `grade.parse.read` gives), as the part's JSON answer; None when the topic cannot (a value
        of the wrong size, a division by zero) or will not (a trivial value: 0, 1, a copy of the
        input). Never raises for any `given`."""
        if not self.follows_through:
            return None
        try:
            return self.module.follow_through(params, part_id, given)
        except Exception:  # a last resort: no student value may crash the grader
            return None

    def question(self, *, params: Any = None, seed: int | None = None) -> Question:
        if (params is None) == (seed is None):
            raise DlexamError(f"{self.id}: give either params or a seed, not both or neither")
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
                raise DlexamError(f"{self.id}: seed must be a non-negative integer, got {seed!r}")
            return replace(self.build(self.draw(seed)), seed=seed)
        return self.build(params)


@cache
def _catalogue() -> dict[str, Topic]:
    found: dict[str, Topic] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        topic_id = getattr(module, "ID", None)
        if topic_id is None:
            continue
        if topic_id in found:
            raise RuntimeError(f"topic id {topic_id} is defined twice")
        found[topic_id] = Topic(
            topic_id, module.TITLE, dict(module.PARAMS), getattr(module, "DECIMALS", None),
            bool(getattr(module, "CALCULATOR", False)), module,
        )
    return dict(sorted(found.items()))


def all_topics() -> list[Topic]:
    return list(_catalogue().values())


def get_topic(topic_id: str) -> Topic:
    catalogue = _catalogue()
    if topic_id not in catalogue:
        close = difflib.get_close_matches(str(topic_id), catalogue, n=1)
        raise UnknownTopicError(str(topic_id), close)
    return catalogue[topic_id]


def question(topic_id: str, *, params: Any = None, seed: int | None = None) -> Question:
    """The Question of `topic_id` for pinned `params` or a drawn `seed`."""
    return get_topic(topic_id).question(params=params, seed=seed)
