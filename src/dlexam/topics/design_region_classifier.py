"""design.region_classifier — design a one-hidden-layer network that recognises a rectangle.

Convention: the input is a point p = (x, y); h = act(W1 p + b1) with `hidden` units (row i
of W1 feeds unit i; act is ReLU, or step with step(0) = 0), and a linear output
z = w2 · h + b2 with NO activation. Decision rule: z > 0 means inside, z ≤ 0 (including
z = 0) means outside. Points closer to the border than `margin` may go either way; a
design is graded by running it on a fixed point set derived from the params: a 5×5 grid
on the rectangle shrunk by the margin (must be inside), points on the rectangle grown by
the margin (its corners and three points on every side), a ring further out at the
distance width + height, and 16 far points (all must be outside).

Hand-computable promise (seeded variants): the region's bounds are integers or halves,
the margin is 0.1, 0.2, 0.25 or 0.5; the key uses weights ±1 and 0, biases from the bounds
and an integer output weight ⌈2/margin⌉, so it has at most 1 decimal.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..model import Part, Question, Step, Verdict
from . import _latex as tex
from ._answers import answer
from ._design import DesignError, as_json, plain, read
from ._params import REQUIRED, Params, parse_number

ID = "design.region_classifier"
TITLE = "Design a ReLU network that recognises a rectangle"
PARAMS: dict[str, Any] = {"region": REQUIRED, "activation": "relu", "hidden": 4, "margin": 0.1}
DECIMALS = 1

BOUND = 1000  # the region's coordinates stay within ±BOUND
_DIRECTIONS = [(1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, 1), (-1, -1), (1, -1),
               (2, 1), (1, 2), (-1, 2), (-2, 1), (-2, -1), (-1, -2), (1, -2), (2, -1)]

Point = tuple[Fraction, Fraction]


@dataclass(frozen=True)
class _Setup:
    x: tuple[Fraction, Fraction]
    y: tuple[Fraction, Fraction]
    activation: str
    hidden: int
    margin: Fraction

    @property
    def k(self) -> int:
        """The key's output weight: big enough that one margin past a side gives z ≤ −1."""
        return 2 if self.activation == "step" else math.ceil(2 / self.margin)


def _setup(raw: Any) -> tuple[Params, _Setup]:
    p = Params(ID, raw, PARAMS)
    region = p.get("region")
    allowed = f'an object {{"x": [lo, hi], "y": [lo, hi]}} with lo < hi, numbers within ±{BOUND}'
    if not isinstance(region, Mapping) or sorted(map(str, region)) != ["x", "y"] or len(region) != 2:
        raise p.fail("region", allowed)
    sides = []
    for axis in ("x", "y"):
        pair = region[axis]
        try:
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError
            lo, hi = (parse_number(v) for v in pair)
        except ValueError:
            raise p.fail("region", allowed) from None
        if not -BOUND <= lo < hi <= BOUND:
            raise p.fail("region", allowed)
        sides.append((lo, hi))
    activation = p.choice("activation", ["relu", "step"], "relu")
    hidden = p.integer("hidden", 4, lo=4, hi=8)
    shorter = min(hi - lo for lo, hi in sides)
    margin = p.number("margin", PARAMS["margin"], lo=0, lo_open=True)
    if margin >= shorter / 2 or margin.denominator > 10**6:
        raise p.fail("margin", f"a number > 0 and < {plain(shorter / 2)} (half the shorter side), "
                     "with a denominator up to 10^6")
    return p, _Setup(sides[0], sides[1], activation, hidden, margin)


# -- the point set and running a design -----------------------------------------------------

def _between(lo: Fraction, hi: Fraction, n: int) -> list[Fraction]:
    return [lo + (hi - lo) * i / (n - 1) for i in range(n)]


