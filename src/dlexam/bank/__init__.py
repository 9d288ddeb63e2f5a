"""The concept bank: true/false, single-choice, multiple-answer and short-answer items
on the ideas a deep-learning exam tests, at three levels, with keys and explanations.

    >>> from dlexam.bank import load_bank
    >>> bank = load_bank()
    >>> [i.id for i in bank.search(["dropout"], level="beginner")]
    >>> bank.get("gan.wgan-no-sigmoid").key_text()

Items live as TOML data, one file per theme in `items/`, and are checked on load
(docs/concept-bank.md gives the format); instructors add their own files with
`load_bank(extra=[...])`.
"""

from ._bank import THEMES, Bank, load_bank
from ._item import KINDS, LEVELS, BankError, Item

__all__ = ["KINDS", "LEVELS", "THEMES", "Bank", "BankError", "Item", "load_bank"]
