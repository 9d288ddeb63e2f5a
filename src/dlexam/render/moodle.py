"""An exam's question pools as Moodle XML, ready for Question bank → Import.

    moodle_xml(info, pools) -> bytes

Every pool (one numbered exam question) becomes a category `$course$/<exam id>/Q<number>`
holding its variants, so a quiz slot "random question from this category" gives each
student one of them. A variant becomes, by its parts:

  * one "choice" part → multichoice (single); "choices" → multichoice (multiple answers)
    with fractions from the section's policy (below); "true_false" → truefalse;
  * one "text" part (short answer) → essay, with the model answer and the rubric in the
    grader information; a "design" part (any valid design scores) → essay, with one valid
    design there: Moodle cannot run the design check;
  * one part with a single number → numerical; every other numeric question → cloze
    (embedded answers), one NUMERICAL blank per number, so the parts stay one question.
    Blank weights are integers proportional to the part's marks shared among its blanks;
    Moodle takes the question's default mark as their sum (a multiple of the marks) and a
    quiz scales it to the slot's mark, so the shares are what count.

Tolerances follow `_lms.num` (integers exact, terminating decimals half a unit in their last
decimal, irrational keys 0.1 %). The worked solution is the general feedback. Math goes
out as \\( … \\) for MathJax; HTML sits in CDATA.

Multiple-answer fractions (k right options of n; Moodle adds the ticked fractions and
clamps the sum to 0…100 %), each from Moodle's grade list, the nearest one if needed:

  * negative      right +100/k, wrong −100/k: right boxes minus wrong ones, floored at 0;
  * per_option    right +100/k, wrong −100/(n−k): a share per right box, and ticking
                  every box earns nothing;
  * all_or_nothing  core Moodle cannot withhold a share for a missing right box; the
                  nearest is right +100/k, wrong −100 (any wrong box zeroes the question).
                  A comment says so. With `all_or_nothing_plugin=True` the question is
                  written for the "All-or-Nothing Multiple Choice" plugin
                  (qtype_multichoiceset), which grades exactly that way.
"""

from __future__ import annotations

import html as _html
import re
from collections.abc import Sequence
from math import gcd, lcm
from typing import Any

from ..model import ExamInfo, Part, Pool, Question
from . import _lms

__all__ = ["GRADES", "moodle_xml", "nearest_grade"]

#: Moodle's allowed answer grades, in percent, as its import matches them (and negatives).
GRADES = ("100", "90", "83.33333", "80", "75", "70", "66.66667", "60", "50", "40", "33.33333", "30",
          "25", "20", "16.66667", "14.28571", "12.5", "11.11111", "10", "5", "0")


def nearest_grade(percent: float) -> str:
    """The allowed grade nearest to `percent` (sign kept), as Moodle's import writes it."""
    best = min(GRADES, key=lambda g: abs(float(g) - abs(percent)))
    return best if percent >= 0 or best == "0" else "-" + best


def _esc(text: str) -> str:
    return _html.escape(_lms.clean(text), quote=True).replace("\r", "&#13;")  # a parser drops a bare CR


def _text(tag: str, body: str, fmt: str = "html") -> str:
    return f'<{tag} format="{fmt}"><text>{_lms.cdata(body)}</text></{tag}>'


def _head(qtype: str, name: str, idnumber: str, text: str, q: Question, grade: int) -> list[str]:
    return [f'<question type="{qtype}">', f"<name><text>{_esc(name)}</text></name>",
            _text("questiontext", text), _text("generalfeedback", _lms.solution_html(q)),
            f"<defaultgrade>{grade}</defaultgrade>", "<penalty>0</penalty>", "<hidden>0</hidden>",
            f"<idnumber>{_esc(idnumber)}</idnumber>"]


def _answer(fraction: str, text: str, fmt: str = "html", extra: str = "") -> str:
    return (f'<answer fraction="{fraction}" format="{fmt}"><text>{_lms.cdata(text)}</text>'
            f'<feedback format="html"><text></text></feedback>{extra}</answer>')


def _part_line(label: str, part: Part) -> str:
    marks = f"{part.marks} mark{'s' if part.marks != 1 else ''}"
    return f"<p><strong>({label})</strong> {_lms.inline_html(part.prompt)} <em>[{marks}]</em></p>"


