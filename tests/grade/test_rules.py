"""The grading-rules file: loaded exactly, combined field by field, checked against the build.

Oracles: exact Fractions written from the decimal text of the file (never through a float), the
line of each mistake found in the test's own text by a `# <-` marker, and a manifest drawn
here from a spec (real part ids, kinds and keys), whose keys the test reads to decide which
rules fit.
"""

from __future__ import annotations

import json
import pickle
import time
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.errors import DlexamError
from dlexam.exam import Student, draw_papers
from dlexam.exam.build import manifest_entry
from dlexam.grade._score_tolerance import Tolerance
from dlexam.grade.rules import (
    FIELDS,
    RULE_FIELDS,
    UNCHANGED,
    PartRule,
    Rules,
    RulesError,
    load_rules,
    parse_rules,
)
from dlexam.model import Criterion
from tests.exam.conftest import SECRET, spec_of

ROOT = Path(__file__).resolve().parents[2]
SPEC = f'''
[exam]
id = "t-rules"
course = "Deep Learning"
title = "Rules"
secret = "{SECRET}"

[[sections]]
title = "One"
policy = "per_option"

[[sections.questions]]
topic = "conv.output_shape"
params = {{ input = [1, 3, 8, 8], out_channels = 4, kernel = 3 }}

[[sections.questions]]
topic = "params.count"

[[sections.questions]]
topic = "lstm.step"

[[sections.questions]]
item = "gan.non-saturating-grad"

[[sections.questions]]
pick = {{ kind = "multi" }}

[[sections.questions]]
item = "activations.dead-relu"

[[sections.questions]]
topic = "design.logic_gate"

[[sections.questions]]
pick = {{ kind = "true_false" }}
'''
# s1q1 shape (one key for all) · s1q2 params.count: tensors, elements (drawn) · s1q3 lstm.step:
# i f o c_tilde c h · s1q4 short text · s1q5 choices · s1q6 choice · s1q7 design · s1q8 true/false


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    papers = draw_papers(spec_of(SPEC), [Student(f"s{i:03d}", f"Student {i}") for i in range(3)])
    return {"students": [manifest_entry(p, {}) for p in papers]}


def part_of(manifest: dict[str, Any], student: str, question: str, part: str) -> dict[str, Any]:
    paper = next(s for s in manifest["students"] if s["id"] == student)
    parts = next(q for q in paper["questions"] if q["key"] == question)["parts"]
    return dict(next(p for p in parts if p["id"] == part))


def doc_example() -> str:
    doc = (ROOT / "docs" / "grading-rules.md").read_text(encoding="utf-8")
    return next(b.split("```")[0] for b in doc.split("```toml\n")[1:] if "[[part]]" in b)


# -- loading ----------------------------------------------------------------------------------

def test_no_file_means_the_defaults_for_every_part() -> None:
    rules = Rules()
    assert rules.locale == "en" and rules.carried_credit == 1
    rule = rules.for_part("s1q3", "c", "s001")
    assert rule == PartRule() and rule.key is UNCHANGED and rule.tolerance is None and rule.reason == ""


def test_the_documented_example_loads_with_the_values_it_shows(tmp_path: Path) -> None:
    path = tmp_path / "grading.toml"
    path.write_text(doc_example(), encoding="utf-8")
    rules = load_rules(path)
    assert rules.path == str(path) and rules.locale == "en" and rules.carried_credit == 1
    lstm = rules.for_part("s3q4", "h", "s2026001")
    assert lstm.tolerance == Tolerance("sigfigs", Fraction(3)) and lstm.key is UNCHANGED
    assert rules.for_part("s2q1", "grad_weights", "s2026009").carried_credit == Fraction(1, 2)
    assert rules.for_part("s2q1", "loss", "s2026009").carried_credit == 1
    corrected = rules.for_part("s1q3", "elements", "s2026002")
    assert corrected.key == 34398 and "two digits swapped" in corrected.reason
    assert rules.for_part("s1q3", "elements", "s2026001").key is UNCHANGED
    rubric = rules.for_part("s3q9", "answer", "s2026003").rubric
    assert rubric is not None and [c.points for c in rubric] == [2, 1]
    assert rules.for_part("s2q8", "answer", "s2026003").policy == "all_or_nothing"


