"""The grading rules: what a coordinator decides after the exam, kept out of the frozen build.

    rules = load_rules("grading.toml")       # RulesError: grading.toml:12: part[2].tolerance: …; fix
    problems = rules.check(manifest)         # rules that name nothing in the exam, keys that cannot fit
    rule = rules.for_part("s1q3", "elements", "s017")
    rule.tolerance, rule.key is UNCHANGED, rule.carried_credit, rule.rubric, rule.policy, rule.reason

`Rules()` is the defaults (no file). A `[[part]]` rule names a question (entry key), and
optionally a part (its id: letters are ambiguous, since lstm.step has a part "c" that is not
its third) and a student. Rules combine field by field, the more specific winning: question <
question+part < question+student < question+part+student. The built variants are never
touched: a corrected key is handed to the scorer in place of the paper's.
docs/grading-rules.md documents the format.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..errors import DlexamError
from ..exam._base import quote, type_name
from ..exam._locate import Locator, field_name
from ..model import POLICIES, Criterion
from ._score_tolerance import Tolerance

__all__ = ["NUMERIC_KINDS", "UNCHANGED", "PartRule", "Rule", "Rules", "RulesError", "load_rules",
           "parse_rules"]

FIELDS = ("carried_credit", "locale", "part")
RULE_FIELDS = ("question", "part", "student", "tolerance", "key", "carried_credit", "rubric", "policy",
               "reason")
NUMERIC_KINDS = frozenset({"integer", "number", "vector", "matrix", "list", "table"})
_TOLERANCES = ("exact", "absolute", "relative", "sigfigs")
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?\Z")
_TOML_LINE = re.compile(r"\(at line (\d+), column \d+\)")


class RulesError(DlexamError, ValueError):
    """A grading-rules file that cannot be used: `file:line: field: problem; fix`."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        self.file, self.line, self.field = file, line, field
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


class _Unchanged:
    """The key of a rule that does not correct the key (a value, so `is` tells it apart from None)."""

    def __repr__(self) -> str:
        return "UNCHANGED"

    def __reduce__(self) -> str:  # one instance, also across worker processes
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


@dataclass(frozen=True)
class PartRule:
    """What applies to one part of one student's paper. `tolerance` None and `policy` None mean
    the scorer's own (default tolerance, the section's policy); `rubric` None the paper's rubric."""

    tolerance: Tolerance | None = None
    key: Any = UNCHANGED
    carried_credit: Fraction = Fraction(1)
    rubric: tuple[Criterion, ...] | None = None
    policy: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Rule:
    """One `[[part]]` entry as written ("" for an omitted part or student); `index` is 0-based."""

    question: str
    part: str
    student: str
    index: int
    line: int
    tolerance: Tolerance | None = None
    key: Any = UNCHANGED
    carried_credit: Fraction | None = None
    rubric: tuple[Criterion, ...] | None = None
    policy: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class Rules:
    """Every rule of one file, indexed by (question, part, student) so `for_part` is a few dict
    look-ups, and a question no rule names costs one set look-up."""

    path: str = ""
    carried_credit: Fraction = Fraction(1)
    locale: str = "en"
    entries: tuple[Rule, ...] = ()
    _index: dict[tuple[str, str, str], Rule] = field(init=False, repr=False, compare=False)
    _questions: frozenset[str] = field(init=False, repr=False, compare=False)
    _default: PartRule = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {(r.question, r.part, r.student): r for r in self.entries})
        object.__setattr__(self, "_questions", frozenset(r.question for r in self.entries))
        object.__setattr__(self, "_default", PartRule(carried_credit=self.carried_credit))

    def for_part(self, question: str, part: str, student: str) -> PartRule:
        """The rule for one cell (question entry key, part id, student id)."""
        if question not in self._questions:
            return self._default
        keys = ((question, "", ""), (question, part, ""), (question, "", student), (question, part, student))
        found = [self._index[k] for k in keys if k in self._index]
        if not found:
            return self._default
        rule = PartRule(carried_credit=self.carried_credit)
        reasons: list[str] = []
        for r in found:  # least specific first, so the more specific overwrite
            rule = PartRule(r.tolerance or rule.tolerance, rule.key if r.key is UNCHANGED else r.key,
                            rule.carried_credit if r.carried_credit is None else r.carried_credit,
                            rule.rubric if r.rubric is None else r.rubric, r.policy or rule.policy)
            if r.reason and r.reason not in reasons:
                reasons.append(r.reason)
        return PartRule(rule.tolerance, rule.key, rule.carried_credit, rule.rubric, rule.policy,
                        "; ".join(reasons))

    def check(self, manifest: dict[str, Any]) -> list[str]:
        """One line per rule that names a question, part or student the exam does not have, or
        asks a part for what it cannot take: a key that does not read as the part's kind, a
        rubric on a part that is not text, a tolerance on a part that is not numeric, … ."""
        from ._rules_check import Checker  # it needs this module's types

        return Checker(self, manifest).problems()