def multi_fractions(policy: str, right: int, n: int) -> tuple[str, str, str]:
    """(fraction of a right option, of a wrong one, a comment when the policy only fits
    approximately) for a multiple-answer question under a section policy."""
    wrong = n - right
    good = nearest_grade(100 / right)
    note = "" if abs(float(good) * right - 100) < 1e-3 else (
        f"{right} right options: 100/{right} % is not a Moodle grade; each gets {good} %.")
    if policy == "negative":
        return good, nearest_grade(-100 / right), note
    if policy == "per_option":
        return good, nearest_grade(-100 / wrong) if wrong else "0", note
    approx = ("all_or_nothing: core Moodle cannot withhold a share for a missing right box; "
              "any wrong box zeroes the question, each right box earns its share.")
    return good, "-100", (note + " " + approx).strip()


def _choice(q: Question, part: Part, policy: str, name: str, idn: str, plugin: bool) -> list[str]:
    right = {part.answer} if part.kind == "choice" else set(part.answer)
    letters = [chr(ord("a") + i) for i in range(len(part.options))]
    single = part.kind == "choice"
    text = _lms.prompt_html(q) + f"<p>{_lms.inline_html(part.prompt)}</p>"
    qtype, comment = "multichoice", ""
    if single:
        good, bad = "100", "0"
    elif policy == "all_or_nothing" and plugin:
        qtype, good, bad = "multichoiceset", "100", "0"
    else:
        good, bad, comment = multi_fractions(policy, len(right), len(letters))
    out = [f"<!-- {_esc(comment).replace('--', '- -')} -->"] if comment else []
    out += _head(qtype, name, idn, text, q, part.marks)
    out += [f"<single>{'true' if single else 'false'}</single>", "<shuffleanswers>false</shuffleanswers>",
            "<answernumbering>abc</answernumbering>", "<showstandardinstruction>0</showstandardinstruction>"]
    for fb in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        out.append(_text(fb, ""))
    out += [_answer(good if k in right else bad, _lms.inline_html(o)) for k, o in zip(letters, part.options,
                                                                                    strict=True)]
    return [*out, "</question>"]


def _truefalse(q: Question, part: Part, name: str, idn: str) -> list[str]:
    text = _lms.prompt_html(q) + f"<p>{_lms.inline_html(part.prompt)}</p>"
    out = _head("truefalse", name, idn, text, q, part.marks)
    out += [_answer("100" if part.answer is v else "0", str(v).lower(), "moodle_auto_format")
            for v in (True, False)]
    return [*out, "</question>"]


def _essay(q: Question, name: str, idn: str) -> list[str]:
    """Marked by hand: the grader sees the model answer (or one valid design) and the rubric."""
    text = _lms.prompt_html(q) + "".join(_part_line(chr(ord("a") + i), p) for i, p in enumerate(q.parts))
    info = _lms.key_html(q)
    for p in q.parts:
        if p.kind == "design":
            info += "<p>Any design that passes the check earns the marks; the key shows one.</p>"
        if p.rubric:
            info += "<p><strong>Rubric</strong></p><ul>" + "".join(
                f"<li>[{c.points}] {_lms.inline_html(c.text)}</li>" for c in p.rubric) + "</ul>"
        if p.kind == "text":
            info += "<p><strong>Model answer</strong></p>" + _lms.html(str(p.answer))
    out = _head("essay", name, idn, text, q, q.marks)
    out += ["<responseformat>editor</responseformat>", "<responserequired>1</responserequired>",
            "<responsefieldlines>10</responsefieldlines>", "<attachments>0</attachments>",
            "<attachmentsrequired>0</attachmentsrequired>", _text("graderinfo", info),
            _text("responsetemplate", "")]
    return [*out, "</question>"]


NUMBER_NOTE = ("<p><em>Enter decimal numbers (0.25, not 1/4). Round values that do not terminate "
               "to 4 significant figures.</em></p>")


def _numerical(q: Question, part: Part, name: str, idn: str) -> list[str]:
    n = _lms.num(_lms.numbers(part.answer)[0], q.calculator)
    text = _lms.prompt_html(q) + _part_line("a", part) + NUMBER_NOTE
    out = _head("numerical", name, idn, text, q, part.marks)
    tolerance = f"<tolerance>{_lms.plain(n.tolerance)}</tolerance>"
    out.append(_answer("100", n.text, "moodle_auto_format", tolerance))
    out += ["<unitgradingtype>0</unitgradingtype>", "<unitpenalty>0.1</unitpenalty>",
            "<showunits>3</showunits>", "<unitsleft>0</unitsleft>"]
    return [*out, "</question>"]


