"""graph.squared_error — forward and backward through the graph of L = ‖Wx − y‖².

Convention: L = ‖Wx − y‖² = Σ_i d_i² with d = Wx − y, a plain sum of squares (no ½ and
no mean, so ∂L/∂d = 2d; with the ½ convention every gradient halves). W is m×n, given as
a list of m rows; x has n entries and y has m. The gradients are ∂L/∂d = 2d,
∂L/∂W = 2·d·xᵀ (m×n, the shape of W) and ∂L/∂x = 2·Wᵀd.

Hand-computable promise (seeded variants): W is 2×2 or 2×3 with integers in [−3, 3],
x and y hold small integers, and d ≠ 0; every number in the key is an integer.
"""

from __future__ import annotations

import random
from fractions import Fraction
from typing import Any

from ..engine import Tape, Value
from ..errors import ParamError
from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params, show

ID = "graph.squared_error"
TITLE = "Backpropagation through a squared error"
PARAMS: dict[str, Any] = {"W": REQUIRED, "x": REQUIRED, "y": REQUIRED}
DECIMALS = 0

MAX_DIM = 6  # rows or columns of W: the key works every entry by hand


class _Graph:
    """d = Wx − y and L = Σ d_i² on a tape. Each d_i is one equation whose expression holds
    the products W_ij·x_j, so the tape's local derivatives are ∂d_i/∂W_ij = x_j and
    ∂d_i/∂x_j = W_ij, the factors a key writes."""

    def __init__(self, w: list[list[Fraction]], x: list[Fraction], y: list[Fraction]) -> None:
        self.m, self.n = len(w), len(x)
        self.tape = t = Tape()
        self.W = [[t.leaf(f"W_{{{i + 1}{j + 1}}}", v) for j, v in enumerate(row)] for i, row in enumerate(w)]
        self.x = [t.leaf(f"x_{{{j + 1}}}", v) for j, v in enumerate(x)]
        self.y = [t.leaf(f"y_{{{i + 1}}}", v) for i, v in enumerate(y)]
        self.Wx: list[Value] = []  # anonymous sums: (Wx)_i is a step of the forward pass, not a node
        self.d: list[Value] = []
        for i in range(self.m):
            s: Value = self.W[i][0] * self.x[0]
            for j in range(1, self.n):
                s = s + self.W[i][j] * self.x[j]
            self.Wx.append(s)
            self.d.append(t.let(f"d_{{{i + 1}}}", s - self.y[i]))
        total: Value = self.d[0] ** 2
        for di in self.d[1:]:
            total = total + di**2
        self.L = t.let("L", total)
        t.backward(self.L)
        self.grads = {name: g.value for name, g in t.gradients.items()}
        # every leaf and d_i feeds L, so every one has a gradient on the tape
        self.grad_d = [self.grads[d.label] for d in self.d]
        self.grad_W = [[self.grads[v.label] for v in row] for row in self.W]
        self.grad_x = [self.grads[v.label] for v in self.x]


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    w = _matrix(p)
    m, n = len(w), len(w[0])
    x = _vector(p, "x", n, f"one per column of the {m}×{n} matrix W")
    y = _vector(p, "y", m, f"one per row of the {m}×{n} matrix W (Wx has {m})")
    g = _Graph(w, x, y)
    parts = (
        Part("Wx", "vector", answer([s.data for s in g.Wx]), 1, "The vector $Wx$"),
        Part("d", "vector", answer([d.data for d in g.d]), 1, "The residual $d = Wx - y$"),
        Part("loss", "number", answer(g.L.data), 1, r"The loss $L = \|Wx - y\|^2$"),
        Part("grad_d", "vector", answer(g.grad_d), 1, r"$\partial L/\partial d$"),
        Part("grad_W", "matrix", answer(g.grad_W), 2,
             r"$\partial L/\partial W$ (a matrix of the same shape as $W$)"),
        Part("grad_x", "vector", answer(g.grad_x), 2, r"$\partial L/\partial x$"),
    )
    return Question(
        topic=ID, title=TITLE, params=p.finish(),
        prompt=_prompt(w, x, y), parts=parts, solution=_solution(g),
    )