@pytest.fixture(scope="module")
def midterm() -> dict[str, Any]:
    """The manifest of the bundled midterm's first three students, as `dlexam demo` builds it."""
    from importlib.resources import files

    from dlexam.exam import load_spec
    from dlexam.exam.roster import read_roster

    examples = files("dlexam.examples")
    students = read_roster(str(examples / "roster.csv"))[:3]
    papers = draw_papers(load_spec(str(examples / "midterm.toml")), students)
    return {"students": [manifest_entry(p, {}) for p in papers]}


def test_the_documented_example_fits_the_bundled_midterm(midterm: dict[str, Any]) -> None:
    assert parse_rules(doc_example()).check(midterm) == []
    assert parse_rules(doc_example().replace('part = "grad_weights"', 'part = "grad_w"')).check(midterm)


def test_the_messages_the_documentation_quotes_are_the_ones_given(midterm: dict[str, Any]) -> None:
    doc = (ROOT / "docs" / "grading-rules.md").read_text(encoding="utf-8")
    refused = ['[[part]]\nquestion = "s3q4"\ntolerence = { sigfigs = 3 }\n',
               '[[part]]\nquestion = "s1q3"\npart = "elements"\nstudent = "s2026002"\nkey = 34398\n',
               '[[part]]\nquestion = "s3q4"\ntolerance = { relative = 1 }\n']
    for text in refused:
        with pytest.raises(RulesError) as caught:
            parse_rules(text)
        assert str(caught.value) in doc
    unfit = ('[[part]]\nquestion = "s1q3"\npart = "b"\ncarried_credit = 0\n'
             '[[part]]\nquestion = "s2q1"\npart = "loss"\nkey = 0.5\nreason = "x"\n'
             '[[part]]\nquestion = "s1q1"\ntolerance = "exact"\n')
    problems = parse_rules(unfit).check(midterm)
    assert len(problems) == 3 and all(p in doc for p in problems)


@pytest.mark.parametrize(("written", "kind", "value"), [
    ('"exact"', "exact", Fraction(0)),
    ("{ relative = 0.01 }", "relative", Fraction(1, 100)),
    ("{ absolute = 0.001 }", "absolute", Fraction(1, 1000)),
    ('{ absolute = "1/3" }', "absolute", Fraction(1, 3)),
    ("{ absolute = 0 }", "absolute", Fraction(0)),
    ("{ sigfigs = 3 }", "sigfigs", Fraction(3)),
])
def test_a_tolerance_is_read_exactly_from_the_decimal_written(written: str, kind: str,
                                                              value: Fraction) -> None:
    rules = parse_rules(f'[[part]]\nquestion = "q"\ntolerance = {written}\n')
    tolerance = rules.for_part("q", "p", "s").tolerance
    assert tolerance == Tolerance(kind, value)


def test_relative_one_percent_accepts_the_edge_and_nothing_past_it() -> None:
    tolerance = parse_rules('[[part]]\nquestion = "q"\ntolerance = { relative = 0.01 }\n').for_part(
        "q", "", "").tolerance
    assert tolerance is not None
    key = Fraction(3, 16)
    edge = key * Fraction(101, 100)  # the oracle: |a − k| = 1 % of |k|, exactly
    assert tolerance.accepts(edge, "3/16") and tolerance.accepts(2 * key - edge, "3/16")
    assert not tolerance.accepts(edge + Fraction(1, 10**30), "3/16")


@given(credit=st.fractions(min_value=0, max_value=1, max_denominator=10**6))
def test_carried_credit_is_kept_as_the_exact_fraction_written(credit: Fraction) -> None:
    rules = parse_rules(f'carried_credit = "{credit}"\n'
                        f'[[part]]\nquestion = "q"\ncarried_credit = "{credit}"\n')
    assert rules.carried_credit == credit and rules.for_part("q", "p", "s").carried_credit == credit


