"""design.logic_gate — design weights of step units that compute a logic gate of two bits.

Convention: inputs x1, x2 ∈ {0, 1}; step(s) = 1 if s > 0 and 0 otherwise, so step(0) = 0
(a pre-activation exactly 0 does NOT fire). With `hidden` = k ≥ 1 the network is
h = step(W1 x + b1) (row i of W1 feeds hidden unit i), y = step(w2 · h + b2); with
`hidden` = 0 it is a single unit y = step(w · x + b). `weight_domain` restricts every
weight AND every bias to the listed values (null allows any number). A design is graded
by running it on the four rows of the truth table: any design that gets all four right
earns the marks. Build searches the domain (cached) and refuses params that admit no
design, e.g. XOR without two hidden units, or NAND as one unit with weights in {-1, 0, 1}.

Hand-computable promise (seeded variants): the key's weights come from the domain
({-1, 0, 1}, {-2, ..., 2}, {-1, -0.5, 0, 0.5, 1}, {-1, 1}, or small integers when any
number is allowed), so they have at most 1 decimal.
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

from ..errors import ParamError
from ..model import Part, Question, Step, Verdict
from . import _latex as tex
from ._answers import answer
from ._design import DesignError, as_json, entries, plain, read
from ._params import REQUIRED, Params

ID = "design.logic_gate"
TITLE = "Design a logic gate from step units"
PARAMS: dict[str, Any] = {"gate": REQUIRED, "activation": "step", "hidden": 2, "weight_domain": [-1, 0, 1]}
DECIMALS = 1

ROWS = ((0, 0), (0, 1), (1, 0), (1, 1))
GATES = {  # the output on ROWS
    "and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "nand": (1, 1, 1, 0), "nor": (1, 0, 0, 0),
    "xor": (0, 1, 1, 0), "xnor": (1, 0, 0, 1), "implies": (1, 1, 0, 1),
}
GATE_TEX = {
    "and": r"x_1 \wedge x_2", "or": r"x_1 \vee x_2", "nand": r"\neg(x_1 \wedge x_2)",
    "nor": r"\neg(x_1 \vee x_2)", "xor": r"x_1 \oplus x_2", "xnor": r"\neg(x_1 \oplus x_2)",
    "implies": r"x_1 \Rightarrow x_2",
}
_NAMES: dict[tuple[int, ...], str] = {  # every function of two bits, by its outputs on ROWS, in LaTeX
    (0, 0, 0, 0): "0", (0, 0, 0, 1): r"x_1 \wedge x_2", (0, 0, 1, 0): r"x_1 \wedge \neg x_2",
    (0, 0, 1, 1): "x_1", (0, 1, 0, 0): r"\neg x_1 \wedge x_2", (0, 1, 0, 1): "x_2",
    (0, 1, 1, 0): r"x_1 \oplus x_2", (0, 1, 1, 1): r"x_1 \vee x_2", (1, 0, 0, 0): r"\neg(x_1 \vee x_2)",
    (1, 0, 0, 1): r"\neg(x_1 \oplus x_2)", (1, 0, 1, 0): r"\neg x_2", (1, 0, 1, 1): r"x_1 \vee \neg x_2",
    (1, 1, 0, 0): r"\neg x_1", (1, 1, 0, 1): r"\neg x_1 \vee x_2", (1, 1, 1, 0): r"\neg(x_1 \wedge x_2)",
    (1, 1, 1, 1): "1",
}
MAX_DOMAIN = 7  # values in weight_domain: the search tries every unit, 7^3 of them
_SEARCH_DOMAINS = ((-1, 0, 1), (-2, -1, 0, 1, 2))  # tried in turn when any number is allowed

Unit = tuple[Fraction, ...]  # incoming weights, then the bias


def step(s: Fraction) -> int:
    return 1 if s > 0 else 0


@dataclass(frozen=True)
class Net:
    """A design as numbers: hidden units (empty for a single unit) and the output unit."""

    hidden: tuple[Unit, ...]
    out: Unit

    def run(self, x: tuple[int, int]) -> tuple[list[Fraction], list[int], Fraction, int]:
        """Hidden pre-activations and outputs, the output pre-activation and y for input x."""
        s = [w1 * x[0] + w2 * x[1] + b for w1, w2, b in self.hidden]
        h = [step(v) for v in s]
        inputs = h if self.hidden else list(x)
        s_out = sum((w * v for w, v in zip(self.out, inputs, strict=False)), self.out[-1])
        return s, h, s_out, step(s_out)

    def design(self) -> dict[str, Any]:
        if not self.hidden:
            return {"w": list(self.out[:2]), "b": self.out[2]}
        return {"W1": [list(u[:2]) for u in self.hidden], "b1": [u[2] for u in self.hidden],
                "w2": list(self.out[:-1]), "b2": self.out[-1]}


# -- params and the search for a design -----------------------------------------------

@dataclass(frozen=True)
class _Setup:
    gate: str
    hidden: int
    domain: tuple[Fraction, ...] | None
    key: Net


def _setup(raw: Any) -> tuple[Params, _Setup]:
    p = Params(ID, raw, PARAMS)
    gate = p.choice("gate", list(GATES))
    p.choice("activation", ["step"], "step")
    hidden = p.integer("hidden", 2, lo=0, hi=2)
    domain = _domain(p)
    if hidden < 2 and gate in ("xor", "xnor"):
        raise p.error("hidden", f'must be 2 for "{gate}", got {hidden}: {gate.upper()} is not linearly '
                      "separable, so no single step unit computes it and one hidden unit passes on only "
                      "one line's answer")
    key = _search(GATES[gate], hidden, domain)
    if key is None:
        raise p.error("weight_domain", f'admits no design of "{gate}" with {hidden} hidden units when '
                      "step(0) = 0; allow more values (a larger bias, or halves) or more hidden units")
    return p, _Setup(gate, hidden, domain, key)


def _domain(p: Params) -> tuple[Fraction, ...] | None:
    raw = p.get("weight_domain", PARAMS["weight_domain"])
    if raw is None:
        return None
    allowed = f"null (any number) or a list of 1 to {MAX_DOMAIN} different numbers within ±100"
    try:
        values = p.vector("weight_domain", PARAMS["weight_domain"])
    except ParamError:
        raise p.fail("weight_domain", allowed) from None
    if not 1 <= len(values) <= MAX_DOMAIN or len(set(values)) != len(values) or max(map(abs, values)) > 100:
        raise p.fail("weight_domain", allowed)
    return tuple(sorted(values))


def _cost(unit: Unit) -> tuple[int, int, Fraction]:
    """Simpler units first: fewer non-zero numbers, then fewer fractions, then smaller ones."""
    return (sum(v != 0 for v in unit), sum(v.denominator != 1 for v in unit),
            sum((abs(v) for v in unit), Fraction(0)))


@lru_cache(maxsize=64)
def _cheapest(domain: tuple[Fraction, ...], inputs: int) -> dict[Any, Unit]:
    """For every function of `inputs` bits a unit can compute (its outputs on the rows of
    the truth table), the simplest unit with weights and bias from the domain."""
    table = list(itertools.product((0, 1), repeat=inputs))  # for 2 inputs these are ROWS
    best: dict[Any, Unit] = {}
    units = sorted(itertools.product(domain, repeat=inputs + 1), key=lambda u: (_cost(u), u))
    for u in units:
        outputs = tuple(step(sum((w * v for w, v in zip(u, x, strict=False)), u[-1])) for x in table)
        best.setdefault(outputs, u)
    return best


@lru_cache(maxsize=512)
def _search(target: tuple[int, ...], hidden: int, domain: tuple[Fraction, ...] | None) -> Net | None:
    """The simplest design computing `target` on ROWS, or None if the domain admits none."""
    if domain is None:
        for candidate in _SEARCH_DOMAINS:
            net = _search(target, hidden, tuple(Fraction(v) for v in candidate))
            if net is not None:
                return net
        return None
    units = _cheapest(domain, 2)
    if hidden == 0:
        return Net((), units[target]) if target in units else None
    outs = _cheapest(domain, hidden)
    found: list[tuple[Any, Net]] = []
    index = {x: i for i, x in enumerate(itertools.product((0, 1), repeat=hidden))}
    for patterns in itertools.combinations_with_replacement(sorted(units), hidden):
        seen = [tuple(p[r] for p in patterns) for r in range(4)]  # what the output unit sees per row
        for table, out in outs.items():
            if all(table[index[seen[r]]] == target[r] for r in range(4)):
                hid = tuple(units[p] for p in patterns)
                costs = [_cost(u) for u in (*hid, out)]
                total = tuple(sum((c[i] for c in costs), Fraction(0)) for i in range(3))
                found.append(((total, hid, out), Net(hid, out)))
    return min(found, key=lambda f: f[0])[1] if found else None


# -- checking a student's design ----------------------------------------------------------

def _spec(hidden: int) -> dict[str, tuple[int, ...]]:
    if hidden == 0:
        return {"w": (2,), "b": ()}
    return {"W1": (hidden, 2), "b1": (hidden,), "w2": (hidden,), "b2": ()}


def _net(values: dict[str, Any], hidden: int) -> Net:
    if hidden == 0:
        return Net((), (*values["w"], values["b"]))
    units = tuple((*row, b) for row, b in zip(values["W1"], values["b1"], strict=True))
    return Net(units, (*values["w2"], values["b2"]))


def _domain_text(domain: tuple[Fraction, ...]) -> str:
    return "{" + ", ".join(plain(v) for v in domain) + "}"


def _verdict(setup: _Setup, design: Any) -> Verdict:
    try:
        values = read(design, _spec(setup.hidden))
    except DesignError as e:
        return Verdict(False, str(e))
    if setup.domain is not None:
        for where, v in entries(values):
            if v not in setup.domain:
                return Verdict(False, f"{where} = {plain(v)} is outside the allowed weights "
                                      f"{_domain_text(setup.domain)}")
    net = _net(values, setup.hidden)
    target = GATES[setup.gate]
    for x, want in zip(ROWS, target, strict=True):
        s, _, s_out, y = net.run(x)
        if y != want:
            why = ""
            if s_out == 0:
                why = " (its output pre-activation is exactly 0, and step(0) = 0)"
            elif 0 in s:
                why = f" (hidden unit {s.index(Fraction(0)) + 1} sits exactly at 0 there, and step(0) = 0)"
            return Verdict(False, f"row x=({x[0]},{x[1]}) gives {y}, the gate wants {want}{why}")
    return Verdict(True, f"all four rows of the truth table give x1 {setup.gate.upper()} x2")


def check(params: Any, design: Any) -> Verdict:
    """Run a student's design on the truth table. Bad params raise ParamError (they are the
    instructor's); a bad design never raises: the Verdict says what is wrong."""
    _, setup = _setup(params)
    try:
        return _verdict(setup, design)
    except Exception as e:  # a last resort: a design must never crash the grader
        return Verdict(False, f"the design could not be read ({type(e).__name__})")