# -- params ---------------------------------------------------------------------------

def _matrix(p: Params) -> list[list[Fraction]]:
    raw = p.get("W")  # a missing W is "required", not malformed
    allowed = f"a matrix of at most {MAX_DIM}×{MAX_DIM} numbers given as a list of rows of equal length"
    if isinstance(raw, list) and (len(raw) > MAX_DIM or any(isinstance(r, list) and len(r) > MAX_DIM
                                                           for r in raw)):
        raise p.fail("W", allowed + " (every entry is worked by hand)")
    try:
        return p.matrix("W")
    except ParamError:
        raise p.fail("W", allowed) from None


def _vector(p: Params, name: str, length: int, why: str) -> list[Fraction]:
    """A list of `length` numbers; a wrong length names both sizes (this param's and W's)."""
    raw = p.get(name)
    count = f"{length} number{'s' if length != 1 else ''}"
    if isinstance(raw, list) and len(raw) > MAX_DIM:
        raise p.error(name, f"must have {count}, {why}, got {len(raw)}")
    try:
        values = p.vector(name)
    except ParamError:
        raise p.fail(name, f"a list of {count}, {why}") from None
    if len(values) != length:
        raise p.error(name, f"must have {count}, {why}, got {len(values)}: {show(raw)}")
    return values


# -- text -----------------------------------------------------------------------------

def _column(xs: list[Fraction]) -> str:
    return tex.vec([[v] for v in xs])


def _prompt(w: list[list[Fraction]], x: list[Fraction], y: list[Fraction]) -> str:
    m, n = len(w), len(x)
    return "\n".join([
        r"A linear model with a squared-error loss is the computational graph "
        r"$x \to Wx \to d = Wx - y \to L = \|d\|^2 = \sum_i d_i^2$, with",
        "",
        rf"$$W = {tex.vec(w)}, \quad x = {_column(x)}, \quad y = {_column(y)}$$",
        "",
        rf"($W$ is ${m} \times {n}$). The loss is the plain sum of squares: no $\tfrac12$ in front and "
        "no mean. Do the forward pass, then backpropagate node by node to get the gradients of $L$ "
        "with respect to $d$, $W$ and $x$.",
    ])


def _d(name: str) -> str:
    return rf"\frac{{\partial L}}{{\partial {name}}}"


def _forward(g: _Graph) -> str:
    lines = []
    for i in range(g.m):
        row = g.W[i]
        symbolic = " + ".join(f"{row[j].label} {g.x[j].label}" for j in range(g.n))
        numbers = " + ".join(rf"{tex.num(row[j].data, paren=j > 0, approx=False)} \cdot "
                             rf"{tex.num(g.x[j].data, paren=True, approx=False)}" for j in range(g.n))
        lines.append(tex.join_equal([f"(Wx)_{{{i + 1}}}", symbolic, numbers, tex.num(g.Wx[i].data)]))
    text = "*Product.* " + ", ".join(f"${line}$" for line in lines) + "."
    diffs = [
        rf"d_{{{i + 1}}} = (Wx)_{{{i + 1}}} - y_{{{i + 1}}} = {tex.num(g.Wx[i].data)} - "
        rf"{tex.num(g.y[i].data, paren=True)} = {tex.num(g.d[i].data)}"
        for i in range(g.m)
    ]
    text += "  \n*Residual.* " + ", ".join(f"${line}$" for line in diffs) + "."
    # written here rather than by tex.equation, which prints a fraction's square as \tfrac{1}{6}^{2}
    squares = " + ".join(f"{d.label}^{{2}}" for d in g.d)
    numbers = " + ".join(f"{_base(d.data)}^{{2}}" for d in g.d)
    text += f"  \n*Loss.* ${tex.join_equal(['L', squares, numbers, tex.num(g.L.data)])}$."
    return text


