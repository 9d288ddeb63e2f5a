"""One concept item, checked field by field as it is read.

An item is plain data: what is asked, the options, the key, the explanation and, for a
short answer, the rubric of marked points. `parse_item` turns one TOML table into an
`Item` or raises `BankError` naming the file, the item, the field and the fix.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..errors import DlexamError
from ..model import Criterion, Part, Question, Step

__all__ = ["KINDS", "LEVELS", "BankError", "Item", "letter", "parse_item"]

KINDS = ("true_false", "single", "multi", "short")
LEVELS = ("beginner", "intermediate", "advanced")
OPTION_COUNTS = {"single": (2, 6), "multi": (3, 6)}
FIELDS = {"id", "kind", "level", "tags", "marks", "text", "options", "answer", "explanation", "rubric"}

_PART_KINDS = {  # item kind → the Part kind and what the part asks
    "true_false": ("true_false", "True or false?"),
    "single": ("choice", "Choose one option."),
    "multi": ("choices", "Choose every option that applies."),
    "short": ("text", "Answer in a few sentences."),
}
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # every control character but the newline
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\Z")
_THEME = re.compile(r"[a-z0-9]+(_[a-z0-9]+)*\Z")


class BankError(DlexamError, ValueError):
    """A concept-bank file or item that does not follow the format of docs/concept-bank.md."""


@dataclass(frozen=True)
class Item:
    """A concept item. `answer` is a bool (true_false), a letter (single), a tuple of
    letters (multi) or a model answer (short); letter "a" is options[0]."""

    id: str
    theme: str
    kind: str
    level: str
    tags: tuple[str, ...]
    marks: int
    text: str
    options: tuple[str, ...]
    answer: bool | str | tuple[str, ...]
    explanation: str
    rubric: tuple[Criterion, ...] = ()

    def option(self, key: str) -> str:
        return self.options[ord(key) - ord("a")]

    def lettered_options(self) -> list[tuple[str, str]]:
        return [(letter(i), o) for i, o in enumerate(self.options)]

    def key_text(self) -> str:
        """The key in words: "true", "b) …", "a) …; c) …" or the model answer."""
        if self.kind == "true_false":
            return "true" if self.answer else "false"
        if self.kind == "short":
            return str(self.answer)
        keys = (self.answer,) if isinstance(self.answer, str) else self.answer
        assert isinstance(keys, tuple)
        return "; ".join(f"{k}) {self.option(k)}" for k in keys)

    def to_question(self) -> Question:
        """The item as a one-part Question, so papers, keys, exports and graders treat
        concept items and computed topics alike."""
        answer = list(self.answer) if isinstance(self.answer, tuple) else self.answer
        kind, prompt = _PART_KINDS[self.kind]
        part = Part("answer", kind, answer, self.marks, prompt, self.options, self.rubric)
        return Question(topic="bank", title=self.id, params={"item": self.id}, prompt=self.text,
                        parts=(part,), solution=(Step("Explanation", self.explanation),))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": self.id, "theme": self.theme, "kind": self.kind, "level": self.level,
            "tags": list(self.tags), "marks": self.marks, "text": self.text,
        }
        if self.options:
            d["options"] = list(self.options)
        d["answer"] = list(self.answer) if isinstance(self.answer, tuple) else self.answer
        d["explanation"] = self.explanation
        if self.rubric:
            d["rubric"] = [{"points": r.points, "text": r.text} for r in self.rubric]
        return d


def letter(i: int) -> str:
    return chr(ord("a") + i)


def is_theme_name(name: str) -> bool:
    return bool(_THEME.match(name))


def parse_item(raw: Any, *, theme: str, where: str) -> Item:
    """`where` names the file and position ("gan.toml, item 3") for the error message."""
    if not isinstance(raw, dict):
        raise BankError(f"{where}: an item must be a table ([[items]]), got {type(raw).__name__}")
    item_id = raw.get("id")
    if isinstance(item_id, str) and item_id:
        where = f"{where} ({_one_line(item_id)})"
    r = _Reader(raw, where)
    r.refuse_unknown()
    item_id = r.text("id")
    if not (item_id.startswith(theme + ".") and _SLUG.match(item_id[len(theme) + 1:])):
        raise r.error("id", f"must be '{theme}.<slug>' with a kebab-case slug like {theme}.my-item")
    kind = r.choice("kind", KINDS)
    level = r.choice("level", LEVELS)
    tags = r.tags()
    text = r.text("text")
    explanation = r.text("explanation")
    options = r.options(kind)
    answer = r.answer(kind, len(options))
    rubric = r.rubric(kind)
    marks = r.marks(kind, rubric)
    return Item(item_id, theme, kind, level, tuple(dict.fromkeys((theme, *tags))), marks, text,
                options, answer, explanation, rubric)


class _Reader:
    """Reads one item's fields; every failure names the field and says what is allowed."""

    def __init__(self, raw: dict[str, Any], where: str) -> None:
        self.raw, self.where = raw, where

    def error(self, field: str, fix: str) -> BankError:
        return BankError(f"{self.where}: '{_one_line(field)}' {fix}")

    def refuse_unknown(self) -> None:
        for name in self.raw:
            if name not in FIELDS:
                raise self.error(name, f"is not an item field; the fields are {', '.join(sorted(FIELDS))}")

    def text(self, field: str) -> str:
        return self.checked_text(field, self.raw.get(field))

    def checked_text(self, field: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(field, "is missing or empty; it must be non-empty text")
        if _CONTROL.search(value):  # "\frac" in a "..." string: TOML reads \f as a form feed
            raise self.error(field, r'holds a control character, likely an escape such as \f in "\frac"; '
                             "write LaTeX in '''literal''' strings")
        return value.strip()

    def choice(self, field: str, allowed: tuple[str, ...]) -> str:
        value = self.raw.get(field)
        if value not in allowed:
            raise self.error(field, f"must be one of {', '.join(allowed)}, got {value!r}")
        return str(value)

    def tags(self) -> tuple[str, ...]:
        tags = self.raw.get("tags")
        if not (isinstance(tags, list) and tags and all(isinstance(t, str) and _SLUG.match(t) for t in tags)):
            raise self.error("tags", 'must be a non-empty list of kebab-case tags, e.g. ["dropout"]')
        return tuple(tags)

    def options(self, kind: str) -> tuple[str, ...]:
        options = self.raw.get("options")
        if kind not in OPTION_COUNTS:
            if options is not None:
                raise self.error("options", f"belongs to single and multi items only, not {kind}")
            return ()
        lo, hi = OPTION_COUNTS[kind]
        if not isinstance(options, list) or not lo <= len(options) <= hi:
            raise self.error("options", f"must list {lo} to {hi} options for a {kind} item")
        stripped = tuple(self.checked_text("options", o) for o in options)
        if len(set(stripped)) != len(stripped):
            raise self.error("options", "has the same option twice")
        return stripped

    def answer(self, kind: str, n_options: int) -> bool | str | tuple[str, ...]:
        value = self.raw.get("answer")
        letters = [letter(i) for i in range(n_options)]
        span = f"{letters[0]}–{letters[-1]}" if letters else ""
        if kind == "true_false":
            if not isinstance(value, bool):
                raise self.error("answer", "must be true or false for a true_false item")
            return value
        if kind == "single":
            if value not in letters:
                raise self.error("answer", f"must be one option letter, {span}, got {value!r}")
            return str(value)
        if kind == "multi":
            if not isinstance(value, list) or not value or not all(v in letters for v in value):
                raise self.error("answer", f'must be a non-empty list of letters {span}, e.g. ["a", "c"]')
            if len(set(value)) != len(value):
                raise self.error("answer", "lists the same letter twice")
            return tuple(sorted(value))
        return self.text("answer")  # short: the model answer

    def rubric(self, kind: str) -> tuple[Criterion, ...]:
        rubric = self.raw.get("rubric")
        if kind != "short":
            if rubric is not None:
                raise self.error("rubric", f"belongs to short items only, not {kind}")
            return ()
        fix = "must be a non-empty list of {points = <positive integer>, text = \"what earns it\"}"
        if not isinstance(rubric, list) or not rubric:
            raise self.error("rubric", fix)
        points = []
        for i, entry in enumerate(rubric, 1):
            if not (isinstance(entry, dict) and set(entry) == {"points", "text"}
                    and _positive_int(entry["points"])):
                raise self.error("rubric", f"point {i} {fix.removeprefix('must be a non-empty list of ')}")
            points.append(Criterion(entry["points"], self.checked_text("rubric", entry["text"])))
        return tuple(points)

    def marks(self, kind: str, rubric: tuple[Criterion, ...]) -> int:
        total = sum(r.points for r in rubric)
        value = self.raw.get("marks", total if rubric else 1)
        if not _positive_int(value):
            raise self.error("marks", f"must be a positive integer, got {value!r}")
        if rubric and value != total:
            raise self.error("marks", f"is {value} but the rubric points add up to {total}; make them agree")
        return int(value)


def _one_line(text: str) -> str:
    """User text quoted in a message, with newlines and control characters escaped."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _positive_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x > 0
