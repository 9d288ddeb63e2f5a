"""Figures: well-formed SVG that shows every given number and no number of the key,
compiles in Typst, renders, stays deterministic, and is fast."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from collections import Counter
from fractions import Fraction
from itertools import combinations
from typing import Any

import pypdfium2 as pdfium
import pytest
import typst
from hypothesis import given
from hypothesis import strategies as st

import dlexam
from dlexam.bank import load_bank
from dlexam.model import Question
from dlexam.render._svg import fmt, label_width, mono_width
from dlexam.render.figures import FIGURE_TOPICS, figure
from dlexam.topics import _latex as tex
from dlexam.topics._params import parse_number
from tests.helpers import numbers_in

NS = "{http://www.w3.org/2000/svg}"
SEEDS = range(50)
PINNED: list[tuple[str, dict[str, Any]]] = [
    ("mlp.sgd_step", {"weights": [[["1/3", 0.5], [2, -1]], [[1, "0.25"]]], "x": [1, 2], "y": 1,
                      "lr": "1/10"}),
    ("mlp.sgd_step", {"weights": [[[1, -2]]], "x": [3, -1], "y": [0.5], "lr": 0.5}),
    ("mlp.sgd_step", {"weights": [[[1, 2, 3], [0.5, -1, 2], ["1/3", 1, 1], [1, 1, -0.25]],
                                  [[1, 2, 3, 4], [1, 1, 1, 1], [2, 2, 2, 2]], [[1, -1, 0.5]]],
                      "biases": [[0, 1, 2, 3], [0, 0, 0], [-1]], "x": [1, 2, 3], "y": 1, "lr": 0.1,
                      "activation": "sigmoid", "output_activation": "sigmoid", "loss": "bce"}),
    ("mlp.sgd_step", {"weights": [[[1, -1], [0.5, 2]], [[1, 1], [-1, 0.5], [2, -2]]], "x": [1, -1],
                      "y": 2, "loss": "ce", "lr": 1, "activation": "tanh"}),
    ("graph.skip_connection", {"w": -1, "x": 0}),
    ("graph.skip_connection", {"w": "1/3", "x": -1.5}),
    ("graph.squared_error", {"W": [[7]], "x": [-2], "y": [0.5]}),
    ("graph.squared_error", {"W": [[j - i for j in range(6)] for i in range(6)], "x": [1, 2, 3, 4, 5, 6],
                             "y": ["1/3", 0, 0, 0, 0, -100]}),
    ("rnn.forward_grad", {"u": 0.5, "w": 1, "v": 2, "x": list(range(-10, 10)), "h0": -1.5}),
    ("rnn.forward_grad", {"u": 0.5, "w": -1, "v": 2, "x": [1, 2, 3, 4, 5], "activation": "tanh"}),
    ("rnn.forward_grad", {"u": 3, "w": 1, "v": "2/3", "x": [7], "activation": "linear"}),
    ("cnn.layer_table", {"input": [224, 224, 3], "layers": ["CONV-3-64-P1", "POOL-2", "conv-3-8-s2-p1",
                                                             "FC-100", "FC-10"], "ceil_mode": True}),
    ("cnn.layer_table", {"input": [64, 48, 1], "layers": ["CONV-3-4-P1"] * 30}),
]


def questions() -> list[Question]:
    out = [dlexam.question(t, seed=s) for t in sorted(FIGURE_TOPICS) for s in SEEDS]
    return out + [dlexam.question(t, params=p) for t, p in PINNED]


QUESTIONS = questions()
IDS = [f"{q.topic}@{q.seed if q.seed is not None else 'pinned'}" for q in QUESTIONS]


# -- reading a figure back ----------------------------------------------------------------

def texts(svg: str) -> list[ET.Element]:
    """The visible text elements (not the white halo copies)."""
    return [t for t in ET.fromstring(svg).iter(f"{NS}text") if t.get("aria-hidden") != "true"]


def content(t: ET.Element, *, names: bool = False) -> str:
    """A text element's words; indices and naming numbers (class "ix") only when asked."""
    out = [t.text or ""]
    for span in t:
        if names or span.get("class") != "ix":
            out.append(span.text or "")
        out.append(span.tail or "")
    return "".join(out)


NUMBER = re.compile(r"−?\d+(?:\.\d+)?(?:/\d+)?")  # a minus sign, not the hyphen of CONV-3-8


