"""Canvas QTI 1.2 export: the zip's files and references, every item's type, key, blanks
and groups, parsed back with ElementTree from pools of real topics and bank items."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from fractions import Fraction
from functools import cache

from hypothesis import given

from dlexam.model import ExamInfo, Pool, Question
from dlexam.render import _lms
from dlexam.render.qti import qti_zip

from .test_moodle import INFO, TRICKY, made_of, pools

NS = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"


def files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


@cache
def exported() -> dict[str, bytes]:
    return files(qti_zip(INFO, pools()))


def assessment(data: dict[str, bytes] | None = None) -> ET.Element:
    data = data or exported()
    (name,) = [n for n in data if n.count("/") == 1 and not n.endswith("assessment_meta.xml")]
    return ET.fromstring(data[name])


def items() -> list[tuple[Pool, Question, ET.Element]]:
    elems = assessment().findall(".//q:item", NS)
    pairs = [(p, v) for p in pools() for v in p.variants]
    assert len(elems) == len(pairs)
    return [(p, v, e) for (p, v), e in zip(pairs, elems, strict=True)]


def meta(item: ET.Element, label: str) -> str:
    for f in item.iterfind(".//q:qtimetadatafield", NS):
        if f.findtext("q:fieldlabel", namespaces=NS) == label:
            return f.findtext("q:fieldentry", "", NS)
    raise KeyError(label)


def test_the_zip_holds_a_manifest_whose_references_all_resolve() -> None:
    data = exported()
    assert len(data) == 3 and "imsmanifest.xml" in data
    manifest = ET.fromstring(data["imsmanifest.xml"])
    resources = manifest.findall(f"{CP}resources/{CP}resource")
    ids = {r.get("identifier") for r in resources}
    hrefs = {f.get("href") for r in resources for f in r.findall(f"{CP}file")}
    assert hrefs == set(data) - {"imsmanifest.xml"}
    assert all(d.get("identifierref") in ids for r in resources for d in r.findall(f"{CP}dependency"))
    quiz = ET.fromstring(next(v for k, v in data.items() if k.endswith("assessment_meta.xml")))
    assert quiz.findtext("{http://canvas.instructure.com/xsd/cccv1p0}time_limit") == "60"
    assert quiz.get("identifier") == assessment().find("q:assessment", NS).get("ident")


def test_a_pool_of_several_variants_is_a_group_picking_one() -> None:
    sections = assessment().findall("q:assessment/q:section/q:section", NS)
    multi = [p for p in pools() if len(p.variants) > 1]
    assert len(sections) == len(multi)
    for s, p in zip(sections, multi, strict=True):
        assert s.findtext(".//q:selection_number", namespaces=NS) == "1"
        assert s.findtext(".//q:points_per_item", namespaces=NS) == str(max(v.marks for v in p.variants))
        assert len(s.findall("q:item", NS)) == len(p.variants)


def test_item_types_follow_the_parts() -> None:
    for _, q, e in items():
        kinds = [p.kind for p in q.parts]
        expected = {"choice": "multiple_choice_question", "choices": "multiple_answers_question",
                    "true_false": "true_false_question", "text": "essay_question",
                    "design": "essay_question"}.get(kinds[0], "fill_in_multiple_blanks_question")
        if kinds in (["number"], ["integer"]):
            expected = "numerical_question"
        assert meta(e, "question_type") == expected, (q.topic, kinds)
        assert meta(e, "points_possible") == str(q.marks)
        assert q.solution[0].title in e.findtext(".//q:itemfeedback//q:mattext", "", NS)


def test_choice_items_score_the_key() -> None:
    for _, q, e in items():
        part = q.parts[0]
        if part.kind not in ("choice", "choices", "true_false"):
            continue
        labels = [lab.get("ident") for lab in e.iterfind(".//q:response_label", NS)]
        cond = e.find(".//q:respcondition[@continue='No']/q:conditionvar", NS)
        if part.kind == "true_false":
            assert cond.findtext("q:varequal", namespaces=NS).endswith("true" if part.answer else "false")
        elif part.kind == "choice":
            assert cond.findtext("q:varequal", namespaces=NS) == labels[ord(part.answer) - 97]
        else:
            ticked = [v.text for v in cond.findall("q:and/q:varequal", NS)]
            unticked = [v.text for v in cond.findall("q:and/q:not/q:varequal", NS)]
            assert ticked == [labels[ord(k) - 97] for k in sorted(part.answer)]
            assert len(ticked) + len(unticked) == len(part.options)


def test_numerical_items_take_the_key_within_its_margin() -> None:
    seen = 0
    for _, q, e in items():
        if meta(e, "question_type") == "numerical_question":
            n = _lms.num(q.parts[0].answer, q.calculator)
            assert e.findtext(".//q:or/q:varequal", namespaces=NS) == n.text
            low = Decimal(e.findtext(".//q:vargte", namespaces=NS))
            high = Decimal(e.findtext(".//q:varlte", namespaces=NS))
            assert low <= Decimal(n.text) <= high and high - low == 2 * n.tolerance
            seen += 1
    assert seen


def test_fill_in_items_have_a_blank_per_number_accepting_the_key() -> None:
    seen = 0
    for _, q, e in items():
        if meta(e, "question_type") != "fill_in_multiple_blanks_question":
            continue
        text = e.findtext("q:presentation/q:material/q:mattext", "", NS)
        names = re.findall(r"\[(b\d+)\]", text)
        lids = e.findall("q:presentation/q:response_lid", NS)
        assert names == [lid.get("ident").removeprefix("response_") for lid in lids]
        keys = [_lms.num(x, q.calculator) for p in q.parts for x in _lms.numbers(p.answer)]
        assert len(keys) == len(lids)
        for lid, k in zip(lids, keys, strict=True):
            accepted = [m.text for m in lid.iterfind(".//q:response_label/q:material/q:mattext", NS)]
            assert accepted == list(k.spellings)
            assert k.text in accepted or k.tolerance > 0  # an exact key is accepted as written
            # every spelling is the key or a rounding of it to 3 significant figures or more
            assert all(abs(float(Fraction(a)) - k.value) <= 0.005 * abs(k.value) + 1e-12 for a in accepted)
        shares = {}
        for c in e.iterfind(".//q:respcondition", NS):
            var = c.find("q:conditionvar/q:varequal", NS)
            if var is not None and var.get("respident", "").startswith("response_b"):
                shares[var.get("respident")] = float(c.findtext("q:setvar", namespaces=NS))
        assert abs(sum(shares.values()) - 100) < 0.01
        seen += 1
    assert seen > 20


def test_essays_carry_the_rubric_in_the_feedback() -> None:
    for _, q, e in items():
        if meta(e, "question_type") == "essay_question" and q.parts[0].rubric:
            fb = e.findtext(".//q:itemfeedback//q:mattext", "", NS)
            assert "Rubric" in fb and all(f"[{c.points}]" in fb for c in q.parts[0].rubric)


def test_the_same_exam_gives_the_same_zip() -> None:
    assert qti_zip(INFO, pools()) == qti_zip(INFO, pools())


@given(TRICKY)
def test_any_markdown_or_latex_text_survives_escaping(text: str) -> None:
    info = ExamInfo(text or "x", text, text, instructions=text)
    data = files(qti_zip(info, [Pool("1", "k", text, "negative", made_of(text))]))
    for content in data.values():
        ET.fromstring(content)
    root = assessment(data)
    first = root.find(".//q:item", NS)
    assert _lms.clean(text) in first.get("title", "")
    assert len(root.findall(".//q:item[2]/q:presentation/q:response_lid", NS)) == 3
