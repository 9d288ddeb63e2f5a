"""cnn.receptive_field — the receptive field and the jump of every layer in a stack of convolutions or pools.

Convention: along one axis, the receptive field r_l of a unit of layer l is the span of
input pixels, first to last, that can affect it (the holes a dilated kernel leaves are
counted in the span); the jump j_l is the distance in input pixels between the fields
of two neighbouring units of layer l. With r_0 = j_0 = 1 for the input itself:
r_l = r_{l−1} + d_l(k_l − 1)·j_{l−1} and j_l = j_{l−1}·s_l. Padding moves a field but
never changes its size, so layers take no padding. Pooling layers count like
convolutions with their kernel and stride.

Hand-computable promise (seeded variants): two to five layers with kernels up to 7,
strides 1 or 2 and dilations 1, 2 or 4; every number in the key is a small integer.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from ..model import Part, Question, Step
from ._params import REQUIRED, Params, show

ID = "cnn.receptive_field"
TITLE = "Receptive field of a stack of layers"
PARAMS: dict[str, Any] = {"layers": REQUIRED}
DECIMALS = 0

MAX_LAYERS = 32
MAX_VALUE = 1000  # per kernel, stride and dilation: keeps every key printable by hand
_KEYS = {"kernel": REQUIRED, "stride": 1, "dilation": 1}
_EXAMPLE = '{"kernel": 3, "stride": 1, "dilation": 1}'


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    layers = _layers(p)
    p.read["layers"] = [dict(zip(_KEYS, layer, strict=True)) for layer in layers]  # defaults filled in

    rf, jump, lines = [1], [1], []
    for i, (k, s, d) in enumerate(layers, start=1):
        rf.append(rf[-1] + d * (k - 1) * jump[-1])
        jump.append(jump[-1] * s)
        lines.append(_line(i, k, s, d, rf[-2], jump[-2], rf[-1], jump[-1]))
    rf, jump = rf[1:], jump[1:]

    return Question(
        topic=ID,
        title=TITLE,
        params=p.finish(),
        prompt=_prompt(layers),
        parts=(
            Part("rf", "list", rf, marks=2, prompt="Receptive field $r_l$ after each layer, in input pixels"),
            Part("jump", "list", jump, marks=1, prompt="Jump $j_l$ after each layer, in input pixels"),
        ),
        solution=_solution(lines, rf, jump, any(d != 1 for _, _, d in layers)),
    )


def _layers(p: Params) -> list[tuple[int, int, int]]:
    """(kernel, stride, dilation) per layer; every complaint names `layers` and the layer."""
    value = p.get("layers")
    if not isinstance(value, list) or not value or len(value) > MAX_LAYERS:
        raise p.fail("layers", f"a list of 1 to {MAX_LAYERS} layers like {_EXAMPLE}")
    out = []
    for i, layer in enumerate(value, start=1):
        if not isinstance(layer, Mapping):
            raise p.error("layers", f"needs layer {i} to be an object like {_EXAMPLE}, got {show(layer)}")
        unknown = [str(key) for key in layer if key not in _KEYS]
        if unknown:
            hint = " (padding never changes a receptive field)" if unknown[0] == "padding" else ""
            raise p.error("layers", f"has an unknown key {show(unknown[0])} in layer {i}; a layer takes "
                                    f"kernel, stride and dilation{hint}")
        nums = []
        for key, default in _KEYS.items():
            if key not in layer and default is REQUIRED:
                raise p.error("layers", f"needs a 'kernel' in layer {i}, e.g. {_EXAMPLE}")
            x = layer.get(key, default)
            if not isinstance(x, int) or isinstance(x, bool) or not 1 <= x <= MAX_VALUE:
                raise p.error("layers", f"needs layer {i}'s '{key}' to be an integer from 1 to {MAX_VALUE}, "
                                        f"got {show(x)}")
            nums.append(x)
        out.append((nums[0], nums[1], nums[2]))
    return out


def _line(i: int, k: int, s: int, d: int, rf0: int, j0: int, rf1: int, j1: int) -> str:
    """One layer of the key: both recurrences with the numbers substituted."""
    reach = f"{d} \\cdot ({k} - 1) \\cdot {j0}" if d != 1 else f"({k} - 1) \\cdot {j0}"
    return (
        f"**Layer {i}** ($k = {k}$, $s = {s}$, $d = {d}$): "
        f"$r_{{{i}}} = r_{{{i - 1}}} + d_{{{i}}}(k_{{{i}}} - 1)\\,j_{{{i - 1}}} = {rf0} + {reach} = {rf1}$, "
        f"$j_{{{i}}} = j_{{{i - 1}}}\\,s_{{{i}}} = {j0} \\cdot {s} = {j1}$."
    )


def _prompt(layers: list[tuple[int, int, int]]) -> str:
    rows = "\n".join(f"| {i} | {k} | {s} | {d} |" for i, (k, s, d) in enumerate(layers, start=1))
    return (
        "A stack of convolution or pooling layers is applied to an image, in this order "
        "(the same along both axes; padding does not matter here):\n\n"
        "| layer | kernel | stride | dilation |\n| --- | --- | --- | --- |\n"
        f"{rows}\n\n"
        "For each layer $l$ give its receptive field $r_l$: how many input pixels along one axis, "
        "from the first to the last (gaps left by dilation included), can affect one unit of "
        "layer $l$; and its jump $j_l$: how many input pixels apart the receptive fields of two "
        "neighbouring units of layer $l$ are."
    )


def _solution(lines: list[str], rf: list[int], jump: list[int], dilated: bool) -> tuple[Step, ...]:
    dilation_note = (
        " A dilated kernel spreads its $k$ taps $d$ units apart, so it spans $d(k - 1) + 1$ units."
        if dilated else ""
    )
    return (
        Step("The recurrence",
             "Start from the input itself: $r_0 = 1$ pixel and $j_0 = 1$ pixel. A unit of layer $l$ "
             "looks at $k_l$ units of layer $l-1$; neighbouring units of layer $l-1$ are "
             "$j_{l-1}$ input pixels apart, so each step from one tap to the next adds "
             "$d_l\\,j_{l-1}$ pixels to the field, and moving one unit along layer $l$ moves "
             f"$s_l$ units along layer $l-1$.{dilation_note}\n\n"
             "$$r_l = r_{l-1} + d_l\\,(k_l - 1)\\,j_{l-1}, \\qquad j_l = j_{l-1}\\,s_l$$"),
        Step("Layer by layer", "\n\n".join(lines)),
        Step("Answer",
             f"Receptive fields $r = ({', '.join(map(str, rf))})$, jumps $j = "
             f"({', '.join(map(str, jump))})$. The usual slip is to multiply by the *current* "
             "layer's stride (or jump) instead of the previous layer's jump $j_{l-1}$: a layer's "
             "own stride only matters for the layers after it. Padding shifts a field but "
             "never changes its size."),
    )


def draw(rng: random.Random) -> dict[str, Any]:
    """Two to five small layers, like a few conv/pool blocks of a real network."""
    layers: list[dict[str, Any]] = []
    for _ in range(rng.randint(2, 5)):
        style = rng.random()
        if style < 0.3:  # a pooling layer: kernel 2 or 3, stride 2
            layers.append({"kernel": rng.choice([2, 3]), "stride": 2})
        elif style < 0.85:  # a plain convolution
            layers.append({"kernel": rng.choice([1, 3, 3, 3, 5, 7]), "stride": rng.choice([1, 1, 2])})
        else:  # a dilated convolution
            layers.append({"kernel": rng.choice([2, 3]), "dilation": rng.choice([2, 4])})
    return {"layers": layers}