def _base(x: Fraction) -> str:
    """A number under an exponent: bracketed unless it is a non-negative integer."""
    text = tex.num(x, approx=False)
    return text if x.denominator == 1 and x >= 0 else rf"\left({text}\right)"


def _backward(g: _Graph) -> list[str]:
    t = g.tape
    grad_d = ", ".join(
        rf"${_d(d.label)} = 2 {d.label} = 2 \cdot {tex.num(d.data, paren=True)} = {tex.num(gd)}$"
        for d, gd in zip(g.d, g.grad_d, strict=True)
    )
    w_lines = [", ".join(f"${tex.gradient(t.gradients[v.label], 'L', g.grads)}$" for v in row)
               for row in g.W]
    x_lines = [f"${tex.gradient(t.gradients[v.label], 'L', g.grads)}$" for v in g.x]
    return [
        rf"*Into $d$.* $L = \sum_i d_i^2$, so ${_d('d_i')} = 2 d_i$: {grad_d}.",
        r"*Into $W$.* $d_i = \sum_j W_{ij} x_j - y_i$, so $\partial d_i/\partial W_{ij} = x_j$ and only "
        r"$d_i$ depends on $W_{ij}$: $\frac{\partial L}{\partial W_{ij}} = \frac{\partial L}{\partial d_i}"
        r"\, x_j$." + "  \n" + "  \n".join(w_lines),
        r"*Into $x$.* Every $d_i$ depends on $x_j$, with $\partial d_i/\partial x_j = W_{ij}$, so the "
        r"paths add up: $\frac{\partial L}{\partial x_j} = \sum_i \frac{\partial L}{\partial d_i}\, W_{ij}$."
        + "  \n" + "  \n".join(x_lines),
    ]


def _solution(g: _Graph) -> tuple[Step, ...]:
    grad_d = _column(g.grad_d)
    matrix_form = (
        rf"In matrix form: $\frac{{\partial L}}{{\partial W}} = 2\, d\, x^\top = {grad_d}"
        rf"{tex.vec([[v.data for v in g.x]])} = {tex.vec(g.grad_W)}$ "
        rf"(an outer product, ${g.m} \times {g.n}$ like $W$), "
        rf"and $\frac{{\partial L}}{{\partial x}} = W^\top (2d) = "
        rf"{tex.vec([[v.data for v in col] for col in zip(*g.W, strict=True)])}{grad_d} = "
        rf"{_column(g.grad_x)}$ "
        rf"(length ${g.n}$ like $x$)."
    )
    half = [d.data for d in g.d]  # ½·2d
    return (
        Step("Forward pass", _forward(g)),
        Step("Backward pass", "\n\n".join(_backward(g))),
        Step("Check the shapes", matrix_form),
        Step("Convention",
             r"Here $L = \|Wx - y\|^2$ has no $\tfrac12$, so $\partial L/\partial d = 2d$. Many texts "
             r"write $L = \tfrac12\|Wx - y\|^2$ so that the 2 cancels: then $\partial L/\partial d = d = "
             rf"{tex.vec(half)}$ and every gradient above halves. `nn.MSELoss` would also divide by $m$."),
    )


# -- seeded variants -------------------------------------------------------------------

def draw(rng: random.Random) -> dict[str, Any]:
    """Small integers throughout; redrawn in the rare case that x = 0 or d = 0 (a key of
    zeros teaches nothing)."""
    while True:
        m, n = 2, rng.choice([2, 2, 3])
        w = [[rng.randint(-3, 3) for _ in range(n)] for _ in range(m)]
        x = [rng.choice([-2, -1, 1, 2, 0, 3]) for _ in range(n)]
        y = [rng.randint(-3, 3) for _ in range(m)]
        wx = [sum(a * b for a, b in zip(row, x, strict=True)) for row in w]
        if any(x) and any(a != b for a, b in zip(wx, y, strict=True)):
            return {"W": w, "x": x, "y": y}