def build(raw: Any) -> Question:
    p, setup = _setup(raw)
    part = Part("weights", "design", answer(setup.key.design()), 4,
                "Your weights and biases as JSON, in the format the question gives")
    return Question(topic=ID, title=TITLE, params=p.finish(), prompt=_prompt(setup),
                    parts=(part,), solution=_solution(setup))


# -- text -------------------------------------------------------------------------------

_STEP = r"\mathrm{step}"


def _lin(weights: Any, names: list[str], bias: Fraction) -> str:
    """w·x + b as LaTeX, dropping zero terms: x_1 - x_2 + 1."""
    text = ""
    for w, name in zip(weights, names, strict=True):
        if w == 0:
            continue
        size = "" if abs(w) == 1 else tex.num(abs(w)) + " "
        sign = ("-" if w < 0 else "") if not text else (" - " if w < 0 else " + ")
        text += f"{sign}{size}{name}"
    if bias != 0 or not text:
        text += tex.num(bias) if not text else (f" - {tex.num(-bias)}" if bias < 0 else f" + {tex.num(bias)}")
    return text


def _format(hidden: int) -> str:
    if hidden == 0:
        return '`{"w": [w1, w2], "b": b}`'
    ids = range(1, hidden + 1)
    rows, c, v = (", ".join(f.format(i) for i in ids) for f in ("[w{0}1, w{0}2]", "c{}", "v{}"))
    return f'`{{"W1": [{rows}], "b1": [{c}], "w2": [{v}], "b2": c}}`'


