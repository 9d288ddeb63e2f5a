"""What a parsed spec is made of, and the reader that checks fields as it goes.

`Reader` wraps one spec file: each getter checks a field's type and range and raises
`SpecError` with the file, the line (found by `Locator`), the field and the fix, on one
line. `Slot` is one numbered question of the exam as the spec fixes it (every student
gets the same slots; what fills a slot differs).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import DlexamError
from ._locate import Locator, field_name

__all__ = ["Pick", "Reader", "Slot", "SpecError", "quote"]

FieldPath = tuple[str | int, ...]


class SpecError(DlexamError, ValueError):
    """An exam spec that cannot be used: `file:line: field: what is wrong and the fix`."""

    def __init__(self, file: str, line: int, field: str, message: str) -> None:
        self.file, self.line, self.field = file, line, field
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


def quote(value: Any) -> str:
    """A user's value in a message, on one line (newlines escaped), shortened if long."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = json.dumps(str(value), ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def type_name(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "an array", dict: "a table"}
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class Pick:
    """`pick = {count, tags, level, kind}`: the items that may fill the slot."""

    tags: tuple[str, ...]
    level: str | None
    kind: str | None
    candidates: tuple[str, ...]  # item ids, bank order, items placed by id excluded

    def describe(self, count: int) -> str:
        words = [w for w in (self.level, self.kind) if w]
        tagged = f" tagged {', '.join(self.tags)}" if self.tags else ""
        return f"{count} {' '.join(words)}{' ' if words else ''}item{'s' if count != 1 else ''}{tagged}"


@dataclass(frozen=True)
class Slot:
    """One numbered question. `source` says how it is filled: "pinned" (topic + params),
    "drawn" (topic, params per student, optionally filtered by `where`), "item" (a bank
    item by id) or "pick" (a bank item chosen per student). `part_marks` overrides the
    question's marks part by part (the same for every student); `marks` is the total."""

    key: str
    line: int
    source: str
    marks: int
    topic: str | None = None
    params: Any = None
    where: tuple[tuple[str, Any], ...] = ()
    item: str | None = None
    pick: Pick | None = None
    part_marks: tuple[tuple[str, int], ...] = ()
    bonus: bool = False
    group: int = 0  # the slots of one `pick` with count > 1 share a group

    @property
    def label(self) -> str:
        """What the slot asks, for reports: a topic id, an item id or the pick."""
        if self.pick is not None:
            return "pick " + self.pick.describe(1).removeprefix("1 ")
        return self.topic or self.item or "?"


class Reader:
    """Typed access to one spec's fields; every failure is a SpecError."""

    def __init__(self, file: str, locator: Locator) -> None:
        self.file, self.locator = file, locator

    def error(self, path: FieldPath, message: str) -> SpecError:
        return SpecError(self.file, self.locator.line(path), field_name(path), message)

    def line(self, path: FieldPath) -> int:
        return self.locator.line(path)

    def table(self, value: Any, path: FieldPath, what: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, f"must be {what}, got {type_name(value)}")
        return value

    def known(self, table: Mapping[str, Any], path: FieldPath, allowed: Iterable[str], what: str) -> None:
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise self.error((*path, key), f"is not {what} field; {hint}the fields are "
                                 + ", ".join(allowed))

    def string(self, table: Mapping[str, Any], path: FieldPath, key: str, *, required: bool = False,
               default: str = "", fix: str = "") -> str:
        if key not in table:
            if required:
                raise self.error((*path, key), f"is missing; {fix or 'give it a text'}")
            return default
        value = table[key]
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.error((*path, key), f"must be a non-empty string, got {quote(value)}")
        return value.strip()

    def integer(self, table: Mapping[str, Any], path: FieldPath, key: str, *, default: int | None,
                minimum: int = 1) -> int | None:
        if key not in table:
            return default
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.error((*path, key), f"must be an integer of at least {minimum}, got {quote(value)}")
        return value

    def boolean(self, table: Mapping[str, Any], path: FieldPath, key: str, default: bool = False) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise self.error((*path, key), f"must be true or false, got {quote(value)}")
        return value

    def choice(self, table: Mapping[str, Any], path: FieldPath, key: str, allowed: Iterable[str],
               default: str | None) -> str | None:
        if key not in table:
            return default
        allowed = list(allowed)
        value = table[key]
        if value not in allowed:
            close = difflib.get_close_matches(str(value), allowed, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise self.error((*path, key), f"must be one of {', '.join(allowed)}, got {quote(value)}{hint}")
        return str(value)
