"""cnn.layer_table — fill in a CNN's layer table: output shape, weights and biases per layer.

Convention: shapes are written H×W×C, as lecture tables write them (PyTorch itself
stores N×C×H×W; only the order differs). Layers are short strings, case-insensitive,
with optional `-S<s>` (stride) and `-P<p>` (zero padding) suffixes in either order:

- `CONV-K-N[-S<s>][-P<p>]`: K×K convolution with N filters, stride 1 and no padding
  unless given; each filter is K×K×C_in, plus one bias per filter.
- `POOL-K[-S<s>][-P<p>]`: K×K max pooling, stride K unless given, no parameters;
  PyTorch allows at most K/2 padding. `ceil_mode` rounds the size up, as
  `nn.MaxPool2d(ceil_mode=True)` (a window must still start inside the input or the
  left padding).
- `FC-N`: fully connected with N outputs and N biases; the input is flattened first,
  so it sees H·W·C features. Only FC layers may follow an FC layer.

Sizes follow PyTorch: ⌊(H + 2P − K)/S⌋ + 1. A layer with no output is refused.

Hand-computable promise (seeded variants): 3 to 6 layers on a small image, every stride
divides exactly (no rounding), and every number in the key is an integer.

Error carried forward: `rows` is chained, so a wrong shape is followed down the table:
each row's shape, weights and biases are checked against what the layer gives on the shape
the student wrote in the row above (the input image for the first row). A shape that
cannot feed the layer (the wrong length, no output) or is trivial (all 1s, the input image's
shape, or a copy of the shape above it) is not followed: the row below it is computed
from the key's own shape instead.
`total_params` depends on `rows`: the sum of the student's own weight and bias counts (not
when they are all 0 or all 1).
"""

from __future__ import annotations

import random
import re
from functools import lru_cache
from typing import Any, NamedTuple

from ..model import Part, Question, Step
from ._params import REQUIRED, Params, show

ID = "cnn.layer_table"
TITLE = "Layer table of a small CNN"
PARAMS: dict[str, Any] = {"input": REQUIRED, "layers": REQUIRED, "ceil_mode": False}
DECIMALS = 0

MAX_LAYERS = 30
MAX_SIZE = 100_000  # per input dimension: any real image, and no absurd integers
FORMS = "CONV-K-N[-S<s>][-P<p>], POOL-K[-S<s>][-P<p>] or FC-N (K, N, s >= 1; p >= 0)"
_LAYER = re.compile(r"^(CONV|POOL|FC)((?:-[0-9]{1,6})+)((?:-[SP][0-9]{1,6})*)$", re.IGNORECASE)
_NUMBERS = {"CONV": 2, "POOL": 1, "FC": 1}


class _Layer(NamedTuple):
    text: str  # as the user wrote it
    kind: str  # CONV, POOL or FC
    k: int  # kernel (CONV, POOL) or outputs (FC)
    n: int  # filters (CONV); 0 otherwise
    s: int
    pad: int


class _Row(NamedTuple):
    layer: str
    shape: tuple[int, ...]
    weights: int
    biases: int
    text: str  # the worked line of the key


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    shape_in = p.int_list("input", length=3, lo=1)
    if max(shape_in) > MAX_SIZE:
        raise p.fail("input", f"[H, W, C]: 3 positive integers up to {MAX_SIZE}")
    layers = _layers(p)
    ceil_mode = p.boolean("ceil_mode", False)

    rows: list[_Row] = []
    shape = tuple(shape_in)
    for i, layer in enumerate(layers):
        if len(shape) == 1 and layer.kind != "FC":
            raise p.error("layers", f"at index {i}: {show(layer.text)} follows an FC layer, whose "
                          "output is a flat vector; only FC-N layers can come after FC")
        row = _row(layer, shape, ceil_mode)
        if row is None:
            raise p.error("layers", f"at index {i}: {show(layer.text)} leaves no output on a "
                          f"{'×'.join(map(str, shape))} input (the kernel is larger than the padded input); "
                          "use a smaller kernel or more padding")
        rows.append(row)
        shape = row.shape
    total = sum(r.weights + r.biases for r in rows)

    table = [{"layer": r.layer, "shape": list(r.shape), "weights": r.weights, "biases": r.biases}
             for r in rows]
    return Question(
        topic=ID,
        title=TITLE,
        params=p.finish(),
        prompt=_prompt(shape_in, layers, ceil_mode),
        parts=(
            Part("rows", "table", table, marks=max(2, len(rows)),
                 prompt="For every layer: output shape, number of weights, number of biases", chained=True),
            Part("total_params", "integer", total, marks=1, depends_on=("rows",),
                 prompt="Total number of parameters (weights and biases) of the network"),
        ),
        solution=_solution(shape_in, rows, total, ceil_mode),
    )


