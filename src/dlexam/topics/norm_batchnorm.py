"""norm.batchnorm — batch normalisation in training mode, as nn.BatchNorm1d/2d compute it.

Convention: training mode. Each feature (a column of the b×n batch `z`, or with `spatial`
a channel of an N×C×H×W tensor, pooled over N, H and W as BatchNorm2d does) is normalised
with its batch mean μ and its *biased* variance σ² = (1/m)·Σ(z − μ)² (divide by m, not
m − 1), with ε inside the square root: ẑ = (z − μ)/√(σ² + ε), y = γ·ẑ + β. The `std` part
is √(σ² + ε). ε defaults to 0 here so keys are exact (PyTorch's default is 1e-5); with
ε = 0 a constant feature has std 0 and is refused. PyTorch updates running_var with the
unbiased variance; that is mentioned in the key, not asked. An irrational std stays an
exact square root (SymPy, through the engine) with a decimal beside it.

Hand-computable promise (seeded variants): batches of 2, 4 or 5 integer rows and 1–3
features, or a tiny N×C×H×W tensor with 2, 4 or 8 values per channel; ε = 0; every
feature's biased variance is a perfect square with an integer std; γ, β are small integers
or halves. Means have at most 1 decimal, ẑ at most 2 and y at most 3. (A batch of 3 is
never drawn: 3 rational values never have a rational non-zero std.)
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from ..engine import Exact
from ..engine import exact as ex
from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params, parse_number, show

ID = "norm.batchnorm"
TITLE = "Batch normalisation (training mode)"
PARAMS: dict[str, Any] = {"z": REQUIRED, "spatial": False, "gamma": 1, "beta": 0, "eps": 0}
DECIMALS = 3

MAX_VALUES = 64  # numbers in z: every one is normalised by hand in the key
MAX_FEATURES = 8


@dataclass
class _Batch:
    """z seen feature by feature: columns[j] holds the m values of feature (channel) j,
    in the order of `labels`; `dims` is z's shape, to put answers back in that shape."""

    dims: list[int]
    columns: list[list[Fraction]]
    labels: list[str]
    spatial: bool

    def reshape(self, columns: list[list[Exact]]) -> list[Any]:
        if not self.spatial:
            return [[col[i] for col in columns] for i in range(len(self.labels))]
        n_, c_, h_, w_ = self.dims
        return [[[[columns[c][(n * h_ + h) * w_ + w] for w in range(w_)] for h in range(h_)]
                 for c in range(c_)] for n in range(n_)]


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    spatial = p.boolean("spatial", False)
    batch = _tensor(p) if spatial else _matrix(p)
    count = len(batch.columns)
    what = "channel" if spatial else "feature"
    gamma = _per_feature(p, "gamma", 1, count, what)
    beta = _per_feature(p, "beta", 0, count, what)
    eps = p.number("eps", 0, lo=0)

    stats = [_Feature(col) for col in batch.columns]
    for j, st in enumerate(stats):
        if st.variance + eps == 0:
            raise p.error("eps", f"must be > 0 here: every value of {what} {j + 1} of z is "
                          f"{tex.decimal(batch.columns[j][0]) or batch.columns[j][0]}, so its variance "
                          "is 0 and with eps = 0 its std is 0 (ẑ would divide by 0); give eps > 0 "
                          "(PyTorch's default is 1e-5)")
    means = [st.mean for st in stats]
    squares = [st.squares for st in stats]
    variances = [st.variance for st in stats]
    stds = [ex.sqrt(v + eps) for v in variances]
    z_norm = [st.normalised(sd) for st, sd in zip(stats, stds, strict=True)]
    ys = [[_affine(g, zn, b) for zn in col] for col, g, b in zip(z_norm, gamma, beta, strict=True)]

    shaped = "list" if spatial else "matrix"
    parts = (
        Part("mean", "vector", answer(means), 1, f"The batch mean $\\mu$ of each {what}"),
        Part("std", "vector", answer(stds), 2,
             f"The standard deviation $\\sqrt{{\\sigma^2 + \\varepsilon}}$ of each {what} "
             "(biased variance)"),
        Part("z_norm", shaped, answer(batch.reshape(z_norm)), 2,
             "The normalised values $\\hat z$ (same shape as $z$)"),
        Part("y", shaped, answer(batch.reshape(ys)), 1,
             "The layer's output $y = \\gamma \\hat z + \\beta$ (same shape as $z$)"),
    )
    rational = all(isinstance(s, Fraction) for s in stds)
    return Question(
        topic=ID, title=TITLE, params=p.finish(),
        prompt=_prompt(batch, gamma, beta, eps),
        parts=parts,
        solution=_solution(batch, means, squares, variances, stds, z_norm, ys, gamma, beta, eps),
        calculator=not rational,
    )


