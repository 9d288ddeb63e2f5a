"""One `[[sections.questions]]` entry checked and turned into numbered slots.

Each entry is exactly one of: `topic` + `params` (pinned numbers), `topic` alone or with
`where` (numbers drawn per student, filtered), `item` (a concept item by id) or `pick`
(concept items chosen per student by tags / level / kind). Everything that can go wrong
is found here, before anything is drawn or written: the question is built (pinned) or
drawn and built for a few seeds (drawn), marks are checked against the part ids, and a
pick is checked against the bank. Marks are frozen per slot, so every student's version
of a question is worth the same.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

from ..bank import KINDS as ITEM_KINDS
from ..bank import LEVELS, Bank, BankError
from ..errors import ParamError, UnknownTopicError
from ..model import Question
from ..topics import Topic, get_topic
from ._base import Pick, Reader, Slot, quote, type_name

__all__ = ["QUESTION_FIELDS", "QuestionParser", "assign", "matches", "same", "spread_marks"]

QUESTION_FIELDS = ("topic", "params", "where", "item", "pick", "marks", "bonus")
PICK_FIELDS = ("count", "tags", "level", "kind")
SAMPLE_DRAWS = 300  # draws tried when validating a `where` filter
SAMPLE_BUILDS = 3  # drawn variants built to validate a drawn topic

FieldPath = tuple[str | int, ...]


def same(a: Any, b: Any) -> bool:
    """JSON equality where 1 == 1.0 but true != 1: how `where` values meet drawn params."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def matches(topic: Topic, params: dict[str, Any], where: Sequence[tuple[str, Any]]) -> bool:
    """Whether drawn `params` have every `where` value (a param a draw leaves out has its default)."""
    return all(same(params[name] if name in params else topic.params.get(name), value)
               for name, value in where)


def spread_marks(total: int, weights: Sequence[int]) -> list[int]:
    """`total` marks shared out in proportion to `weights`, every part at least 1
    (largest remainder). Needs total >= len(weights)."""
    whole = sum(weights) or len(weights)
    ideal = [total * (w or 1) / whole for w in weights]
    out = [max(1, int(x)) for x in ideal]
    order = sorted(range(len(out)), key=lambda i: out[i] - ideal[i])  # most short-changed first
    i = 0
    while sum(out) < total:
        out[order[i % len(out)]] += 1
        i += 1
    for j in reversed(order):  # most over-served first
        while sum(out) > total and out[j] > 1:
            out[j] -= 1
    return out


def assign(options: Sequence[Sequence[str]]) -> list[str | None]:
    """One distinct item per slot, each from its own options (tried in the order given),
    or None where no assignment exists: a maximum bipartite matching, greedy first."""
    owner: dict[str, int] = {}
    chosen: list[str | None] = [None] * len(options)

    def augment(i: int, seen: set[str]) -> bool:
        for c in options[i]:
            if c not in seen:
                seen.add(c)
                if c not in owner or augment(owner[c], seen):
                    owner[c], chosen[i] = i, c
                    return True
        return False

    for i, opts in enumerate(options):
        free = next((c for c in opts if c not in owner), None)
        if free is not None:
            owner[free], chosen[i] = i, free
        else:
            augment(i, set())
    return chosen


