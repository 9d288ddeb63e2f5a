"""Reading one PyTorch constructor string such as "Conv2d(3, 96, 11, stride=4)", safely.

Why: topics take torch.nn modules as students write them, but a string from a JSON file
must never be evaluated. `parse` reads it with `ast` and accepts only one call (at most
MAX_TEXT characters) of a known torch.nn class, bare or as `nn.X` / `torch.nn.X`, with
literal arguments: signed numbers, strings, True/False/None, tuples and lists of them.
They are bound as Python binds them to the class's real signature (names, order,
keyword-only arguments, defaults: torch 2.13), each is checked for its kind (sizes at
most CAP), then torch's cross-argument rules apply (e.g. channels divisible by `groups`).
What passes, torch would build; a refusal is a `BadModule` with a one-line reason.
Nothing here knows what a module computes or how many parameters it has.
"""

from __future__ import annotations

import ast
import difflib
import math
from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["CAP", "MAX_TEXT", "BadModule", "ModuleCall", "parse"]

MAX_TEXT = 300
MAX_RNN_LAYERS = 100  # a stacked RNN lists its tensors layer by layer: keep that list short
CAP = 10**9  # largest size accepted
_MISSING = object()

# name -> signature "arg:kind=default, ..., *, kwonly:kind=default" ("**" accepts anything);
# kinds are checked by _ok, defaults are Python literals. Orders and defaults follow torch 2.13.
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
_CELL = "input_size:pos, hidden_size:pos, bias:bool=True"
_SPECS: dict[str, str] = {
    "Linear": "in_features:pos, out_features:pos, bias:bool=True",
    "Bilinear": "in1_features:pos, in2_features:pos, out_features:pos, bias:bool=True",
    **{f"Conv{d}d": _CONV for d in (1, 2, 3)},
    **{f"ConvTranspose{d}d": _CONVT for d in (1, 2, 3)},
    **{f"BatchNorm{d}d": _BN.format("True", "True") for d in (1, 2, 3)},
    **{f"InstanceNorm{d}d": _BN.format("False", "False").replace("optnum", "num") for d in (1, 2, 3)},
    "LayerNorm": "normalized_shape:shape, eps:num=1e-05, elementwise_affine:bool=True, bias:bool=True",
    "RMSNorm": "normalized_shape:shape, eps:optnum=None, elementwise_affine:bool=True",
    "GroupNorm": "num_groups:pos, num_channels:pos, eps:num=1e-05, affine:bool=True, *, bias:bool=True",
    "Embedding": ("num_embeddings:pos, embedding_dim:pos, padding_idx:optint=None, max_norm:optnum=None, "
                  "norm_type:num=2.0, scale_grad_by_freq:bool=False, sparse:bool=False"),
    "EmbeddingBag": ("num_embeddings:pos, embedding_dim:pos, max_norm:optnum=None, norm_type:num=2.0, "
                     "scale_grad_by_freq:bool=False, mode:str:mean|sum|max='mean', sparse:bool=False, "
                     "include_last_offset:bool=False, padding_idx:optint=None"),
    "RNN": _RNN.format("nonlinearity:str:tanh|relu='tanh', ", ""),
    "LSTM": _RNN.format("", ", proj_size:int0=0"),
    "GRU": _RNN.format("", ""),
    "RNNCell": _CELL + ", nonlinearity:str:tanh|relu='tanh'",
    **dict.fromkeys(("LSTMCell", "GRUCell"), _CELL),
    "PReLU": "num_parameters:pos=1, init:num=0.25",
    "MultiheadAttention": ("embed_dim:pos, num_heads:pos, dropout:prob=0.0, bias:bool=True, "
                           "add_bias_kv:bool=False, add_zero_attn:bool=False, kdim:optpos=None, "
                           "vdim:optpos=None, batch_first:bool=False"),
    # activations, dropout, pooling and reshaping
    **dict.fromkeys(("ReLU", "ReLU6", "SELU", "SiLU", "Mish", "Hardswish", "Hardsigmoid"),
                    "inplace:bool=False"),
    **dict.fromkeys(("Tanh", "Sigmoid", "Softsign", "Tanhshrink", "LogSigmoid", "Softmax2d"), ""),
    "LeakyReLU": "negative_slope:num=0.01, inplace:bool=False",
    **dict.fromkeys(("ELU", "CELU"), "alpha:num=1.0, inplace:bool=False"),
    "GELU": "approximate:str:none|tanh='none'",
    "Hardtanh": "min_val:num=-1.0, max_val:num=1.0, inplace:bool=False",
    **dict.fromkeys(("Hardshrink", "Softshrink"), "lambd:num=0.5"),
    "Softplus": "beta:num=1.0, threshold:num=20.0",
    "Threshold": "threshold:num, value:num, inplace:bool=False",
    "GLU": "dim:int=-1",
    **dict.fromkeys(("Softmax", "LogSoftmax", "Softmin"), "dim:optint=None"),
    **dict.fromkeys(("Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"),
                    "p:prob=0.5, inplace:bool=False"),
    **{f"MaxPool{d}d": _POOL_MAX for d in (1, 2, 3)},
    "AvgPool1d": _POOL_AVG,
    **{f"AvgPool{d}d": _POOL_AVG + ", divisor_override:optpos=None" for d in (2, 3)},
    **{f"AdaptiveAvgPool{d}d": "output_size:any" for d in (1, 2, 3)},
    **{f"AdaptiveMaxPool{d}d": "output_size:any, return_indices:bool=False" for d in (1, 2, 3)},
    "Flatten": "start_dim:int=1, end_dim:int=-1",
    "Unflatten": "dim:int, unflattened_size:ints",
    "Identity": "**",
    "Upsample": ("size:any=None, scale_factor:optnums=None, mode:str:nearest|linear|bilinear|bicubic|"
                 "trilinear|nearest-exact='nearest', align_corners:optbool=None, "
                 "recompute_scale_factor:optbool=None"),
    "PixelShuffle": "upscale_factor:pos", "PixelUnshuffle": "downscale_factor:pos",
    **{f"ZeroPad{d}d": "padding:any" for d in (1, 2, 3)},
    "LocalResponseNorm": "size:pos, alpha:num=0.0001, beta:num=0.75, k:num=1.0",
}
_NOT_A_CALL = "is not a module call; write e.g. Linear(100, 10) or Conv2d(3, 16, 3, stride=2)"


