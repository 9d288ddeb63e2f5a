"""The typical mistakes a simulated student makes, each computed by the topic itself.

    mistakes(question)  -> (Mistake("ceil instead of floor", {"shape": [8, 16, 33, 33]}), …)

A mistake is the question rebuilt with one param changed the way a confused student
changes it (ceil_mode flipped, "mse" for "half_mse", the other momentum form), and the
answers that rebuilt question gives. Where no param expresses the mistake, the mistaken
answer is computed from the key (conv.output_shape: ceil is floor of an input grown by
stride − 1; cnn.layer_table: a total that forgets the biases). optim.step's other momentum
form keeps its state under the names the question asks for (the textbook's velocity written
as the torch momentum buffer), as a student answering the question would.

Error carried forward: a part other parts depend on (`Part.depends_on`) never gets a
mistake here, so no later part can earn follow-through credit the simulation did not
assign. mlp.sgd_step and cnn.layer_table are further limited to their last parts (new
weights and biases; the total), which nothing depends on whatever their `depends_on` says.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import DlexamError
from ..model import Question
from ..topics import get_topic

__all__ = ["Mistake", "mistakes"]

#: topic → the only parts that may carry a mistake (nothing later builds on them)
ONLY = {"mlp.sgd_step": frozenset({"new_weights", "new_biases"}),
        "cnn.layer_table": frozenset({"total_params"})}
_MOMENTUM = {"momentum_torch": "momentum_textbook", "momentum_textbook": "momentum_torch",
             "nesterov_torch": "nesterov_lookahead", "nesterov_lookahead": "nesterov_torch", "adamw": "adam"}
_SCHEME = {"he": ("lecun", "the factor 2 of He forgotten"), "glorot": ("lecun", "fan_in alone (LeCun)"),
           "lecun": ("he", "He's factor 2 where LeCun has none")}
# "mse" is the mean over the m outputs: with one output, exactly the ½ forgotten
_LOSS = {"half_mse": ("mse", "forgot the ½ of the MSE"), "mse": ("half_mse", "a ½ the MSE does not have")}


@dataclass(frozen=True)
class Mistake:
    name: str
    answers: dict[str, Any]  # part id → the mistaken answer, in the part's JSON form


def _rebuild(q: Question, **changes: Any) -> dict[str, Any] | None:
    try:
        variant = get_topic(q.topic).build({**q.params, **changes})
    except (DlexamError, ValueError, ArithmeticError):
        return None  # the mistaken params make no question (a window past the input, …)
    return {p.id: p.answer for p in variant.parts}


def _conv(q: Question) -> list[tuple[str, dict[str, Any] | None]]:
    p = q.params
    if p.get("transposed") or not isinstance(p.get("padding", 0), int | list):
        return []
    sizes = p["input"][2:]
    stride = p.get("stride", 1)
    strides = stride if isinstance(stride, list) else [stride] * len(sizes)
    grown = p["input"][:2] + [n + s - 1 for n, s in zip(sizes, strides, strict=True)]
    return [("ceil instead of floor", _rebuild(q, input=grown))]


def _pool(q: Question) -> list[tuple[str, dict[str, Any] | None]]:
    flipped = not q.params.get("ceil_mode", False)
    return [("ceil instead of floor" if flipped else "floor instead of ceil", _rebuild(q, ceil_mode=flipped))]


def _cnn(q: Question) -> list[tuple[str, dict[str, Any] | None]]:
    rows = q.part("rows").answer
    weights = sum(int(r["weights"]) for r in rows) if isinstance(rows, list) else None
    flipped = not q.params.get("ceil_mode", False)
    return [("the biases left out of the total", None if weights is None else {"total_params": weights}),
            ("ceil instead of floor" if flipped else "floor instead of ceil", _rebuild(q, ceil_mode=flipped))]


def _mlp(q: Question) -> list[tuple[str, dict[str, Any] | None]]:
    other = _LOSS.get(q.params.get("loss", ""))
    return [(other[1], _rebuild(q, loss=other[0]))] if other else []


def _optim(q: Question) -> list[tuple[str, dict[str, Any] | None]]:
    opt = q.params.get("optimizer", "")
    if opt not in _MOMENTUM or (opt == "adamw" and not q.params.get("weight_decay")):
        return []
    answers = _rebuild(q, optimizer=_MOMENTUM[opt])
    state, key = (answers or {}).get("state"), q.part("state").answer
    if isinstance(state, dict) and isinstance(key, dict) and len(state) == len(key):  # under the names asked
        answers = {**(answers or {}), "state": dict(zip(key, state.values(), strict=True))}
    return [(f"{_MOMENTUM[opt]} instead of {opt}", answers)]


def _init(q: Question) -> list[tuple[str, dict[str, Any] | None]]:
    other = _SCHEME.get(q.params.get("scheme", ""))
    return [(other[1], _rebuild(q, scheme=other[0]))] if other else []


def _dropout(q: Question) -> list[tuple[str, dict[str, Any] | None]]:
    inverted = q.params.get("inverted", True)
    name = "no 1/(1 − p) scaling in training" if inverted else "inverted dropout's scaling where it has none"
    return [(name, _rebuild(q, inverted=not inverted))]


def _bce(q: Question) -> list[tuple[str, dict[str, Any] | None]]:
    mean = q.params.get("reduction", "mean") == "mean"
    name = "sum instead of mean" if mean else "mean instead of sum"
    return [(name, _rebuild(q, reduction="sum" if mean else "mean"))]


_CATALOGUE: dict[str, Callable[[Question], list[tuple[str, dict[str, Any] | None]]]] = {
    "conv.output_shape": _conv, "pool.output_shape": _pool, "cnn.layer_table": _cnn, "mlp.sgd_step": _mlp,
    "optim.step": _optim, "init.variance": _init, "dropout.apply": _dropout, "loss.bce": _bce,
}


def mistakes(q: Question) -> tuple[Mistake, ...]:
    """The question's typical mistakes, each limited to the parts that may carry one."""
    if q.topic not in _CATALOGUE:
        return ()
    seen = (q.topic, json.dumps(q.params, sort_keys=True))
    if seen not in _SEEN:
        if len(_SEEN) > 100_000:
            _SEEN.clear()
        depended = {d for p in q.parts for d in p.depends_on}
        allowed = {p.id for p in q.parts if p.id not in depended} & ONLY.get(q.topic, {p.id for p in q.parts})
        found = []
        for name, answers in _CATALOGUE[q.topic](q):
            kept = {pid: a for pid, a in (answers or {}).items() if pid in allowed}
            if kept:
                found.append(Mistake(name, kept))
        _SEEN[seen] = tuple(found)
    return _SEEN[seen]


_SEEN: dict[tuple[str, str], tuple[Mistake, ...]] = {}  # low-variety topics repeat params across a class