def test_a_student_rule_overrides_a_question_rule_field_by_field() -> None:
    rules = parse_rules('''
carried_credit = 0.75
[[part]]
question = "s1q2"
tolerance = { relative = 0.05 }
carried_credit = 0.5
reason = "shared"
[[part]]
question = "s1q2"
part = "elements"
tolerance = { absolute = 2 }
[[part]]
question = "s1q2"
student = "s001"
carried_credit = 0
tolerance = { sigfigs = 2 }
[[part]]
question = "s1q2"
part = "elements"
student = "s001"
key = 120
reason = "typo in s001's key"
''')
    mine = rules.for_part("s1q2", "elements", "s001")  # the student's rule beats the part's
    assert mine == PartRule(Tolerance("sigfigs", Fraction(2)), 120, Fraction(0), None, None,
                            "shared; typo in s001's key")
    other = rules.for_part("s1q2", "elements", "s002")
    assert other == PartRule(Tolerance("absolute", Fraction(2)), UNCHANGED, Fraction(1, 2), None, None,
                             "shared")
    tensors = rules.for_part("s1q2", "tensors", "s001")
    assert tensors.tolerance == Tolerance("sigfigs", Fraction(2)) and tensors.carried_credit == 0
    assert rules.for_part("s1q2", "tensors", "s002").tolerance == Tolerance("relative", Fraction(5, 100))
    assert rules.for_part("s1q1", "shape", "s001") == PartRule(carried_credit=Fraction(3, 4))


def test_a_policy_and_a_rubric_apply_to_their_part_only() -> None:
    rules = parse_rules('''
[[part]]
question = "s1q5"
policy = "negative"
[[part]]
question = "s1q4"
part = "answer"
rubric = [{ points = 2, text = "names  the vanishing gradient" }, { points = 1, text = "gives a fix" }]
''')
    assert rules.for_part("s1q5", "answer", "x").policy == "negative"
    assert rules.for_part("s1q4", "answer", "x").rubric == (Criterion(2, "names the vanishing gradient"),
                                                            Criterion(1, "gives a fix"))
    assert rules.for_part("s1q4", "other", "x").rubric is None


def test_the_unchanged_key_survives_a_trip_to_a_worker_process() -> None:
    rules = parse_rules('[[part]]\nquestion = "q"\ntolerance = "exact"\n')
    back = pickle.loads(pickle.dumps(rules))
    assert back.for_part("q", "p", "s").key is UNCHANGED and back == rules


# -- mistakes in the file ---------------------------------------------------------------------

MISTAKES = [
    ('carried_credit = 1\nlocal = "de"  # <-\n', "local", "did you mean 'locale'"),
    ('[[part]]\nquestion = "s1q1"\ntolerence = "exact"  # <-\n', "part[1].tolerence",
     "did you mean 'tolerance'"),
    ('[[part]]\nquestion = "q"\ntolerance = { relativ = 0.01 }  # <-\n', "part[1].tolerance",
     "relative = 0.01"),
    ('[[part]]\nquestion = "q"\ntolerance = "approx"  # <-\n', "part[1].tolerance", '"exact"'),
    ('[[part]]\nquestion = "q"\ntolerance = { relative = 5 }  # <-\n', "part[1].tolerance", "0.01 means 1 %"),
    ('[[part]]\nquestion = "q"\ntolerance = { absolute = -1 }  # <-\n', "part[1].tolerance", "at least 0"),
    ('[[part]]\nquestion = "q"\ntolerance = { sigfigs = 2.5 }  # <-\n', "part[1].tolerance", "whole number"),
    ('[[part]]\nquestion = "q"\ntolerance = { relative = nan }  # <-\n', "part[1].tolerance", "at least 0"),
    ('carried_credit = -0.5  # <-\n', "carried_credit", "from 0 to 1"),
    ('[[part]]\nquestion = "q"\ncarried_credit = 1.5  # <-\n', "part[1].carried_credit", "from 0 to 1"),
    ('[[part]]\nquestion = "q"\ncarried_credit = "half"  # <-\n', "part[1].carried_credit", "0.5"),
    ('[[part]]  # <-\nquestion = "q"\npart = "a"\nkey = 0.25\n', "part[1].reason", "needs a reason"),
    ('[[part]]\nquestion = "q"\nkey = 0.25\nreason = "  "  # <-\n', "part[1].reason", "needs a reason"),
    ('[[part]]\nquestion = "q"\nkey = 2026-03-12  # <-\nreason = "r"\n', "part[1].key", "dates are not"),
    ('[[part]]\nquestion = "q"\nrubric = [{ points = 0, text = "x" }]  # <-\n', "part[1].rubric",
     "at least 1"),
    ('[[part]]\nquestion = "q"\nrubric = [{ points = 1.5, text = "x" }]  # <-\n', "part[1].rubric",
     "whole number"),
    ('[[part]]\nquestion = "q"\nrubric = [{ points = 1 }]  # <-\n', "part[1].rubric", "points and text"),
    ('[[part]]\nquestion = "q"\nrubric = []  # <-\n', "part[1].rubric", "a list like"),
    ('[[part]]\nquestion = "q"\nrubric = [{ points = 1, text = " " }]  # <-\n', "part[1].rubric",
     "what earns"),
    ('[[part]]\nquestion = "q"\npolicy = "per-option"  # <-\n', "part[1].policy",
     "did you mean 'per_option'"),
    ('[[part]]\nquestion = "q"\npart = "a"\ntolerance = "exact"\n\n[[part]]  # <-\nquestion = "q"\n'
     'part = "a"\ncarried_credit = 0\n', "part[2]", "merge the two"),
    ('[[part]]  # <-\nquestion = "q"\nreason = "nothing"\n', "part[1]", "changes nothing"),
    ('[[part]]  # <-\npart = "a"\ntolerance = "exact"\n', "part[1].question", 'question = "s1q3"'),
    ('[[part]]\nquestion = ""  # <-\ntolerance = "exact"\n', "part[1].question", "non-empty"),
    ('[[part]]\nquestion = "q"\nstudent = true  # <-\ntolerance = "exact"\n', "part[1].student", "non-empty"),
    ('locale = "deutsch!"  # <-\n', "locale", '"de"'),
    ('[part]  # <-\nquestion = "q"\n', "part", "[[part]]"),
    ('part = [1]  # <-\n', "part[1]", "must be a table"),
    ('[[part]]\nquestion = "q"\nreason = 3  # <-\ntolerance = "exact"\n', "part[1].reason", "a text"),
]