def _ring(s: _Setup, d: Fraction) -> list[Point]:
    """The corners of the rectangle grown by d, and three points on each of its sides."""
    (a, b), (c, e) = s.x, s.y
    xs, ys = _between(a - d, b + d, 5), _between(c - d, e + d, 5)
    pts = [(x, c - d) for x in xs] + [(x, e + d) for x in xs]
    pts += [(a - d, y) for y in ys[1:-1]] + [(b + d, y) for y in ys[1:-1]]
    return pts


def grading_points(params: Any) -> list[tuple[Point, bool, str]]:
    """Every point a design is run on: (point, must be inside, what kind of point)."""
    s = _setup(params)[1]
    (a, b), (c, e), m = s.x, s.y, s.margin
    inner = [((x, y), True, "inside by at least the margin")
             for y in _between(c + m, e - m, 5) for x in _between(a + m, b - m, 5)]
    near = [(pt, False, "outside by the margin") for pt in _ring(s, m)]
    size = (b - a) + (e - c)
    ring = [(pt, False, "outside") for pt in _ring(s, size)]
    cx, cy = (a + b) / 2, (c + e) / 2
    far = [((cx + 100 * size * u, cy + 100 * size * v), False, "far outside") for u, v in _DIRECTIONS]
    return inner + near + ring + far


@dataclass(frozen=True)
class Net:
    W1: list[list[Fraction]]
    b1: list[Fraction]
    w2: list[Fraction]
    b2: Fraction
    activation: str

    def run(self, p: Point) -> tuple[list[Fraction], Fraction]:
        s = [w[0] * p[0] + w[1] * p[1] + b for w, b in zip(self.W1, self.b1, strict=True)]
        h = [max(v, Fraction(0)) if self.activation == "relu" else Fraction(int(v > 0)) for v in s]
        return h, sum((w * v for w, v in zip(self.w2, h, strict=True)), self.b2)


def _key(s: _Setup) -> Net:
    """One unit per side, measuring how far p is past it; z = 1 − k·(sum of the four)."""
    (a, b), (c, e) = s.x, s.y
    extra = s.hidden - 4
    W1 = [[-1, 0], [1, 0], [0, -1], [0, 1]] + [[0, 0]] * extra
    return Net([[Fraction(v) for v in row] for row in W1], [a, -b, c, -e] + [Fraction(0)] * extra,
               [Fraction(-s.k)] * 4 + [Fraction(0)] * extra, Fraction(1), s.activation)


def _short(x: Fraction) -> str:
    text = plain(x)
    return text if len(text) <= 20 else f"≈{float(x):.6g}"  # display only: the verdict is exact


def _verdict(s: _Setup, params: Any, design: Any) -> Verdict:
    k = s.hidden
    try:
        v = read(design, {"W1": (k, 2), "b1": (k,), "w2": (k,), "b2": ()})
    except DesignError as e:
        return Verdict(False, str(e))
    net = Net(v["W1"], v["b1"], v["w2"], v["b2"], s.activation)
    points = grading_points(params)
    for p, inside, kind in points:
        z = net.run(p)[1]
        if (z > 0) != inside:
            want = "> 0 (inside)" if inside else "≤ 0 (outside)"
            return Verdict(False, f"point ({_short(p[0])}, {_short(p[1])}), {kind}, gives z = {_short(z)}; "
                                  f"it must be {want}")
    return Verdict(True, f"all {len(points)} test points are classified correctly "
                         "(z > 0 inside, z ≤ 0 outside)")


def check(params: Any, design: Any) -> Verdict:
    """Run a student's design on the point set. Bad params raise ParamError (they are the
    instructor's); a bad design never raises: the Verdict says what is wrong."""
    s = _setup(params)[1]
    try:
        return _verdict(s, params, design)
    except Exception as e:  # a last resort: a design must never crash the grader
        return Verdict(False, f"the design could not be read ({type(e).__name__})")


def build(raw: Any) -> Question:
    p, s = _setup(raw)
    net = _key(s)
    design = {"W1": net.W1, "b1": net.b1, "w2": net.w2, "b2": net.b2}
    part = Part("weights", "design", answer(design), 4,
                "Your weights and biases as JSON, in the format the question gives")
    return Question(topic=ID, title=TITLE, params=p.finish(), prompt=_prompt(s),
                    parts=(part,), solution=_solution(s, net))


