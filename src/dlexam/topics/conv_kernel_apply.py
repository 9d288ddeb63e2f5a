"""conv.kernel_apply — slide a kernel over a small image and write down the feature map.

Convention: PyTorch's F.conv2d with one input and one output channel and no bias: a
*cross-correlation*, out[i][j] = Σ_u Σ_v K[u][v]·X[i·s + u][j·s + v] over the image padded
with `padding` zeros on every side; the kernel is not flipped. The output has
⌊(H + 2p − k)/s⌋ + 1 rows (and the same rule for columns). `flip_kernel: true` asks for
the signal-processing convolution instead (the kernel rotated by 180° first). `stride` and
`padding` are one integer or a [rows, columns] pair, as in PyTorch.

Hand-computable promise (seeded variants): images of 3×3 to 6×6 small integers, 2×2 or
3×3 kernels of −1, 0, 1, 2 (sometimes 0.5), stride 1 or 2, padding 0 or 1, at most 16
output cells; every key has at most 1 decimal.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

from ..model import Part, Question, Step
from . import _latex as tex
from ._answers import answer
from ._params import REQUIRED, Params

ID = "conv.kernel_apply"
TITLE = "Apply a convolution kernel to an image"
PARAMS: dict[str, Any] = {"image": REQUIRED, "kernel": REQUIRED, "stride": 1, "padding": 0,
                          "flip_kernel": False}
DECIMALS = 1

MAX_IMAGE = 16
MAX_KERNEL = 7
MAX_STRIDE = 16
MAX_PADDING = 3
SHOWN_CELLS = 6  # cells whose sum the key writes out term by term


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    image = _bounded_matrix(p, "image", MAX_IMAGE)
    kernel = _bounded_matrix(p, "kernel", MAX_KERNEL)
    stride = p.int_or_ints("stride", 2, 1, lo=1)
    padding = p.int_or_ints("padding", 2, 0, lo=0)
    if max(stride) > MAX_STRIDE:
        raise p.fail("stride", f"an integer from 1 to {MAX_STRIDE} or a list of 2 of them")
    if max(padding) > MAX_PADDING:
        raise p.fail("padding", f"an integer from 0 to {MAX_PADDING} or a list of 2 of them")
    flip = p.boolean("flip_kernel", False)
    h, w = len(image), len(image[0])
    kh, kw = len(kernel), len(kernel[0])
    if kh > h + 2 * padding[0] or kw > w + 2 * padding[1]:
        raise p.error("kernel", f"is {kh}×{kw}, larger than the padded image "
                                f"({h + 2 * padding[0]}×{w + 2 * padding[1]}); it must fit inside it")
    used = [row[::-1] for row in kernel[::-1]] if flip else kernel
    padded = _pad(image, padding)
    out = correlate(padded, used, stride)
    part = Part("output", "matrix", answer(out), 3,
                f"The output feature map ({len(out)}×{len(out[0])}), as a list of rows")
    return Question(
        topic=ID, title=TITLE, params=p.finish(),
        prompt=_prompt(image, kernel, stride, padding, flip),
        parts=(part,),
        solution=_solution(image, kernel, used, padded, stride, padding, flip, out),
    )


def _bounded_matrix(p: Params, name: str, most: int) -> list[list[Fraction]]:
    value = p.raw.get(name)
    if isinstance(value, list) and (len(value) > most or any(isinstance(r, list) and len(r) > most
                                                              for r in value)):
        raise p.fail(name, f"a matrix of at most {most}×{most} numbers, given as a list of rows")
    return p.matrix(name)


def _pad(image: list[list[Fraction]], padding: tuple[int, ...]) -> list[list[Fraction]]:
    ph, pw = padding
    zero = Fraction(0)
    width = len(image[0]) + 2 * pw
    rows = [[zero] * width for _ in range(ph)]
    return rows + [[zero] * pw + row + [zero] * pw for row in image] + [list(r) for r in rows]


def correlate(x: list[list[Fraction]], k: list[list[Fraction]],
              stride: tuple[int, ...]) -> list[list[Fraction]]:
    """Cross-correlation of an already padded x with k, in integers over one denominator."""
    dx = math.lcm(*(v.denominator for row in x for v in row))
    dk = math.lcm(*(v.denominator for row in k for v in row))
    xi = [[v.numerator * (dx // v.denominator) for v in row] for row in x]
    ki = [[v.numerator * (dk // v.denominator) for v in row] for row in k]
    kh, kw = len(k), len(k[0])
    sh, sw = stride
    rows = (len(x) - kh) // sh + 1
    cols = (len(x[0]) - kw) // sw + 1
    scale = dx * dk
    return [[Fraction(sum(ki[u][v] * xi[i * sh + u][j * sw + v] for u in range(kh) for v in range(kw)),
                      scale) for j in range(cols)] for i in range(rows)]


# -- text -----------------------------------------------------------------------------

def _pair(v: tuple[int, ...]) -> str:
    return str(v[0]) if v[0] == v[1] else f"({v[0]}, {v[1]})"


def _prompt(image: list[list[Fraction]], kernel: list[list[Fraction]], stride: tuple[int, ...],
            padding: tuple[int, ...], flip: bool) -> str:
    how = (r"Use the convolution of signal processing: rotate the kernel by 180° first, then slide "
           r"it and take weighted sums." if flip else
           r"Compute it as PyTorch's `conv2d` does: a cross-correlation, "
           r"$\text{out}[i][j] = \sum_{u}\sum_{v} K[u][v]\, X[i s + u][j s + v]$, with the kernel "
           r"*not* flipped.")
    pad = "no padding" if not any(padding) else f"zero padding {_pair(padding)}"
    return "\n".join([
        f"Apply the kernel $K = {tex.vec(kernel)}$ to the image $X = {tex.vec(image)}$ "
        f"with stride {_pair(stride)} and {pad} (one channel in and out, no bias).",
        "",
        how + " Rows and columns are counted from 0.",
        "",
        "Give the whole output feature map.",
    ])


def _cell(x: list[list[Fraction]], k: list[list[Fraction]], stride: tuple[int, ...], i: int, j: int,
          value: Fraction) -> str:
    terms = [f"{tex.num(k[u][v], paren=True, approx=False)} \\cdot "
             f"{tex.num(x[i * stride[0] + u][j * stride[1] + v], paren=True, approx=False)}"
             for u in range(len(k)) for v in range(len(k[0]))]
    return (rf"$\text{{out}}[{i}][{j}] = {' + '.join(terms)} = {tex.num(value)}$ "
            rf"(window rows {i * stride[0]}–{i * stride[0] + len(k) - 1}, "
            rf"columns {j * stride[1]}–{j * stride[1] + len(k[0]) - 1})")


def _solution(image: list[list[Fraction]], kernel: list[list[Fraction]], used: list[list[Fraction]],
              padded: list[list[Fraction]], stride: tuple[int, ...], padding: tuple[int, ...],
              flip: bool, out: list[list[Fraction]]) -> tuple[Step, ...]:
    sizes = []
    for axis, n, k, s, pd, o in (("rows", len(image), len(kernel), stride[0], padding[0], len(out)),
                                 ("columns", len(image[0]), len(kernel[0]), stride[1], padding[1],
                                  len(out[0]))):
        sizes.append(rf"{axis}: $\lfloor ({n} + 2 \cdot {pd} - {k})/{s} \rfloor + 1 = {o}$")
    steps = [Step("Output size",
                  r"Each axis gives $\lfloor (H + 2p - k)/s \rfloor + 1$ outputs; " + "; ".join(sizes) + ".")]
    if any(padding):
        steps.append(Step("Padding", f"Surround the image with zeros ({_pair(padding)} on each side): "
                                     f"$X_{{\\text{{pad}}}} = {tex.vec(padded)}$."))
    if flip:
        steps.append(Step("Flip the kernel", "A true convolution rotates the kernel by 180° (reverse "
                                             f"the rows and each row) before sliding it: ${tex.vec(used)}$."))
    cells = [(i, j) for i in range(len(out)) for j in range(len(out[0]))]
    lines = [_cell(padded, used, stride, i, j, out[i][j]) for i, j in cells[:SHOWN_CELLS]]
    if len(cells) > SHOWN_CELLS:
        lines.append(f"The other {len(cells) - SHOWN_CELLS} cells follow the same way, the window "
                     f"moving {stride[1]} column(s) right per output column and {stride[0]} row(s) down "
                     "per output row.")
    steps.append(Step("Slide the kernel", "Multiply the kernel entry by entry with the window under "
                      "it and add up:  \n" + "  \n".join(lines)))
    steps.append(Step("Output", "$" + tex.join_equal([r"\text{out}", tex.vec(out)]) + "$"))
    steps.append(Step("Convention", _convention(padded, kernel, stride, flip, out)))
    return tuple(steps)


def _convention(padded: list[list[Fraction]], kernel: list[list[Fraction]], stride: tuple[int, ...],
                flip: bool, out: list[list[Fraction]]) -> str:
    rotated = [row[::-1] for row in kernel[::-1]]
    other = correlate(padded, kernel if flip else rotated, stride)[0][0]
    if rotated == kernel:
        effect = ("This kernel is unchanged by a 180° rotation, so here both conventions give the "
                  "same map.")
    else:
        effect = (f"With the {'unflipped' if flip else 'flipped'} kernel the first cell would be "
                  f"${tex.num(other)}$ instead of ${tex.num(out[0][0])}$.")
    return ("Deep-learning libraries (PyTorch's `Conv2d`, `F.conv2d`) compute a cross-correlation and "
            "call it convolution; the mathematical convolution flips the kernel first. The usual slip "
            "is to flip (or not flip) against the stated convention. " + effect +
            " Learned kernels make the difference moot in a network, but not in a hand computation.")


# -- seeded variants -------------------------------------------------------------------

_KERNEL_VALUES = [-1, -1, 0, 0, 1, 1, 1, 2]


def draw(rng: random.Random) -> dict[str, Any]:
    while True:
        k = rng.choice([2, 3, 3])
        s = rng.choice([1, 1, 1, 2])
        pad = rng.choice([0, 0, 0, 1])
        h, w = rng.randint(3, 6), rng.randint(3, 6)
        rows, cols = (h + 2 * pad - k) // s + 1, (w + 2 * pad - k) // s + 1
        if rows >= 1 and cols >= 1 and rows * cols <= 16 and (rows > 1 or cols > 1):
            break
    lo, hi = rng.choice([(0, 5), (-2, 3), (0, 9)])
    image = [[rng.randint(lo, hi) for _ in range(w)] for _ in range(h)]
    values: list[Any] = _KERNEL_VALUES + ([0.5] if rng.random() < 0.3 else [])
    kernel = [[rng.choice(values) for _ in range(k)] for _ in range(k)]
    params: dict[str, Any] = {"image": image, "kernel": kernel, "stride": s, "padding": pad}
    if rng.random() < 0.1:
        params["flip_kernel"] = True
    return params
