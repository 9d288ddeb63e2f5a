"""The exam spec: the bundled example loads, and every mistake is one line naming the file,
the line, the field and the fix, found before anything is drawn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlexam.errors import DlexamError
from dlexam.exam import SpecError, load_spec, parse_spec
from dlexam.exam._locate import Locator, field_name
from dlexam.exam._questions import spread_marks
from dlexam.topics import all_topics

from .conftest import BASE, SECRET, spec_of

ROOT = Path(__file__).resolve().parents[2]


def test_the_bundled_midterm_covers_every_topic_family_items_picks_and_a_bonus() -> None:
    spec = load_spec(ROOT / "examples" / "midterm.toml")
    families = {t.id.split(".")[0] for t in all_topics()}
    assert {s.topic.split(".")[0] for s in spec.slots if s.topic} == families
    sources = {s.source for s in spec.slots}
    assert sources == {"pinned", "drawn", "item", "pick"}
    assert any(s.bonus for s in spec.slots)
    assert spec.info.total_marks == spec.total_marks == 100
    assert any(s.where for s in spec.slots)


def test_a_spec_gives_every_slot_a_key_and_fixed_marks() -> None:
    spec = spec_of()
    assert [s.key for s in spec.slots] == ["s1q1", "s1q2", "s1q3", "s1q4", "s1q5"]
    assert [s.source for s in spec.slots] == ["pinned", "drawn", "item", "pick", "pick"]
    assert spec.total_marks == sum(s.marks for s in spec.slots)
    assert spec.info.date == "" and spec.sections[0].policy == "all_or_nothing"


def test_the_secret_never_shows_in_the_repr_and_an_inline_secret_warns() -> None:
    spec = spec_of()
    assert SECRET not in repr(spec) and SECRET not in str(spec.warnings)
    assert "secret_env" in spec.warnings[0]


def test_the_secret_comes_from_an_environment_variable_or_a_file(tmp_path: Path) -> None:
    text = BASE.replace(f'secret = "{SECRET}"', 'secret_env = "QUIZ_SECRET"')
    assert spec_of(text, environ={"QUIZ_SECRET": SECRET}).secret == SECRET
    (tmp_path / "quiz.secret").write_text(SECRET + "\n", encoding="utf-8")
    path = tmp_path / "quiz.toml"
    path.write_text(BASE.replace(f'secret = "{SECRET}"', 'secret_file = "quiz.secret"'), encoding="utf-8")
    spec = load_spec(path)
    assert spec.secret == SECRET and not spec.warnings


def test_a_date_may_be_a_toml_date_or_a_text() -> None:
    def dated(value: str) -> str:
        return spec_of(BASE.replace('title = "Quiz"', f'title = "Quiz"\ndate = {value}')).info.date

    assert dated("2026-03-12") == "2026-03-12"
    assert dated('"12 March"') == "12 March"


def test_marks_spread_over_parts_or_set_part_by_part() -> None:
    spread = BASE.replace('topic = "pool.output_shape"', 'topic = "mlp.sgd_step"\nmarks = 11')
    slot = spec_of(spread).slots[1]
    assert slot.marks == 11 and all(m >= 1 for _, m in slot.part_marks)
    table = BASE.replace('topic = "pool.output_shape"', 'topic = "params.count"\nmarks = { elements = 5 }')
    assert dict(spec_of(table).slots[1].part_marks) == {"tensors": 1, "elements": 5}


@given(st.lists(st.integers(0, 9), min_size=1, max_size=8), st.integers(0, 60))
def test_a_spread_keeps_the_total_and_gives_every_part_a_mark(weights: list[int], extra: int) -> None:
    total = len(weights) + extra
    out = spread_marks(total, weights)
    assert sum(out) == total and min(out) >= 1


# -- every error path -------------------------------------------------------------------------

Q = "[[sections.questions]]\n"
CASES: list[tuple[str, str, str, str, str]] = [
    # (text replaced, replacement, a text on the line the error must name, field, part of the message)
    ('id = "t-quiz"', 'id = "t-quiz"\nname = 1', "name = 1", "exam.name", "not an [exam] field"),
    ('id = "t-quiz"', 'id = "t-quiz"\ntotl_marks = 5', "totl_marks", "exam.totl_marks",
     "did you mean 'total_marks'"),
    ('id = "t-quiz"', 'id = "t quiz/1"', "id = ", "exam.id", "letters, digits"),
    ('id = "t-quiz"\n', "", "[exam]", "exam.id", "is missing"),
    ('course = "Deep Learning"', "course = 3", "course = 3", "exam.course", "non-empty string"),
    ('title = "Quiz"', 'title = "Quiz"\ndate = 5', "date = 5", "exam.date", "must be a date"),
    ('title = "Quiz"', 'title = "Quiz"\nduration = -5', "duration", "exam.duration", "at least 1"),
    ('title = "Quiz"', 'title = "Quiz"\ninstructions = ["x"]', "instructions", "exam.instructions", "string"),
    ('title = "Quiz"', 'title = "Quiz"\ntotal_marks = 99', "total_marks", "exam.total_marks", "add up to 7"),
    ('title = "Quiz"', 'title = "Quiz"\ntotal_marks = "7"', "total_marks", "exam.total_marks", "integer"),
    (f'secret = "{SECRET}"', "", "[exam]", "exam", "exactly one of secret_env"),
    (f'secret = "{SECRET}"', f'secret = "{SECRET}"\nsecret_env = "X"', "[exam]", "exam",
     "secret and secret_env"),
    (f'secret = "{SECRET}"', 'secret = "short"', "secret = ", "exam.secret", "at least 16"),
    (f'secret = "{SECRET}"', "secret = 12", "secret = ", "exam.secret", "non-empty string"),
    (f'secret = "{SECRET}"', 'secret_env = "NO_SUCH_VAR_HERE"', "secret_env", "exam.secret_env",
     "is not set"),
    (f'secret = "{SECRET}"', 'secret_file = "missing.secret"', "secret_file", "exam.secret_file",
     "cannot read"),
    ('title = "Quiz"', 'title = "Quiz"\nbank = 3', "bank = 3", "exam.bank", "list of item files"),
    ('title = "Quiz"', 'title = "Quiz"\nbank = ["nope.toml"]', "bank = ", "exam.bank", "cannot read"),
    ('title = "One"', 'title = "One"\npolicy = "negativ"', "policy", "sections[1].policy",
     "did you mean 'negative'"),
    ('title = "One"', 'title = "One"\nshuffle = true', "shuffle = true", "sections[1].shuffle",
     "section field"),
    ("shuffle_options = true", 'shuffle_options = "yes"', "shuffle_options", "sections[1].shuffle_options",
     "true or false"),
    ('title = "One"\n', "", "[[sections]]", "sections[1].title", "is missing"),
    ('topic = "conv.output_shape"', 'topic = "conv.outptu_shape"', "outptu", "sections[1].questions[1].topic",
     "did you mean 'conv.output_shape'"),
    ('topic = "conv.output_shape"', "topic = 7", "topic = 7", "sections[1].questions[1].topic",
     "topic id string"),
    ("kernel = 3 }", "kernel = 0 }", "kernel = 0", "sections[1].questions[1].params", "param 'kernel'"),
    ("params = {", "where = { kernel = 3 }\nparams = {", "where", "sections[1].questions[1].where",
     "with pinned params drop where"),
    ('topic = "pool.output_shape"', 'topic = "pool.output_shape"\nparams = 3', "params = 3",
     "sections[1].questions[2].params", "must be a table"),
    ('topic = "pool.output_shape"', 'topic = "pool.output_shape"\nwhere = { kernal = 2 }', "where",
     "sections[1].questions[2].where.kernal", "did you mean 'kernel'"),
    ('topic = "pool.output_shape"', 'topic = "pool.output_shape"\nwhere = { kernel = 99 }', "where",
     "sections[1].questions[2].where", "too few to draw from"),
    ('topic = "pool.output_shape"', 'topic = "pool.output_shape"\nwhere = 2', "where = 2",
     "sections[1].questions[2].where", "must be a table"),
    ('topic = "pool.output_shape"', 'topic = "pool.output_shape"\nmarks = { shap = 2 }', "marks",
     "sections[1].questions[2].marks.shap", "did you mean 'shape'"),
    ('topic = "pool.output_shape"', 'topic = "pool.output_shape"\nmarks = { shape = 0 }', "marks",
     "sections[1].questions[2].marks.shape", "positive integer"),
    ('topic = "pool.output_shape"', 'topic = "params.count"\nmarks = 1', "marks = 1",
     "sections[1].questions[2].marks", "at least 2"),
    ('topic = "pool.output_shape"', 'topic = "pool.output_shape"\nmarks = "2"', "marks",
     "sections[1].questions[2].marks", "at least 1"),
    ('topic = "pool.output_shape"', 'topic = "pool.output_shape"\nitem = "gan.minimax-objective"', "@16",
     "sections[1].questions[2]", "exactly one of topic, item or pick, got topic and item"),
    ('topic = "pool.output_shape"', "bonus = true", "@16", "sections[1].questions[2]", "got none"),
    ('topic = "pool.output_shape"', 'topic = "pool.output_shape"\nbonus = 1', "bonus",
     "sections[1].questions[2].bonus", "true or false"),
    ('topic = "pool.output_shape"', 'topic = "pool.output_shape"\npoints = 1', "points",
     "sections[1].questions[2].points", "not a question field"),
    ('item = "activations.dead-relu"', 'item = "activations.dead-reul"', "dead-reul",
     "sections[1].questions[3].item", "did you mean 'activations.dead-relu'"),
    ('item = "activations.dead-relu"', "item = 1", "item = 1", "sections[1].questions[3].item", "id string"),
    ('item = "activations.dead-relu"', 'item = "activations.dead-relu"\nparams = {}', "params = {}",
     "sections[1].questions[3].params", "topic questions only"),
    ('item = "activations.dead-relu"', 'item = "activations.dead-relu"\nmarks = 0', "marks",
     "sections[1].questions[3].marks", "positive integer"),
    ('item = "activations.dead-relu"', 'item = "gan.non-saturating-grad"\nmarks = 5', "marks = 5",
     "sections[1].questions[3].marks", "rubric"),
    ("marks = 1\n", f'marks = 1\n\n{Q}item = "activations.dead-relu"\n', "@27",
     "sections[1].questions[5].item", "already the question on line 19"),
    ('pick = { count = 2, tags = ["gan"] }', "pick = 3", "pick = 3", "sections[1].questions[4].pick",
     "must be a table"),
    ('count = 2, tags = ["gan"]', 'count = 2, tag = ["gan"]', "pick =", "sections[1].questions[4].pick.tag",
     "did you mean 'tags'"),
    ("count = 2,", "count = 0,", "pick =", "sections[1].questions[4].pick.count", "at least 1"),
    ('tags = ["gan"]', "tags = [1]", "pick =", "sections[1].questions[4].pick.tags", "list of tags"),
    ('tags = ["gan"]', 'tags = ["gans"]', "pick =", "sections[1].questions[4].pick.tags",
     "did you mean 'gan'"),
    ('tags = ["gan"]', 'tags = ["gan"], level = "expert"', "pick =", "sections[1].questions[4].pick.level",
     "beginner, intermediate, advanced"),
    ('tags = ["gan"]', 'tags = ["gan"], kind = "essay"', "pick =", "sections[1].questions[4].pick.kind",
     "true_false, single, multi, short"),
    ("count = 2,", 'count = 5, level = "advanced",', "pick =", "sections[1].questions[4].pick",
     "asks for 5 advanced items tagged gan; the bank has"),
    ("marks = 1\n", "", "pick =", "sections[1].questions[4].pick", "set marks"),
    ("[[sections]]\n", "[[sectons]]\n", "[[sectons]]", "sectons", "did you mean 'sections'"),
    ("[exam]\n", "[exm]\n", "[exm]", "exm", "not a top-level field"),
]


def _line_of(text: str, anchor: str) -> int:
    if anchor.startswith("@"):  # a line number where the text alone would be ambiguous
        return int(anchor[1:])
    lines = text.splitlines()
    return next(i for i, line in enumerate(lines, 1) if anchor.strip() in line)


@pytest.mark.parametrize(("old", "new", "anchor", "field", "fragment"), CASES,
                         ids=[f"{c[3] or 'top'}:{c[4][:30]}" for c in CASES])
def test_every_spec_mistake_names_file_line_field_and_fix(old: str, new: str, anchor: str, field: str,
                                                          fragment: str) -> None:
    assert old in BASE
    text = BASE.replace(old, new, 1)
    with pytest.raises(SpecError) as caught:
        spec_of(text, environ={})
    e = caught.value
    message = str(e)
    assert "\n" not in message and SECRET not in message
    assert fragment in message, message
    assert e.file == "quiz.toml" and e.field == field, message
    assert e.line == _line_of(text, anchor), message
    assert message.startswith(f"quiz.toml:{e.line}: {field}: " if field else f"quiz.toml:{e.line}: ")


def test_picks_that_fit_alone_but_not_together_are_refused_at_the_later_one() -> None:
    advanced = 'pick = { count = 2, tags = ["gan"], level = "advanced" }\nmarks = 1'
    text = BASE.replace('item = "activations.dead-relu"', advanced)
    text = text.replace('pick = { count = 2, tags = ["gan"] }', advanced.split("\n")[0])
    with pytest.raises(SpecError) as caught:
        spec_of(text)
    assert caught.value.line == 23 and caught.value.field == "sections[1].questions[4].pick"
    assert "the picks before it already use every item it could take" in str(caught.value)


def test_a_spec_without_exam_or_sections_says_what_to_add() -> None:
    with pytest.raises(SpecError, match="start the spec with an \\[exam\\] table"):
        spec_of("[[sections]]\ntitle = 'x'\n")
    with pytest.raises(SpecError, match="at least one \\[\\[sections\\]\\]"):
        spec_of(BASE.split("[[sections]]")[0])
    with pytest.raises(SpecError, match="the section has no questions"):
        spec_of(BASE.split("[[sections.questions]]")[0])
    with pytest.raises(SpecError, match=r"quiz.toml:1: exam: must be a table"):
        spec_of("exam = 3\n")


def test_a_toml_syntax_error_names_its_line() -> None:
    with pytest.raises(SpecError, match=r"^quiz.toml:3: not valid TOML: .*fix the syntax"):
        spec_of(BASE.replace('course = "Deep Learning"', 'course = Deep Learning'))


def test_an_unreadable_or_non_utf8_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read the spec"):
        load_spec(tmp_path / "nope.toml")
    bad = tmp_path / "latin.toml"
    bad.write_bytes(BASE.replace("Quiz", "Pr\xfcfung").encode("latin-1"))
    with pytest.raises(SpecError, match="not UTF-8"):
        load_spec(bad)


def test_a_bad_bank_file_is_reported_at_the_bank_field(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('theme = "mine"\ntitle = "x"\n', encoding="utf-8")
    path = tmp_path / "quiz.toml"
    path.write_text(BASE.replace('title = "Quiz"', 'title = "Quiz"\nbank = ["mine.toml"]'), encoding="utf-8")
    with pytest.raises(SpecError, match=r"quiz.toml:5: exam.bank: mine.toml: no \[\[items\]\]"):
        load_spec(path)


def test_instructors_items_from_their_own_bank_file_can_be_placed(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('''theme = "mine"
title = "Mine"
[[items]]
id = "mine.first"
kind = "true_false"
level = "beginner"
tags = ["dropout"]
text = "Dropout is switched off by `model.eval()`."
answer = true
explanation = "In eval mode dropout is the identity."
''', encoding="utf-8")
    path = tmp_path / "quiz.toml"
    text = BASE.replace('title = "Quiz"', 'title = "Quiz"\nbank = ["mine.toml"]')
    path.write_text(text.replace("activations.dead-relu", "mine.first"), encoding="utf-8")
    assert load_spec(path).slots[2].item == "mine.first"


# -- the locator ------------------------------------------------------------------------------

def test_the_locator_finds_tables_keys_and_skips_multiline_strings() -> None:
    text = '[exam]\ninstructions = """\nid = 3\n"""\nid = "x"\n[[sections]]\n[[sections.questions]]\n' \
           'topic = "a"\n[[sections.questions]]\n[sections.questions.params]\nk = 1\n[[sections]]\n' \
           "[[sections.questions]]\nitem = 'b'\n"
    loc = Locator(text)
    assert loc.line(("exam", "id")) == 5
    assert loc.line(("sections", 0, "questions", 0, "topic")) == 8
    assert loc.line(("sections", 0, "questions", 1, "params", "k")) == 11
    assert loc.line(("sections", 1, "questions", 0, "item")) == 14
    assert loc.line(("sections", 1, "questions", 0, "marks", "x")) == 13
    assert loc.line(("nothing",)) == 1
    assert field_name(("sections", 1, "questions", 0, "marks")) == "sections[2].questions[1].marks"


# -- fuzzing: anything TOML can hold gives a Spec or a one-line SpecError ------------------------

_WORDS = ["gan", "advanced", "multi", "conv.output_shape", "activations.dead-relu", "negative",
          "pool.output_shape"]
_leaf = st.one_of(st.none(), st.booleans(), st.integers(-3, 30), st.floats(allow_nan=False),
                  st.text(max_size=8), st.sampled_from(_WORDS))
_value = st.recursive(_leaf, lambda c: st.lists(c, max_size=3) | st.dictionaries(
    st.sampled_from(["topic", "params", "item", "pick", "marks", "where", "count", "tags", "level", "kind",
                     "bonus", "title", "shape", "kernel", "x"]), c, max_size=3), max_leaves=8)
_QUESTION_KEYS = ["topic", "params", "where", "item", "pick", "marks", "bonus", "x"]
_question = st.dictionaries(st.sampled_from(_QUESTION_KEYS), _value, max_size=4)


def _strip_none(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _strip_none(v) for k, v in x.items() if v is not None}
    if isinstance(x, list):
        return [_strip_none(v) for v in x if v is not None]
    return x


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, int) or value == value else "nan"
    if isinstance(value, str):
        return '"' + value.encode("unicode_escape").decode().replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{" + ", ".join(f'"{k}" = {_toml(v)}' for k, v in value.items()) + "}"


def _spec_text(exam: dict[str, Any], sections: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> str:
    out = ["[exam]"] + [f'"{k}" = {_toml(v)}' for k, v in exam.items()]
    for section, questions in sections:
        out += ["[[sections]]"] + [f'"{k}" = {_toml(v)}' for k, v in section.items()]
        for q in questions:
            out += ["[[sections.questions]]"] + [f'"{k}" = {_toml(v)}' for k, v in q.items()]
    return "\n".join(out) + "\n"


@given(
    exam=st.fixed_dictionaries({"id": st.sampled_from(["q", "bad id", ""]),
                                "course": st.sampled_from(["c", ""]),
                                "title": st.just("t"), "secret": st.sampled_from([SECRET, "short"])},
                               optional={"total_marks": _value, "duration": _value, "date": _value,
                                         "aids": _value, "x": _value}),
    sections=st.lists(st.tuples(
        st.fixed_dictionaries({"title": st.sampled_from(["A", ""])},
                              optional={"policy": _value, "shuffle_options": _value}),
        st.lists(_question, max_size=3)), max_size=2),
)
def test_any_spec_gives_a_spec_or_a_one_line_spec_error(exam: dict[str, Any], sections: Any) -> None:
    cleaned = [(_strip_none(s), [_strip_none(q) for q in qs]) for s, qs in sections]
    text = _spec_text(_strip_none(exam), cleaned)
    try:
        spec = parse_spec(text, path="fuzz.toml", environ={})
    except SpecError as e:
        assert "\n" not in str(e) and str(e).startswith("fuzz.toml") and SECRET not in str(e)
        assert 0 <= e.line <= text.count("\n") + 1
        return
    assert spec.slots and spec.total_marks >= 0


@given(st.data())
def test_any_edit_of_a_line_of_the_example_gives_a_spec_or_a_one_line_error(data: Any) -> None:
    lines = (ROOT / "examples" / "midterm.toml").read_text(encoding="utf-8").splitlines()
    i = data.draw(st.integers(0, len(lines) - 1))
    action = data.draw(st.sampled_from(["drop", "double", "garble", "number"]))
    if action == "drop":
        del lines[i]
    elif action == "double":
        lines.insert(i, lines[i])
    elif action == "garble":
        lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])))]
    else:
        lines[i] = lines[i].replace("2", str(data.draw(st.integers(-2, 9))))
    try:
        parse_spec("\n".join(lines) + "\n", path="m.toml", environ={})
    except DlexamError as e:
        assert isinstance(e, SpecError) and "\n" not in str(e)


def test_the_documented_example_is_the_bundled_midterm() -> None:
    doc = (ROOT / "docs" / "exam-spec.md").read_text(encoding="utf-8")
    example = (ROOT / "examples" / "midterm.toml").read_text(encoding="utf-8")
    assert f"```toml\n{example}```" in doc, "docs/exam-spec.md is stale: paste examples/midterm.toml into it"
