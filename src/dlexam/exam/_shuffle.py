"""Shuffling the options of a choice question without breaking its key or its prose.

Options move, so the answer letters are remapped, and so are the references to
letters in the prompt, the options and the explanation ("(b)", "(a, d)", "option c",
"options a and e"), outside $math$ and `code`. Options that point at their neighbours
("all of the above", "none of these") keep their place. The remapped key is checked:
each new answer letter shows the same option text as the old one did.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping
from dataclasses import replace

from ..model import Part, Question, Step

__all__ = ["remap_letters", "shuffle_options"]

_PINNED = re.compile(r"\b(of|to) the above\b|\b(all|none|both|neither) of these\b", re.I)
_LETTER_LIST = r"[a-z](?:(?:\s*,\s*|\s+(?:and|or)\s+)[a-z]\b(?!\.))*"
_REFERENCE = re.compile(rf"(?<!\w)(?P<paren>\()(?P<p>{_LETTER_LIST})(?=\s*[,)])"
                        rf"|(?P<word>\b[Oo]ptions?\s+)(?P<w>{_LETTER_LIST})\b(?![-'’])")
_PROTECTED = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", re.S)
_LETTER = re.compile(r"\b[a-z]\b")


def remap_letters(text: str, mapping: Mapping[str, str]) -> str:
    """`text` with every option reference renamed by `mapping` (old letter → new)."""

    def rename(m: re.Match[str]) -> str:
        prefix, letters = (m["paren"], m["p"]) if m["paren"] else (m["word"], m["w"])
        if not all(x in mapping for x in _LETTER.findall(letters)):
            return m.group(0)  # "option a user picks": not a reference
        return prefix + _LETTER.sub(lambda x: mapping[x.group(0)], letters)

    return _outside(text, lambda plain: _REFERENCE.sub(rename, plain))


def _outside(text: str, change: Callable[[str], str]) -> str:
    """Apply `change` to the parts of text that are not math or code."""
    out, last = [], 0
    for m in _PROTECTED.finditer(text):
        out += [change(text[last:m.start()]), m.group(0)]
        last = m.end()
    out.append(change(text[last:]))
    return "".join(out)


def shuffle_options(q: Question, rng: random.Random) -> Question:
    """`q` with the options of its choice part shuffled by `rng` and everything that
    names a letter remapped. A question with no options, or with several option lists
    (whose letters would be ambiguous in prose), comes back unchanged."""
    choice = [p for p in q.parts if p.options and p.kind in ("choice", "choices")]
    if len(choice) != 1:
        return q
    part = choice[0]
    n = len(part.options)
    movable = [i for i, o in enumerate(part.options) if not _PINNED.search(o)]
    order = list(range(n))
    shuffled = movable[:]
    rng.shuffle(shuffled)
    for slot, old in zip(movable, shuffled, strict=True):
        order[slot] = old  # new position `slot` shows old option `old`
    if order == list(range(n)):
        return q
    mapping = {_letter(old): _letter(new) for new, old in enumerate(order)}
    answer = mapping[part.answer] if isinstance(part.answer, str) else sorted(mapping[a] for a in part.answer)
    options = tuple(remap_letters(part.options[old], mapping) for old in order)
    new_part = replace(part, answer=answer, options=options, prompt=remap_letters(part.prompt, mapping))
    _check(part, new_part, mapping)
    parts = tuple(new_part if p is part else p for p in q.parts)
    solution = tuple(Step(s.title, remap_letters(s.text, mapping)) for s in q.solution)
    return replace(q, prompt=remap_letters(q.prompt, mapping), parts=parts, solution=solution)


def _check(old: Part, new: Part, mapping: Mapping[str, str]) -> None:
    before = [old.answer] if isinstance(old.answer, str) else list(old.answer)
    after = [new.answer] if isinstance(new.answer, str) else list(new.answer)
    shown_before = sorted(remap_letters(old.options[ord(a) - 97], mapping) for a in before)
    shown_after = sorted(new.options[ord(a) - 97] for a in after)
    if shown_before != shown_after:  # a bug here would mark every student wrong: never let it pass
        raise AssertionError(f"option shuffle broke the key of {old.id}: {before} → {after}")


def _letter(i: int) -> str:
    return chr(ord("a") + i)