# -- text ---------------------------------------------------------------------------------

def _act(s: _Setup) -> str:
    return r"\mathrm{ReLU}" if s.activation == "relu" else r"\mathrm{step}"


def _prompt(s: _Setup) -> str:
    (a, b), (c, e), n = s.x, s.y, tex.num
    act = ("ReLU" if s.activation == "relu" else
           r"step, $\mathrm{step}(t) = 1$ if $t > 0$ and $0$ otherwise (so $\mathrm{step}(0) = 0$)")
    return "\n".join([
        f"Design a network that tells whether a point $p = (x, y)$ lies in the rectangle "
        f"${n(a)} \\le x \\le {n(b)}$, ${n(c)} \\le y \\le {n(e)}$.",
        "",
        f"Use one hidden layer of {s.hidden} units with activation {act}: $h = {_act(s)}(W_1 p + b_1)$ "
        "(row $i$ of $W_1$ holds the weights into unit $i$), and a linear output $z = w_2 \\cdot h + b_2$ "
        "with no activation. **Decision rule:** $z > 0$ means inside; $z \\le 0$ (including $z = 0$) "
        "means outside.",
        "",
        f"Your design must put every point at least ${n(s.margin)}$ inside the border inside, and every "
        f"point at least ${n(s.margin)}$ outside it outside; points closer to the border than that may "
        "go either way. It is graded on a fixed set of points: a grid inside, points on every side "
        "and corner just beyond the margin, and points far away.",
        "",
        'Give your design as JSON: `{"W1": [[w11, w12], ...], "b1": [...], "w2": [...], "b2": c}` '
        f"with {s.hidden} rows in W1 and {s.hidden} numbers in b1 and w2. Numbers may be JSON numbers "
        'or exact strings such as "1/2". Any design that classifies every test point correctly earns '
        "the marks.",
    ])


def _unit_lines(s: _Setup) -> str:
    (a, b), (c, e), n = s.x, s.y, tex.num
    f = _act(s)
    sides = [("x", a, "left of", "-x", a), ("x", b, "right of", "x", -b),
             ("y", c, "below", "-y", c), ("y", e, "above", "y", -e)]
    lines = []
    for i, (axis, edge, where, term, bias) in enumerate(sides, 1):
        biased = term if bias == 0 else f"{term} - {n(-bias)}" if bias < 0 else f"{term} + {n(bias)}"
        grows = ("and grows with the distance past it" if s.activation == "relu" else "and is 1 there")
        lines.append(f"$h_{i} = {f}({biased})$ is 0 unless $p$ lies {where} the line ${axis} = {n(edge)}$, "
                     f"{grows}.")
    if s.hidden > 4:
        extra = "The remaining unit gets" if s.hidden == 5 else f"The remaining {s.hidden - 4} units get"
        lines.append(f"{extra} zero weights, bias and output weight: four lines are all a rectangle needs.")
    return "  \n".join(lines)


