"""An exam's question pools as a Canvas QTI 1.2 zip (Settings → Import course content → QTI .zip).

    qti_zip(info, pools) -> bytes

The zip holds `imsmanifest.xml`, the assessment `<id>/<id>.xml` and Canvas's quiz settings
`<id>/assessment_meta.xml`. A pool with several variants becomes a question group that
picks 1 item (its points per item = the question's marks); a single variant is a plain item.

Items by parts: one "choice" part → multiple_choice_question, "choices" →
multiple_answers_question, "true_false" → true_false_question, one part with a single
number → numerical_question (exact answer with the margin of `_lms.num`), a short answer
("text") or a design → essay_question. A multi-part topic question is ONE
fill_in_multiple_blanks_question with a blank per number, because a group draws items
independently: one item per part would mix parts of different variants. Its blanks match
text, so each accepts the key's usual spellings (0.1875, .1875, 3/16; roundings to 3–5
significant figures where the key does not terminate or a calculator is allowed).

Limits, said plainly: Canvas grades multiple-answer items by its own partial-credit rule,
not the section's policy; it may share a fill-in item's points equally among the blanks
although we write each blank's share from its part's marks; and it has no grader-only text,
so an essay's model answer and rubric go to the general feedback with the worked solution
(shown to students only when the quiz shows results).
"""

from __future__ import annotations

import hashlib
import html as _html
import io
import zipfile
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from ..model import ExamInfo, Part, Pool, Question
from . import _lms

__all__ = ["qti_zip"]

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the same exam gives the same zip, byte for byte


def _esc(text: str) -> str:
    """Escaped for text and attributes alike: a parser turns a bare CR, LF or tab in an
    attribute into a space."""
    return _html.escape(_lms.clean(text), quote=True).translate({13: "&#13;", 10: "&#10;", 9: "&#9;"})