class BadModule(Exception):
    """A module string torch would not build, or we will not read; the message is one line."""


class ModuleCall(NamedTuple):
    """A parsed module: its class name, its 1d/2d/3d dimensions (1 for the others), every
    argument bound by name with defaults filled in, and the call as written back (`shown`)."""

    name: str
    dims: int
    args: dict[str, Any]
    shown: str


class _Arg(NamedTuple):
    name: str
    kind: str
    default: Any
    kw_only: bool


class _List(tuple):
    """A list argument: a tuple everywhere, except where torch accepts only a tuple."""

    def __repr__(self) -> str:
        return repr(list(self))


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


_SIGNATURES = {name: _signature(spec) for name, spec in _SPECS.items() if spec != "**"}


def parse(text: str) -> ModuleCall:
    """Read, bind and check one module string; raise BadModule with a one-line reason."""
    if len(text) > MAX_TEXT:
        raise BadModule(f"is longer than {MAX_TEXT} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise BadModule(_NOT_A_CALL) from None
    call = tree.body
    if not isinstance(call, ast.Call):
        raise BadModule(_NOT_A_CALL)
    name = _module_name(call.func)
    if name in ("Sequential", "ModuleList", "ModuleDict"):
        raise BadModule(f"is a container; list the modules inside the {name} one by one instead")
    if name not in _SPECS:
        close = difflib.get_close_matches(name, _SPECS, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise BadModule(f"unknown module {name!r}; {hint}use a torch.nn layer such as Linear, Conv2d, "
                        "BatchNorm2d, LayerNorm, Embedding, LSTM, ReLU or MaxPool2d")
    positional = [_literal(a) for a in call.args]
    keywords: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise BadModule("**kwargs are not accepted; write each argument out")
        keywords[kw.arg] = _literal(kw.value)
    call.func = ast.Name(name)
    dims = int(name[-2]) if name[-1] == "d" and name[-2].isdigit() else 1
    args = _bind(name, dims, positional, keywords) if name in _SIGNATURES else {}
    if name in _RULES:
        _RULES[name](args, dims)
    return ModuleCall(name, dims, args, ast.unparse(call))


def _module_name(func: ast.expr) -> str:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        raise BadModule("is not a module call; write e.g. Linear(100, 10)")
    parts.append(func.id)
    parts.reverse()
    if parts[:-1] not in ([], ["nn"], ["torch", "nn"]):
        raise BadModule(f"names {'.'.join(parts)!r}; write the torch.nn class, e.g. Linear or nn.Linear")
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
    raise BadModule("arguments must be literal numbers, strings, True/False/None or tuples of them, "
                    f"got {ast.unparse(node)[:30]!r}")


def _bind(name: str, dims: int, positional: list[Any], keywords: dict[str, Any]) -> dict[str, Any]:
    """Python's own call binding against the module's signature, then the kind checks."""
    sig = _SIGNATURES[name]
    slots = [a for a in sig if not a.kw_only]
    if len(positional) > len(slots):
        listing = ", ".join(a.name for a in slots) or "no arguments"
        raise BadModule(f"{name} takes at most {len(slots)} positional argument(s) ({listing}), "
                        f"got {len(positional)}")
    bound = {a.name: v for a, v in zip(slots, positional, strict=False)}
    known = [a.name for a in sig]
    for key, value in keywords.items():
        if key not in known:
            raise BadModule(f"{name} has no argument {key!r}; it takes {', '.join(known) or 'none'}")
        if key in bound:
            raise BadModule(f"argument {key!r} is given twice")
        bound[key] = value
    for a in sig:
        if a.name not in bound:
            if a.default is _MISSING:
                raise BadModule(f"{name} needs the argument {a.name!r}")
            bound[a.name] = a.default
        else:
            _check(a, bound[a.name], dims)
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
        raise BadModule(f"{a.name} must be {_WHAT.get(kind, _choices(kind))}"
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


# -- torch's rules across arguments (run after binding) --------------------------------------

def _conv_rule(a: dict[str, Any], dims: int) -> None:
    g = a["groups"]
    for label in ("in_channels", "out_channels"):
        if a[label] % g:
            raise BadModule(f"{label} ({a[label]}) must be divisible by groups ({g}), as PyTorch requires")
    if "output_padding" not in a:
        if a["padding"] == "same" and a["stride"] not in (1, (1,) * dims):
            raise BadModule("padding='same' needs stride 1 (PyTorch refuses strided 'same' convolutions)")
        return
    per_dim = [v if isinstance(v, tuple) else (v,) * dims
               for v in (a["output_padding"], a["stride"], a["dilation"])]
    if any(x >= max(s, d) for x, s, d in zip(*per_dim, strict=True)):
        raise BadModule("output_padding must be smaller than the stride or the dilation (PyTorch's rule)")


def _divides(what: str, by: str) -> Callable[[dict[str, Any], int], None]:
    def rule(a: dict[str, Any], dims: int) -> None:
        if a[what] % a[by]:
            raise BadModule(f"{what} ({a[what]}) must be divisible by {by} ({a[by]}), as PyTorch requires")
    return rule


def _padding_idx_rule(a: dict[str, Any], dims: int) -> None:
    n, pad = a["num_embeddings"], a["padding_idx"]
    if pad is not None and not -n <= pad < n:
        raise BadModule(f"padding_idx must be within num_embeddings (from {-n} to {n - 1}), got {pad}")


def _proj_size_rule(a: dict[str, Any], dims: int) -> None:
    proj, h = a["proj_size"], a["hidden_size"]
    if proj >= h:
        raise BadModule(f"proj_size ({proj}) must be smaller than hidden_size ({h}), as PyTorch requires")


def _hardtanh_rule(a: dict[str, Any], dims: int) -> None:
    if a["max_val"] <= a["min_val"]:
        raise BadModule("max_val must be greater than min_val, as PyTorch requires")


_RULES: dict[str, Callable[[dict[str, Any], int], None]] = {
    **{f"{conv}{d}d": _conv_rule for conv in ("Conv", "ConvTranspose") for d in (1, 2, 3)},
    "GroupNorm": _divides("num_channels", "num_groups"),
    "MultiheadAttention": _divides("embed_dim", "num_heads"),
    "Embedding": _padding_idx_rule, "EmbeddingBag": _padding_idx_rule,
    "LSTM": _proj_size_rule, "Hardtanh": _hardtanh_rule,
}