class QuestionParser:
    """Turns question entries into slots. `placed` (item id → line) must hold every item
    the spec places by id before any pick is parsed: picks never repeat them."""

    def __init__(self, reader: Reader, bank: Bank, placed: dict[str, int]) -> None:
        self.r, self.bank, self.placed = reader, bank, placed
        self._tags = sorted({t for item in bank for t in item.tags})

    def parse(self, raw: Any, path: FieldPath, section: int, first: int, group: int) -> list[Slot]:
        """The entry's slots, keyed s{section}q{first + 1}, s{section}q{first + 2}, …"""
        r = self.r

        def key_of(n: int) -> str:
            return f"s{section}q{first + n + 1}"

        entry = r.table(raw, path, "a table ([[sections.questions]])")
        r.known(entry, path, QUESTION_FIELDS, "a question")
        sources = [s for s in ("topic", "item", "pick") if s in entry]
        if len(sources) != 1:
            what = "none" if not sources else " and ".join(sources)
            raise r.error(path, f"a question needs exactly one of topic, item or pick, got {what}")
        bonus = r.boolean(entry, path, "bonus")
        line = r.line(path)
        if sources == ["topic"]:
            return [self._topic(entry, path, key_of(0), line, bonus, group)]
        for name in ("params", "where"):
            if name in entry:
                raise r.error((*path, name), "belongs to topic questions only; "
                              f"remove it from this {sources[0]}")
        if sources == ["item"]:
            return [self._item(entry, path, key_of(0), line, bonus, group)]
        return self._pick(entry, path, key_of, line, bonus, group)

    # -- topics ---------------------------------------------------------------------------------

    def _topic(self, entry: dict[str, Any], path: FieldPath, key: str, line: int, bonus: bool,
               group: int) -> Slot:
        r = self.r
        topic_id = entry["topic"]
        if not isinstance(topic_id, str):
            raise r.error((*path, "topic"), f"must be a topic id string, got {type_name(topic_id)}")
        try:
            topic = get_topic(topic_id)
        except UnknownTopicError as e:
            raise r.error((*path, "topic"), str(e)) from None
        if "params" in entry and "where" in entry:
            raise r.error((*path, "where"), "filters drawn params; with pinned params drop where "
                          "(or drop params to draw per student)")
        if "params" in entry:
            params = r.table(entry["params"], (*path, "params"), "a table of the topic's params")
            try:
                reference = topic.build(params)
            except ParamError as e:
                raise r.error((*path, "params"), str(e)) from None
            source, where = "pinned", tuple[tuple[str, Any], ...]()
        else:
            where = self._where(entry, path, topic)
            reference, source = self._sample(topic, where, path), "drawn"
        part_marks = self._topic_marks(entry, path, reference)
        return Slot(key, line, source, sum(m for _, m in part_marks), topic=topic.id,
                    params=entry.get("params"), where=where, part_marks=part_marks, bonus=bonus,
                    group=group)

    def _where(self, entry: dict[str, Any], path: FieldPath, topic: Topic) -> tuple[tuple[str, Any], ...]:
        if "where" not in entry:
            return ()
        where = self.r.table(entry["where"], (*path, "where"), "a table of param = value")
        for name in where:
            if name not in topic.params:
                close = difflib.get_close_matches(name, list(topic.params), n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise self.r.error((*path, "where", name), f"{topic.id} has no param '{name}'; {hint}"
                                   f"its params are {', '.join(topic.params)}")
        return tuple(where.items())

    def _sample(self, topic: Topic, where: tuple[tuple[str, Any], ...], path: FieldPath) -> Question:
        seeds: list[int] = []
        seen: dict[str, list[str]] = {name: [] for name, _ in where}
        for seed in range(SAMPLE_DRAWS):
            params = topic.draw(seed)
            if matches(topic, params, where):
                seeds.append(seed)
                if len(seeds) == SAMPLE_BUILDS:
                    break
            for name in seen:
                shown = quote(params[name] if name in params else topic.params.get(name))
                if shown not in seen[name] and len(seen[name]) < 6:
                    seen[name].append(shown)
        if len(seeds) < SAMPLE_BUILDS:
            drawn = "; ".join(f"{name} takes {', '.join(values)}" for name, values in seen.items())
            got = " and ".join(f"{name} = {quote(value)}" for name, value in where)
            raise self.r.error((*path, "where"), f"only {len(seeds)} of {SAMPLE_DRAWS} drawn variants of "
                               f"{topic.id} have {got}, too few to draw from ({drawn}); "
                               "pin params instead or relax where")
        built = []
        for seed in seeds:
            try:
                built.append(topic.question(seed=seed))
            except ParamError as e:  # a topic bug, but the instructor must hear of it here
                raise self.r.error((*path, "topic"), f"seed {seed} draws a variant the topic refuses "
                                   f"({e}); pin params and report the bug") from None
        return built[0]

    def _topic_marks(self, entry: dict[str, Any], path: FieldPath,
                     q: Question) -> tuple[tuple[str, int], ...]:
        ids = [p.id for p in q.parts]
        marks = {p.id: p.marks for p in q.parts}
        if "marks" not in entry:
            return tuple(marks.items())
        value, where = entry["marks"], (*path, "marks")
        if isinstance(value, dict):
            for part, m in value.items():
                if part not in marks:
                    close = difflib.get_close_matches(part, ids, n=1)
                    hint = f"did you mean '{close[0]}'? " if close else ""
                    raise self.r.error((*where, part), f"{q.topic} has no part '{part}'; {hint}"
                                       f"its parts are {', '.join(ids)}")
                if isinstance(m, bool) or not isinstance(m, int) or m < 1:
                    raise self.r.error((*where, part), f"must be a positive integer, got {quote(m)}")
                marks[part] = m
            return tuple(marks.items())
        if isinstance(value, bool) or not isinstance(value, int) or value < len(ids):
            raise self.r.error(where, f"must be a total of at least {len(ids)} (one per part of {q.topic}: "
                               f"{', '.join(ids)}) or a table part = marks, got {quote(value)}")
        return tuple(zip(ids, spread_marks(value, [marks[i] for i in ids]), strict=True))

    # -- concept items --------------------------------------------------------------------------

    def _item_marks(self, entry: dict[str, Any], path: FieldPath) -> int | None:
        if "marks" not in entry:
            return None
        value = entry["marks"]
        if isinstance(value, dict) and list(value) == ["answer"]:
            value = value["answer"]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.r.error((*path, "marks"), "must be a positive integer (a concept item has one part), "
                               f"got {quote(value)}")
        return value

    def _item(self, entry: dict[str, Any], path: FieldPath, key: str, line: int, bonus: bool,
              group: int) -> Slot:
        item_id = entry["item"]
        if not isinstance(item_id, str):
            raise self.r.error((*path, "item"), f"must be a concept item id string, got {type_name(item_id)}")
        try:
            item = self.bank.get(item_id)
        except BankError as e:
            raise self.r.error((*path, "item"), str(e)) from None
        first = self.placed.get(item_id)
        if first is not None and first != line:
            raise self.r.error((*path, "item"), f"'{item_id}' is already the question on line {first}; "
                               "an item appears once in a paper")
        marks = self._item_marks(entry, path)
        if marks is not None and item.rubric and marks != item.marks:
            raise self.r.error((*path, "marks"), f"is {marks} but the rubric of '{item_id}' adds up to "
                               f"{item.marks}; drop marks or set it to {item.marks}")
        total = item.marks if marks is None else marks
        return Slot(key, line, "item", total, item=item_id, part_marks=(("answer", total),), bonus=bonus,
                    group=group)

    def _pick(self, entry: dict[str, Any], path: FieldPath, key_of: Callable[[int], str], line: int,
              bonus: bool, group: int) -> list[Slot]:
        r, where = self.r, (*path, "pick")
        raw = r.table(entry["pick"], where, "a table {count, tags, level, kind}")
        r.known(raw, where, PICK_FIELDS, "a pick")
        count = r.integer(raw, where, "count", default=1)
        assert count is not None
        tags = raw.get("tags", [])
        tags = [tags] if isinstance(tags, str) else tags
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise r.error((*where, "tags"), 'must be a list of tags, e.g. ["gan", "wgan"], '
                          f"got {quote(tags)}")
        for tag in tags:
            if tag not in self._tags:
                close = difflib.get_close_matches(tag, self._tags, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else "; `dlexam bank` shows the tags"
                raise r.error((*where, "tags"), f"no concept item is tagged '{tag}'{hint}")
        level = r.choice(raw, where, "level", LEVELS, None)
        kind = r.choice(raw, where, "kind", ITEM_KINDS, None)
        marks = self._item_marks(entry, path)
        found = self.bank.search(tags=tags, level=level, kind=kind)
        free = [i for i in found if i.id not in self.placed]
        fits = [i for i in free if marks is None or not i.rubric or i.marks == marks]
        pick = Pick(tuple(tags), level, kind, tuple(i.id for i in fits))
        if len(fits) < count:
            notes = []
            if len(free) < len(found):
                notes.append(f"{len(found) - len(free)} more placed by id elsewhere in the spec")
            if len(fits) < len(free):
                notes.append(f"{len(free) - len(fits)} short items whose rubric is not worth {marks}")
            extra = f" ({'; '.join(notes)})" if notes else ""
            raise r.error(where, f"asks for {pick.describe(count)}; the bank has {len(fits)}{extra}; "
                          "lower count or loosen tags, level or kind")
        if marks is None:
            worth = sorted({i.marks for i in fits})
            if len(worth) > 1:
                raise r.error(where, f"the candidate items are worth {', '.join(map(str, worth))} marks; "
                              "set marks so every student's question is worth the same")
            marks = worth[0]
        return [Slot(key_of(n), line, "pick", marks, pick=pick, part_marks=(("answer", marks),), bonus=bonus,
                     group=group) for n in range(count)]