class _Feature:
    """One feature's statistics, in integers over a common denominator: z_i = a_i/d, so
    z_i − μ = e_i/(m·d) with e_i = m·a_i − Σa. (Plain Fraction arithmetic is several
    times slower, and a build must stay well above 1,000 questions/s.)"""

    def __init__(self, col: list[Fraction]) -> None:
        m = len(col)
        d = math.lcm(*(x.denominator for x in col))
        a = [x.numerator * (d // x.denominator) for x in col]
        total = sum(a)
        self.e = [m * v - total for v in a]
        self.scale = m * d
        self.mean = Fraction(total, self.scale)
        square = self.scale * self.scale
        self.squares = [Fraction(v * v, square) for v in self.e]
        self.variance = Fraction(sum(v * v for v in self.e), square * m)

    def normalised(self, sd: Exact) -> list[Exact]:
        """(z − μ)/σ for every value."""
        if isinstance(sd, Fraction):
            num, den = sd.denominator, self.scale * sd.numerator
            return [Fraction(v * num, den) for v in self.e]
        return [ex.div(Fraction(v, self.scale), sd) for v in self.e]


def _affine(g: Fraction, zn: Exact, b: Fraction) -> Exact:
    if type(zn) is Fraction:  # g·zn + b over one denominator
        gd, zd, bd = g.denominator, zn.denominator, b.denominator
        return Fraction(g.numerator * zn.numerator * bd + b.numerator * gd * zd, gd * zd * bd)
    return ex.add(ex.mul(g, zn), b)


# -- params ---------------------------------------------------------------------------

def _number(p: Params, value: Any, where: str) -> Fraction:
    try:
        return parse_number(value)
    except ValueError:
        raise p.error("z", f"entry {where} must be a number, got {show(value)}") from None


def _too_big(p: Params, dims: list[int], channels: int) -> None:
    if channels > MAX_FEATURES or math.prod(dims) > MAX_VALUES:
        shape = "×".join(map(str, dims))
        raise p.error("z", f"is {shape}; at most {MAX_FEATURES} features or channels and "
                      f"{MAX_VALUES} numbers in all are allowed (the key is worked by hand)")


def _matrix(p: Params) -> _Batch:
    raw = p.get("z")
    allowed = "a b×n matrix: a list of rows (one per example), each a list of n numbers (features)"
    if not isinstance(raw, list) or not raw:
        raise p.fail("z", allowed)
    if not all(isinstance(r, list) for r in raw):
        if all(not isinstance(r, list | dict) for r in raw):
            raise p.error("z", "must be a list of rows, got a flat list; one feature is a column, "
                          "e.g. [[1], [2], [3]]")
        raise p.fail("z", allowed)
    n = len(raw[0])
    if n == 0 or any(len(r) != n for r in raw):
        raise p.fail("z", allowed + " (every row the same length)")
    _too_big(p, [len(raw), n], n)
    if any(isinstance(v, list) for r in raw for v in r):
        raise p.error("z", "has more than two levels of lists; for an N×C×H×W tensor set spatial: true")
    columns = [[_number(p, r[j], f"[{i}][{j}]") for i, r in enumerate(raw)] for j in range(n)]
    return _Batch([len(raw), n], columns, [str(i + 1) for i in range(len(raw))], False)


def _tensor(p: Params) -> _Batch:
    raw = p.get("z")
    allowed = ("an N×C×H×W nested list of numbers (spatial: true): samples, channels, rows, "
               "columns, every level the same length")
    dims, level = [], raw
    for _ in range(4):
        if not isinstance(level, list) or not level:
            raise p.fail("z", allowed)
        dims.append(len(level))
        level = level[0]
    _too_big(p, dims, dims[1])

    def sized(x: Any, size: int) -> list[Any]:
        if not isinstance(x, list) or len(x) != size:
            raise p.fail("z", allowed)
        return x

    n_, c_, h_, w_ = dims
    columns: list[list[Fraction]] = [[] for _ in range(c_)]
    for n, sample in enumerate(sized(raw, n_)):
        for c, channel in enumerate(sized(sample, c_)):
            for h, row in enumerate(sized(channel, h_)):
                columns[c].extend(_number(p, v, f"[{n}][{c}][{h}][{w}]")
                                  for w, v in enumerate(sized(row, w_)))
    labels = [f"({n + 1}, {h + 1}, {w + 1})" for n in range(n_) for h in range(h_) for w in range(w_)]
    return _Batch(dims, columns, labels, True)


def _per_feature(p: Params, name: str, default: int, count: int, what: str) -> list[Fraction]:
    """One number for every feature, or a list with one per feature (as weight/bias)."""
    value = p.get(name, default)
    try:
        if isinstance(value, list):
            if len(value) != count:
                raise ValueError
            return [parse_number(v) for v in value]
        return [parse_number(value)] * count
    except ValueError:
        raise p.fail(name, f"a number or a list of {count} numbers (one per {what})") from None


# -- text -----------------------------------------------------------------------------

def _inner(x: Exact, text: str) -> str:
    """x substituted after an operator, from its printed form when that is plain."""
    if isinstance(x, Fraction):
        return f"({text})" if x.numerator < 0 else text
    return tex.num(x, paren=True, approx=False)


def _sum(values: list[Exact]) -> str:
    """a + b − c, signs folded in (no "+ (−3)")."""
    out = tex.num(values[0], approx=False)
    for v in values[1:]:
        out += f" - {tex.num(-v, approx=False)}" if v.numerator < 0 else f" + {tex.num(v, approx=False)}"
    return out


def _per(values: list[Fraction]) -> str:
    if all(v == values[0] for v in values):
        return tex.num(values[0])
    return tex.vec(values)


def _prompt(batch: _Batch, gamma: list[Fraction], beta: list[Fraction], eps: Fraction) -> str:
    m = len(batch.labels)
    if batch.spatial:
        n_, c_, h_, w_ = batch.dims
        layer = f"`nn.BatchNorm2d({c_})`"
        cols = batch.reshape(batch.columns)
        lines = [f"A {layer} layer in **training mode** receives a tensor $z$ of shape "
                 f"$N \\times C \\times H \\times W = {tex.shape(batch.dims)}$:", ""]
        for n in range(n_):
            mats = ", ".join(f"channel {c + 1}: ${tex.vec(cols[n][c])}$" for c in range(c_))
            lines.append(f"- sample {n + 1}: {mats}")
        lines += ["", f"Each channel is normalised with statistics taken over $N$, $H$ and $W$ "
                  f"together ($m = {n_} \\cdot {h_} \\cdot {w_} = {m}$ values per channel)."]
        what = "channel"
    else:
        b, n = batch.dims
        lines = [f"A batch-normalisation layer (`nn.BatchNorm1d({n})`) in **training mode** receives "
                 f"a mini-batch of $m = {b}$ example{'s' * (b > 1)} (rows) with {n} feature{'s' * (n > 1)} "
                 "(columns):", "",
                 f"$$z = {tex.vec(batch.reshape(batch.columns))}$$"]
        what = "feature"
    why = "; 0 here keeps the numbers exact" if eps == 0 else ""
    lines += [
        "",
        f"For each {what} it uses the batch mean $\\mu$ and the **biased** batch variance "
        "$\\sigma^2 = \\frac1m \\sum (z - \\mu)^2$ (divide by $m$, not $m - 1$), with $\\varepsilon$ "
        "inside the square root:",
        "",
        "$$\\hat z = \\frac{z - \\mu}{\\sqrt{\\sigma^2 + \\varepsilon}}, \\qquad "
        "y = \\gamma \\hat z + \\beta,$$",
        "",
        f"where $\\varepsilon = {tex.num(eps)}$ (PyTorch's default is $10^{{-5}}${why}), "
        f"$\\gamma = {_per(gamma)}$ and $\\beta = {_per(beta)}$ (a single number applies to every "
        f"{what}, a vector lists one per {what}).",
        "",
        f"Give the mean and the standard deviation $\\sqrt{{\\sigma^2 + \\varepsilon}}$ of each {what}, "
        "then $\\hat z$ and $y$ (both the same shape as $z$).",
    ]
    return "\n".join(lines)


def _solution(batch: _Batch, means: list[Fraction], squares: list[list[Fraction]],
              variances: list[Fraction], stds: list[Exact],
              z_norm: list[list[Exact]], ys: list[list[Exact]], gamma: list[Fraction],
              beta: list[Fraction], eps: Fraction) -> tuple[Step, ...]:
    m = len(batch.labels)
    what = "Channel" if batch.spatial else "Feature"
    index = "(n, h, w)" if batch.spatial else "i"
    num = tex.num

    stats = []
    for j, (col, mu, var, sd) in enumerate(zip(batch.columns, means, variances, stds, strict=True)):
        k = j + 1
        mu_tex = num(mu, paren=True, approx=False)
        devs = " + ".join(f"({num(x, approx=False)} - {mu_tex})^2" for x in col)
        lines = [
            f"*{what} {k}.*",
            f"$\\mu_{{{k}}} = \\frac{{1}}{{m}}\\sum z = \\frac{{{_sum(col)}}}{{{m}}} = {num(mu)}$",
            f"$\\sigma^2_{{{k}}} = \\frac{{1}}{{m}}\\sum (z - \\mu_{{{k}}})^2 = \\frac{{{devs}}}{{{m}}}"
            f" = \\frac{{{' + '.join(num(s) for s in squares[j])}}}{{{m}}} = {num(var)}$",
            "$" + tex.join_equal([f"\\sigma_{{{k}}} = \\sqrt{{\\sigma^2_{{{k}}} + \\varepsilon}}",
                                  f"\\sqrt{{{num(var)} + {num(eps)}}}", num(sd)]) + "$",
        ]
        stats.append("  \n".join(lines))
    stats_intro = (f"Each {what.lower()} has $m = {m}$ value{'s' * (m > 1)}"
                   + (" (all samples and positions together)" if batch.spatial else "")
                   + "; the variance divides by $m$.")

    header = f"| ${index}$ | " + " | ".join(f"{what.lower()} {j + 1}" for j in range(len(stds))) + " |"
    rule = "|---" * (len(stds) + 1) + "|"

    def table(columns: list[list[str]]) -> str:
        rows = [header, rule]
        rows += [f"| {label} | " + " | ".join(f"${col[i]}$" for col in columns) + " |"
                 for i, label in enumerate(batch.labels)]
        return "\n".join(rows)

    # every number printed once per column (a key prints the same few many times)
    zn_tex = [[num(v) for v in col] for col in z_norm]
    norm_cells, y_cells = [], []
    for j, col in enumerate(batch.columns):
        mean_tex, sd = num(means[j], paren=True, approx=False), stds[j]
        # an irrational σ stays a symbol here: its exact value is in the statistics above
        below = num(sd) if isinstance(sd, Fraction) else f"\\sigma_{{{j + 1}}}"
        norm_cells.append([tex.join_equal([f"\\frac{{{num(x, approx=False)} - {mean_tex}}}{{{below}}}", zt])
                           for x, zt in zip(col, zn_tex[j], strict=True)])
        g, b = num(gamma[j], approx=False), num(beta[j], paren=True, approx=False)
        y_cells.append([
            tex.join_equal([f"{g} \\cdot {_inner(zn, zt)} + {b}", num(y)])
            for zn, zt, y in zip(z_norm[j], zn_tex[j], ys[j], strict=True)
        ])

    spread = ("1" if eps == 0 else "\\sigma^2/(\\sigma^2 + \\varepsilon) < 1")
    normalise = (f"$\\hat z = (z - \\mu)/\\sigma$ entry by entry, with each {what.lower()}'s own "
                 f"$\\mu$ and $\\sigma$:\n\n{table(norm_cells)}\n\n"
                 f"Check: each {what.lower()} of $\\hat z$ now has mean 0 and (biased) variance ${spread}$.")
    if all(g == 1 for g in gamma) and all(b == 0 for b in beta):
        affine = "With $\\gamma = 1$ and $\\beta = 0$ the layer changes nothing more: $y = \\hat z$."
    else:
        affine = (f"$y = \\gamma \\hat z + \\beta$ with each {what.lower()}'s $\\gamma$ and $\\beta$:"
                  f"\n\n{table(y_cells)}")
    return (
        Step("Batch statistics", stats_intro + "\n\n" + "\n\n".join(stats)),
        Step("Normalise", normalise),
        Step("Scale and shift", affine),
        Step("Convention", _convention(batch, m, variances, eps)),
    )


def _convention(batch: _Batch, m: int, variances: list[Fraction], eps: Fraction) -> str:
    text = (f"Training mode uses the batch's own statistics and the **biased** variance: divide by "
            f"$m = {m}$, not $m - 1$ — dividing by $m - 1$ is the usual slip. $\\varepsilon$ sits "
            f"inside the square root; PyTorch's default is $\\varepsilon = 10^{{-5}}$"
            + (" (0 here, so the key is exact)" if eps == 0 else "") + ". ")
    if m > 1:
        unbiased = ", ".join(f"${tex.num(v * m / (m - 1))}$" for v in variances)
        text += (f"PyTorch also updates `running_var` with the *unbiased* variance "
                 f"$\\frac{{m}}{{m - 1}}\\sigma^2$ ({unbiased}), which is used only in eval mode "
                 "and is not asked here.")
    else:
        what = "channel" if batch.spatial else "feature"
        text += (f"With a single value per {what}, PyTorch refuses training mode (\"Expected more "
                 "than 1 value per channel when training\"); the formula still gives $\\hat z = 0$ "
                 "and $y = \\beta$: one value says nothing about the spread.")
    return text


# -- seeded variants ------------------------------------------------------------------

# Deviation patterns (sum 0) whose biased variance is the square of a whole number and whose
# ẑ = d/σ has at most 2 decimals, found by exhaustive search over small integers (the test
# module checks each). None exists for m = 3.
_PATTERNS: dict[int, list[tuple[int, ...]]] = {
    2: [(-1, 1)],
    4: [(-1, -1, 1, 1), (-7, -1, 1, 7)],
    5: [(-3, -1, 0, 1, 3), (-4, 1, 1, 1, 1), (-6, -3, 1, 3, 5), (-5, -3, -1, 3, 6),
        (-7, -2, 3, 3, 3), (-7, -1, 1, 2, 5), (-5, -2, -1, 1, 7), (-3, -3, -3, 2, 7)],
    8: [(-1, -1, -1, -1, 1, 1, 1, 1), (-2, 0, 0, 0, 0, 0, 0, 2), (-2, -1, 0, 0, 0, 1, 1, 1),
        (-3, -3, -1, 0, 1, 2, 2, 2), (-3, -3, -1, 1, 1, 1, 1, 3), (-3, -3, 0, 0, 0, 1, 2, 3),
        (-3, -2, -2, 0, 1, 1, 2, 3), (-3, -2, -1, -1, 0, 2, 2, 3), (-3, -2, -1, 0, 0, 0, 3, 3),
        (-3, -1, -1, -1, -1, 1, 3, 3), (-4, -2, -1, 1, 1, 1, 2, 2), (-4, -2, 0, 0, 1, 1, 1, 3),
        (-4, -1, -1, -1, 1, 2, 2, 2), (-4, -1, -1, 0, 0, 1, 2, 3)],
}
_SPATIAL_NHW = [(2, 1, 1), (1, 1, 2), (1, 2, 2), (2, 1, 2), (2, 2, 1), (2, 2, 2)]
_GAMMAS: list[Any] = [1, 1, 2, 0.5, -1, 1.5, 3, -2]
_BETAS: list[Any] = [0, 0, 1, -1, 0.5, 2, -0.5, 3]


def _column(rng: random.Random, m: int) -> list[int]:
    """m integers with an integer mean (or a half) and an integer std."""
    d = list(rng.choice(_PATTERNS[m]))
    if rng.random() < 0.5:
        d = [-x for x in d]
    rng.shuffle(d)
    s = math.isqrt(sum(x * x for x in d) // m)
    top = max(abs(x) for x in d)
    scales: list[Fraction] = [Fraction(k) for k in (1, 2, 3) if k * top <= 12]
    if all(x % 2 for x in d) and s % 2 == 0:  # halve: the mean becomes c + 1/2, std stays whole
        scales.append(Fraction(1, 2))
    k = rng.choice(scales)
    twice_centre = 2 * rng.randint(-5, 5) + (k.denominator == 2)
    twice_k = int(2 * k)
    return [(twice_centre + twice_k * x) // 2 for x in d]  # exact: the sum is even


def _coefficients(rng: random.Random, pool: list[Any], count: int) -> Any:
    return rng.choice(pool) if rng.random() < 0.5 else [rng.choice(pool) for _ in range(count)]


def draw(rng: random.Random) -> dict[str, Any]:
    if rng.random() < 0.3:
        n_, h_, w_ = rng.choice(_SPATIAL_NHW)
        c_ = rng.choice([1, 2, 2, 3])
        cols = [_column(rng, n_ * h_ * w_) for _ in range(c_)]
        z: Any = [[[[cols[c][(n * h_ + h) * w_ + w] for w in range(w_)] for h in range(h_)]
                   for c in range(c_)] for n in range(n_)]
        count, spatial = c_, True
    else:
        b, count = rng.choice([2, 4, 4, 5, 5]), rng.choice([1, 2, 2, 3])
        cols = [_column(rng, b) for _ in range(count)]
        z, spatial = [list(row) for row in zip(*cols, strict=True)], False
    return {"z": z, "spatial": spatial, "gamma": _coefficients(rng, _GAMMAS, count),
            "beta": _coefficients(rng, _BETAS, count), "eps": 0}
