"""The question model: plain, frozen data with a JSON round trip.

A `Question` is what a topic makes from its params: a prompt, the `Part`s a student
answers (each with its exact answer, already in JSON form) and the worked solution as
a list of `Step`s. Renderers, graders and the web app read nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CHOICE_KINDS", "KINDS", "Criterion", "Part", "Question", "Step", "Verdict"]

#: What a part's answer is, so renderers draw the right box and graders parse it.
#: A "design" part is answered with weights that the topic's `check` runs (any valid
#: design earns the marks); its `answer` is one valid design. Concept items give the
#: choice kinds (answer: a letter, a list of letters, true/false) and "text", a short
#: answer marked by TAs against a rubric (answer: the model answer).
CHOICE_KINDS = frozenset({"choice", "choices", "true_false"})
KINDS = frozenset({"integer", "number", "shape", "vector", "matrix", "list", "table", "design", "text"}
                  | CHOICE_KINDS)

JSON = Any  # a value json.dumps accepts: dict, list, str, int, float, bool, None


@dataclass(frozen=True)
class Criterion:
    """One marked point of a short answer's rubric."""

    points: int
    text: str


@dataclass(frozen=True)
class Part:
    """One answerable piece of a question. `answer` is plain JSON: integers as ints,
    exact numbers as {"exact": "3/16", "value": 0.1875}, shapes and vectors as lists,
    option letters for choices. `options` (choice kinds) are lettered a, b, c, …

    Error carried forward (grade/carry.py): `depends_on` names the earlier parts whose values
    this part's key is computed from, so a wrong earlier answer can be followed through;
    `chained` says the part's own rows follow from the rows above them (a layer table, the
    layers of a forward pass), so a wrong row is followed through to the rows below it."""

    id: str
    kind: str
    answer: JSON
    marks: int = 1
    prompt: str = ""
    options: tuple[str, ...] = ()
    rubric: tuple[Criterion, ...] = ()
    depends_on: tuple[str, ...] = ()
    chained: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"part {self.id!r}: unknown kind {self.kind!r}")
        if self.depends_on == () and type(self.depends_on) is tuple and type(self.chained) is bool:
            return  # most parts: nothing more to check (a paper of 25 parts is read 10,000 times)
        if isinstance(self.depends_on, list):  # as JSON gives it
            object.__setattr__(self, "depends_on", tuple(self.depends_on))
        if not isinstance(self.depends_on, tuple) or not all(isinstance(d, str) for d in self.depends_on):
            raise ValueError(f"part {self.id!r}: depends_on must be a list of part ids, "
                             f"got {self.depends_on!r}")
        if not isinstance(self.chained, bool):
            raise ValueError(f"part {self.id!r}: chained must be true or false, got {self.chained!r}")
        if self.id in self.depends_on:
            raise ValueError(f"part {self.id!r} cannot depend on itself; to follow its own rows through, "
                             "set chained instead")
        if len(set(self.depends_on)) != len(self.depends_on):
            raise ValueError(f"part {self.id!r}: depends_on names a part twice: {list(self.depends_on)!r}")

    def to_dict(self) -> dict[str, JSON]:
        d = {
            "id": self.id,
            "kind": self.kind,
            "marks": self.marks,
            "answer": self.answer,
            "prompt": self.prompt,
        }
        if self.options:
            d["options"] = list(self.options)
        if self.rubric:
            d["rubric"] = [{"points": c.points, "text": c.text} for c in self.rubric]
        if self.depends_on:
            d["depends_on"] = list(self.depends_on)
        if self.chained:
            d["chained"] = True
        return d

    @classmethod
    def from_dict(cls, d: dict[str, JSON]) -> Part:
        return cls(d["id"], d["kind"], d["answer"], d.get("marks", 1), d.get("prompt", ""),
                   tuple(d.get("options", ())),
                   tuple([Criterion(c["points"], c["text"]) for c in d.get("rubric", ())]),
                   d.get("depends_on", ()), d.get("chained", False))


@dataclass(frozen=True)
class Verdict:
    """What a design topic's `check` says about a student's design: right or not, and
    one line saying why (which truth-table row fails, which param is malformed)."""

    ok: bool
    message: str


@dataclass(frozen=True)
class Step:
    """One paragraph of the worked solution: a short title and Markdown text with LaTeX
    math showing the formula, the numbers substituted and the result."""

    title: str
    text: str

    def to_dict(self) -> dict[str, JSON]:
        return {"title": self.title, "text": self.text}

    @classmethod
    def from_dict(cls, d: dict[str, JSON]) -> Step:
        return cls(d["title"], d["text"])


@dataclass(frozen=True)
class Question:
    """A question drawn from a topic. The same topic and params give an equal Question
    whose JSON is identical byte for byte."""

    topic: str
    title: str
    params: dict[str, JSON]
    prompt: str
    parts: tuple[Part, ...]
    solution: tuple[Step, ...]
    calculator: bool = False
    seed: int | None = field(default=None)

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    @property
    def marks(self) -> int:
        return sum(p.marks for p in self.parts)

    def to_dict(self) -> dict[str, JSON]:
        return {
            "topic": self.topic,
            "title": self.title,
            "seed": self.seed,
            "params": self.params,
            "calculator": self.calculator,
            "prompt": self.prompt,
            "parts": [p.to_dict() for p in self.parts],
            "solution": [s.to_dict() for s in self.solution],
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, d: dict[str, JSON]) -> Question:
        return cls(
            topic=d["topic"],
            title=d.get("title", ""),
            params=d["params"],
            prompt=d["prompt"],
            parts=tuple([Part.from_dict(p) for p in d["parts"]]),
            solution=tuple([Step(s["title"], s["text"]) for s in d["solution"]]),
            calculator=d.get("calculator", False),
            seed=d.get("seed"),
        )

    @classmethod
    def from_json(cls, text: str) -> Question:
        return cls.from_dict(json.loads(text))