def follow_through(params: Any, part_id: str, given: dict[str, Any]) -> Any | None:
    """Error carried forward (see the module docstring and _cnn_follow)."""
    from ._cnn_follow import follow

    return follow(params, part_id, given)


def _layers(p: Params) -> list[_Layer]:
    raw = p.get("layers")
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LAYERS:
        raise p.fail("layers", f"a list of 1 to {MAX_LAYERS} layer strings such as \"CONV-3-16\"")
    layers = []
    for i, text in enumerate(raw):
        if not isinstance(text, str) or len(text) > 40:
            raise p.error("layers", f"at index {i}: {show(text)} is not a layer; write {FORMS}")
        layer = _parse(text)
        if isinstance(layer, str):
            raise p.error("layers", f"at index {i}: {show(text)} {layer}")
        layers.append(layer)
    return layers


@lru_cache(maxsize=1024)
def _parse(text: str) -> _Layer | str:
    """One layer string, or what is wrong with it (cached: nets repeat their layers)."""
    m = _LAYER.match(text.strip())
    if m is not None:
        kind = m.group(1).upper()
        numbers = [int(x) for x in m.group(2)[1:].split("-")]
        options = [(o[0].upper(), int(o[1:])) for o in m.group(3)[1:].split("-") if o]
        keys = [key for key, _ in options]
        ok = (len(numbers) == _NUMBERS[kind] and min(numbers) >= 1 and len(set(keys)) == len(keys)
              and not (kind == "FC" and options) and all(v >= 1 for key, v in options if key == "S"))
        if ok:
            opts = dict(options)
            k = numbers[0]
            stride = opts.get("S", k if kind == "POOL" else 1)
            layer = _Layer(text, kind, k, numbers[1] if kind == "CONV" else 0, stride, opts.get("P", 0))
            if kind == "POOL" and 2 * layer.pad > k:
                return (f"pads more than half the kernel ({layer.pad} > {k}/2), which PyTorch's "
                        "max pooling refuses")
            return layer
    return f"is not a layer; write {FORMS}"


@lru_cache(maxsize=4096)
def _row(layer: _Layer, shape: tuple[int, ...], ceil_mode: bool) -> _Row | None:
    """The layer's output shape, parameter counts and key line, or None if no output."""
    if layer.kind == "FC":
        fan_in = _product(shape)
        weights = fan_in * layer.k
        if len(shape) == 3:
            factors = r" \cdot ".join(map(str, shape))
            feed = (f"Flatten the ${_shape_text(shape)}$ input into "
                    f"$H \\cdot W \\cdot C = {factors} = {fan_in}$ features.")
        else:
            feed = f"The input is the previous layer's {fan_in} outputs."
        text = (f"{feed} Fully connected to {layer.k} outputs: weights $= \\text{{in}} \\cdot N = "
                f"{fan_in} \\cdot {layer.k} = {weights}$, biases $= N = {layer.k}$. "
                f"Output: a vector of {layer.k}.")
        return _Row(layer.text, (layer.k,), weights, layer.k, text)

    h, w, c_in = shape
    is_pool = layer.kind == "POOL"
    round_up = is_pool and ceil_mode
    axes = [_axis("H", h, layer, round_up), _axis("W", w, layer, round_up)]
    if any(size < 1 for size, _ in axes):
        return None
    if h == w:  # one line for both: the same numbers
        lines = [axes[0][1].replace("H_{out}", "H_{out} = W_{out}", 1)]
    else:
        lines = [line for _, line in axes]
    c_out = c_in if is_pool else layer.n
    out = (axes[0][0], axes[1][0], c_out)
    where = f"stride {layer.s}, padding {layer.pad}"
    math = "\n\n".join(f"$${line}$$" for line in lines)
    if is_pool:
        text = (f"{layer.k}×{layer.k} max pooling, {where}, on ${_shape_text(shape)}$:\n\n{math}\n\n"
                f"Pooling works on each channel separately, so the {c_in} channels stay: "
                f"${_shape_text(out)}$. It has no parameters (it only takes each window's maximum): "
                "weights $= 0$, biases $= 0$.")
        return _Row(layer.text, out, 0, 0, text)
    weights = layer.k * layer.k * c_in * layer.n
    text = (f"{layer.k}×{layer.k} convolution with {layer.n} filters, {where}, on "
            f"${_shape_text(shape)}$:\n\n{math}\n\nOne output channel per filter: "
            f"${_shape_text(out)}$. Each filter is ${layer.k} \\times {layer.k} \\times {c_in}$, as deep as "
            f"its input: weights "
            f"$= K \\cdot K \\cdot C_{{in}} \\cdot N = {layer.k} \\cdot {layer.k} \\cdot {c_in} \\cdot "
            f"{layer.n} = {weights}$, biases $= N = {layer.n}$.")
    return _Row(layer.text, out, weights, layer.n, text)


