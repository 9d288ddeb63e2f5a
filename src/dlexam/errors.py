"""Errors a user can cause. Each carries a one-line message that names the field and
the fix; the CLI prints it after `dlexam: ` and exits 2, never with a traceback."""

from __future__ import annotations

import json

__all__ = ["DlexamError", "ParamError", "UnknownTopicError"]


class DlexamError(Exception):
    """Base class for every error caused by user input."""


class ParamError(DlexamError, ValueError):
    """A topic param is missing, of the wrong type or out of range."""

    def __init__(self, topic: str, param: str | None, message: str) -> None:
        self.topic, self.param = topic, param
        where = f"param '{param}' " if param else ""
        super().__init__(f"{topic}: {where}{message}")


class UnknownTopicError(DlexamError, LookupError):
    def __init__(self, topic: str, close: list[str]) -> None:
        self.topic = topic
        topic = json.dumps(topic, ensure_ascii=False)[1:-1]  # a newline stays on one line
        hint = f"did you mean '{close[0]}'? " if close else ""
        super().__init__(f"unknown topic '{topic}'; {hint}`dlexam topics` lists them all")

    def __str__(self) -> str:  # LookupError would quote the message
        return str(self.args[0])
