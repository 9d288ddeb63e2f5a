"""Error carried forward: a part checked again against the key recomputed from the student's
own earlier answers, so one slip is not paid for in every part that follows from it.

    first = score(part, answers[part.id], policy=policy)
    marked, carried_from = carry_forward(question, part, answers, first, policy=policy, credit=Fraction(1))

`answers` holds the student's answers to the question (part id → text or JSON, as score reads
them). Nothing is carried, and `(first, ())` comes back, when `first` is already right or not
marked against a key (blank, unreadable, awaiting a TA), the part declares no `depends_on` and
is not `chained`, the topic has no `follow_through`, `credit` is 0, an earlier answer it needs
is blank or unreadable, every earlier answer is right, the topic refuses (a value of the wrong
size, or a trivial one: 0, 1, a copy of the input; see topics/_follow.py), or the answer earns
no more against the recomputed key. Otherwise the part earns `credit` × the marks the
recomputed key gives (never above its marks, never below `first`), status "carried", and one
line of feedback naming the parts followed through. `carried_from` (what PartResult records)
lists the wrong earlier parts, and the part's own id for a chained part.

No student answer raises. A caller's mistake does: an unknown policy, a credit outside 0…1, a
dependency the question does not have (ValueError).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

from ..model import POLICIES, Part, Question
from ..topics import get_topic
from .parse import read
from .score import MAX_FEEDBACK, Score, Tolerance, score

__all__ = ["carry_forward"]

_NOT_KEYED = ("blank", "unreadable", "awaiting_ta")


def carry_forward(question: Question, part: Part, answers: Mapping[str, Any], first: Score, *, policy: str,
                  credit: Fraction | int = 1, locale: str = "en", calculator: bool = False,
                  tolerance: Tolerance | None = None) -> tuple[Score, tuple[str, ...]]:
    """The score to record for `part` and the part ids it was carried from (see the module's
    rules). `first` is the part's score against its own key; `credit` is the share of the
    marks a right follow-through earns (the grading rules', 1 by default); `tolerance` is the
    part's own, as given to `score`."""
    if policy not in POLICIES:
        raise ValueError(f"policy must be one of {', '.join(POLICIES)}, got {policy!r}")
    share = Fraction(credit)
    if not 0 <= share <= 1:
        raise ValueError(f"credit must be a share of the marks from 0 to 1, got {credit}")
    if first.status == "right" or first.status in _NOT_KEYED or share == 0:
        return first, ()
    if not part.depends_on and not part.chained:
        return first, ()
    topic = get_topic(question.topic)
    if not topic.follows_through:
        return first, ()

    def marked(against: Part, text: Any, tol: Tolerance | None = None) -> Score:
        return score(against, text, policy=policy, tolerance=tol, topic=question.topic,
                     params=question.params, locale=locale, calculator=calculator)

    given: dict[str, Any] = {}
    wrong: list[str] = []
    for dep_id in part.depends_on:
        dep = _dependency(question, part, dep_id)
        text = answers.get(dep_id)
        if marked(dep, text).status != "right":
            wrong.append(dep_id)
        value = _value(dep, text, locale)
        if value is None:
            return first, ()
        given[dep_id] = value
    if part.chained:
        value = _value(part, answers.get(part.id), locale)
        if value is None:
            return first, ()
        given[part.id] = value
        wrong.append(part.id)
    if not wrong:
        return first, ()
    key = topic.follow_through(question.params, part.id, given)
    if key is None:
        return first, ()
    followed = marked(replace(part, answer=key), answers.get(part.id), tolerance)
    full = Fraction(max(part.marks, 0))
    marks = min(followed.marks * share, full)
    if marks <= first.marks:
        return first, ()
    return Score(marks, "carried", _feedback(followed, part, wrong, marks, full, share)), tuple(wrong)


def _dependency(question: Question, part: Part, dep_id: str) -> Part:
    try:
        return question.part(dep_id)
    except KeyError:
        raise ValueError(f"part {part.id!r} of {question.topic} depends on {dep_id!r}, which the question "
                         f"does not have (its parts: {', '.join(p.id for p in question.parts)})") from None


def _value(part: Part, text: Any, locale: str) -> Any:
    """The read value of an answer, or None when it is blank or cannot be read."""
    options = len(part.options) if part.kind in ("choice", "choices") and part.options else None
    reading = read(part.kind, text, locale=locale, expected=part.answer, options=options)
    return reading.value if reading.ok else None


def _show(x: Fraction) -> str:
    """A mark as people write it: 2, 1.5, 0.25, or 1/3 when it does not terminate."""
    if x.denominator == 1:
        return str(x.numerator)
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return f"{float(x):g}" if d == 1 and x.denominator <= 10_000 else f"{x.numerator}/{x.denominator}"


def _feedback(followed: Score, part: Part, wrong: list[str], marks: Fraction, full: Fraction,
              share: Fraction) -> str:
    what = "right" if followed.status == "right" else followed.feedback
    earlier = [f"({d})" for d in wrong if d != part.id]
    sources = " and ".join(earlier)
    if part.chained:
        own = "your own earlier rows of this part"
        sources = f"{sources} and {own}" if sources else own
    unit = "mark" if full == 1 else "marks"
    rate = "" if share == 1 else f", at {_show(share)} of the credit"
    line = (f"{what} when followed through from your {sources.removeprefix('your ')}: "
            f"{_show(marks)} of {_show(full)} {unit} (error carried forward{rate})")
    return line if len(line) <= MAX_FEEDBACK else line[:MAX_FEEDBACK - 1] + "…"
