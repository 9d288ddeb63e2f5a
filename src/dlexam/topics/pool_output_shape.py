"""pool.output_shape — the output shape of a max or average pooling layer, as PyTorch computes it.

Convention: PyTorch's nn.MaxPool1d/2d/3d and nn.AvgPool1d/2d/3d. Per spatial axis
out = ⌊(H + 2p − d(k−1) − 1)/s⌋ + 1 (`ceil_mode=False`, the default: round down); with
`ceil_mode=True` round up instead, but drop the last window if it would start in the
right padding, i.e. if (out−1)·s ≥ H + p. The stride defaults to the kernel size (a
convolution's to 1). PyTorch's checks are kept: padding at most ⌊k/2⌋ (the plain kernel,
even when dilated), no dilation for average pooling, and AvgPool3d needs every input
size to be at least the kernel before padding.

Hand-computable promise (seeded variants): every size is a small integer; the division
by the stride may leave a remainder (rounding is what the topic is about), and the
prompt states which way it rounds.
"""

from __future__ import annotations

import random
from typing import Any

from ..model import Part, Question, Step
from ._latex import shape as tex_shape
from ._params import REQUIRED, Params, show

ID = "pool.output_shape"
TITLE = "Output shape of a pooling layer"
PARAMS: dict[str, Any] = {
    "input": REQUIRED,
    "kind": "max",
    "kernel": REQUIRED,
    "stride": None,  # None: the kernel size, as PyTorch's stride=None
    "padding": 0,
    "dilation": 1,
    "ceil_mode": False,
}
DECIMALS = 0

