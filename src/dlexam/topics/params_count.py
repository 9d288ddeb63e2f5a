"""params.count — how many parameter tensors and parameters a stack of torch.nn modules has.

Convention: PyTorch's. The modules are written as their constructor calls, e.g.
"Conv2d(3, 96, 11, stride=4)" (an `nn.` or `torch.nn.` prefix is fine), and the answer is
what `model.parameters()` yields: `tensors` = how many tensors, `elements` = how many
numbers they hold. Buffers (BatchNorm's running mean and variance) are not parameters;
a Linear or conv layer has a separate bias tensor unless `bias=False`; PyTorch's RNN,
LSTM and GRU carry two bias vectors per layer and direction (b_ih and b_hh).

The strings are read with `ast`, never evaluated: only literal arguments (numbers,
strings, True/False/None, tuples and lists of them) are accepted, bound to the
module's real signature (names, order and defaults as torch 2.13), and checked
against torch's own rules (e.g. channels divisible by `groups`).

Hand-computable promise (seeded variants): small realistic stacks (MLP, CNN, sequence
and attention blocks) with small integer sizes; both answers are integers.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from ..model import Part, Question, Step
from ._module_strings import MAX_TEXT, BadModule, parse  # the reading; this module only counts
from ._params import REQUIRED, Params, show

ID = "params.count"
TITLE = "Counting the parameters of PyTorch modules"
PARAMS: dict[str, Any] = {"modules": REQUIRED}
DECIMALS = 0

MAX_MODULES = 50


_Tensors = list[tuple[str, tuple[int, ...]]]  # (name, shape) of each parameter tensor


class _Count(NamedTuple):
    """One module's answer: the display text, its tensors (name, shape), its key line."""

    shown: str
    tensors: tuple[tuple[str, tuple[int, ...]], ...]
    formula: str
    note: str


def build(raw: Any) -> Question:
    p = Params(ID, raw, PARAMS)
    modules = p.get("modules")
    if not isinstance(modules, list) or not 1 <= len(modules) <= MAX_MODULES:
        raise p.fail("modules", f'a list of 1 to {MAX_MODULES} module strings such as "Linear(100, 10)"')
    counts = []
    for i, text in enumerate(modules):
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise p.error("modules", f"at index {i} must be a module string of at most {MAX_TEXT} characters "
                          f'such as "Linear(100, 10)", got {show(text)}')
        try:
            counts.append(_count(text))
        except BadModule as e:
            raise p.error("modules", f"at index {i}: {show(text)}: {e}") from None
    tensors = sum(len(c.tensors) for c in counts)
    elements = sum(_size(shape) for c in counts for _, shape in c.tensors)
    return Question(
        topic=ID,
        title=TITLE,
        params=p.finish(),
        prompt=_prompt(counts),
        parts=(
            Part("tensors", "integer", tensors, marks=1,
                 prompt="How many parameter tensors does `model.parameters()` yield?"),
            Part("elements", "integer", elements, marks=2,
                 prompt="How many parameters (scalar elements) are there in total?"),
        ),
        solution=_solution(counts, tensors, elements),
    )


@lru_cache(maxsize=4096)
def _count(text: str) -> _Count:
    """Parse and count one module string (cached: exams repeat modules)."""
    m = parse(text)
    counter = _COUNTERS.get(m.name)
    if counter is None:
        return _Count(m.shown, (), "", f"{m.name} has no parameters: it has nothing to learn.")
    return counter(m.shown, m.name, m.args, m.dims)


# -- counting per family ---------------------------------------------------------------------

