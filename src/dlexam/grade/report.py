"""The item-analysis report: which parts of an exam worked, as one self-contained HTML page.

    analysis = analyse_grading(grading)            # ExamAnalysis (grade/analysis.py)
    page = analysis_html(grading, analysis)        # str: summary, plots, tables; no external file
    write_report(grading, "grades")                # grades/analysis.html and grades/analysis.json

Only the Grading is read, never `grading.papers`. How it becomes the analysis' input (column
ids, blanks, TA marks, variants, option texts) is decided and documented in `_report_input`;
a drawn question's many variants are shown as the flagged ones and summary rows
(`_analysis_variants.shown_variants`). The plots are inline SVG drawn by `_report_plots`; the
same grading always gives the same bytes. 10,000 students × 25 parts take about 2.5 s.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DlexamError
from ._analysis_variants import shown_variants
from ._report_input import AnalysisInput, Column, analysis_input
from ._report_plots import DISCRIMINATION_GUIDE, FACILITY_GUIDES, histogram_svg, scatter_svg
from .analysis import ExamAnalysis, Measure, PartStats, VariantRule, VariantStats, analyse
from .results import Grading

__all__ = ["analyse_grading", "analysis_html", "json_safe", "write_report"]

_RULE = VariantRule()
_MAX_VARIANT_ROWS = 30  # beyond this a part's variant table shows the flagged ones and summaries
_EXPLAIN = {
    "facility": "The share of the part's marks students earned on average: 1 means everyone had full "
                "marks, 0 that nobody scored. Below 0.3 a part is hard, above 0.9 it barely tells "
                "students apart.",
    "point_biserial": "How closely the marks on this part follow the marks on the rest of the exam (a "
                      "correlation from −1 to 1, the part itself left out of the total). 0.2 or more: it "
                      "separates stronger from weaker students. Below 0: weaker students did better, "
                      "which usually means a wrong key or a misleading question.",
    "upper_lower": "Mean mark of the top 27% of students (by total) minus that of the bottom 27%, as a "
                   "share of the part's marks: the same question asked more plainly.",
    "alpha": "How consistently the parts rank students, from the spread of each part "
             "against the spread of the totals. Near 1, students who do well on some parts do well on "
             "the others; 0.7 or more is usual for a course exam.",
    "sem": "About how many marks a student's total could move if they "
           "sat an equally good exam again (sd of totals × √(1 − α)).",
}
_FLAGS = {
    "too easy": "nearly everyone earned the marks, so the part hardly separates students",
    "hard": "few students earned the marks; check that it was taught and worded clearly",
    "discriminates negatively: check the key": "students with lower totals did better on this part",
    "weak discrimination": f"point-biserial below {DISCRIMINATION_GUIDE}: the part separates students poorly",
    "a variant differs": "one variant of this drawn question is harder or easier than the others",
    "check the options": "an option of this choice part behaves oddly, see its distractor table",
}
_CSS = """body{font-family:system-ui,sans-serif;max-width:68rem;margin:1.5rem auto;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.2rem .5rem;
text-align:left;vertical-align:top}td.n{text-align:right}tr.warn{background:#fff6dc}tr.bad{background:#fbe3e3}
.undef{color:#888;cursor:help}.flag{display:inline-block;margin:0 .3rem .1rem 0;padding:0 .3rem;
border-radius:.2rem;background:#eee;cursor:help}.error{color:#a00;font-weight:bold}figure{margin:1rem 0}
svg{max-width:100%;height:auto}dt{font-weight:bold}dd{margin:0 0 .5rem 1rem}"""


def analyse_grading(grading: Grading, *, include_bonus: bool = False,
                    rule: VariantRule = _RULE) -> ExamAnalysis:
    """Item analysis of a grading (see `_report_input` for how it is read). Never raises."""
    try:
        return _analyse(_input(grading, include_bonus), rule)
    except Exception as error:  # a last guard: a report must never stop grading
        return ExamAnalysis(error=f"could not analyse the grading: {type(error).__name__}: {error}")


def _input(grading: Grading, include_bonus: bool) -> AnalysisInput:
    try:
        return analysis_input(grading, include_bonus=include_bonus)
    except Exception as error:  # a last guard: the page then says why it is empty
        return AnalysisInput((), (), notes=(f"could not read the grading: {type(error).__name__}: {error}",))


def _analyse(data: AnalysisInput, rule: VariantRule) -> ExamAnalysis:
    return analyse(data.scores, data.max_marks, part_ids=data.part_ids, variants=data.variants,
                   choices=data.choices, rule=rule)


def analysis_html(grading: Grading, analysis: ExamAnalysis, *, include_bonus: bool = False) -> str:
    """The report as one HTML page; plots inline as SVG. Never raises on odd data."""
    return _page(grading, _input(grading, include_bonus), analysis)


def write_report(grading: Grading, out_dir: str | Path, *, include_bonus: bool = False) -> Path:
    """Write out_dir/analysis.html and out_dir/analysis.json; return the HTML file's path."""
    out = Path(out_dir)
    data = _input(grading, include_bonus)
    analysis = _analyse(data, _RULE)
    page = _page(grading, data, analysis)
    text = json.dumps(json_safe(analysis.to_dict()), ensure_ascii=False, indent=2, allow_nan=False)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "analysis.html").write_text(page, encoding="utf-8")
        (out / "analysis.json").write_text(text + "\n", encoding="utf-8")
    except OSError as error:
        raise DlexamError(f"{out}: cannot write the item-analysis report there ({error.strerror or error}); "
                          "give a directory you can write to") from error
    return out / "analysis.html"


def json_safe(value: Any) -> Any:
    """`value` with Fractions and numpy numbers as plain numbers, NaN and ±inf as None."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [json_safe(v) for v in items]
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating | Fraction):
        number = float(value)
        return number if math.isfinite(number) else None
    return str(value)


# -- the page ----------------------------------------------------------------------------------

def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _number(value: float | None, reason: str = "", digits: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return f'<span class="undef" title="{_e(reason or "not defined")}">—</span>'
    return f"{value:.{digits}f}"


def _measure(m: Measure, digits: int = 2) -> str:
    return _number(m.value, m.reason, digits)


def _table(head: Sequence[str], rows: Sequence[tuple[str, Sequence[str]]]) -> str:
    """An HTML table; each row is (css class, cells already escaped)."""
    top = "".join(f"<th>{h}</th>" for h in head)
    body = "".join(f'<tr class="{cls}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
                   for cls, cells in rows)
    return f"<table><thead><tr>{top}</tr></thead><tbody>{body}</tbody></table>"


def _page(grading: Grading, data: AnalysisInput, analysis: ExamAnalysis) -> str:
    title = f"Item analysis — {grading.title or grading.exam_id}"
    body = [f"<h1>{_e(title)}</h1>", f"<p>Exam <code>{_e(grading.exam_id)}</code>.</p>"]
    if data.notes:
        body.append("<h2>Notes on the input</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in data.notes)
                    + "</ul>")
    if not analysis.ok:
        body.append(f'<p class="error">The analysis could not be made: {_e(analysis.error)}</p>')
    else:
        columns = {c.id: c for c in data.columns}
        sections: list[Callable[[], str]] = [
            lambda: _summary(analysis), lambda: _plots(analysis),
            lambda: _parts(analysis, columns), lambda: _distractors(analysis, columns),
            lambda: _variants(analysis, columns, data)]
        for section in sections:
            body.append(_guarded(section))
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _guarded(section: Callable[[], str]) -> str:
    try:
        return section()
    except Exception as error:  # one broken section must not cost the instructor the others
        reason = f"{type(error).__name__}: {error}"
        return f'<p class="error">This section could not be drawn: {_e(reason)}</p>'


def _summary(a: ExamAnalysis) -> str:
    s = a.scores
    left_out = a.n_students - a.n_complete
    rows = [("Students", str(a.n_students)), ("Parts analysed", str(a.n_parts)),
            ("Students with every part marked", f"{a.n_complete}" + (
                f" ({left_out} left out of totals, α and discrimination: a part awaits a TA or has no "
                "mark)" if left_out else "")),
            ("Mean total", f"{_number(s.mean)} of {s.max_total:g} ({_number(s.mean_percent, digits=1)}%)"),
            ("Median (quartiles)", f"{_number(s.median)} ({_number(s.q1)} – {_number(s.q3)})"),
            ("Standard deviation", _number(s.sd, "needs two students")),
            ("Lowest – highest", f"{_number(s.minimum)} – {_number(s.maximum)}"),
            ("Cronbach's α", _measure(a.alpha)), ("Standard error of measurement", _measure(a.sem))]
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    table = f"<table><tbody>{table}</tbody></table>"
    return (f"<h2>Summary</h2>{table}<dl><dt>Cronbach's α</dt><dd>{_e(_EXPLAIN['alpha'])}</dd>"
            f"<dt>Standard error of measurement</dt><dd>{_e(_EXPLAIN['sem'])}</dd></dl>")


def _plots(a: ExamAnalysis) -> str:
    points = [(p.id, float(p.facility.value), float(p.point_biserial.value)) for p in a.parts
              if p.facility.value is not None and p.point_biserial.value is not None]
    missing = [f"{p.id} ({p.point_biserial.reason or p.facility.reason})" for p in a.parts
               if p.facility.value is None or p.point_biserial.value is None]
    unplotted = f"<p>Not plotted: {_e('; '.join(missing))}.</p>" if missing else ""
    low, high = FACILITY_GUIDES
    return ("<h2>Score distribution</h2><figure>"
            + histogram_svg(a.scores.histogram or (0,) * 10, a.scores.mean_percent)
            + f"<figcaption>Totals of the {a.scores.n} students marked on every part, in bands of 10% "
            "of the maximum.</figcaption></figure>"
            "<h2>Facility against discrimination</h2><figure>"
            + scatter_svg(points)
            + f"<figcaption>One point per part. Dashed lines: facility {low} and {high}, point-biserial "
            f"{DISCRIMINATION_GUIDE}. Parts in the white area work well; parts below the horizontal "
            f"line deserve a look.</figcaption></figure>{unplotted}")


def _flags(p: PartStats) -> list[str]:
    flags = []
    f, d = p.facility.value, p.point_biserial.value
    if f is not None and f > FACILITY_GUIDES[1]:
        flags.append("too easy")
    if f is not None and f < FACILITY_GUIDES[0]:
        flags.append("hard")
    if d is not None and d < 0:
        flags.append("discriminates negatively: check the key")
    elif d is not None and d < DISCRIMINATION_GUIDE:
        flags.append("weak discrimination")
    if any(v.flagged for v in p.variants):
        flags.append("a variant differs")
    if any(o.flag for o in p.options):
        flags.append("check the options")
    return flags


def _parts(a: ExamAnalysis, columns: dict[str, Column]) -> str:
    rows = []
    for p in a.parts:
        column = columns.get(p.id)
        flags = _flags(p)
        where = f"{column.number}. {column.title}" if column is not None else ""
        waiting = column.awaiting_ta if column is not None else 0
        missing = f"{p.n_missing}" + (f" ({waiting} await a TA)" if waiting else "")
        shown = "".join(f'<span class="flag" title="{_e(_FLAGS[f])}">{_e(f)}</span>' for f in flags)
        cls = "bad" if "discriminates negatively: check the key" in flags else "warn" if flags else ""
        rows.append((cls, [_e(p.id), _e(where), f"{p.max_marks:g}", str(p.n_scored), missing,
                           _measure(p.facility), _measure(p.point_biserial), _measure(p.upper_lower), shown]))
    explain = "".join(f"<dt>{name}</dt><dd>{_e(_EXPLAIN[key])}</dd>" for name, key in
                      (("Facility", "facility"), ("Point-biserial", "point_biserial"),
                       ("Upper–lower", "upper_lower")))
    head = ["Part", "Question (spec order, title)", "Out of", "Marked", "Missing", "Facility",
            "Point-biserial", "Upper–lower", "Flags"]
    return f"<h2>Parts</h2>{_table(head, rows)}<dl>{explain}</dl>"


def _distractors(a: ExamAnalysis, columns: dict[str, Column]) -> str:
    out = []
    for p in a.parts:
        if not p.options:
            continue
        rows = [("bad" if o.flag else "", [_e(o.option), "✓ key" if o.is_key else "", str(o.count),
                                          _number(o.share, "nobody answered"),
                                          _number(o.upper_share, "no upper and lower groups"),
                                          _number(o.lower_share, "no upper and lower groups"), _e(o.flag)])
                for o in p.options]
        out.append(f"<h3>{_e(p.id)}</h3><p>{p.omitted or 0} student(s) chose no option.</p>"
                   + _table(["Option", "Key", "Chosen by", "Share", "Upper 27%", "Lower 27%", "Note"], rows))
    if not out:
        return ""
    return ("<h2>Distractors</h2><p>How often each option was chosen, overall (share of the students who "
            "answered) and within the top and bottom 27% by total. A good distractor draws more weaker "
            "than stronger students; the key should do the opposite.</p>" + "".join(out))


def _variants(a: ExamAnalysis, columns: dict[str, Column], data: AnalysisInput) -> str:
    out = []
    for p in a.parts:
        column = columns.get(p.id)
        if p.id not in data.variants:
            continue
        params = data.variant_params.get(column.question, {}) if column is not None else {}
        rows = [_variant_row(v, params) for v in shown_variants(p.variants, _MAX_VARIANT_ROWS)]
        head = ["Variant", "Params", "Students", "Facility", "Others", "p", "Why"]
        out.append(f"<h3>{_e(p.id)}</h3><p>{_e(p.variant_test)}</p>{_table(head, rows) if rows else ''}")
    if not out:
        return ""
    return ("<h2>Variants of drawn questions</h2><p>Each variant's facility against the other variants "
            "pooled; a flagged variant (highlighted) is harder or easier than the rest by more than "
            "chance explains, so its students may deserve an adjustment. A variant with too few "
            "students cannot be judged on its own and is never flagged.</p>" + "".join(out))


def _variant_row(v: VariantStats, params: dict[str, Any]) -> tuple[str, list[str]]:
    one = v.variants == 1  # else a summary row of several variants
    why = ("<strong>flagged</strong>: " if v.flagged else "") + _e(v.note)
    return ("bad" if v.flagged else "",
            [_e(v.label), f"<code>{_e(_short(params.get(v.label)))}</code>" if one else "", str(v.n),
             _number(v.facility), _number(v.others_facility, "no other variant" if one else "not compared"),
             _number(v.p_value, "not tested", 3), why])


def _short(params: Any, limit: int = 120) -> str:
    text = json.dumps(json_safe(params), sort_keys=True, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 1] + "…"
