"""Plain numbers as students type them, read exactly: 0.1875, .1875, 3/16, 1.875e-1, -0.2,
+2, 1,000 and, where the locale writes decimals with a comma, 1,5.

The rules, decided once for every kind of answer:

- The decimal mark follows the locale. In an "en" exam a comma is only a thousands
  separator in strict 1,000-style groups (1,000 and 12,345.5; not 1,5 or 0,125, which are
  refused with a hint, never guessed). In a decimal-comma locale (de, fr, nl, …) both 1,5
  and 1.5 are read as one and a half, because many students type a dot out of habit; a lone
  dot before exactly three digits (1.000) is refused as ambiguous, and when a number has
  both marks the last one is the decimal mark (1.000,5 and 1,000.5).
- A space may group digits in threes in every locale (1 000 000).
- A trailing % divides by 100 (18.75% is 0.1875): it is what the sign means.
- Exponents (1.875e-1) stay within ±MAX_EXPONENT, so no input builds a giant integer.

Nothing here uses a float: the digits a student wrote become a `Fraction`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

__all__ = ["MAX_EXPONENT", "NumberError", "Refusal", "comma_decimal", "normalise", "plain_number",
           "read_digits", "simple_number"]

MAX_EXPONENT = 400  # 1e-400 … 1e400; a larger exponent is refused before Fraction builds it
MAX_DIGITS = 120

# Languages whose decimal mark is a comma; a region may say otherwise (Swiss German uses a dot).
_COMMA_LANGUAGES = frozenset(
    "af az be bg bs ca cs da de el eo es et eu fi fo fr gl hr hu hy id is it ka kk ky lt lv mk mn "
    "nb nl nn no pl pt ro ru sk sl sq sr sv tr uk uz vi".split())
_DOT_REGIONS = frozenset({"ch", "li"})


class NumberError(ValueError):
    """A number that cannot be read; the message is one line for the student."""


@dataclass(frozen=True)
class Refusal:
    """What a reader returns instead of a value: the one-line reason."""

    message: str

    def __str__(self) -> str:
        return self.message


def comma_decimal(locale: str) -> bool:
    """Whether the locale ("de", "de-DE", "fr_CH", …) writes one and a half as 1,5."""
    return _comma_decimal(locale) if isinstance(locale, str) else _comma_decimal_of(locale)


@lru_cache(maxsize=256)
def _comma_decimal(locale: str) -> bool:  # asked once per answer: remembered
    return _comma_decimal_of(locale)


def _comma_decimal_of(locale: object) -> bool:
    parts = re.split(r"[-_.@]", str(locale).strip().lower())
    if len(parts) > 1 and parts[1] in _DOT_REGIONS:
        return False
    return parts[0] in _COMMA_LANGUAGES


_SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺"
_SUPERSCRIPT_RUN = re.compile(f"[{_SUPERSCRIPT}]+")
_TRANSLATE = str.maketrans({
    **dict.fromkeys("\u2212\u2012\u2013\u2014\ufe63\uff0d", "-"), "\uff0b": "+",
    **dict.fromkeys("\u00a0\u2007\u2009\u200a\u202f\u3000", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", None),
    **dict.fromkeys("×·⋅∙✕∗", "*"), "÷": "/", "⁄": "/", "∕": "/",
    "\r": "\n",
})


def _superscript(match: re.Match[str]) -> str:
    run = match.group(0).translate(str.maketrans(_SUPERSCRIPT, "0123456789-+"))
    return f"^({run})"


def normalise(text: str) -> str:
    """One spelling for look-alike characters: unicode minus and dashes, exotic spaces,
    ×·÷, and superscript exponents (10⁻³ becomes 10^(-3)). Strips the ends."""
    if text.isascii() and "\r" not in text:
        return text.strip()  # nothing to translate: every look-alike is outside ASCII but \r
    text = text.translate(_TRANSLATE)
    if _SUPERSCRIPT_RUN.search(text):
        text = _SUPERSCRIPT_RUN.sub(_superscript, text)
    return text.strip()


_GROUPED = {sep: re.compile(rf"[1-9][0-9]{{0,2}}(?:{re.escape(sep)}[0-9]{{3}})+") for sep in ", ."}
_DIGITS = re.compile(r"[0-9]*")
_AMBIGUOUS_DOT = re.compile(r"[1-9][0-9]{0,2}\.[0-9]{3}")


def read_digits(body: str, exponent: str, comma: bool) -> Fraction:
    """The exact value of an unsigned decimal `body` (digits, marks and group separators)
    times 10**exponent. Raises NumberError with a hint."""
    if len(body) > MAX_DIGITS:
        raise NumberError(f"a number of more than {MAX_DIGITS} characters")
    if comma and "," in body and "." in body:
        decimal = "," if body.rfind(",") > body.rfind(".") else "."
        groups = "." if decimal == "," else ","
    elif comma and "," in body:
        if body.count(",") > 1:
            raise NumberError(f"{body} has more than one decimal comma; separate entries with ; or spaces")
        decimal, groups = ",", ""
    elif comma and body.count(".") == 1 and _AMBIGUOUS_DOT.fullmatch(body):
        raise NumberError(f"{body} is ambiguous here (a thousand, or one?): write it without the dot, "
                          "or with a decimal comma")
    elif comma and body.count(".") > 1:
        decimal, groups = "", "."
    else:
        decimal, groups = ".", ","
    whole, _, fraction = body.partition(decimal) if decimal else (body, "", "")
    for sep in " " + groups:
        if sep in whole:
            if not _GROUPED[sep].fullmatch(whole):
                if sep == "," and not comma:
                    raise NumberError(f"{body}: a comma is not a decimal mark in this exam; write a dot, "
                                      "as in 1.5")
                raise NumberError(f"{body} is not a number: group digits only in threes, as in 1 000")
            whole = whole.replace(sep, "")
    if not _DIGITS.fullmatch(whole) or not _DIGITS.fullmatch(fraction) or not (whole or fraction):
        raise NumberError(f"{body} is not a number")
    if exponent and abs(int(exponent)) > MAX_EXPONENT:
        raise NumberError(f"the exponent {exponent} is out of range (at most {MAX_EXPONENT})")
    return Fraction(f"{whole or '0'}.{fraction or '0'}e{exponent or '0'}")


_NUMBER = re.compile(r"([+-]?) ?([0-9][0-9., ]*|[.,][0-9]+)(?:[eE]([+-]?[0-9]{1,6}))?( ?%)?")
_RATIO = re.compile(r"([+-]?) ?([0-9]{1,60}) ?/ ?([0-9]{1,60})")


def plain_number(text: str, comma: bool) -> Fraction | None:
    """A plain number or integer ratio (the fast path), or None when `text` is something
    else (an expression, perhaps). `text` is already normalised. Raises NumberError when it
    looks like a number but is malformed (1,5 in an English exam)."""
    m = _NUMBER.fullmatch(text)
    if m is not None:
        sign, body, exponent, percent = m.groups()
        value = read_digits(body.rstrip(), exponent or "", comma)
        if percent:
            value /= 100
        return -value if sign == "-" else value
    m = _RATIO.fullmatch(text)
    if m is not None:
        sign, top, bottom = m.groups()
        if int(bottom) == 0:
            raise NumberError(f"{text} divides by zero")
        value = Fraction(int(top), int(bottom))
        return -value if sign == "-" else value
    return None


# The commonest spellings, 12, -0.25, 2.5e-1 and 3/16, in the one form each has (no group
# separators, no spaces, at most 60 digits a side): read straight to a Fraction, remembered.
_SIMPLE = re.compile(r"([+-]?)([0-9]{1,60})(?:\.([0-9]{1,59}))?(?:[eE]([+-]?[0-9]{1,3}))?")
_SIMPLE_RATIO = re.compile(r"([+-]?)([0-9]{1,60})/([0-9]{1,60})")


def simple_number(text: str, comma: bool) -> Fraction | None:
    """`plain_number(text, comma)` for the simple spellings above, else None (also for any
    case plain_number refuses: a zero denominator, an exponent beyond MAX_EXPONENT, and in a
    decimal-comma locale a dot before exactly three digits). Answers repeat across a class,
    so each text is read once."""
    return _simple_number(text, comma) if len(text) <= _SIMPLE_LENGTH else None


_SIMPLE_LENGTH = 126  # the longest simple spelling: only these are remembered


@lru_cache(maxsize=1 << 15)
def _simple_number(text: str, comma: bool) -> Fraction | None:
    m = _SIMPLE.fullmatch(text)
    if m is not None:
        sign, whole, fraction, exponent = m.groups()
        fraction = fraction or ""
        power = int(exponent) if exponent else 0
        if abs(power) > MAX_EXPONENT or (comma and len(fraction) == 3):
            return None
        digits, power = int(whole + fraction), power - len(fraction)
        value = Fraction(digits * 10 ** power) if power >= 0 else Fraction(digits, 10 ** -power)
        return -value if sign == "-" else value
    m = _SIMPLE_RATIO.fullmatch(text)
    if m is not None:
        sign, top, bottom = m.groups()
        if int(bottom) == 0:
            return None
        value = Fraction(int(top), int(bottom))
        return -value if sign == "-" else value
    return None
