"""Choice letters and true/false, as students write them.

Choices: b, B, "B, D", {b,d}, "b d", "(b)", "b)", "b and d", "BD", "option b". Letters are
read case-insensitively; "none", "-" or {} is the empty selection (a choices part may
expect it). A letter past the part's options, a repeated letter, or a second letter for a
single-choice part is refused with a message, never dropped. Option numbers (2 for b) are
refused: 2 could be the second option or option "2.".

True/false: true/false, t/f, yes/no, y/n, 1/0, ✓/✗, right/wrong, correct/incorrect, and the
words of the languages our locales cover (wahr/falsch, richtig, ja/nein, vrai/faux, oui/non,
waar/onwaar, juist/onjuist, nee, vero/falso, sì/no, verdadero, cierto). No word means true in
one language and false in another, so every spelling is accepted in every locale.
"""

from __future__ import annotations

import re
from typing import Any

from ._parse_numbers import Refusal

__all__ = ["read_choices", "read_true_false"]

MAX_LETTERS = 26
_CONNECTORS = frozenset({"and", "und", "et", "&", "+", "option", "options", "answer", "answers"})
_ALTERNATIVES = frozenset({"or", "oder", "ou"})
_NONE = frozenset({"none", "nothing", "keine", "aucune", "geen", "ninguna", "nessuna", "-", "—", "∅", "{}",
                   "[]", "()"})
_WRAPPERS = re.compile(r"[{}\[\]()\"'`«»“”‘’]")
_SPLIT = re.compile(r"[\s,;/|]+")
_TOKEN = re.compile(r"([a-z])[).:]?")


def _message(count: int | None) -> str:
    if count is not None and count < MAX_LETTERS:
        last = chr(ord("a") + count - 1)
        return f"expected option letters from a to {last}, like b or b, d"
    return "expected option letters like b or b, d"


def read_choices(text: str, comma: bool, expected: Any, options: int | None, most: int | None = None) -> Any:
    """A frozenset of lower-case letters, or a Refusal. `most` = 1 for a single choice."""
    count = options if isinstance(options, int) and 0 < options <= MAX_LETTERS else None
    lowered = text.lower().strip().rstrip(".")
    if lowered in _NONE:
        if most == 1:
            return Refusal("choose one option, like b")
        return frozenset()
    words = [w for w in _SPLIT.split(_WRAPPERS.sub(" ", lowered)) if w and w not in _CONNECTORS]
    if any(w in _ALTERNATIVES for w in words):
        return Refusal("give the letters you choose, not alternatives (no 'or')")
    letters: list[str] = []
    for word in words:
        m = _TOKEN.fullmatch(word)
        if m is not None:
            letters.append(m.group(1))
        elif word.isascii() and word.isalpha() and len(word) <= (count or 8):
            letters.extend(word)  # BD, acd: letters typed without separators
        else:
            return Refusal(_message(count))
    if not letters:
        return Refusal(_message(count))
    if len(set(letters)) < len(letters):
        return Refusal("an option letter is repeated; give each chosen letter once")
    if count is not None and any(ord(x) - ord("a") >= count for x in letters):
        return Refusal(_message(count))
    if most == 1 and len(letters) > 1:
        return Refusal("choose one option only, like b")
    return frozenset(letters)


_TRUE = frozenset({"true", "t", "yes", "y", "1", "✓", "✔", "☑", "right", "correct", "wahr", "richtig", "ja",
                   "j", "vrai", "v", "oui", "waar", "juist", "vero", "sì", "si", "verdadero", "cierto",
                   "verdadeiro", "sim", "+"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "✗", "✘", "☒", "wrong", "incorrect", "falsch", "nein",
                    "faux", "non", "onwaar", "onjuist", "nee", "falso", "fals", "não", "nao", "-"})


def read_true_false(text: str, comma: bool, expected: Any, options: int | None) -> Any:
    word = text.lower().strip().strip("()[]{}\"'.!").strip()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return Refusal("expected true or false (or t / f, yes / no)")
