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

import ast
import difflib
import itertools
import math
import random
from functools import lru_cache
from typing import Any, NamedTuple

from ..model import Part, Question, Step
from ._params import REQUIRED, Params, show

ID = "params.count"
TITLE = "Counting the parameters of PyTorch modules"
PARAMS: dict[str, Any] = {"modules": REQUIRED}
DECIMALS = 0

MAX_MODULES = 50
MAX_TEXT = 300
MAX_RNN_LAYERS = 100  # the key lists every layer's tensors
CAP = 10**9  # largest size accepted: keeps every count a modest integer
_MISSING = object()

# name -> (family, signature "arg:kind=default, ..., *, kwonly:kind=default"); kinds are
# checked by _check, defaults are Python literals. Orders and defaults follow torch 2.13.
_CONV = ("in_channels:pos, out_channels:pos, kernel_size:tup1, stride:tup1=1, padding:pad=0, "
         "dilation:tup1=1, groups:pos=1, bias:bool=True, padding_mode:str:zeros|reflect|replicate|"
         "circular='zeros'")
_CONVT = ("in_channels:pos, out_channels:pos, kernel_size:tup1, stride:tup1=1, padding:tup0=0, "
          "output_padding:tup0=0, groups:pos=1, bias:bool=True, dilation:tup1=1, "
          "padding_mode:str:zeros='zeros'")
_BN = ("num_features:pos, eps:num=1e-05, momentum:optnum=0.1, affine:bool={}, "
       "track_running_stats:bool={}, *, bias:bool=True")
_RNN = ("input_size:pos, hidden_size:pos, num_layers:layers=1, {}bias:bool=True, batch_first:bool=False, "
        "dropout:prob=0.0, bidirectional:bool=False{}")
_POOL_MAX = ("kernel_size:tup1, stride:opttup1=None, padding:tup0=0, dilation:tup1=1, "
             "return_indices:bool=False, ceil_mode:bool=False")
_POOL_AVG = "kernel_size:tup1, stride:opttup1=None, padding:tup0=0, ceil_mode:bool=False, " \
            "count_include_pad:bool=True"