@pytest.mark.parametrize(("text", "field", "fix"), MISTAKES)
def test_each_mistake_is_one_line_naming_the_file_line_field_and_fix(text: str, field: str, fix: str) -> None:
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "# <-" in t)
    with pytest.raises(RulesError) as caught:
        parse_rules(text, path="grading.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"grading.toml:{line}: {field}: "), message
    assert fix in message
    assert (caught.value.line, caught.value.field) == (line, field)


def test_broken_toml_names_its_line() -> None:
    with pytest.raises(RulesError, match=r"^g\.toml:3: not valid TOML: .*fix the syntax"):
        parse_rules('locale = "de"\n\n[[part]\nquestion = "q"\n', path="g.toml")


def test_a_file_that_cannot_be_read_says_so(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"nope\.toml: cannot read the grading rules .*check the path"):
        load_rules(tmp_path / "nope.toml")
    (tmp_path / "latin1.toml").write_bytes('locale = "fr"  # é'.encode("latin-1"))
    with pytest.raises(RulesError, match="not UTF-8 text; save it as UTF-8"):
        load_rules(tmp_path / "latin1.toml")
    assert issubclass(RulesError, DlexamError)


# -- any file: loaded or refused, never a crash -------------------------------------------------

def toml_value(value: Any) -> str:
    """A value as TOML source, written here (tomllib only reads)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if value != value else "inf" if value == float("inf") else "-inf" if value == -float(
            "inf") else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


NAMES = st.sampled_from([*FIELDS, *RULE_FIELDS, "relative", "absolute", "sigfigs", "points", "text", "junk"])
LEAVES = (st.booleans() | st.integers(-3, 10**20) | st.floats() | st.dates()
          | st.sampled_from(["exact", "s1q3", "c", "s001", "1/3", "0.5", "de", "negative", "", " "])
          | st.text(max_size=8))
VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(NAMES, inner, max_size=3), max_leaves=8)


PLAUSIBLE = {
    "question": st.sampled_from(["s1q1", "s1q2", "s1q3", "s1q4", "s1q5", "s1q6", "s1q7", "s1q8", "s9q9"]),
    "part": st.sampled_from(["shape", "tensors", "elements", "c", "answer", "weights", "b"]),
    "student": st.sampled_from(["s000", "s001", "s002", "s0022"]),
    "tolerance": st.sampled_from(["exact", {"relative": 0.01}, {"absolute": "1/3"}, {"sigfigs": 3}]),
    "key": st.sampled_from([0.25, 120, "3/16", "b", ["a", "b"], True, [1, 4, 6, 6], {"exact": "log(9)"}]),
    "carried_credit": st.sampled_from([0, 0.5, "1/3", 1]),
    "rubric": st.sampled_from([[{"points": 2, "text": "a"}, {"points": 1, "text": "b"}]]),
    "policy": st.sampled_from(["all_or_nothing", "per_option", "negative"]),
    "reason": st.sampled_from(["typo", "typo", ""]),
}


@st.composite
def rule_files(draw: st.DrawFn) -> str:
    """Mostly sensible rules, some fields swapped for anything at all, so both paths are taken."""
    def odd(sensible: st.SearchStrategy[Any]) -> Any:
        return draw(VALUES if draw(st.integers(0, 9)) == 7 else sensible)

    top = {"carried_credit": PLAUSIBLE["carried_credit"], "locale": st.sampled_from(["de", "en", "fr-CH"])}
    lines = [f"{k} = {toml_value(odd(v))}" for k, v in top.items() if draw(st.booleans())]
    if draw(st.integers(0, 9)) == 7:
        lines.append(f"{draw(NAMES)} = {toml_value(draw(VALUES))}")
    for _ in range(draw(st.integers(0, 4))):
        lines.append("[[part]]")
        change = draw(st.sampled_from(["tolerance", "key", "carried_credit", "rubric", "policy"]))
        names = draw(st.sets(st.sampled_from(RULE_FIELDS), max_size=4)) | {"question", change}
        fields = {k: odd(PLAUSIBLE[k]) for k in names}
        if draw(st.integers(0, 9)) == 7:
            fields[draw(NAMES)] = draw(VALUES)
        lines += [f"{k} = {toml_value(v)}" for k, v in fields.items()]
    return "\n".join(lines) + "\n"


@given(text=rule_files() | st.text(max_size=300))
def test_any_text_loads_or_is_refused_with_a_rules_error(text: str) -> None:
    try:
        rules = parse_rules(text)
    except RulesError as e:
        assert "\n" not in str(e)
        return
    for rule in rules.entries:  # what loads can be looked up and checked without a crash
        assert isinstance(rules.for_part(rule.question, rule.part or "p", rule.student or "s"), PartRule)
    assert isinstance(rules.check({"students": []}), list)


@given(text=rule_files())
def test_loaded_rules_check_against_a_real_manifest_without_a_crash(manifest: dict[str, Any],
                                                                    text: str) -> None:
    try:
        rules = parse_rules(text)
    except RulesError:
        return
    problems = rules.check(manifest)
    assert all(isinstance(p, str) and "\n" not in p for p in problems)


# -- against the build's manifest ---------------------------------------------------------------

def problems_of(text: str, manifest: dict[str, Any]) -> list[tuple[int, str, str]]:
    """(line, field, rest) of each problem `check` reports."""
    out = []
    for problem in parse_rules(text, path="g.toml").check(manifest):
        where, field, rest = problem.split(": ", 2)
        out.append((int(where.removeprefix("g.toml:")), field, rest))
    return out


def test_rules_that_fit_the_build_raise_no_problem(manifest: dict[str, Any]) -> None:
    shape = part_of(manifest, "s000", "s1q1", "shape")["answer"]
    elements = part_of(manifest, "s001", "s1q2", "elements")["answer"]
    text = f'''
carried_credit = 0.5
[[part]]
question = "s1q1"
part = "shape"
key = {json.dumps([*shape[:-1], shape[-1] + 1])}
reason = "the pinned key was one off"
[[part]]
question = "s1q2"
part = "elements"
student = "s001"
key = {elements + 1}
reason = "typo"
[[part]]
question = "s1q3"
tolerance = {{ sigfigs = 3 }}
[[part]]
question = "s1q3"
part = "c"
student = "s002"
key = "-1/(2*(1 + exp(-1)))"
reason = "simplified"
[[part]]
question = "s1q4"
rubric = [{{ points = 2, text = "the gradient" }}, {{ points = 1, text = "the fix" }}]
[[part]]
question = "s1q5"
policy = "all_or_nothing"
[[part]]
question = "s1q5"
student = "s000"
key = ["a", "b"]
reason = "option d was ambiguous"
[[part]]
question = "s1q6"
key = "b"
reason = "the printed key was wrong"
[[part]]
question = "s1q8"
student = "s001"
key = true
reason = "the statement was misprinted"
[[part]]
question = "s1q7"
carried_credit = 0
'''
    assert problems_of(text, manifest) == []


@pytest.mark.parametrize(("rule", "field", "says"), [
    ('question = "s1q9"\ntolerance = "exact"', "question", "no question \"s1q9\"; did you mean 's1q"),
    ('question = "s1q2"\nstudent = "s0022"\ncarried_credit = 0', "student", "did you mean 's002'"),
    ('question = "s1q2"\npart = "b"\ncarried_credit = 0', "part", 'part = "elements" (rules use ids)'),
    ('question = "s1q2"\npart = "element"\ncarried_credit = 0', "part", "did you mean 'elements'"),
    ('question = "s1q2"\npart = "elements"\nstudent = "s000"\nkey = "many"\nreason = "r"', "key",
     "does not read as an answer of kind integer"),
    ('question = "s1q2"\npart = "elements"\nstudent = "s000"\nkey = 2.5\nreason = "r"', "key",
     "whole number"),
    ('question = "s1q2"\npart = "elements"\nkey = 120\nreason = "r"', "key", "add student"),
    ('question = "s1q2"\nstudent = "s000"\nkey = 12\nreason = "r"', "key", "add part"),
    ('question = "s1q1"\npart = "shape"\nkey = [1, 4, 6]\nreason = "r"', "key", "not the form"),
    ('question = "s1q6"\nkey = "B"\nreason = "r"', "key", "one lower-case letter"),
    ('question = "s1q5"\nstudent = "s000"\nkey = ["a", "a"]\nreason = "r"', "key", "different lower-case"),
    ('question = "s1q8"\nstudent = "s000"\nkey = "true"\nreason = "r"', "key", "true or false"),
    ('question = "s1q7"\nstudent = "s000"\nkey = { w = [1, 1], b = 0 }\nreason = "r"', "key",
     "running the student's design"),
    ('question = "s1q6"\nrubric = [{ points = 1, text = "x" }]', "rubric", "this part is choice"),
    ('question = "s1q4"\nrubric = [{ points = 1, text = "x" }]', "rubric",
     "add up to 1 but the part is worth 3"),
    ('question = "s1q1"\ntolerance = { relative = 0.01 }', "tolerance", "shapes are always compared exactly"),
    ('question = "s1q6"\ntolerance = "exact"', "tolerance", "not a numeric part"),
    ('question = "s1q6"\npolicy = "negative"', "policy", "this part is choice"),
])
def test_a_rule_the_build_cannot_take_is_named_with_its_line(manifest: dict[str, Any], rule: str, field: str,
                                                             says: str) -> None:
    text = f'carried_credit = 1\n\n[[part]]\n{rule}\n'
    found = problems_of(text, manifest)
    assert len(found) == 1, found
    line, where, rest = found[0]
    assert line == 3 and where == f"part[1].{field}" and says in rest, found


def test_every_unfit_rule_is_reported_not_only_the_first(manifest: dict[str, Any]) -> None:
    text = ('[[part]]\nquestion = "x1"\ntolerance = "exact"\n'
            '[[part]]\nquestion = "s1q1"\ncarried_credit = 0\n'
            '[[part]]\nquestion = "x2"\ntolerance = "exact"\n')
    assert [(line, field) for line, field, _ in problems_of(text, manifest)] == [(1, "part[1].question"),
                                                                               (7, "part[3].question")]


def test_a_manifest_that_is_not_one_is_a_clear_error() -> None:
    with pytest.raises(DlexamError, match="not a manifest dlexam built"):
        parse_rules('[[part]]\nquestion = "q"\ntolerance = "exact"\n').check({"students": [{"id": "s"}]})


# -- speed -------------------------------------------------------------------------------------

def test_lookups_cost_the_same_with_ten_rules_or_ten_thousand() -> None:
    def rules_of(n: int) -> Rules:
        text = "".join(f'[[part]]\nquestion = "q{i % 25}"\nstudent = "s{i}"\ncarried_credit = 0\n'
                       for i in range(n))
        return parse_rules(text)

    cells = [(f"q{q}", "p", f"s{s}") for s in range(2_000) for q in range(25)]

    def timed(rules: Rules) -> float:
        start = time.perf_counter()
        for cell in cells:
            rules.for_part(*cell)
        return time.perf_counter() - start

    few, many = timed(rules_of(10)), timed(rules_of(10_000))
    assert many < 3 * few + 0.05, (few, many)
    assert many < 1.0, f"{len(cells)} look-ups took {many:.2f} s"  # 50,000 parts; grading needs 8,000/s