def _table(target: tuple[int, ...]) -> str:
    lines = ["| $x_1$ | $x_2$ | $y$ |", "| :-: | :-: | :-: |"]
    lines += [f"| {x[0]} | {x[1]} | {y} |" for x, y in zip(ROWS, target, strict=True)]
    return "\n".join(lines)


def _prompt(setup: _Setup) -> str:
    k = setup.hidden
    if k == 0:
        net = rf"a single step unit $y = {_STEP}(w \cdot x + b)$ with $w = (w_1, w_2)$"
    else:
        units = "one hidden unit" if k == 1 else "two hidden units"
        net = (rf"{units} $h = {_STEP}(W_1 x + b_1)$ (row $i$ of $W_1$ holds the weights into hidden "
               rf"unit $i$) and the output $y = {_STEP}(w_2 \cdot h + b_2)$")
    values = ", ".join(tex.num(v) for v in setup.domain or ())
    domain = ("Weights and biases may be any numbers." if setup.domain is None else
              rf"Every weight **and every bias** must be one of $\{{{values}\}}$.")
    return "\n".join([
        f"Design a network of step units that computes the gate ${GATE_TEX[setup.gate]}$ "
        rf"({setup.gate.upper()}) of two bits $x_1, x_2 \in \{{0, 1\}}$:",
        "", _table(GATES[setup.gate]), "",
        f"Use {net}, where ${_STEP}(s) = 1$ if $s > 0$ and $0$ otherwise, so ${_STEP}(0) = 0$. {domain}",
        "",
        f"Give your design as JSON: {_format(k)}. Numbers may be JSON numbers or exact strings such as "
        '"1/2". Your design is run on the four rows of the table; any design that gets all four right '
        "earns the marks.",
    ])