def shown_numbers(svg: str) -> list[Fraction]:
    return [Fraction(m.replace("−", "-")) for t in texts(svg) for m in NUMBER.findall(content(t))]


def given_runs(svg: str) -> Counter[str]:
    """The texts marked as given values."""
    return Counter(s.text or "" for t in texts(svg) for s in t if s.get("class") == "num")


def flat(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [v for item in value for v in flat(item)]
    return [value]


def givens(q: Question) -> list[Any]:
    """The given numbers of a question, as its params echo them."""
    p = q.params
    if q.topic == "mlp.sgd_step":
        return flat(p["weights"]) + flat(p["biases"]) + flat(p["x"]) + flat(p["y"])
    if q.topic == "graph.skip_connection":  # drawn twice: the plain unit and the one with the shortcut
        return [p["w"], p["x"]] * 2
    if q.topic == "graph.squared_error":
        return flat(p["W"]) + flat(p["x"]) + flat(p["y"])
    if q.topic == "rnn.forward_grad":
        return [p["h0"], p["u"], p["w"], p["v"], *p["x"]]
    return list(p["input"]) + [int(n) for layer in p["layers"] for n in re.findall(r"\d+", layer)]


def exact(v: Any) -> Fraction:
    return Fraction(repr(v)) if isinstance(v, float) else Fraction(v)


# -- the tests ----------------------------------------------------------------------------

@pytest.mark.parametrize("q", QUESTIONS, ids=IDS)
def test_a_figure_is_well_formed_svg_with_a_title_and_a_size_in_points(q: Question) -> None:
    svg = figure(q)
    assert svg is not None
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert root.findtext(f"{NS}title")
    assert root.get("width", "").endswith("pt") and root.get("height", "").endswith("pt")
    width = float(root.get("width", "")[:-2])
    assert 100 < width <= 520  # about a page's text width at its natural size


@pytest.mark.parametrize("q", QUESTIONS, ids=IDS)
def test_a_figure_shows_every_given_number_as_the_question_prints_it(q: Question) -> None:
    svg = figure(q)
    assert svg is not None
    if q.topic == "cnn.layer_table":  # the layers by name, the input by its shape
        words = " ".join(content(t) for t in texts(svg))
        assert all(str(layer).strip() in words for layer in q.params["layers"])
        assert " × ".join(map(str, q.params["input"])) in words
    else:  # each given value once per place it is given (a weight per edge)
        assert given_runs(svg) == Counter(fmt(v) for v in givens(q))


@pytest.mark.parametrize("q", QUESTIONS, ids=IDS)
def test_a_figure_never_shows_a_number_that_is_not_given(q: Question) -> None:
    svg = figure(q)
    assert svg is not None
    allowed = {exact(v) for v in givens(q)}
    assert set(shown_numbers(svg)) <= allowed


@pytest.mark.parametrize("q", QUESTIONS, ids=IDS)
def test_a_figure_shows_no_value_of_the_key(q: Question) -> None:
    svg = figure(q)
    assert svg is not None
    allowed = {exact(v) for v in givens(q)}
    key = {v for part in q.parts for v in numbers_in(part.answer) if isinstance(v, int | Fraction)}
    assert not (key - allowed) & set(shown_numbers(svg))
    if q.topic == "cnn.layer_table":  # no output shape, even one made of given numbers
        words = " ".join(content(t) for t in texts(svg))
        assert re.findall(r"\d+ × \d+ × \d+", words) == [" × ".join(map(str, q.params["input"]))]


def boxes(svg: str) -> list[tuple[str, float, float, float, float]]:
    """Each visible text's estimated box (x0, y0, x1, y1), from its position and anchor."""
    out = []
    for t in texts(svg):
        size = float(t.get("font-size", "11"))
        words = content(t, names=True)
        w = mono_width(words, size) if t.get("font-family") else label_width(words, size)
        x, base = float(t.get("x", "0")), float(t.get("y", "0"))
        x0 = {"middle": x - w / 2, "end": x - w}.get(t.get("text-anchor", "start"), x)
        out.append((words, x0, base - 0.7 * size, x0 + w, base))
    return out


def overlaps(svg: str) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes overlap by more than a point."""
    return [(a[0], b[0]) for a, b in combinations(boxes(svg), 2)
            if a[1] < b[3] - 1 and b[1] < a[3] - 1 and a[2] < b[4] - 1 and b[2] < a[4] - 1]


def test_the_overlap_check_sees_two_labels_on_top_of_each_other() -> None:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg"><text x="10" y="20">b = 0.5</text>'
           '<text x="30" y="24" text-anchor="middle">ReLU</text><text x="10" y="60">apart</text></svg>')
    assert overlaps(svg) == [("b = 0.5", "ReLU")]


@pytest.mark.parametrize("q", QUESTIONS[:-len(PINNED)], ids=IDS[:-len(PINNED)])
def test_no_two_labels_of_a_drawn_variant_overlap(q: Question) -> None:
    svg = figure(q)
    assert svg is not None
    assert overlaps(svg) == []


def test_the_same_question_gives_the_same_bytes_after_a_json_round_trip() -> None:
    for q in QUESTIONS[::7]:
        assert figure(Question.from_json(q.to_json())) == figure(q)


def test_topics_without_a_figure_and_concept_items_get_none() -> None:
    others = [t.id for t in dlexam.all_topics() if t.id not in FIGURE_TOPICS]
    assert others
    for topic in others:
        assert figure(dlexam.question(topic, seed=0)) is None
    items = list(load_bank().items)
    assert items
    assert all(figure(item.to_question()) is None for item in items[:20])


def test_every_figure_topic_exists() -> None:
    assert FIGURE_TOPICS <= {t.id for t in dlexam.all_topics()}


def render(svgs: list[str]) -> list[Any]:
    """The figures in a Typst document, as page images."""
    src = ('#set page(width: 21cm, height: auto, margin: 2cm)\n'
           '#set text(font: "New Computer Modern")\n'
           '#for s in json(bytes(sys.inputs.data)) { image(bytes(s), format: "svg"); v(5mm) }\n')
    pdf = typst.compile(src.encode(), sys_inputs={"data": json.dumps(svgs)})
    doc = pdfium.PdfDocument(pdf)
    return [doc[i].render(scale=1).to_pil().convert("L") for i in range(len(doc))]


def test_figures_compile_in_typst_and_draw_ink() -> None:
    svgs = [figure(q) for q in QUESTIONS[::5]]
    pages = render([s for s in svgs if s])
    assert pages
    for page in pages:
        histogram = page.histogram()
        assert sum(histogram[:128]) > 500  # dark pixels: lines and text were drawn


def test_a_figure_keeps_its_natural_size_on_the_page() -> None:
    q = dlexam.question("graph.skip_connection", seed=0)
    svg = figure(q)
    assert svg is not None
    (page,) = render([svg])
    dark = [x for x in range(page.width) if any(page.getpixel((x, y)) < 128 for y in range(page.height))]
    width_pt = (max(dark) - min(dark)) * 72 / 72  # scale=1: one pixel per point
    declared = float(ET.fromstring(svg).get("width", "")[:-2])
    assert 0.8 * declared < width_pt <= declared


@given(st.fractions(max_denominator=10**6).filter(lambda f: abs(f) < 10**9))
def test_fmt_prints_a_number_that_reads_back_to_itself(x: Fraction) -> None:
    text = fmt(x)
    assert Fraction(text.replace("−", "-")) == x
    assert "-" not in text  # a real minus sign


@given(st.integers(-10**6, 10**6), st.integers(0, 4))
def test_fmt_prints_short_decimals_as_decimals(n: int, places: int) -> None:
    x = Fraction(n, 10**places)
    assert "/" not in fmt(x)
    assert fmt(float(x)) == fmt(x) == fmt(str(x))


def test_fmt_prints_every_given_as_the_question_prints_it() -> None:
    for q in QUESTIONS:
        if q.topic == "cnn.layer_table":
            continue
        for v in givens(q):
            latex = tex.num(parse_number(v), approx=False)
            assert fmt(v) == re.sub(r"\\tfrac\{(\d+)\}\{(\d+)\}", r"\1/\2", latex).replace("-", "−")


def test_fmt_prints_the_forms_params_echo() -> None:
    assert [fmt(v) for v in (0.5, -1, "1/3", "0.10", 2.0, "-7/2")] == ["0.5", "−1", "1/3", "0.1", "2", "−3.5"]


def test_figures_are_fast_enough_for_a_thousand_papers() -> None:
    sample = QUESTIONS[: len(SEEDS) * len(FIGURE_TOPICS)]
    start = time.perf_counter()
    for q in sample:
        figure(q)
    per_second = len(sample) / (time.perf_counter() - start)
    assert per_second > 1000  # ~6,000/s measured on 2 cores; the target is 2,000/s