def _axis(name: str, n: int, layer: _Layer, round_up: bool) -> tuple[int, str]:
    """PyTorch's size rule along one axis, and its line of the key."""
    k, s, pad = layer.k, layer.s, layer.pad
    inner = n + 2 * pad - k
    lo, hi = (r"\left\lceil ", r" \right\rceil") if round_up else (r"\left\lfloor ", r" \right\rfloor")
    line = (f"{name}_{{out}} = {lo}\\frac{{{name} + 2P - K}}{{S}}{hi} + 1 = "
            f"{lo}\\frac{{{n} + 2 \\cdot {pad} - {k}}}{{{s}}}{hi} + 1")
    q = -(-inner // s) if round_up else inner // s
    size = q + 1
    if inner % s == 0:
        line += f" = {q} + 1 = {size}"
    else:
        how = "up (ceil mode)" if round_up else "down"
        line += (f" = {lo}{inner}/{s}{hi} + 1 = {q} + 1 = {size}"
                 f" \\quad (\\text{{{inner}/{s} is not whole: round {how}}})")
    if round_up and size > 1 and (size - 1) * s >= n + pad:
        size -= 1  # PyTorch drops a last window that would start in the right padding
        line += (f" \\to {size} \\quad (\\text{{the last window would start in the right padding, "
                 f"so PyTorch drops it}})")
    if not round_up and inner < 0:
        size = 0
    return size, line


def _product(xs: tuple[int, ...]) -> int:
    out = 1
    for x in xs:
        out *= x
    return out


def _shape_text(shape: list[int] | tuple[int, ...]) -> str:
    return r" \times ".join(map(str, shape))


def _prompt(shape_in: list[int], layers: list[_Layer], ceil_mode: bool) -> str:
    rounding = ("Pooling rounds a fractional size *up* (PyTorch's `ceil_mode=True`)" if ceil_mode else
                "A fractional size is rounded down, as PyTorch does")
    rows = "\n".join(f"| `{layer.text.strip()}` | | | |" for layer in layers)
    return (
        f"An image of shape ${_shape_text(shape_in)}$ (height × width × channels) passes through "
        "the layers below, in order. `CONV-K-N` is a K×K convolution with N filters (stride 1, "
        "no padding), `POOL-K` is K×K max pooling with stride K, `FC-N` is a fully connected layer "
        "with N outputs that flattens its input first; a suffix `-S<s>` sets the stride and `-P<p>` "
        f"the zero padding. Every convolution and FC layer has one bias per output. {rounding}.\n\n"
        "Fill in the table: each layer's output shape (H × W × C, or N after an FC layer), its "
        "number of weights and of biases; then give the total number of parameters.\n\n"
        "| layer | output shape | weights | biases |\n| --- | --- | --- | --- |\n"
        f"| input | ${_shape_text(shape_in)}$ | – | – |\n{rows}"
    )


def _solution(shape_in: list[int], rows: list[_Row], total: int, ceil_mode: bool) -> tuple[Step, ...]:
    rule = ("Each spatial size follows $\\lfloor (H + 2P - K)/S \\rfloor + 1$ (rounded down, as "
            "PyTorch)" + (", pooling rounded *up* since `ceil_mode` is on" if ceil_mode else "")
            + f"; the input is ${_shape_text(shape_in)}$ (H × W × C).")
    steps = [Step("How each layer is counted", rule + " A convolution's weights are "
                  "$K \\cdot K \\cdot C_{in} \\cdot N$: every filter is as deep as its input. "
                  "The slips to avoid: leaving out $C_{in}$, forgetting the biases, and giving "
                  "pooling parameters (it has none).")]
    steps += [Step(f"{i + 1}. {r.layer.strip()}", r.text) for i, r in enumerate(rows)]
    terms = " + ".join(f"({r.weights} + {r.biases})" if r.weights or r.biases else "0" for r in rows)
    steps.append(Step("Total", f"Total $= \\sum (\\text{{weights}} + \\text{{biases}}) = {terms} = "
                      f"{total}$ parameters."))
    return tuple(steps)


# -- seeded variants -------------------------------------------------------------------

def draw(rng: random.Random) -> dict[str, Any]:
    """A 3-6 layer net on a small image where every stride divides exactly; an FC layer
    sees at most 2048 features, so every product stays small."""
    while True:
        params = _draw_once(rng)
        if params is not None:
            return params


def _draw_once(rng: random.Random) -> dict[str, Any] | None:
    h = rng.choice([8, 12, 16, 16, 24, 28, 32, 32, 48, 64])
    w = h if rng.random() < 0.85 else rng.choice([x for x in (8, 12, 16, 24, 32) if x != h])
    c_in = rng.choice([1, 3, 3])
    n_layers = rng.randint(3, 6)
    n_fc = rng.choice([0, 1, 1, 2]) if n_layers > 3 else rng.choice([0, 1])
    layers: list[str] = []
    hw, c = (h, w), c_in
    for i in range(n_layers - n_fc):
        convs, pools = _spatial_options(hw)
        if i > 0 and pools and not layers[-1].startswith("POOL") and rng.random() < 0.5:
            text, hw = rng.choice(pools)
        elif convs:
            suffix, hw = rng.choice(convs)
            c = rng.choice([4, 6, 8, 8, 10, 12, 16, 16, 20, 32])
            text = "CONV-" + suffix.replace("N", str(c), 1)
        else:
            return None
        layers.append(text)
    if n_fc and hw[0] * hw[1] * c > 2048:
        return None
    for j in range(n_fc):
        outputs = rng.choice([2, 5, 10, 10]) if j == n_fc - 1 else rng.choice([16, 32, 64, 100, 120])
        layers.append(f"FC-{outputs}")
    return {"input": [h, w, c_in], "layers": layers}


@lru_cache(maxsize=512)
def _spatial_options(hw: tuple[int, int]) -> tuple[tuple[tuple[str, tuple[int, int]], ...], ...]:
    """Conv (as "K-N-S..", N to fill in) and pool layers whose output sizes are whole and
    at least 2 on an H×W input."""
    convs: list[tuple[str, tuple[int, int]]] = []
    pools: list[tuple[str, tuple[int, int]]] = []
    for kind, k, s, pad in (("C", 3, 1, 1), ("C", 3, 1, 0), ("C", 5, 1, 0), ("C", 5, 1, 2), ("C", 1, 1, 0),
                            ("C", 3, 2, 1), ("C", 5, 2, 2), ("P", 2, 2, 0), ("P", 3, 3, 0), ("P", 3, 2, 0)):
        if any((x + 2 * pad - k) % s or (x + 2 * pad - k) // s + 1 < 2 for x in hw):
            continue
        out = ((hw[0] + 2 * pad - k) // s + 1, (hw[1] + 2 * pad - k) // s + 1)
        stride = f"-S{s}" if s != (k if kind == "P" else 1) else ""
        padding = f"-P{pad}" if pad else ""
        if kind == "C":
            convs.append((f"{k}-N{stride}{padding}", out))
        else:
            pools.append((f"POOL-{k}{stride}", out))
    return tuple(convs), tuple(pools)