_SPECS: dict[str, tuple[str, str]] = {
    "Linear": ("linear", "in_features:pos, out_features:pos, bias:bool=True"),
    "Bilinear": ("bilinear", "in1_features:pos, in2_features:pos, out_features:pos, bias:bool=True"),
    **{f"Conv{d}d": ("conv", _CONV) for d in (1, 2, 3)},
    **{f"ConvTranspose{d}d": ("convt", _CONVT) for d in (1, 2, 3)},
    **{f"BatchNorm{d}d": ("norm", _BN.format("True", "True")) for d in (1, 2, 3)},
    **{f"InstanceNorm{d}d": ("norm", _BN.format("False", "False").replace("optnum", "num"))
       for d in (1, 2, 3)},
    "LayerNorm": ("layernorm", "normalized_shape:shape, eps:num=1e-05, elementwise_affine:bool=True, "
                  "bias:bool=True"),
    "RMSNorm": ("rmsnorm", "normalized_shape:shape, eps:optnum=None, elementwise_affine:bool=True"),
    "GroupNorm": ("groupnorm", "num_groups:pos, num_channels:pos, eps:num=1e-05, affine:bool=True, "
                  "*, bias:bool=True"),
    "Embedding": ("embedding", "num_embeddings:pos, embedding_dim:pos, padding_idx:optint=None, "
                  "max_norm:optnum=None, norm_type:num=2.0, scale_grad_by_freq:bool=False, "
                  "sparse:bool=False"),
    "EmbeddingBag": ("embedding", "num_embeddings:pos, embedding_dim:pos, max_norm:optnum=None, "
                     "norm_type:num=2.0, scale_grad_by_freq:bool=False, mode:str:mean|sum|max='mean', "
                     "sparse:bool=False, include_last_offset:bool=False, padding_idx:optint=None"),
    "RNN": ("rnn", _RNN.format("nonlinearity:str:tanh|relu='tanh', ", "")),
    "LSTM": ("rnn", _RNN.format("", ", proj_size:int0=0")),
    "GRU": ("rnn", _RNN.format("", "")),
    "RNNCell": ("cell", "input_size:pos, hidden_size:pos, bias:bool=True, "
                "nonlinearity:str:tanh|relu='tanh'"),
    "LSTMCell": ("cell", "input_size:pos, hidden_size:pos, bias:bool=True"),
    "GRUCell": ("cell", "input_size:pos, hidden_size:pos, bias:bool=True"),
    "PReLU": ("prelu", "num_parameters:pos=1, init:num=0.25"),
    "MultiheadAttention": ("mha", "embed_dim:pos, num_heads:pos, dropout:prob=0.0, bias:bool=True, "
                           "add_bias_kv:bool=False, add_zero_attn:bool=False, kdim:optpos=None, "
                           "vdim:optpos=None, batch_first:bool=False"),
    # modules without parameters
    **dict.fromkeys(("ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid"),
                    ("none", "inplace:bool=False")),
    **dict.fromkeys(("Tanh", "Sigmoid", "Softsign", "Tanhshrink", "LogSigmoid", "Softmax2d"), ("none", "")),
    "LeakyReLU": ("none", "negative_slope:num=0.01, inplace:bool=False"),
    "ELU": ("none", "alpha:num=1.0, inplace:bool=False"),
    "CELU": ("none", "alpha:num=1.0, inplace:bool=False"),
    "GELU": ("none", "approximate:str:none|tanh='none'"),
    "Hardtanh": ("none", "min_val:num=-1.0, max_val:num=1.0, inplace:bool=False"),
    "Hardshrink": ("none", "lambd:num=0.5"),
    "Softshrink": ("none", "lambd:num=0.5"),
    "Softplus": ("none", "beta:num=1.0, threshold:num=20.0"),
    "Threshold": ("none", "threshold:num, value:num, inplace:bool=False"),
    "GLU": ("none", "dim:int=-1"),
    **dict.fromkeys(("Softmax", "LogSoftmax", "Softmin"), ("none", "dim:optint=None")),
    **dict.fromkeys(("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
                     "FeatureAlphaDropout"), ("none", "p:prob=0.5, inplace:bool=False")),
    **{f"MaxPool{d}d": ("none", _POOL_MAX) for d in (1, 2, 3)},
    "AvgPool1d": ("none", _POOL_AVG),
    **{f"AvgPool{d}d": ("none", _POOL_AVG + ", divisor_override:optpos=None") for d in (2, 3)},
    **{f"AdaptiveAvgPool{d}d": ("none", "output_size:any") for d in (1, 2, 3)},
    **{f"AdaptiveMaxPool{d}d": ("none", "output_size:any, return_indices:bool=False") for d in (1, 2, 3)},
    "Flatten": ("none", "start_dim:int=1, end_dim:int=-1"),
    "Unflatten": ("none", "dim:int, unflattened_size:ints"),
    "Identity": ("none", "**"),
    "Upsample": ("none", "size:any=None, scale_factor:optnums=None, mode:str:nearest|linear|bilinear|bicubic|"
                 "trilinear|nearest-exact='nearest', align_corners:optbool=None, "
                 "recompute_scale_factor:optbool=None"),
    "PixelShuffle": ("none", "upscale_factor:pos"),
    "PixelUnshuffle": ("none", "downscale_factor:pos"),
    **{f"ZeroPad{d}d": ("none", "padding:any") for d in (1, 2, 3)},
    "LocalResponseNorm": ("none", "size:pos, alpha:num=0.0001, beta:num=0.75, k:num=1.0"),
}


class _Arg(NamedTuple):
    name: str
    kind: str
    default: Any
    kw_only: bool


class _Count(NamedTuple):
    """One module's answer: the display text, its tensors (name, shape), its key line."""

    shown: str
    tensors: tuple[tuple[str, tuple[int, ...]], ...]
    formula: str
    note: str


class _List(tuple):
    """A list argument: a tuple everywhere, except where torch accepts only a tuple."""

    def __repr__(self) -> str:
        return repr(list(self))


class _Bad(Exception):
    """A problem with one module string (the caller adds the index)."""


def _signature(spec: str) -> tuple[_Arg, ...]:
    args, kw_only = [], False
    for item in filter(None, (s.strip() for s in spec.split(", "))):
        if item == "*":
            kw_only = True
            continue
        head, _, default = item.partition("=")
        name, _, kind = head.partition(":")
        args.append(_Arg(name, kind, ast.literal_eval(default) if default else _MISSING, kw_only))
    return tuple(args)


_SIGNATURES = {name: _signature(spec) for name, (_, spec) in _SPECS.items() if spec != "**"}


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
        except _Bad as e:
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


# -- reading one module string -------------------------------------------------------------

