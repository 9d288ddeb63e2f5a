"""conv.output_shape — the output shape of a (transposed) convolution, as PyTorch computes it.

Convention: PyTorch's. A convolution gives ⌊(H + 2p − d(k−1) − 1)/s⌋ + 1 per spatial
dimension (floor, never ceil); a transposed one (H−1)s − 2p + d(k−1) + output_padding + 1.
`padding="same"` pads d(k−1) in total (the odd one on the far side) and needs stride 1.

Hand-computable promise (seeded variants): every size is a small integer and the
division by the stride is exact, so no flooring is needed to get the key.
"""

from __future__ import annotations

import random
from typing import Any

from ..model import Part, Question, Step
from ._latex import shape as tex_shape
from ._params import REQUIRED, Params

ID = "conv.output_shape"
TITLE = "Output shape of a convolution"
PARAMS: dict[str, Any] = {
    "input": REQUIRED,
    "out_channels": REQUIRED,
    "kernel": REQUIRED,
    "stride": 1,
    "padding": 0,
    "dilation": 1,
    "transposed": False,
    "output_padding": 0,
}
DECIMALS = 0

_AXES = {1: ["L"], 2: ["H", "W"], 3: ["D", "H", "W"]}


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    shape_in = p.int_list("input", length=(3, 4, 5), lo=1)
    dims = len(shape_in) - 2
    out_channels = p.integer("out_channels", lo=1)
    kernel = p.int_or_ints("kernel", dims, lo=1)
    stride = p.int_or_ints("stride", dims, 1, lo=1)
    padding_given = p.get("padding", 0)
    dilation = p.int_or_ints("dilation", dims, 1, lo=1)
    transposed = p.boolean("transposed", False)
    output_padding = p.int_or_ints("output_padding", dims, 0, lo=0)
    pad = _padding(p, padding_given, dims, kernel, dilation, stride, transposed)

    if not transposed and any(output_padding):
        raise p.error("output_padding", "applies only to a transposed convolution (set transposed: true)")
    for op, s, d in zip(output_padding, stride, dilation, strict=True):
        if op >= max(s, d):
            raise p.fail("output_padding", "smaller than the stride or the dilation (PyTorch's rule)")

    sizes = shape_in[2:]
    out_sizes, lines = [], []
    for axis, n, k, s, (lo, hi), d, op in zip(
        _AXES[dims], sizes, kernel, stride, pad, dilation, output_padding, strict=True
    ):
        size, line = _one_axis(axis, n, k, s, lo, hi, d, op, transposed)
        if size < 1:
            raise p.error(
                "kernel",
                f"leaves no output along {axis}: {axis}_out = {size}; use a smaller kernel or "
                "dilation, or more padding",
            )
        out_sizes.append(size)
        lines.append(line)
    shape_out = [shape_in[0], out_channels, *out_sizes]

    return Question(
        topic=ID,
        title=TITLE,
        params=p.finish(),
        prompt=_prompt(shape_in, out_channels, p),
        parts=(Part("shape", "shape", shape_out, marks=2, prompt="Shape of the output tensor"),),
        solution=_solution(shape_in, shape_out, lines, transposed),
    )