def _corners(outputs: tuple[int, ...]) -> str:
    on = [f"$({x[0]}, {x[1]})$" for x, o in zip(ROWS, outputs, strict=True) if o]
    return "none of the four corners" if not on else ("only " if len(on) == 1 else "") + ", ".join(on)


def _half_planes(net: Net) -> str:
    x = ["x_1", "x_2"]
    if not net.hidden:
        outs = tuple(net.run(r)[3] for r in ROWS)
        return (f"$y = {_STEP}({_lin(net.out[:2], x, net.out[2])})$. The unit fires on the half-plane "
                f"${_lin(net.out[:2], x, net.out[2])} > 0$, which holds {_corners(outs)} of the unit "
                f"square: exactly where the gate is 1.")
    lines = []
    for i, u in enumerate(net.hidden, 1):
        outs = tuple(step(u[0] * r[0] + u[1] * r[1] + u[2]) for r in ROWS)
        if u[0] == u[1] == 0:
            lines.append(f"$h_{i} = {_STEP}({tex.num(u[2])}) = {outs[0]}$ on every row: this unit is not "
                         "needed here, so it is switched off (its output weight does not matter).")
            continue
        lines.append(f"$h_{i} = {_STEP}({_lin(u[:2], x, u[2])})$ fires on the half-plane "
                     f"${_lin(u[:2], x, u[2])} > 0$, which holds {_corners(outs)}: "
                     f"so $h_{i} = {_NAMES[outs]}$.")
    hs = [f"h_{i}" for i in range(1, len(net.hidden) + 1)]
    verb = "reads it" if len(hs) == 1 else "combines them"
    lines.append(f"$y = {_STEP}({_lin(net.out[:-1], hs, net.out[-1])})$ {verb}.")
    return "  \n".join(lines)


def _rows(net: Net, target: tuple[int, ...]) -> str:
    k = len(net.hidden)
    head = ["$x_1$", "$x_2$"] + [c for i in range(1, k + 1) for c in (f"$s_{i}$", f"$h_{i}$")]
    head += ["$s$" if k else "$w \\cdot x + b$", "$y$", "wanted"]
    lines = ["| " + " | ".join(head) + " |", "|" + " :-: |" * len(head)]
    for x, want in zip(ROWS, target, strict=True):
        s, h, s_out, y = net.run(x)
        cells = [str(x[0]), str(x[1])] + [c for si, hi in zip(s, h, strict=True)
                                          for c in (f"${tex.num(si)}$", str(hi))]
        lines.append("| " + " | ".join([*cells, f"${tex.num(s_out)}$", str(y), str(want)]) + " |")
    hs = [f"h_{i}" for i in range(1, k + 1)]
    note = (f"Here $s_i$ is hidden unit $i$'s pre-activation and $s = {_lin(net.out[:-1], hs, net.out[-1])}$ "
            "the output's." if k else "")
    return "\n".join(lines) + ("\n\n" + note if note else "")