@lru_cache(maxsize=4096)
def _count(text: str) -> _Count:
    """Parse, bind, check and count one module string (cached: exams repeat modules)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise _Bad("is not a module call; write e.g. Linear(100, 10) or Conv2d(3, 16, 3, stride=2)") from None
    call = tree.body
    if not isinstance(call, ast.Call):
        raise _Bad("is not a module call; write e.g. Linear(100, 10) or Conv2d(3, 16, 3, stride=2)")
    name = _module_name(call.func)
    if name in ("Sequential", "ModuleList", "ModuleDict"):
        raise _Bad(f"is a container; list the modules inside the {name} one by one instead")
    if name not in _SPECS:
        close = difflib.get_close_matches(name, _SPECS, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise _Bad(f"unknown module {name!r}; {hint}use a torch.nn layer such as Linear, Conv2d, "
                   "BatchNorm2d, LayerNorm, Embedding, LSTM, ReLU or MaxPool2d")
    positional = [_literal(a) for a in call.args]
    keywords: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise _Bad("**kwargs are not accepted; write each argument out")
        keywords[kw.arg] = _literal(kw.value)
    call.func = ast.Name(name)
    shown = ast.unparse(call)
    family, _ = _SPECS[name]
    if family == "none":
        bound = _bind(name, positional, keywords) if name != "Identity" else {}
        if name == "Hardtanh" and bound["max_val"] <= bound["min_val"]:
            raise _Bad("max_val must be greater than min_val, as PyTorch requires")
        return _Count(shown, (), "", f"{name} has no parameters: it has nothing to learn.")
    args = _bind(name, positional, keywords)
    return _COUNTERS[family](shown, name, args, _dims(name))


def _dims(name: str) -> int:
    """Spatial dimensions of a ...1d/2d/3d module (1 for the others)."""
    return int(name[-2]) if name[-1] == "d" and name[-2].isdigit() else 1


def _module_name(func: ast.expr) -> str:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        raise _Bad("is not a module call; write e.g. Linear(100, 10)")
    parts.append(func.id)
    parts.reverse()
    if parts[:-1] not in ([], ["nn"], ["torch", "nn"]):
        raise _Bad(f"names {'.'.join(parts)!r}; write the torch.nn class, e.g. Linear or nn.Linear")
    return parts[-1]


def _literal(node: ast.expr) -> Any:
    """A literal argument: a number, string, True/False/None, or a tuple/list of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool | type(None)):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _literal(node.operand)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Tuple):
        return tuple(_literal(e) for e in node.elts)
    if isinstance(node, ast.List):
        return _List(_literal(e) for e in node.elts)
    raise _Bad("arguments must be literal numbers, strings, True/False/None or tuples of them, "
               f"got {ast.unparse(node)[:30]!r}")


def _bind(name: str, positional: list[Any], keywords: dict[str, Any]) -> dict[str, Any]:
    """Python's own call binding against the module's signature, then the kind checks."""
    sig = _SIGNATURES[name]
    slots = [a for a in sig if not a.kw_only]
    if len(positional) > len(slots):
        listing = ", ".join(a.name for a in slots) or "no arguments"
        raise _Bad(f"{name} takes at most {len(slots)} positional argument(s) ({listing}), "
                   f"got {len(positional)}")
    bound = {a.name: v for a, v in zip(slots, positional, strict=False)}
    known = {a.name for a in sig}
    for key, value in keywords.items():
        if key not in known:
            raise _Bad(f"{name} has no argument {key!r}; it takes {', '.join(a.name for a in sig) or 'none'}")
        if key in bound:
            raise _Bad(f"argument {key!r} is given twice")
        bound[key] = value
    for a in sig:
        if a.name not in bound:
            if a.default is _MISSING:
                raise _Bad(f"{name} needs the argument {a.name!r}")
            bound[a.name] = a.default
        else:
            _check(a, bound[a.name], _dims(name))
    return bound


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _ok_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check(a: _Arg, v: Any, dims: int) -> None:
    kind = a.kind
    ok: bool
    if kind.startswith("opt"):
        ok, kind = v is None or _ok(kind[3:], v, dims), kind[3:]
    else:
        ok = _ok(kind, v, dims)
    if not ok:
        raise _Bad(f"{a.name} must be {_WHAT.get(kind, _choices(kind))}"
                   f"{' or None' if a.kind.startswith('opt') else ''}, got {v!r}"[:160])


def _ok(kind: str, v: Any, dims: int) -> bool:
    if kind == "pos":
        return _is_int(v) and 1 <= v <= CAP
    if kind == "layers":
        return _is_int(v) and 1 <= v <= MAX_RNN_LAYERS
    if kind == "int0":
        return _is_int(v) and 0 <= v <= CAP
    if kind == "int":
        return _is_int(v) and abs(v) <= CAP
    if kind == "bool":
        return isinstance(v, bool)
    if kind in ("num", "prob"):
        return _ok_number(v) and (kind == "num" or 0 <= v <= 1)
    if kind in ("tup1", "tup0", "pad"):
        lo = 1 if kind == "tup1" else 0
        if kind == "pad" and v in ("same", "valid"):
            return True
        items = v if isinstance(v, tuple) and len(v) == dims else (v,)
        return all(_is_int(x) and lo <= x <= CAP for x in items)
    if kind == "shape":
        items = v if isinstance(v, tuple) and len(v) <= 8 else (v,)
        return all(_is_int(x) and 1 <= x <= CAP for x in items)
    if kind in ("nums", "ints"):
        if kind == "nums" and isinstance(v, _List):
            return False  # Upsample's scale_factor: float() of a list fails in torch
        items = v if isinstance(v, tuple) and 1 <= len(v) <= 8 else (None,) if kind == "ints" else (v,)
        test = _is_int if kind == "ints" else _ok_number
        return all(test(x) and abs(x) <= CAP for x in items)
    if kind.startswith("str:"):
        return v in kind[4:].split("|")
    return True  # any


