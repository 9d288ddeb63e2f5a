"""The bank: every item file read, checked and indexed, with a search over it.

Files are TOML, one per theme (`items/<theme>.toml` in the package; an instructor's own
files load the same way). A file that breaks the format stops the load with one line
naming the file, the item, the field and the fix; `problems()` lists all of them at once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from ._item import KINDS, LEVELS, BankError, Item, is_theme_name, parse_item

__all__ = ["THEMES", "Bank", "load_bank"]

#: The concept themes of shared/TOPICS.md, by the file that holds them.
THEMES = {
    "paradigms": "learning paradigms",
    "universal_approximation": "universal approximation",
    "bias_variance": "bias and variance",
    "regularisation": "regularisation",
    "dropout_batchnorm": "dropout and batch norm",
    "activations": "activations and vanishing gradients",
    "optimisers": "optimisers and second-order methods",
    "data_splits": "data splits and data mismatch",
    "augmentation": "augmentation",
    "hyperparameters": "hyper-parameter search",
    "cnn_design": "CNN design",
    "transposed_conv": "transposed convolutions",
    "rnn_gradients": "RNN/LSTM gradients",
    "vae": "VAEs",
    "gan": "GANs and WGAN-GP",
    "gradcam": "Grad-CAM",
    "reinforcement": "reinforcement learning",
    "graph_networks": "graph networks",
    "pytorch": "PyTorch autograd and memory pitfalls",
}

FILE_FIELDS = {"theme", "title", "items"}


@dataclass(frozen=True)
class Bank:
    """Items in file order, and the title of each theme."""

    items: tuple[Item, ...]
    titles: dict[str, str]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def get(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        import difflib

        close = difflib.get_close_matches(item_id, [i.id for i in self.items], n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise BankError(f"no concept item '{item_id}'; {hint}`dlexam bank` lists them")

    def search(self, words: Iterable[str] = (), *, tags: Iterable[str] = (), level: str | None = None,
               kind: str | None = None, theme: str | None = None) -> list[Item]:
        """Items carrying every tag, matching level/kind/theme, and containing every word
        (case-insensitive) in the id, text, options, tags or explanation."""
        for name, value, allowed in (("level", level, LEVELS), ("kind", kind, KINDS)):
            if value is not None and value not in allowed:
                raise BankError(f"--{name} must be one of {', '.join(allowed)}, got {value!r}")
        if theme is not None and theme not in self.titles:
            raise BankError(f"--theme must be one of {', '.join(self.titles)}, got {theme!r}")
        wanted_tags, needles = set(tags), [w.casefold() for w in words]
        return [
            item for item in self.items
            if wanted_tags <= set(item.tags)
            and (level is None or item.level == level)
            and (kind is None or item.kind == kind)
            and (theme is None or item.theme == theme)
            and all(n in _haystack(item) for n in needles)
        ]


@cache
def _haystack(item: Item) -> str:
    return " ".join([item.id, item.text, *item.options, *item.tags, item.explanation]).casefold()


def builtin_files() -> list[Path]:
    folder = resources.files("dlexam.bank") / "items"
    return sorted(Path(str(f)) for f in folder.iterdir() if f.name.endswith(".toml"))


def load_bank(*, extra: Iterable[str | Path] = ()) -> Bank:
    """The built-in bank plus an instructor's own item files, all checked; the first
    problem raises BankError."""
    paths = [Path(p) for p in extra]
    if not paths:
        return _builtin()
    return _merge([_builtin(), *(_read_file(p) for p in paths)])


@cache
def _builtin() -> Bank:
    return _merge([_read_file(p) for p in builtin_files()])


def check_files(paths: Iterable[Path]) -> tuple[list[str], int]:
    """Every problem in these files, one line each, and the number of items that load."""
    found: list[str] = []
    banks = []
    for path in paths:
        try:
            banks.append(_read_file(path))
        except BankError as e:
            found.append(str(e))
    try:
        return found, len(_merge(banks))
    except BankError as e:
        return [*found, str(e)], 0


def _merge(banks: list[Bank]) -> Bank:
    items: list[Item] = []
    titles: dict[str, str] = {}
    seen: dict[str, str] = {}
    for bank in banks:
        for theme, title in bank.titles.items():
            if theme in titles:
                raise BankError(f"theme '{theme}' is defined by two files; give yours another theme name")
            titles[theme] = title
        for item in bank.items:
            if item.id in seen:
                raise BankError(f"item id '{item.id}' appears twice; ids must be unique across the bank")
            seen[item.id] = item.theme
            items.append(item)
    return Bank(tuple(items), titles)


def _read_file(path: Path) -> Bank:
    name = path.name
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise BankError(f"{path}: cannot read the file ({e.strerror})") from None
    except UnicodeDecodeError:
        raise BankError(f"{path}: is not UTF-8 text; save it as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise BankError(f"{name}: not valid TOML: {e}") from None
    for key in data:
        if key not in FILE_FIELDS:
            raise BankError(f"{name}: '{key}' is not a file field; the fields are theme, title and [[items]]")
    theme, title, raw_items = data.get("theme"), data.get("title"), data.get("items")
    if not isinstance(theme, str) or not is_theme_name(theme) or theme != path.stem:
        raise BankError(f"{name}: 'theme' must be the file name without .toml ('{path.stem}'), "
                        "in lowercase words joined by _")
    if not isinstance(title, str) or not title.strip():
        raise BankError(f"{name}: 'title' is missing; give the theme a human-readable title")
    if not isinstance(raw_items, list) or not raw_items:
        raise BankError(f"{name}: no [[items]]; a theme file holds at least one item")
    items = tuple(parse_item(raw, theme=theme, where=f"{name}, item {i}")
                  for i, raw in enumerate(raw_items, 1))
    return _merge([Bank(items, {theme: title.strip()})])