def _padding(
    p: Params,
    given: Any,
    dims: int,
    kernel: tuple[int, ...],
    dilation: tuple[int, ...],
    stride: tuple[int, ...],
    transposed: bool,
) -> list[tuple[int, int]]:
    """(before, after) padding per axis."""
    if given == "valid":
        return [(0, 0)] * dims
    if given == "same":
        if transposed:
            raise p.error("padding", 'cannot be "same" for a transposed convolution; give an integer')
        if any(s != 1 for s in stride):
            raise p.error("padding", 'can be "same" only with stride 1 (PyTorch refuses it otherwise)')
        total = [d * (k - 1) for k, d in zip(kernel, dilation, strict=True)]
        return [(t // 2, t - t // 2) for t in total]
    sym = p.int_or_ints(
        "padding",
        dims,
        0,
        lo=0,
        what=f'a non-negative integer, a list of {dims} of them, "valid" or "same"',
    )
    return [(x, x) for x in sym]


def _one_axis(
    axis: str, n: int, k: int, s: int, lo: int, hi: int, d: int, op: int, transposed: bool
) -> tuple[int, str]:
    """The output size along one axis, and the line of the key that computes it."""
    pad_tex = "2p" if lo == hi else "p_{\\text{before}} + p_{\\text{after}}"
    pad_num = f"2 \\cdot {lo}" if lo == hi else f"{lo} + {hi}"
    if transposed:
        size = (n - 1) * s - lo - hi + d * (k - 1) + op + 1
        line = (
            f"{axis}_{{out}} = ({axis} - 1)s - {pad_tex} + d(k - 1) + p_{{\\text{{out}}}} + 1"
            f" = ({n} - 1) \\cdot {s} - {pad_num} + {d} \\cdot ({k} - 1) + {op} + 1 = {size}"
        )
        return size, line
    inner = n + lo + hi - d * (k - 1) - 1
    size = inner // s + 1 if inner >= 0 else 0
    line = (
        f"{axis}_{{out}} = \\left\\lfloor \\frac{{{axis} + {pad_tex} - d(k - 1) - 1}}{{s}} "
        "\\right\\rfloor + 1"
        f" = \\left\\lfloor \\frac{{{n} + {pad_num} - {d} \\cdot ({k} - 1) - 1}}{{{s}}} \\right\\rfloor + 1"
    )
    if inner < 0:
        return 0, line + f" = \\left\\lfloor \\frac{{{inner}}}{{{s}}} \\right\\rfloor + 1 \\le 0"
    if s == 1:
        line += f" = {inner} + 1 = {size}"
    elif inner % s == 0:
        line += f" = {inner // s} + 1 = {size}"
    else:
        line += (
            f" = \\left\\lfloor {inner}/{s} \\right\\rfloor + 1 = {inner // s} + 1 = {size}"
            f" \\quad (\\text{{{inner}/{s} is not whole: round down}})"
        )
    return size, line


def _module_call(shape_in: list[int], out_channels: int, p: Params) -> str:
    dims = len(shape_in) - 2
    transposed = p.read["transposed"]
    name = f"nn.{'ConvTranspose' if transposed else 'Conv'}{dims}d"
    args = [str(shape_in[1]), str(out_channels), f"kernel_size={_arg(p.read['kernel'])}"]
    for key, default in (("stride", 1), ("padding", 0), ("dilation", 1), ("output_padding", 0)):
        value = p.read[key]
        if value != default:
            args.append(f"{key}={_arg(value)}")
    return f"`{name}({', '.join(args)})`"


def _arg(value: Any) -> str:
    if isinstance(value, list):
        return "(" + ", ".join(map(str, value)) + ")"
    return f'"{value}"' if isinstance(value, str) else str(value)


def _prompt(shape_in: list[int], out_channels: int, p: Params) -> str:
    layout = {
        3: "N \\times C \\times L",
        4: "N \\times C \\times H \\times W",
        5: "N \\times C \\times D \\times H \\times W",
    }[len(shape_in)]
    return (
        f"A tensor of shape ${tex_shape(shape_in)}$ (layout ${layout}$) is passed through "
        f"{_module_call(shape_in, out_channels, p)} in PyTorch. "
        "What is the shape of the output? Give every dimension, batch and channels included."
    )


def _solution(
    shape_in: list[int], shape_out: list[int], lines: list[str], transposed: bool
) -> tuple[Step, ...]:
    kind = "transposed convolution" if transposed else "convolution"
    rule = (
        "A transposed convolution runs the shape arithmetic of a convolution backwards; "
        "padding *removes* rows here and `output_padding` adds them on one side."
        if transposed
        else "Each spatial size follows the same rule; PyTorch rounds *down* when the stride "
        "does not divide evenly (the last, incomplete window is dropped)."
    )
    steps = [
        Step(
            "Batch and channels",
            f"The batch size is unchanged ({shape_in[0]}); a {kind} outputs one channel per "
            f"filter, so there are {shape_out[1]} channels. (The input's {shape_in[1]} "
            "channel(s) only set how deep each filter is.)",
        ),
        Step("Spatial sizes", rule + "\n\n" + "\n\n".join(f"$${line}$$" for line in lines)),
        Step("Answer", f"The output has shape ${tex_shape(shape_out)}$."),
    ]
    return tuple(steps)


def draw(rng: random.Random) -> dict[str, Any]:
    """A small variant whose stride divides evenly (no flooring needed)."""
    dims = rng.choices([1, 2, 3], weights=[2, 6, 1])[0]
    transposed = rng.random() < 0.25
    kernel = rng.choice([1, 3, 3, 5, 7]) if not transposed else rng.choice([2, 3, 4])
    stride = rng.choice([1, 1, 2, 2, 3])
    dilation = 1 if transposed or rng.random() < 0.8 else 2
    padding: Any = rng.choice([0, 0, 1, 2, kernel // 2])
    if not transposed and stride == 1 and rng.random() < 0.15:
        padding = "same"
    params: dict[str, Any] = {
        "out_channels": rng.choice([4, 6, 8, 12, 16, 32, 64]),
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
    }
    sizes = []
    for _ in range(dims):
        if transposed:
            n = rng.randint(2, 16)
        else:
            # choose the output first, then the input that maps onto it exactly
            pad = 0 if padding == "same" else padding
            n, out = 0, rng.randint(2, 16)
            while n < 1:
                n = (out - 1) * stride + dilation * (kernel - 1) + 1 - 2 * pad
                out += 1
        sizes.append(n)
    if transposed:
        params["transposed"] = True
        if stride > 1 and rng.random() < 0.5:
            params["output_padding"] = 1
        params["padding"] = rng.choice([0, 0, 1]) if kernel > 1 else 0
        params.pop("dilation")
    params["input"] = [rng.choice([1, 2, 4, 8, 16, 32]), rng.choice([1, 3, 8, 16]), *sizes]
    return {k: params[k] for k in PARAMS if k in params}