def load_rules(path: str | Path) -> Rules:
    """Read and check the grading rules at `path`."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        why = f"cannot read the grading rules ({e.strerror}); check the path"
        raise RulesError(name, 0, "", why) from None
    except UnicodeDecodeError:
        raise RulesError(name, 0, "", "is not UTF-8 text; save it as UTF-8") from None
    return parse_rules(text, path=name)


def parse_rules(text: str, *, path: str = "grading.toml") -> Rules:
    """Check grading-rules source `text` (as read from `path`, which names it in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        found = _TOML_LINE.search(str(e))
        message = _TOML_LINE.sub("", str(e)).strip()
        raise RulesError(path, int(found.group(1)) if found else 0, "",
                         f"not valid TOML: {message}; fix the syntax on that line") from None
    except RecursionError:
        raise RulesError(path, 0, "", "not valid TOML: nested too deeply; flatten it") from None
    return _Loader(path, Locator(text)).rules(data)


class _Loader:
    def __init__(self, path: str, locator: Locator) -> None:
        self.path, self.locator = path, locator

    def error(self, at: tuple[str | int, ...], message: str) -> RulesError:
        return RulesError(self.path, self.locator.line(at), field_name(at), message)

    def known(self, table: dict[str, Any], at: tuple[str | int, ...], allowed: tuple[str, ...]) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise self.error((*at, key), f"is not a field here; {hint}the fields are "
                                 + ", ".join(allowed))

    def rules(self, data: dict[str, Any]) -> Rules:
        self.known(data, (), FIELDS)
        credit = self.credit(data, ()) if "carried_credit" in data else Fraction(1)
        locale = data.get("locale", "en")
        if not isinstance(locale, str) or not _LOCALE.match(locale.strip()):
            raise self.error(("locale",), f"must be a language code like \"en\", \"de\" or \"de-CH\", "
                             f"got {quote(locale)}")
        raw = data.get("part", [])
        if not isinstance(raw, list):
            raise self.error(("part",), "must be a list of rules: start each with [[part]] (two brackets)")
        entries: list[Rule] = []
        seen: dict[tuple[str, str, str], Rule] = {}
        for i, table in enumerate(raw):
            rule = self.rule(table, i)
            cell = (rule.question, rule.part, rule.student)
            if cell in seen:
                raise self.error(("part", i), f"a second rule for the same question, part and student as the "
                                 f"rule on line {seen[cell].line}; merge the two into one")
            seen[cell] = rule
            entries.append(rule)
        return Rules(self.path, credit, locale.strip(), tuple(entries))

    def rule(self, table: Any, i: int) -> Rule:
        at: tuple[str | int, ...] = ("part", i)
        if not isinstance(table, dict):
            raise self.error(at, f"must be a table ([[part]]), got {type_name(table)}")
        self.known(table, at, RULE_FIELDS)
        names = [self.name(table, at, k, required=k == "question") for k in ("question", "part", "student")]
        reason = table.get("reason", "")
        if not isinstance(reason, str):
            raise self.error((*at, "reason"), f"must be a text, got {type_name(reason)}")
        if "key" in table:
            _json(table["key"], lambda: self.error((*at, "key"), "must be a number, text, list or table "
                                                   "(the part's answer as JSON); dates are not answers"))
            if not reason.strip():
                raise self.error((*at, "reason"), "a key correction needs a reason (it goes into the audit "
                                 "log); e.g. reason = \"typo in the printed key\"")
        changes = [k for k in ("tolerance", "key", "carried_credit", "rubric", "policy") if k in table]
        if not changes:
            raise self.error(at, "the rule changes nothing; give a tolerance, key, carried_credit, rubric "
                             "or policy")
        policy = table.get("policy")
        if policy is not None and policy not in POLICIES:
            close = difflib.get_close_matches(str(policy), POLICIES, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise self.error((*at, "policy"), f"must be one of {', '.join(POLICIES)}, "
                             f"got {quote(policy)}{hint}")
        return Rule(names[0], names[1], names[2], index=i, line=self.locator.line(at),
                    tolerance=self.tolerance(table, at) if "tolerance" in table else None,
                    key=table.get("key", UNCHANGED),
                    carried_credit=self.credit(table, at) if "carried_credit" in table else None,
                    rubric=self.rubric(table, at) if "rubric" in table else None,
                    policy=policy, reason=" ".join(reason.split()))

    def name(self, table: dict[str, Any], at: tuple[str | int, ...], key: str, required: bool) -> str:
        value = table.get(key, "")
        if isinstance(value, int) and not isinstance(value, bool) and key != "question":  # student = 2026001
            value = str(value)
        if not isinstance(value, str) or (key in table and not value.strip()):
            raise self.error((*at, key), f"must be a non-empty text, got {quote(value)}")
        if required and not value:
            raise self.error((*at, key), "is missing; name the question by its entry key, "
                             'e.g. question = "s1q3"')
        return value.strip()

    def credit(self, table: dict[str, Any], at: tuple[str | int, ...]) -> Fraction:
        value = _fraction(table["carried_credit"])
        if value is None or not 0 <= value <= 1:
            given = quote(table["carried_credit"])
            raise self.error((*at, "carried_credit"), "must be a share of the part's marks from 0 to 1 "
                             f"(0.5, \"1/3\"; 0 turns follow-through off), got {given}")
        return value

    def tolerance(self, table: dict[str, Any], at: tuple[str | int, ...]) -> Tolerance:
        raw, at = table["tolerance"], (*at, "tolerance")
        fix = 'write "exact", { absolute = 0.001 }, { relative = 0.01 } or { sigfigs = 3 }'
        if raw == "exact":
            return Tolerance()
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in _TOLERANCES[1:]:
            raise self.error(at, f"{quote(raw)} is not a tolerance; {fix}")
        kind, given = next(iter(raw.items()))
        value = _fraction(given)
        if value is None or value < 0:
            raise self.error(at, f"{kind} must be a number of at least 0, got {quote(given)}; {fix}")
        if kind == "relative" and value >= 1:
            raise self.error(at, f"relative = {quote(given)} accepts anything within {float(value):.0%} "
                             "of the key; a relative tolerance is a share of the key: 0.01 means 1 %")
        if kind == "sigfigs" and (value.denominator != 1 or not 1 <= value <= 30):
            raise self.error(at, f"sigfigs must be a whole number from 1 to 30, got {quote(given)}")
        return Tolerance(kind, value)

    def rubric(self, table: dict[str, Any], at: tuple[str | int, ...]) -> tuple[Criterion, ...]:
        raw, at = table["rubric"], (*at, "rubric")
        fix = 'a list like [{ points = 2, text = "names the vanishing gradient" }, …]'
        if not isinstance(raw, list) or not raw:
            raise self.error(at, f"must be {fix}")
        points = []
        for j, c in enumerate(raw, 1):
            if not isinstance(c, dict) or set(c) != {"points", "text"}:
                raise self.error(at, f"point {j} must have exactly points and text; write {fix}")
            if isinstance(c["points"], bool) or not isinstance(c["points"], int) or c["points"] < 1:
                raise self.error(at, f"point {j}: points must be a whole number of at least 1, got "
                                 f"{quote(c['points'])}")
            if not isinstance(c["text"], str) or not c["text"].strip():
                raise self.error(at, f"point {j}: text must say what earns the points, "
                                 f"got {quote(c['text'])}")
            points.append(Criterion(c["points"], " ".join(c["text"].split())))
        return tuple(points)


def _fraction(value: Any) -> Fraction | None:
    """A TOML number or a text like "1/3" as an exact Fraction; None when it is neither."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        return Fraction(str(value).strip()) if len(str(value)) < 50 else None
    except (ValueError, ZeroDivisionError):
        return None


def _json(value: Any, error: Any) -> None:
    """Refuse a TOML value that has no JSON form (a date, a time) or a float that is not finite."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        raise error() from None

