"""`Rules.check`: the grading rules against a build's manifest, one line per rule that cannot apply.

    problems = rules.check(manifest)   # e.g. "grading.toml:9: part[2].question: the exam has no question …"

A rule may name a question, part or student the exam does not have, or ask a part for what it
cannot take: a key that does not read as the part's kind (read with `parse.read`) or has
another form than the paper's key, a key without student on a part drawn per student, a
rubric on a part that is not text or that does not add up to the part's marks, a tolerance
on a part that is not numeric, a policy on a part that is not `choices`.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from ..errors import DlexamError
from ..exam._base import quote
from ..exam._locate import field_name
from .parse import exact_key, read
from .rules import NUMERIC_KINDS, UNCHANGED, Rule, Rules, RulesError

__all__ = ["Checker"]

_LETTER = re.compile(r"[a-z]\Z")


class Checker:
    """The rules against a build's manifest (student → question key → parts with kind and key)."""

    def __init__(self, rules: Rules, manifest: dict[str, Any]) -> None:
        self.rules = rules
        try:
            self.papers = {str(s["id"]): {str(q["key"]): [dict(p) for p in q["parts"]]
                                          for q in s["questions"]} for s in manifest["students"]}
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise DlexamError(f"manifest.json: not a manifest dlexam built ({type(e).__name__}); rebuild the "
                              "exam with `dlexam build`") from None
        self.question_keys = list(dict.fromkeys(q for paper in self.papers.values() for q in paper))

    def problems(self) -> list[str]:
        out = []
        for rule in self.rules.entries:
            found = self.problem(rule)
            if found:
                where = field_name(("part", rule.index, found[0]))
                out.append(str(RulesError(self.rules.path or "grading rules", rule.line, where, found[1])))
        return out

    def problem(self, rule: Rule) -> tuple[str, str] | None:
        if rule.question not in self.question_keys:
            close = _close(rule.question, self.question_keys)
            return "question", f"the exam has no question {quote(rule.question)}{close}"
        if rule.student and rule.student not in self.papers:
            close = _close(rule.student, list(self.papers))
            return "student", f"the exam has no student {quote(rule.student)}{close}"
        targets = [(p, len(parts)) for sid in ([rule.student] if rule.student else self.papers)
                   for parts in [self.papers[sid].get(rule.question, [])]
                   for p in parts if not rule.part or p["id"] == rule.part]
        if not targets:
            return "part", self.no_part(rule)
        kinds = sorted({p["kind"] for p, _ in targets})
        if rule.rubric is not None:
            if kinds != ["text"]:
                return "rubric", f"a rubric marks short-answer (text) parts; this part is {' / '.join(kinds)}"
            total, marks = sum(c.points for c in rule.rubric), sorted({p["marks"] for p, _ in targets})
            if marks != [total]:
                return "rubric", (f"the points add up to {total} but the part is worth {marks[0]} marks "
                                  "(fixed by the build); make them agree")
        if rule.tolerance is not None and set(kinds) - NUMERIC_KINDS:
            why = "shapes are always compared exactly" if "shape" in kinds else "it is not a numeric part"
            return "tolerance", f"a tolerance cannot apply to a {' / '.join(kinds)} part: {why}; drop it"
        if rule.policy is not None and kinds != ["choices"]:
            return "policy", ("a policy marks several-answer (choices) parts; this part is "
                              + " / ".join(kinds))
        return self.key_problem(rule, targets) if rule.key is not UNCHANGED else None

    def no_part(self, rule: Rule) -> str:
        """Why no part matches: often a letter written for an id (the paper prints (a), (b), …)."""
        orders = {tuple(p["id"] for p in paper.get(rule.question, [])) for paper in self.papers.values()}
        ids = list(dict.fromkeys(i for order in orders for i in order))
        lettered = next(iter(orders)) if len(orders) == 1 else ()
        position = ord(rule.part) - ord("a") if len(rule.part) == 1 else -1
        if 0 <= position < len(lettered):
            hint = f'; part ({rule.part}) of the paper is part = "{lettered[position]}" (rules use ids)'
        else:
            close = difflib.get_close_matches(rule.part, ids, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"question {rule.question} has no part {quote(rule.part)}{hint}; its parts: {', '.join(ids)}"

    def key_problem(self, rule: Rule, targets: list[tuple[dict[str, Any], int]]) -> tuple[str, str] | None:
        if not rule.part and any(n > 1 for _, n in targets):
            return "key", "names no part, but the question has several; a key belongs to one part: add part"
        keys = {json.dumps(p["answer"], sort_keys=True): p for p, _ in targets}
        if not rule.student and len(keys) > 1:
            return "key", ("the students' keys of this part differ (it is drawn per student), and a key "
                           "without student would replace every one of them; add student = \"…\"")
        for p in keys.values():
            why = _key_misfit(p["kind"], rule.key, p["answer"])
            if why:
                return "key", f"{why}; write it as the part's key is written, e.g. {quote(p['answer'])}"
        return None


def _close(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    return f"; did you mean '{close[0]}'?" if close else "; check the manifest of the build"


def _key_misfit(kind: str, key: Any, original: Any) -> str | None:
    """Why a corrected key cannot stand in for `original`, a key of a part of `kind`; None if it can."""
    if kind == "design":
        return "a design part is marked by running the student's design, never against a key"
    if kind == "choice":
        return None if _letter(key) else "a choice key is one lower-case letter"
    if kind == "choices":
        letters = [key] if isinstance(key, str) else key
        fits = isinstance(letters, list) and all(map(_letter, letters)) and len(set(letters)) == len(letters)
        return None if fits else "a choices key is a list of different lower-case letters"
    if kind == "true_false":
        return None if isinstance(key, bool) else "a true/false key is true or false"
    if kind in ("integer", "number") and isinstance(key, dict):
        try:
            exact_key(key)
            return None
        except (ValueError, TypeError):
            return "does not read as a number"
    reading = read(kind, key, expected=original)
    if not reading.ok:
        return f"does not read as an answer of kind {kind} ({reading.error})"
    if kind in ("integer", "number"):
        try:
            exact_key(key)
        except (ValueError, TypeError):
            return "does not read as an exact number"
    elif _form(key) != _form(original):
        return "has not the form of the part's key (another length or other columns)"
    return None


def _letter(value: Any) -> bool:
    return isinstance(value, str) and _LETTER.match(value) is not None


def _form(value: Any) -> Any:
    """The nesting and lengths of a key (lists, tables) with every number or text as None."""
    if isinstance(value, list):
        return [_form(v) for v in value]
    if isinstance(value, dict) and "exact" not in value:
        return {k: _form(v) for k, v in sorted(value.items())}
    return None