_WHAT = {
    "pos": f"a positive integer (at most {CAP})",
    "layers": f"an integer from 1 to {MAX_RNN_LAYERS}", "int0": "a non-negative integer", "int": "an integer",
    "bool": "True or False", "num": "a number", "prob": "a number from 0 to 1",
    "tup1": "a positive integer or a tuple of one per dimension",
    "tup0": "a non-negative integer or a tuple of one per dimension",
    "pad": "a non-negative integer, a tuple of one per dimension, 'same' or 'valid'",
    "shape": "a positive integer or a tuple of up to 8 of them",
    "nums": "a number or a tuple of numbers", "ints": "a tuple of integers",
}


def _choices(kind: str) -> str:
    return "one of " + ", ".join(repr(c) for c in kind[4:].split("|"))


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
    for label, c in (("in_channels", c_in), ("out_channels", c_out)):
        if c % g:
            raise _Bad(f"{label} ({c}) must be divisible by groups ({g}), as PyTorch requires")
    if not transposed and a["padding"] == "same" and a["stride"] not in (1, (1,) * dims):
        raise _Bad("padding='same' needs stride 1 (PyTorch refuses strided 'same' convolutions)")
    if transposed:
        stride = a["stride"] if isinstance(a["stride"], tuple) else (a["stride"],) * dims
        dil = a["dilation"] if isinstance(a["dilation"], tuple) else (a["dilation"],) * dims
        op = a["output_padding"] if isinstance(a["output_padding"], tuple) else (a["output_padding"],) * dims
        if any(x >= max(s, d) for x, s, d in zip(op, stride, dil, strict=True)):
            raise _Bad("output_padding must be smaller than the stride or the dilation (PyTorch's rule)")
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
    g, c = a["num_groups"], a["num_channels"]
    if c % g:
        raise _Bad(f"num_channels ({c}) must be divisible by num_groups ({g}), as PyTorch requires")
    count = _norm(shown, name, {"num_features": c, "affine": a["affine"], "bias": a["bias"],
                                "track_running_stats": False}, dims)
    return count._replace(note="γ and β are per channel, not per group.") if a["affine"] else count


def _embedding(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    n, d, pad = a["num_embeddings"], a["embedding_dim"], a["padding_idx"]
    if pad is not None and not -n <= pad < n:
        raise _Bad(f"padding_idx must be within num_embeddings (from {-n} to {n - 1}), got {pad}")
    return _Count(shown, (("weight", (n, d)),), rf"n \cdot d = {_dot(n, d)} = {n * d}",
                  "One row of d numbers per token; no bias.")


def _rnn(shown: str, name: str, a: dict[str, Any], dims: int) -> _Count:
    kind = name.removesuffix("Cell")
    gates = {"LSTM": 4, "GRU": 3, "RNN": 1}[kind]
    h, bias = a["hidden_size"], a["bias"]
    layers, dirs = a.get("num_layers", 1), 2 if a.get("bidirectional") else 1
    proj = a.get("proj_size", 0)
    if proj >= h:
        raise _Bad(f"proj_size ({proj}) must be smaller than hidden_size ({h}), as PyTorch requires")
    r = proj or h
    tensors: list[tuple[str, tuple[int, ...]]] = []
    lines = []
    gh = f"{gates}h" if gates > 1 else "h"
    for layer in range(layers):
        i = a["input_size"] if layer == 0 else r * dirs
        one = [("weight_ih", (gates * h, i)), ("weight_hh", (gates * h, r))]
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
    e, heads, bias = a["embed_dim"], a["num_heads"], a["bias"]
    if e % heads:
        raise _Bad(f"embed_dim ({e}) must be divisible by num_heads ({heads}), as PyTorch requires")
    kd, vd = a["kdim"] or e, a["vdim"] or e
    same = kd == e and vd == e
    proj: list[tuple[str, tuple[int, ...]]] = (
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


_COUNTERS = {
    "linear": _linear, "bilinear": _bilinear, "conv": _conv, "convt": _conv, "norm": _norm,
    "layernorm": _layernorm, "rmsnorm": _layernorm, "groupnorm": _groupnorm, "embedding": _embedding,
    "rnn": _rnn, "cell": _rnn, "prelu": _prelu, "mha": _mha,
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