MAX_SIZE = 10**9  # no tensor is that long; keeps every number printable
_AXES = {1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"]}
_LAYOUT = {1: "N \\times C \\times L", 2: "N \\times C \\times H \\times W",
           3: "N \\times C \\times D \\times H \\times W"}


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    shape_in = p.int_list("input", length=(3, 4, 5), lo=1)
    if max(shape_in) > MAX_SIZE:
        raise p.fail("input", f"a list [N, C, ...] of positive integers up to {MAX_SIZE}")
    dims = len(shape_in) - 2
    kind = p.choice("kind", ("max", "avg"), "max")
    kernel = _ints(p, "kernel", dims, REQUIRED, lo=1)
    stride_given = p.get("stride", None) is not None
    stride = _ints(p, "stride", dims, None, lo=1) if stride_given else kernel
    padding = _ints(p, "padding", dims, 0, lo=0)
    dilation = _ints(p, "dilation", dims, 1, lo=1)
    ceil_mode = p.boolean("ceil_mode", False)

    axes = _AXES[dims]
    if kind == "avg" and any(d != 1 for d in dilation):
        raise p.error("dilation", f'must be 1 for kind "avg" (PyTorch\'s AvgPool has no dilation), '
                                  f"got {show(p.read['dilation'])}")
    for axis, k, pad in zip(axes, kernel, padding, strict=True):
        if pad > k // 2:
            raise p.error("padding", f"must be at most half the kernel size (PyTorch's rule), "
                                     f"got {pad} with kernel {k} along {axis}")
    if kind == "avg" and dims == 3:
        for axis, n, k in zip(axes, shape_in[2:], kernel, strict=True):
            if n < k:
                raise p.error("kernel", f"must fit in the unpadded input for AvgPool3d (PyTorch "
                                        f"checks it), got kernel {k} along {axis} of size {n}")

    out_sizes, lines = [], []
    for axis, n, k, s, pad, d in zip(axes, shape_in[2:], kernel, stride, padding, dilation, strict=True):
        size, text = _one_axis(axis, n, k, s, pad, d, ceil_mode)
        if size < 1:
            raise p.error("kernel", f"leaves no output along {axis}: {axis}_out = {size}; "
                                    "use a smaller kernel or dilation, or a larger input")
        out_sizes.append(size)
        lines.append(text)
    shape_out = [shape_in[0], shape_in[1], *out_sizes]

    return Question(
        topic=ID,
        title=TITLE,
        params=p.finish(),
        prompt=_prompt(shape_in, kind, p),
        parts=(Part("shape", "shape", shape_out, marks=2, prompt="Shape of the output tensor"),),
        solution=_solution(shape_in, shape_out, lines, kind, stride_given, kernel, ceil_mode),
    )


def _ints(p: Params, name: str, dims: int, default: Any, *, lo: int) -> tuple[int, ...]:
    """One integer per spatial axis (or one for all), each between lo and MAX_SIZE."""
    values = p.int_or_ints(name, dims, default, lo=lo)
    if max(values) > MAX_SIZE:
        raise p.fail(name, f"an integer from {lo} to {MAX_SIZE} or a list of {dims} of them")
    return values


def _one_axis(axis: str, n: int, k: int, s: int, pad: int, d: int, ceil_mode: bool) -> tuple[int, str]:
    """The output size along one axis, and the key's lines that compute it."""
    if d == 1:
        sym, nums = f"{axis} + 2p - k", f"{n} + 2 \\cdot {pad} - {k}"
    else:
        sym, nums = f"{axis} + 2p - d(k - 1) - 1", f"{n} + 2 \\cdot {pad} - {d} \\cdot ({k} - 1) - 1"
    inner = n + 2 * pad - d * (k - 1) - 1
    lo, hi = ("\\left\\lceil", "\\right\\rceil") if ceil_mode else ("\\left\\lfloor", "\\right\\rfloor")
    q = -(-inner // s) if ceil_mode else inner // s
    size = q + 1
    line = (f"{axis}_{{out}} = {lo} \\frac{{{sym}}}{{s}} {hi} + 1"
            f" = {lo} \\frac{{{nums}}}{{{s}}} {hi} + 1")
    if s == 1:
        line += f" = {inner} + 1 = {size}"
    else:
        line += f" = {lo} {inner}/{s} {hi} + 1 = {q} + 1 = {size}"
        if inner % s:
            way = "up" if ceil_mode else "down"
            line += f" \\quad (\\text{{{inner}/{s} is not whole: round {way}}})"
    text = f"$${line}$$"
    if ceil_mode:
        start = (size - 1) * s
        if start >= n + pad:
            note = (f"Check the last window: it would start at $({axis}_{{out}} - 1)s = {size - 1} \\cdot {s}"
                    f" = {start} \\ge {axis} + p = {n} + {pad} = {n + pad}$, i.e. in the right padding, "
                    f"so PyTorch drops it: ${axis}_{{out}} = {size} - 1 = {size - 1}$.")
            size -= 1
        else:
            note = (f"Check the last window: it starts at $({axis}_{{out}} - 1)s = {size - 1} \\cdot {s}"
                    f" = {start} < {axis} + p = {n} + {pad} = {n + pad}$, inside the input or its left "
                    f"padding, so it is kept: ${axis}_{{out}} = {size}$.")
        text += "\n\n" + note
    return size, text


def _prompt(shape_in: list[int], kind: str, p: Params) -> str:
    dims = len(shape_in) - 2
    name = f"nn.{'MaxPool' if kind == 'max' else 'AvgPool'}{dims}d"
    args = [f"kernel_size={_arg(p.read['kernel'])}"]
    for key, default in (("stride", None), ("padding", 0), ("dilation", 1), ("ceil_mode", False)):
        value = p.read.get(key, default)
        if value != default and value != [default] * dims:
            args.append(f"{key}={_arg(value)}")
    rounding = (
        "`ceil_mode=True`: sizes are rounded *up*, except that a window which would start in "
        "the right padding is dropped."
        if p.read["ceil_mode"] else
        "`ceil_mode=False` (the default): sizes are rounded *down*, so a window that would run "
        "past the padded input is dropped."
    )
    return (
        f"A tensor of shape ${tex_shape(shape_in)}$ (layout ${_LAYOUT[dims]}$) is passed through "
        f"`{name}({', '.join(args)})` in PyTorch (arguments not shown take PyTorch's defaults). "
        f"Rounding: {rounding} What is the shape of the output? Give every dimension, batch "
        "and channels included."
    )


def _arg(value: Any) -> str:
    if isinstance(value, list):
        return "(" + ", ".join(map(str, value)) + ")"
    return str(value)


def _solution(shape_in: list[int], shape_out: list[int], lines: list[str], kind: str,
              stride_given: bool, kernel: tuple[int, ...], ceil_mode: bool) -> tuple[Step, ...]:
    what = "maximum" if kind == "max" else "average"
    steps = [
        Step("Batch and channels",
             f"Pooling takes the {what} of each window in every channel separately and has no "
             f"weights, so the batch size ({shape_in[0]}) and the number of channels "
             f"({shape_in[1]}) pass through unchanged."),
    ]
    if not stride_given:
        k = kernel[0] if len(set(kernel)) == 1 else "(" + ", ".join(map(str, kernel)) + ")"
        steps.append(Step("Stride",
                          f"No stride is given, so PyTorch uses the kernel size: $s = k = {k}$ "
                          "(non-overlapping windows). A convolution would default to stride 1."))
    rule = (
        "With `ceil_mode=True` PyTorch rounds the number of strides *up*, then checks that "
        "the last window starts inside the input or its left padding."
        if ceil_mode else
        "With `ceil_mode=False` (PyTorch's default) the number of strides is rounded *down*: "
        "an incomplete last window is dropped."
    )
    steps.append(Step("Spatial sizes", rule + " Each axis follows the same rule.\n\n" + "\n\n".join(lines)))
    caveat = (
        "The classic slip is the rounding: PyTorch rounds *down* unless `ceil_mode=True` "
        "(a $2 \\times 2$ window with stride 2 takes 55 to 27, and to 28 only in ceil mode)."
    )
    if kind == "avg":
        caveat += (" AvgPool counts the zero padding in each average by default "
                   "(`count_include_pad=True`); that changes the values, not the shape.")
    steps.append(Step("Answer", f"The output has shape ${tex_shape(shape_out)}$. {caveat}"))
    return tuple(steps)


def draw(rng: random.Random) -> dict[str, Any]:
    """A small pooling layer on a small or classic input; rounding is often needed."""
    dims = rng.choices([1, 2, 3], weights=[2, 6, 1])[0]
    kind = rng.choice(["max", "max", "avg"])
    kernel = rng.choice([2, 2, 2, 3, 3, 4])
    params: dict[str, Any] = {"kind": kind, "kernel": kernel}
    if rng.random() < 0.4:
        params["stride"] = rng.randint(1, kernel)
    if rng.random() < 0.3:
        params["padding"] = rng.randint(1, kernel // 2)
    if kind == "max" and rng.random() < 0.1:
        params["dilation"] = 2
    if rng.random() < 0.25:
        params["ceil_mode"] = True
    classic = [7, 13, 14, 27, 28, 32, 55, 56, 112, 224]
    sizes = [rng.choice(classic) if rng.random() < 0.4 else rng.randint(8, 40) for _ in range(dims)]
    if dims == 2 and rng.random() < 0.7:
        sizes[1] = sizes[0]  # square images are the usual case
    params["input"] = [rng.choice([1, 2, 4, 8, 16, 32, 64]), rng.choice([1, 3, 16, 32, 64, 96]), *sizes]
    return {k: params[k] for k in PARAMS if k in params}