def _why(setup: _Setup) -> str:
    net = setup.key
    if not net.hidden:
        return ("One line separates the corners where the gate is 1 from the others, so one unit is "
                "enough: the line is its decision boundary and the sign of the pre-activation decides.")
    seen: dict[tuple[int, ...], list[str]] = {}
    for x in ROWS:
        seen.setdefault(tuple(net.run(x)[1]), []).append(f"$({x[0]}, {x[1]})$")
    code = "h_1 = {}" if len(net.hidden) == 1 else "h = ({})"
    parts = [f"${code.format(', '.join(map(str, h)))}$ on {', '.join(rows)}" for h, rows in seen.items()]
    first = (f"{setup.gate.upper()} is not linearly separable: its 1s sit on opposite corners of the "
             "square, and no single line cuts those two corners off from the other two. "
             if setup.gate in ("xor", "xnor") else "")
    return (f"{first}Each hidden unit draws one line and reports which side a row lies on. The output "
            f"unit then sees only {'; '.join(parts)}. In that new space one more line is enough: the output "
            "unit fires exactly on the hidden codes of the rows where the gate is 1, as the table shows.")


def _solution(setup: _Setup) -> tuple[Step, ...]:
    net = setup.key
    zero = [x for x in ROWS if 0 in net.run(x)[0] or net.run(x)[2] == 0]
    rows = ", ".join(f"$({x[0]}, {x[1]})$" for x in zero)
    on_kink = (f" This design itself relies on it on row(s) {rows}, "
               "where a pre-activation is exactly 0 and the unit stays off." if zero else "")
    domain = ("any numbers are allowed" if setup.domain is None else
              "the domain restricts the biases as well as the weights")
    scale = "multiplying one unit's weights and bias" if net.hidden else "multiplying the weights and bias"
    swap = ("swapping two hidden units (their rows of $W_1$, entries of $b_1$ and of $w_2$ together) or "
            if len(net.hidden) > 1 else "")
    return (
        Step("One design", f"`{json.dumps(as_json(net.design()))}`\n\n" + _half_planes(net)),
        Step("Truth table, row by row",
             "The design run on every row of the table:\n\n" + _rows(net, GATES[setup.gate])),
        Step("Why it works", _why(setup)),
        Step("Convention and common slips",
             rf"${_STEP}(0) = 0$: a row that lands exactly on a unit's boundary line does not fire. "
             rf"The classic slip is AND as ${_STEP}(x_1 + x_2 - 2)$, which gives 0 on $(1, 1)$; a "
             rf"threshold must sit strictly between the rows it separates.{on_kink} Here {domain}. "
             f"Many designs are right: {swap}{scale} by the same positive number leaves every output "
             "unchanged, and any design that passes all four rows earns the marks."),
    )


# -- seeded variants -------------------------------------------------------------------

_DOMAINS: list[Any] = [[-1, 0, 1]] * 3 + [None, [-2, -1, 0, 1, 2], [-1, -0.5, 0, 0.5, 1], [-1, 1]]


def draw(rng: random.Random) -> dict[str, Any]:
    """A gate, a domain and a hidden size that admit a design (most often the classic
    2-hidden-unit network; a single unit only for gates one line separates)."""
    while True:
        gate = rng.choice(list(GATES))
        hidden = 2 if gate in ("xor", "xnor") else rng.choice([0, 0, 1, 2, 2])
        domain = rng.choice(_DOMAINS)
        values = None if domain is None else tuple(sorted(Fraction(str(v)) for v in domain))
        if _search(GATES[gate], hidden, values) is not None:
            return {"gate": gate, "activation": "step", "hidden": hidden, "weight_domain": domain}