def weights(parts: Sequence[Part]) -> list[int]:
    """Integer weight of one blank in each part: the part's marks shared equally by its
    blanks, scaled by the least common multiple of the blank counts, then reduced."""
    counts = [len(_lms.numbers(p.answer)) for p in parts]
    scale = lcm(*[c for c in counts if c]) if any(counts) else 1
    raw = [p.marks * scale // c if c else 0 for p, c in zip(parts, counts, strict=True)]
    common = gcd(*raw) or 1
    return [w // common for w in raw]


def cloze_answer(weight: int, n: _lms.Num) -> str:
    """One embedded NUMERICAL blank; the number syntax is Moodle's (no exponent, `.` decimal)."""
    return "{" + f"{weight}:NUMERICAL:={n.text}:{_lms.plain(n.tolerance)}" + "}"


_NOT_A_BLANK = re.compile(r"\{(?=[0-9]*:)")


def _static(html: str) -> str:
    """Text around the blanks: a `{1:` a prompt happens to hold must not start one (the
    entity reads the same in the browser and to MathJax)."""
    return _NOT_A_BLANK.sub("&#123;", html)


def _cloze(q: Question, name: str, idn: str) -> list[str]:
    text = _static(_lms.prompt_html(q)) + NUMBER_NOTE
    for i, (part, w) in enumerate(zip(q.parts, weights(q.parts), strict=True)):
        def blank(x: Any, w: int = w) -> str:
            return cloze_answer(w, _lms.num(x, q.calculator))

        body = _lms.layout(part.answer, part.kind, blank)
        block = body.startswith(("<table", "<ol"))
        text += _static(_part_line(chr(ord("a") + i), part)) + (body if block else f"<p>{body}</p>")
    out = _head("cloze", name, idn, text, q, q.marks)
    return [o for o in out if not o.startswith("<defaultgrade>")] + ["</question>"]


def question_xml(q: Question, policy: str, name: str, idn: str, *, all_or_nothing_plugin: bool = False
                 ) -> list[str]:
    """One variant as the Moodle question type that grades it best (module docstring)."""
    kinds = {p.kind for p in q.parts}
    choices = kinds & {"choice", "choices", "true_false"}
    if kinds & {"text", "design"} or not (choices or any(_lms.numbers(p.answer) for p in q.parts)):
        return _essay(q, name, idn)
    if len(q.parts) == 1:
        part = q.parts[0]
        if part.kind in ("choice", "choices"):
            return _choice(q, part, policy, name, idn, all_or_nothing_plugin)
        if part.kind == "true_false":
            return _truefalse(q, part, name, idn)
        if len(_lms.numbers(part.answer)) == 1 and _lms.is_number(part.answer):
            return _numerical(q, part, name, idn)
    if choices:
        return _essay(q, name, idn)  # choices mixed with numbers: no such topic yet
    return _cloze(q, name, idn)


def _segment(text: str) -> str:
    return text.replace("/", "//")  # Moodle reads '/' as a category separator


def category(info: ExamInfo, pool: Pool, width: int = 2) -> str:
    number = pool.number.zfill(width) if pool.number.isdigit() else pool.number
    return f"$course$/{_segment(info.id)}/Q{_segment(number)}"


def _category_xml(info: ExamInfo, pool: Pool, width: int) -> list[str]:
    about = (f"{info.course}: {info.title}. Question {pool.number} of section {pool.section} "
             f"({pool.policy}{', bonus' if pool.bonus else ''}); {len(pool.variants)} variant(s), "
             "one drawn per student by a random question.")
    path = _esc(category(info, pool, width))
    return ['<question type="category">', f"<category><text>{path}</text></category>",
            _text("info", f"<p>{_esc(about)}</p>"), "</question>"]


def moodle_xml(info: ExamInfo, pools: Sequence[Pool], *, all_or_nothing_plugin: bool = False) -> bytes:
    """The whole exam as one Moodle XML file (UTF-8 bytes): a category per pool, its variants in it."""
    width = max((len(p.number) for p in pools if p.number.isdigit()), default=1)
    width = max(width, 2)
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for pool in pools:
        out += _category_xml(info, pool, width)
        total = len(pool.variants)
        for i, q in enumerate(pool.variants, 1):
            origin = f", seed {q.seed}" if q.seed is not None else ""
            bonus = " (bonus)" if pool.bonus else ""
            name = f"Q{pool.number}{bonus} {q.title} — variant {i}/{total}{origin}"
            out += question_xml(q, pool.policy, name, f"{info.id}-{pool.key}-v{i}",
                                all_or_nothing_plugin=all_or_nothing_plugin)
    out.append("</quiz>")
    return ("\n".join(out) + "\n").encode("utf-8")