def _ident(*words: str) -> str:
    """A stable identifier: Canvas matches items on re-import by it."""
    return "g" + hashlib.sha1("\x1f".join(words).encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _mat(body: str) -> str:
    return f'<material><mattext texttype="text/html">{_esc(body)}</mattext></material>'


def _meta(qtype: str, points: int, answer_ids: Sequence[str] = ()) -> str:
    fields = [("question_type", qtype), ("points_possible", str(points)),
              ("original_answer_ids", ",".join(answer_ids))]
    inner = "".join(f"<qtimetadatafield><fieldlabel>{k}</fieldlabel><fieldentry>{v}</fieldentry>"
                    "</qtimetadatafield>" for k, v in fields)
    return f"<itemmetadata><qtimetadata>{inner}</qtimetadata></itemmetadata>"


def _feedback(q: Question, extra: str = "") -> tuple[str, str]:
    """(the respcondition that shows the general feedback, the itemfeedback itself)."""
    cond = ('<respcondition continue="Yes"><conditionvar><other/></conditionvar>'
            '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>')
    body = (f'<itemfeedback ident="general_fb"><flow_mat>{_mat(extra + _lms.solution_html(q))}</flow_mat>'
            "</itemfeedback>")
    return cond, body


_OUTCOMES = ('<outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/>'
             "</outcomes>")


def _item(ident: str, title: str, meta: str, presentation: str, conditions: str, fb: tuple[str, str]) -> str:
    return (f'<item ident="{ident}" title="{_esc(title)}">{meta}<presentation>{presentation}</presentation>'
            f"<resprocessing>{_OUTCOMES}{fb[0]}{conditions}</resprocessing>{fb[1]}</item>")


def _question_text(q: Question, part: Part | None = None) -> str:
    return _lms.prompt_html(q) + (f"<p>{_lms.inline_html(part.prompt)}</p>" if part else "")


def _choice(q: Question, part: Part, ident: str, title: str) -> str:
    if part.kind == "true_false":
        labels = [("true", "True"), ("false", "False")]
        right = {"true" if part.answer else "false"}
        qtype, card = "true_false_question", "Single"
    else:
        labels = [(chr(ord("a") + i), _lms.inline_html(o)) for i, o in enumerate(part.options)]
        right = {part.answer} if part.kind == "choice" else set(part.answer)
        qtype = "multiple_choice_question" if part.kind == "choice" else "multiple_answers_question"
        card = "Single" if part.kind == "choice" else "Multiple"
    ids = {k: f"{ident}_{k}" for k, _ in labels}
    choices = "".join(f'<response_label ident="{ids[k]}">{_mat(t)}</response_label>' for k, t in labels)
    pres = (_mat(_question_text(q, part)) + f'<response_lid ident="response1" rcardinality="{card}">'
            f"<render_choice>{choices}</render_choice></response_lid>")
    if card == "Single":
        test = f'<varequal respident="response1">{ids[next(iter(right))]}</varequal>'
    else:  # every right box ticked and no wrong one: Canvas's own export writes it this way
        test = "<and>" + "".join(
            f'<varequal respident="response1">{ids[k]}</varequal>' if k in right else
            f'<not><varequal respident="response1">{ids[k]}</varequal></not>' for k, _ in labels) + "</and>"
    cond = (f'<respcondition continue="No"><conditionvar>{test}</conditionvar>'
            '<setvar action="Set" varname="SCORE">100</setvar></respcondition>')
    return _item(ident, title, _meta(qtype, part.marks, list(ids.values())), pres, cond, _feedback(q))


def _numerical(q: Question, part: Part, ident: str, title: str) -> str:
    n = _lms.num(_lms.numbers(part.answer)[0], q.calculator)
    low, high = (_lms.plain(Decimal(n.text) + sign * n.tolerance) for sign in (-1, 1))
    pres = (_mat(_question_text(q, part)) + '<response_str ident="response1" rcardinality="Single">'
            '<render_fib fibtype="Decimal"><response_label ident="answer1"/></render_fib></response_str>')
    test = (f'<or><varequal respident="response1">{n.text}</varequal><and>'
            f'<vargte respident="response1">{low}</vargte><varlte respident="response1">{high}</varlte>'
            "</and></or>")
    cond = (f'<respcondition continue="No"><conditionvar>{test}</conditionvar>'
            '<setvar action="Set" varname="SCORE">100</setvar></respcondition>')
    return _item(ident, title, _meta("numerical_question", part.marks, [f"{ident}_n"]), pres, cond,
                 _feedback(q))


def _essay(q: Question, ident: str, title: str) -> str:
    """Marked by hand in SpeedGrader; the model answer and rubric travel in the feedback."""
    rubric = "".join("<p><strong>Rubric</strong></p><ul>" + "".join(
        f"<li>[{c.points}] {_lms.inline_html(c.text)}</li>" for c in p.rubric) + "</ul>"
        for p in q.parts if p.rubric)
    text = _lms.prompt_html(q) + "".join(f"<p>({chr(ord('a') + i)}) {_lms.inline_html(p.prompt)}</p>"
                                         for i, p in enumerate(q.parts))
    pres = (_mat(text) + '<response_str ident="response1" rcardinality="Single"><render_fib>'
            '<response_label ident="answer1" rshuffle="No"/></render_fib></response_str>')
    cond = '<respcondition continue="No"><conditionvar><other/></conditionvar></respcondition>'
    return _item(ident, title, _meta("essay_question", q.marks), pres, cond, _feedback(q, rubric))


def _blanks(q: Question, ident: str, title: str) -> str:
    lids: list[str] = []
    conds: list[str] = []
    answer_ids: list[str] = []
    text = _lms.prompt_html(q) + ("<p><em>Type decimal numbers or fractions (0.25 or 1/4); round values "
                                  "that do not terminate to 4 significant figures.</em></p>")
    counts = [len(_lms.numbers(p.answer)) for p in q.parts]
    for i, (part, count) in enumerate(zip(q.parts, counts, strict=True)):
        share = 100 * part.marks / (q.marks * count) if count else 0.0

        def blank(x: Any, share: float = share) -> str:
            name = f"b{len(lids) + 1}"
            n = _lms.num(x, q.calculator)
            ids = [f"{ident}_{name}_{j}" for j in range(len(n.spellings))]
            answer_ids.extend(ids)
            labels = "".join(f'<response_label ident="{a}"><material><mattext>{_esc(s)}</mattext>'
                             "</material></response_label>" for a, s in zip(ids, n.spellings, strict=True))
            lids.append(f'<response_lid ident="response_{name}"><material><mattext>{name}</mattext>'
                        f"</material><render_choice>{labels}</render_choice></response_lid>")
            add = f'<setvar varname="SCORE" action="Add">{share:.4f}</setvar>'
            conds.extend(f'<respcondition><conditionvar><varequal respident="response_{name}">{a}'
                         f"</varequal></conditionvar>{add}</respcondition>" for a in ids)
            return f"[{name}]"

        body = _lms.layout(part.answer, part.kind, blank)
        marks = f"{part.marks} mark{'s' if part.marks != 1 else ''}"
        label = f"<strong>({chr(ord('a') + i)})</strong>"
        text += f"<p>{label} {_lms.inline_html(part.prompt)} <em>[{marks}]</em></p>"
        text += body if body.startswith(("<table", "<ol")) else f"<p>{body}</p>"
    pres = _mat(text) + "".join(lids)
    return _item(ident, title, _meta("fill_in_multiple_blanks_question", q.marks, answer_ids), pres,
                 "".join(conds), _feedback(q))


def item_xml(q: Question, ident: str, title: str) -> str:
    """One variant as the Canvas item type that grades it best (module docstring)."""
    kinds = {p.kind for p in q.parts}
    choices = kinds & {"choice", "choices", "true_false"}
    if kinds & {"text", "design"} or not (choices or any(_lms.numbers(p.answer) for p in q.parts)):
        return _essay(q, ident, title)
    if len(q.parts) == 1 and choices:
        return _choice(q, q.parts[0], ident, title)
    if choices:
        return _essay(q, ident, title)  # choices mixed with numbers: no such topic yet
    if len(q.parts) == 1 and _lms.is_number(q.parts[0].answer):
        return _numerical(q, q.parts[0], ident, title)
    return _blanks(q, ident, title)


def assessment_xml(info: ExamInfo, pools: Sequence[Pool], ident: str) -> str:
    out = [f'<?xml version="1.0" encoding="UTF-8"?><questestinterop xmlns="{QTI_NS}">',
           f'<assessment ident="{ident}" title="{_esc(info.title)}"><qtimetadata><qtimetadatafield>'
           "<fieldlabel>cc_maxattempts</fieldlabel><fieldentry>1</fieldentry></qtimetadatafield></qtimetadata>",
           '<section ident="root_section">']
    for pool in pools:
        bonus = " (bonus)" if pool.bonus else ""
        items = [item_xml(q, _ident(info.id, pool.key, str(i)),
                          f"Q{pool.number}{bonus} {q.title} — variant {i}/{len(pool.variants)}")
                 for i, q in enumerate(pool.variants, 1)]
        if len(items) == 1:
            out += items
            continue
        marks = max(q.marks for q in pool.variants)
        title = _esc(f"Question {pool.number}{bonus}")
        out.append(f'<section ident="{_ident(info.id, pool.key)}" title="{title}">'
                   "<selection_ordering><selection><selection_number>1</selection_number><selection_extension>"
                   f"<points_per_item>{marks}</points_per_item></selection_extension></selection>"
                   "</selection_ordering>")
        out += [*items, "</section>"]
    out.append("</section></assessment></questestinterop>")
    return "\n".join(out) + "\n"


def _meta_xml(info: ExamInfo, pools: Sequence[Pool], ident: str) -> str:
    points = sum(max(q.marks for q in p.variants) for p in pools if not p.bonus and p.variants)
    limit = f"<time_limit>{info.duration_minutes}</time_limit>" if info.duration_minutes else ""
    description = _lms.html(info.instructions) if info.instructions else ""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<quiz identifier="{ident}" xmlns="http://canvas.instructure.com/xsd/cccv1p0">'
            f"<title>{_esc(info.title)}</title><description>{_esc(description)}</description>{limit}"
            "<shuffle_answers>false</shuffle_answers><scoring_policy>keep_highest</scoring_policy>"
            "<quiz_type>assignment</quiz_type>"
            f"<points_possible>{points}</points_possible><show_correct_answers>false</show_correct_answers>"
            "<allowed_attempts>1</allowed_attempts><one_question_at_a_time>false</one_question_at_a_time>"
            "<cant_go_back>false</cant_go_back><available>false</available></quiz>\n")