def _size(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


def _dot(*xs: Any) -> str:
    return r" \cdot ".join(map(str, xs))


def _with_bias(symbols: str, numbers: str, out: int, total: int, bias: bool) -> str:
    """formula (+ out) = numbers (+ out) = total."""
    if bias:
        return rf"{symbols} + \text{{out}} = {numbers} + {out} = {total}"
    return f"{symbols} = {numbers} = {total}"


def _linear(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    i, o, bias = a["in_features"], a["out_features"], a["bias"]
    tensors = (("weight", (o, i)),) + ((("bias", (o,)),) if bias else ())
    n = i * o + o * bias
    formula = _with_bias(r"\text{in} \cdot \text{out}", _dot(i, o), o, n, bias)
    return _Count(shown, tensors, formula, "" if bias else "bias=False: the weight matrix only.")


def _bilinear(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    i1, i2, o, bias = a["in1_features"], a["in2_features"], a["out_features"], a["bias"]
    tensors = (("weight", (o, i1, i2)),) + ((("bias", (o,)),) if bias else ())
    n = i1 * i2 * o + o * bias
    formula = _with_bias(r"\text{in}_1 \cdot \text{in}_2 \cdot \text{out}", _dot(i1, i2, o), o, n, bias)
    return _Count(shown, tensors, formula, "One out×in₁×in₂ weight: a matrix per output.")


def _conv(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    c_in, c_out, g, bias = a["in_channels"], a["out_channels"], a["groups"], a["bias"]
    k = a["kernel_size"] if isinstance(a["kernel_size"], tuple) else (a["kernel_size"],) * dims
    transposed = "output_padding" in a
    shape = (c_in, c_out // g, *k) if transposed else (c_out, c_in // g, *k)
    tensors = (("weight", shape),) + ((("bias", (c_out,)),) if bias else ())
    ks = {1: "k", 2: r"k_h \cdot k_w", 3: r"k_d \cdot k_h \cdot k_w"}[dims]
    first, second = ("C_{in}", "C_{out}") if transposed else ("C_{out}", "C_{in}")
    a1, a2 = (c_in, c_out) if transposed else (c_out, c_in)
    per = rf"\frac{{{second}}}{{g}}" if g > 1 else second
    per_n = rf"\frac{{{a2}}}{{{g}}}" if g > 1 else str(a2)
    n = _size(shape) + c_out * bias
    formula = (rf"{first} \cdot {per} \cdot {ks}{' + C_{out}' if bias else ''} = "
               rf"{_dot(a1, per_n, *k)}{f' + {c_out}' if bias else ''} = {n}")
    notes = []
    if transposed:
        notes.append("A transposed convolution stores its weight as C_in × C_out/g × kernel.")
    if g > 1:
        notes.append(f"With groups={g} each filter sees only {a2 // g} of the {a2} channels.")
    if not bias:
        notes.append("bias=False: no bias tensor.")
    return _Count(shown, tensors, formula, " ".join(notes))


def _norm(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    c, affine, bias = a["num_features"], a["affine"], a["bias"]
    buffers = (" Its running mean and variance are buffers, updated but not learned: not parameters."
               if a["track_running_stats"] else "")
    if not affine:
        return _Count(shown, (), "", f"affine=False: no γ or β, so no parameters.{buffers}")
    tensors = (("weight", (c,)),) + ((("bias", (c,)),) if bias else ())
    formula = rf"2C = 2 \cdot {c} = {2 * c}" if bias else rf"C = {c}"
    return _Count(shown, tensors, formula, f"A scale γ{' and a shift β' if bias else ''} per channel."
                  + buffers)


def _layernorm(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    shape = a["normalized_shape"] if isinstance(a["normalized_shape"], tuple) else (a["normalized_shape"],)
    bias = a.get("bias", False)
    if not a["elementwise_affine"]:
        return _Count(shown, (), "", "elementwise_affine=False: no γ or β, so no parameters.")
    n = _size(shape)
    tensors = (("weight", shape),) + ((("bias", shape),) if bias else ())
    prod = _dot(*shape) if len(shape) > 1 else str(n)
    formula = rf"2 \cdot {prod} = {2 * n}" if bias else rf"{prod} = {n}"
    what = "γ and β" if bias else "γ only"
    return _Count(shown, tensors, formula, f"{what}, each of shape {shape}: one per normalised element.")


def _groupnorm(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    count = _norm(shown, name, {"num_features": a["num_channels"], "affine": a["affine"], "bias": a["bias"],
                                "track_running_stats": False}, dims)
    return count._replace(note="γ and β are per channel, not per group.") if a["affine"] else count


def _embedding(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    n, d = a["num_embeddings"], a["embedding_dim"]
    return _Count(shown, (("weight", (n, d)),), rf"n \cdot d = {_dot(n, d)} = {n * d}",
                  "One row of d numbers per token; no bias.")


def _rnn(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    kind = name.removesuffix("Cell")
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind]
    h, bias = a["hidden_size"], a["bias"]
    layers, dirs = a.get("num_layers", 1), 2 if a.get("bidirectional") else 1
    proj = a.get("proj_size", 0)  # the parser checked proj_size < hidden_size
    r = proj or h
    tensors: _Tensors = []
    lines = []
    gh = f"{gates}h" if gates > 1 else "h"
    for layer in range(layers):
        i = a["input_size"] if layer == 0 else r * dirs
        one: _Tensors = [("weight_ih", (gates * h, i)), ("weight_hh", (gates * h, r))]
        one += [("bias_ih", (gates * h,)), ("bias_hh", (gates * h,))] if bias else []
        one += [("weight_hr", (proj, h))] if proj else []
        tensors += one * dirs
        if layer > 1:
            continue  # layers 2.. repeat layer 1's numbers
        n = sum(_size(s) for _, s in one)
        rr = "r" if proj else "h"
        sym = rf"{gh}({'i' if layer == 0 else rf'{dirs}{rr}' if dirs > 1 else rr} + {rr})"
        num = rf"{_dot(gates, h) if gates > 1 else h} \cdot ({i} + {r})"
        if bias:
            sym += rf" + 2 \cdot {gh}"
            num += rf" + 2 \cdot {_dot(gates, h) if gates > 1 else h}"
        if proj:
            sym, num = sym + r" + r \cdot h", num + rf" + {_dot(r, h)}"
        where = "layer 1" if layer == 0 else (f"layers 2–{layers} each" if layers > 2 else "layer 2")
        times = rf" \times {dirs} \text{{ directions}} = {n * dirs}" if dirs > 1 else ""
        lines.append(rf"\text{{{where}}}: {sym} = {num} = {n}{times}")
    total = sum(_size(s) for _, s in tensors)
    formula = r" \\ ".join(lines)
    if len(lines) > 1 or layers > 1:
        formula = rf"\begin{{gathered}} {formula} \\ \text{{total}} = {total} \end{{gathered}}"
    per = 4 if bias else 2
    note = (f"{per + bool(proj)} tensors per layer and direction (weight_ih, weight_hh"
            f"{', bias_ih, bias_hh' if bias else ''}{', weight_hr' if proj else ''}).")
    if bias:
        both = f"2·{gh} = {2 * gates}h" if gates > 1 else "2h"
        note += f" PyTorch keeps two bias vectors, b_ih and b_hh: {both} biases, not {gh}."
    return _Count(shown, tuple(tensors), formula, note)


def _prelu(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    n = a["num_parameters"]
    return _Count(shown, (("weight", (n,)),), rf"\text{{num\_parameters}} = {n}",
                  "One learnable slope for negative inputs" + (" per channel." if n > 1 else ", shared."))


def _mha(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    e, bias = a["embed_dim"], a["bias"]
    kd, vd = a["kdim"] or e, a["vdim"] or e
    same = kd == e and vd == e
    proj: _Tensors = (
        [("in_proj_weight", (3 * e, e))] if same
        else [("q_proj_weight", (e, e)), ("k_proj_weight", (e, kd)), ("v_proj_weight", (e, vd))])
    tensors = proj + ([("in_proj_bias", (3 * e,))] if bias else []) + [("out_proj.weight", (e, e))]
    tensors += [("out_proj.bias", (e,))] if bias else []
    tensors += [("bias_k", (1, 1, e)), ("bias_v", (1, 1, e))] if a["add_bias_kv"] else []
    total = sum(_size(s) for _, s in tensors)
    w_sym, w_num = ("3E^2", rf"3 \cdot {e}^2") if same else ("E(E + k + v)", rf"{e}({e} + {kd} + {vd})")
    sym, num = w_sym + (" + 3E" if bias else "") + " + E^2" + (" + E" if bias else ""), \
        w_num + (rf" + 3 \cdot {e}" if bias else "") + rf" + {e}^2" + (f" + {e}" if bias else "")
    if a["add_bias_kv"]:
        sym, num = sym + " + 2E", num + rf" + 2 \cdot {e}"
    return _Count(shown, tuple(tensors), f"{sym} = {num} = {total}",
                  "Q, K and V projections plus the output projection; the heads split E, they add "
                  "no parameters.")


# module name -> its counter; a module the parser knows but this table lacks has no parameters
_COUNTERS: dict[str, Callable[[str, str, dict[str, Any], int], _Count]] = {
    "Linear": _linear, "Bilinear": _bilinear, "LayerNorm": _layernorm, "RMSNorm": _layernorm,
    "GroupNorm": _groupnorm, "Embedding": _embedding, "EmbeddingBag": _embedding, "PReLU": _prelu,
    "MultiheadAttention": _mha, **dict.fromkeys(("RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"),
                                                _rnn),
    **{f"{kind}{d}d": counter for d in (1, 2, 3) for kind, counter in
       (("Conv", _conv), ("ConvTranspose", _conv), ("BatchNorm", _norm), ("InstanceNorm", _norm))},
}


# -- text ------------------------------------------------------------------------------------------

def _times(shape: tuple[int, ...]) -> str:
    return r" \times ".join(map(str, shape)) if shape else "1"


def _prompt(counts: list[_Count]) -> str:
    lines = "\n".join(f"    nn.{c.shown}," for c in counts)
    return (
        "A PyTorch model is made of the following `torch.nn` modules:\n\n"
        f"```python\nmodel = nn.ModuleList([\n{lines}\n])\n```\n\n"
        "How many parameter tensors does `model.parameters()` yield, and how many parameters "
        "(scalar numbers) do they hold in total? Buffers, such as BatchNorm's running statistics, "
        "are not parameters."
    )


def _solution(counts: list[_Count], tensors: int, elements: int) -> tuple[Step, ...]:
    steps = [Step("What counts", "Every learnable tensor a module registers is one parameter tensor: a "
                  "weight and a bias are two. Count each module's tensors and their elements, then add up.")]
    for i, c in enumerate(counts):
        if not c.tensors:
            text = c.note
        else:
            shapes = ", ".join(f"{n} ${_times(s)}$" for n, s in c.tensors[:6])
            shapes += ", …" if len(c.tensors) > 6 else ""
            count = len(c.tensors)
            text = (f"$${c.formula}$$\n\n{count} tensor{'s' if count > 1 else ''} ({shapes}), "
                    f"{sum(_size(s) for _, s in c.tensors)} parameters. {c.note}").strip()
        steps.append(Step(f"{i + 1}. {c.shown}", text))
    t_terms = " + ".join(str(len(c.tensors)) for c in counts)
    e_terms = " + ".join(str(sum(_size(s) for _, s in c.tensors)) for c in counts)
    steps.append(Step("Total", f"Tensors: ${t_terms} = {tensors}$.\n\nParameters: ${e_terms} = {elements}$."))
    return tuple(steps)


# -- seeded variants -------------------------------------------------------------------------------

def draw(rng: random.Random) -> dict[str, Any]:
    """A small realistic stack: an MLP, a CNN, a sequence model or an attention block."""
    return {"modules": rng.choice([_mlp, _cnn, _sequence, _attention])(rng)}


def _mlp(rng: random.Random) -> list[str]:
    hidden = [rng.choice([4, 5, 8, 10, 16, 20, 32, 64, 100]) for _ in range(rng.randint(1, 2))]
    sizes = [rng.choice([2, 3, 4, 10, 20, 100, 784]), *hidden, rng.choice([1, 2, 3, 10])]
    out: list[str] = []
    for j, (a, b) in enumerate(itertools.pairwise(sizes)):
        out.append(f"Linear({a}, {b}{', bias=False' if rng.random() < 0.2 else ''})")
        if j < len(sizes) - 2:
            out += [rng.choice([f"BatchNorm1d({b})", f"LayerNorm({b})"])] if rng.random() < 0.3 else []
            out.append(rng.choice(["ReLU()", "ReLU()", "Tanh()", f"PReLU({rng.choice([1, b])})"]))
            out += ["Dropout(0.5)"] if rng.random() < 0.3 else []
    return out


def _cnn(rng: random.Random) -> list[str]:
    c = rng.choice([1, 3])
    out: list[str] = []
    for _ in range(rng.randint(1, 3)):
        n, k = rng.choice([4, 6, 8, 16, 32]), rng.choice([1, 3, 5])
        extra = rng.choice(["", "", ", padding=1", ", stride=2", ", bias=False"])
        out.append(f"Conv2d({c}, {n}, {k}{extra})")
        norm = rng.choice([f"BatchNorm2d({n})", f"GroupNorm({rng.choice([1, 2])}, {n})", ""])
        out += [norm] if norm else []
        out.append("ReLU()")
        if rng.random() < 0.2:
            out.append(f"Conv2d({n}, {n}, 3, padding=1, groups={n})")
        out += ["MaxPool2d(2)"] if rng.random() < 0.5 else []
        c = n
    if rng.random() < 0.25:
        out.append(f"ConvTranspose2d({c}, {rng.choice([1, 3, 8])}, 2, stride=2)")
    else:
        out += ["Flatten()", f"Linear({c * rng.choice([1, 4, 16])}, {rng.choice([2, 5, 10])})"]
    return out


def _sequence(rng: random.Random) -> list[str]:
    d, h = rng.choice([4, 8, 10, 16, 32]), rng.choice([5, 8, 10, 16, 20, 32])
    kind = rng.choice(["LSTM", "LSTM", "GRU", "RNN"])
    extra = rng.choice(["", "", ", num_layers=2", ", bidirectional=True", ", bias=False"])
    dirs = 2 if "bidirectional" in extra else 1
    return [f"Embedding({rng.choice([50, 100, 1000])}, {d})", f"{kind}({d}, {h}{extra})",
            f"Linear({h * dirs}, {rng.choice([2, 3, 5, 10])})"]


def _attention(rng: random.Random) -> list[str]:
    e, heads = rng.choice([(8, 2), (16, 4), (32, 4), (64, 8), (12, 3)])
    return [f"LayerNorm({e})", f"MultiheadAttention({e}, {heads}{rng.choice(['', '', ', bias=False'])})",
            f"LayerNorm({e})", f"Linear({e}, {4 * e})", rng.choice(["GELU()", "ReLU()"]),
            f"Linear({4 * e}, {e})"]