def _samples(s: _Setup, net: Net) -> str:
    (a, b), (c, e), m = s.x, s.y, s.margin
    cx, cy = (a + b) / 2, (c + e) / 2
    pts = [((cx, cy), "centre"), ((a - m, cy), "left, by the margin"), ((b + m, cy), "right, by the margin"),
           ((cx, c - m), "below, by the margin"), ((cx, e + m), "above, by the margin"),
           ((b + m, e + m), "corner, by the margin"), ((a + m, c + m), "inside corner")]
    head = ["point", "$(x, y)$"] + [f"$h_{i}$" for i in range(1, 5)] + ["$z$", "verdict"]
    lines = ["| " + " | ".join(head) + " |", "|" + " :-: |" * len(head)]
    for p, label in pts:
        h, z = net.run(p)
        cells = [label, f"$({tex.num(p[0])}, {tex.num(p[1])})$", *(f"${tex.num(v)}$" for v in h[:4]),
                 f"${tex.num(z)}$", "inside" if z > 0 else "outside"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _solution(s: _Setup, net: Net) -> tuple[Step, ...]:
    k, m, n = s.k, s.margin, tex.num
    key = json.dumps(as_json({"W1": net.W1, "b1": net.b1, "w2": net.w2, "b2": net.b2}))
    if s.activation == "relu":
        output = (f"Inside the rectangle every $h_i = 0$, so $z = 1 > 0$. A point ${n(m)}$ (the margin) "
                  f"past one side has that side's $h_i \\ge {n(m)}$, so $z \\le 1 - {k} \\cdot {n(m)} = "
                  f"{n(1 - k * m)} < 0$: the output weight must exceed $1/\\text{{margin}} = {n(1 / m)}$, "
                  f"and $k = \\lceil 2/{n(m)} \\rceil = {k}$ leaves room. Past two sides, or further out, "
                  "the sum only grows, so $z$ only falls.")
    else:
        output = ("Inside the rectangle every $h_i = 0$, so $z = 1 > 0$. Past any side at least one "
                  f"$h_i = 1$, so $z \\le 1 - {k} = {1 - k} < 0$, however far out the point is.")
    # a side whose bound is not 0, to show the sign of its bias
    axis, edge, term = next((ax, v, t) for ax, v, t in (("x", s.x[1], "x"), ("y", s.y[1], "y"),
                                                        ("x", s.x[0], "-x")) if v != 0)
    bias = edge if term == "-x" else -edge  # -x + lo for the left side, x - hi or y - hi otherwise
    sign = f"{term} + {n(bias)}" if bias > 0 else f"{term} - {n(-bias)}"
    step0 = (r" With step units $\mathrm{step}(0) = 0$: a point exactly on a line does not fire, but such "
             "points lie in the ungraded band." if s.activation == "step" else "")
    return (
        Step("One design", f"`{key}`\n\n{_unit_lines(s)}  \n"
                           f"$z = 1 - {k}\\,(h_1 + h_2 + h_3 + h_4)$. {output}"),
        Step("Checked on sample points",
             "The design above, run on a few points inside, just outside and at a corner:\n\n"
             + _samples(s, net)),
        Step("Convention and common slips",
             f"The rule is $z > 0$ inside, so $z = 0$ counts as outside.{step0} The slips: a bias with the "
             f"wrong sign (the unit for the line ${axis} = {n(edge)}$ is ${_act(s)}({sign})$, so its bias is "
             f"${n(bias)}$, not ${n(-bias)}$); an output weight too small for the margin, so points "
             "just outside still score $z > 0$; and forgetting that a point far away diagonally must be "
             "outside too. Other designs earn the marks: permute the hidden units (rows of $W_1$ with "
             "$b_1$ and $w_2$), scale a unit's weights and bias by a positive number while dividing its "
             "output weight by the same, or shift the lines a little into the margin."),
    )


# -- seeded variants -------------------------------------------------------------------------

_MARGINS = [0.1, 0.1, 0.2, 0.25, 0.5]


def draw(rng: random.Random) -> dict[str, Any]:
    """Bounds that are integers or halves, sides 1 to 4 long, a margin well inside them."""
    def side() -> list[Any]:
        lo = rng.choice([-3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 2])
        hi = lo + rng.choice([1, 1.5, 2, 2.5, 3, 4])
        return [int(v) if v == int(v) else v for v in (lo, hi)]
    region = {"x": side(), "y": side()}
    shorter = min(r[1] - r[0] for r in region.values())
    margin = rng.choice([m for m in _MARGINS if m < shorter / 2])
    activation = "step" if rng.random() < 0.2 else "relu"
    hidden = rng.choice([4, 4, 4, 5])
    return {"region": region, "activation": activation, "hidden": hidden, "margin": margin}