def _manifest_xml(ident: str) -> str:
    meta = _ident(ident, "meta")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<manifest identifier="{_ident(ident, "manifest")}" '
            'xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">'
            "<metadata><schema>IMS Content</schema><schemaversion>1.1.3</schemaversion></metadata>"
            f'<organizations/><resources><resource identifier="{ident}" type="imsqti_xmlv1p2">'
            f'<file href="{ident}/{ident}.xml"/><dependency identifierref="{meta}"/></resource>'
            f'<resource identifier="{meta}" '
            'type="associatedcontent/imscc_xmlv1p1/learning-application-resource" '
            f'href="{ident}/assessment_meta.xml"><file href="{ident}/assessment_meta.xml"/></resource>'
            "</resources></manifest>\n")


def qti_zip(info: ExamInfo, pools: Sequence[Pool]) -> bytes:
    """The exam as a Canvas QTI 1.2 zip, in memory; the same input gives the same bytes."""
    ident = _ident(info.id, "assessment")
    files = {"imsmanifest.xml": _manifest_xml(ident),
             f"{ident}/{ident}.xml": assessment_xml(info, pools, ident),
             f"{ident}/assessment_meta.xml": _meta_xml(info, pools, ident)}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(zipfile.ZipInfo(name, _FIXED_TIME), text.encode("utf-8"), zipfile.ZIP_DEFLATED)
    return buf.getvalue()
