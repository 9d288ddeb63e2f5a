"""params.count against the same modules built with torch.nn (eval is used here, in the
test only, as the oracle; the topic itself never evaluates a string)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from dlexam import ParamError, question
from dlexam.topics import _module_strings, params_count

TOPIC = "params.count"
NAMESPACE = {**vars(nn), "nn": nn, "torch": torch, "__builtins__": {}}

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # e.g. RNN dropout with one layer


def torch_module(text: str) -> nn.Module:
    """The module torch builds from the string, on the meta device: shapes without memory,
    so Linear(1000000, 100) costs nothing."""
    with torch.device("meta"):
        return eval(text, NAMESPACE)  # the oracle, on strings this file controls


def torch_counts(modules: list[str]) -> tuple[int, int]:
    params = [p for text in modules for p in torch_module(text).parameters()]
    return len(params), sum(p.numel() for p in params)


def assert_matches_torch(modules: list[str]) -> None:
    q = question(TOPIC, params={"modules": modules})
    assert (q.part("tensors").answer, q.part("elements").answer) == torch_counts(modules)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch(seed: int) -> None:
    assert_matches_torch(question(TOPIC, seed=seed).params["modules"])


EDGE_CASES = [
    "Linear(1000000, 100)", "Linear(100, 10, bias=False)", "nn.Linear(3, 4)", "torch.nn.Linear(3, 4)",
    "Linear(in_features=5, out_features=2)", "Bilinear(3, 4, 5)", "Bilinear(3, 4, 5, bias=False)",
    "Conv1d(4, 8, 3)", "Conv2d(3, 96, 11, stride=4)", "Conv2d(3, 8, (3, 5), padding='same')",
    "Conv2d(8, 16, 3, groups=4, bias=False)", "Conv2d(8, 8, 3, 1, 1, 1, 8, False, 'reflect')",
    "Conv3d(2, 4, (1, 3, 3))", "Conv2d(3, 8, [3, 3], padding=[1, 0])",
    "ConvTranspose1d(4, 2, 4, stride=2)", "ConvTranspose2d(8, 4, 3, groups=2)",
    "ConvTranspose2d(16, 8, 2, stride=2, output_padding=1)", "ConvTranspose3d(4, 6, 2, bias=False)",
    "BatchNorm1d(10)", "BatchNorm2d(96)", "BatchNorm2d(8, affine=False)", "BatchNorm3d(5, bias=False)",
    "BatchNorm2d(8, track_running_stats=False)", "BatchNorm1d(4, 1e-3, None)",
    "InstanceNorm2d(8)", "InstanceNorm1d(8, affine=True)",
    "LayerNorm(64)", "LayerNorm((10, 20))", "LayerNorm([4, 5, 6], elementwise_affine=False)",
    "LayerNorm(8, bias=False)", "LayerNorm(())", "RMSNorm(16)", "RMSNorm((4, 4), elementwise_affine=False)",
    "GroupNorm(4, 16)", "GroupNorm(1, 6, affine=False)", "GroupNorm(2, 6, bias=False)",
    "Embedding(1000, 32)", "Embedding(10, 3, padding_idx=-10)", "EmbeddingBag(50, 4, mode='sum')",
    "RNN(10, 20)", "RNN(10, 20, 2, 'relu', False)", "RNN(4, 8, nonlinearity='relu', bidirectional=True)",
    "LSTM(10, 20)", "LSTM(10, 20, num_layers=3, bidirectional=True)", "LSTM(10, 20, bias=False)",
    "LSTM(10, 20, proj_size=5)", "LSTM(6, 8, 2, True, False, 0.5, True, 3)",
    "GRU(10, 20)", "GRU(3, 5, num_layers=2, bidirectional=True, dropout=0.2)",
    "RNNCell(3, 4)", "RNNCell(3, 4, False, 'relu')", "LSTMCell(10, 20)", "GRUCell(5, 7, bias=False)",
    "PReLU()", "PReLU(64)", "PReLU(num_parameters=3, init=0.1)",
    "MultiheadAttention(16, 4)", "MultiheadAttention(16, 4, bias=False)",
    "MultiheadAttention(12, 3, kdim=5, vdim=7)", "MultiheadAttention(8, 2, add_bias_kv=True)",
    "MultiheadAttention(8, 1, 0.1, True, False, True, None, 8, True)",
    "ReLU()", "ReLU(inplace=True)", "Tanh()", "Sigmoid()", "GELU()", "GELU(approximate='tanh')",
    "LeakyReLU(0.2)", "ELU(alpha=0.5)", "Hardtanh(-2, 2)", "Softplus(2, 10)", "Threshold(0.1, 20)",
    "Softmax(dim=1)", "LogSoftmax(-1)", "Dropout()", "Dropout(0.3)", "Dropout2d(p=0.1)",
    "MaxPool2d(2)", "MaxPool2d(3, stride=2, padding=1)", "MaxPool1d((3,), 2)", "AvgPool2d(2, 2)",
    "AvgPool3d(2, divisor_override=3)", "AdaptiveAvgPool2d((1, 1))", "AdaptiveMaxPool1d(4, True)",
    "Flatten()", "Flatten(0, -1)", "Unflatten(1, (2, 5))", "Identity()", "Identity(54, unused='x')",
    "Upsample(scale_factor=2, mode='bilinear')", "PixelShuffle(2)", "ZeroPad2d(1)",
    "LocalResponseNorm(2)", "  Linear( 3 ,\n 4 )  ", "Linear(3, 4)  # a comment",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_match_torch_one_module_at_a_time(text: str) -> None:
    assert_matches_torch([text])


def test_whole_stacks_match_torch() -> None:
    for start in range(0, len(EDGE_CASES), 50):  # at most 50 modules a question
        assert_matches_torch(EDGE_CASES[start:start + 50])


# -- which modules have parameters (the parser's own tests: test_module_strings.py) ----------

SMALLEST = {"pos": 1, "int": 1, "num": 1.0, "ints": (1,), "any": 1, "tup1": 1, "shape": 1}


def test_every_module_we_count_is_one_the_parser_reads() -> None:
    assert set(params_count._COUNTERS) <= set(_module_strings._SPECS)


@pytest.mark.parametrize("name", sorted(set(_module_strings._SPECS) - set(params_count._COUNTERS)))
def test_every_module_we_do_not_count_has_no_parameters_in_torch(name: str) -> None:
    required = [a for a in _module_strings._SIGNATURES.get(name, ()) if a.default is _module_strings._MISSING]
    text = f"{name}({', '.join(repr(SMALLEST[a.kind]) for a in required)})"
    assert torch_counts([text]) == (0, 0)


# -- refusals ----------------------------------------------------------------------------------

REFUSED = [
    # (module string, words the message must contain, does torch refuse it too?)
    ("Linear(100)", "out_features", True),
    ("Linear(1, 2, 3, 4)", "positional", True),
    ("Linear(1, 2, bais=False)", "bais", True),
    ("Linear(1, 2, in_features=3)", "twice", True),
    ("Conv2d(3, 8, 3, groups=2)", "divisible by groups", True),
    ("Conv2d(4, 6, 3, groups=4)", "divisible by groups", True),
    ("Conv2d(3, 8, 3, stride=2, padding='same')", "same", True),
    ("Conv2d(3, 8, 3, padding='full')", "padding", True),
    ("Conv2d(3, 8, 3, padding_mode='mirror')", "padding_mode", True),
    ("ConvTranspose2d(3, 8, 3, padding_mode='reflect')", "padding_mode", True),
    ("GroupNorm(4, 6)", "divisible by num_groups", True),
    ("MultiheadAttention(10, 3)", "divisible by num_heads", True),
    ("Embedding(10, 3, padding_idx=10)", "padding_idx", True),
    ("LSTM(10, 20, proj_size=20)", "proj_size", True),
    ("GRU(10, 20, proj_size=5)", "proj_size", True),
    ("RNN(10, 20, nonlinearity='sigmoid')", "nonlinearity", True),
    ("LSTM(10, 20, dropout=1.5)", "dropout", True),
    ("Dropout(2)", "0 to 1", True),
    ("Hardtanh(1, -1)", "max_val", True),
    ("Unflatten(1, 'ab')", "unflattened_size", True),
    ("Linear(-3, 4)", "in_features", True),
    ("MaxPool2d()", "kernel_size", True),
    ("Foo(3)", "unknown module", True),
    ("Sequential(Linear(1, 2), ReLU())", "one by one", False),
    ("Lnear(3, 4)", "did you mean Linear", True),
    ("ReLU(1, 2)", "positional", True),
    ("Tanh(1)", "positional", True),
    ("Linear(3.0, 4)", "in_features", True),
    ("Linear(3, 4, bias=1)", "bias", False),  # torch accepts any truthy bias; we want a bool
    ("Linear(0, 4)", "in_features", False),  # torch builds an empty weight; no exam asks that
    ("Linear(10**6, 4)", "literal", False),
    ("Linear(n, 4)", "literal", False),
    ("Linear(*sizes)", "literal", False),
    ("Linear(**kw)", "kwargs", False),
    ("__import__('os').system('true')", "module", False),
    ("nn.functional.relu(3)", "torch.nn class", False),
    ("Linear", "not a module call", False),
    ("Linear(3, 4", "not a module call", False),
    ("Linear(3, 4); Linear(1, 2)", "not a module call", False),
    ("ConvTranspose2d(3, 8, 3, stride=2, output_padding=2)", "output_padding", False),  # torch: at forward
    ("Conv2d(3, 8, (3, 3, 3))", "kernel_size", False),  # torch builds a 5-d weight
]


@pytest.mark.parametrize(("text", "words", "torch_refuses"), REFUSED)
def test_bad_module_strings_are_refused_naming_modules_the_index_and_the_problem(
        text: str, words: str, torch_refuses: bool) -> None:
    with pytest.raises(ParamError) as info:
        question(TOPIC, params={"modules": ["ReLU()", text]})
    message = str(info.value)
    assert info.value.param == "modules" and "\n" not in message
    assert "at index 1" in message and words in message
    assert json.dumps(text)[:40].rstrip('"') in message or len(text) > 50


@pytest.mark.parametrize("text", [t for t, _, refuses in REFUSED if refuses])
def test_torch_refuses_what_we_refuse(text: str) -> None:
    with pytest.raises((TypeError, ValueError, AssertionError, NameError, RuntimeError)):
        torch_module(text)


@pytest.mark.parametrize("modules", [[], "Linear(1, 2)", [3], ["ReLU()"] * 51, ["Linear(1, 2)" + " " * 300]])
def test_the_modules_list_itself_is_checked(modules: Any) -> None:
    with pytest.raises(ParamError) as info:
        question(TOPIC, params={"modules": modules})
    assert info.value.param == "modules"


# -- the key explains the traps ------------------------------------------------------------------

def test_the_key_substitutes_each_formula_and_names_the_traps() -> None:
    q = question(TOPIC, params={"modules": ["Linear(100, 10)", "BatchNorm2d(96)", "LSTM(10, 20)"]})
    text = "\n".join(s.text for s in q.solution)
    assert r"\text{in} \cdot \text{out} + \text{out} = 100 \cdot 10 + 10 = 1010" in text
    assert "buffers" in text and "not parameters" in text
    assert "two bias vectors" in text and "8h" in text
    assert "2 tensors" in text


# -- the parser: any string is a module or a clean ParamError ------------------------------------

def assert_clean(text: str) -> None:
    try:
        q = question(TOPIC, params={"modules": [text]})
    except ParamError as e:
        assert "\n" not in str(e) and e.param == "modules"
        return
    assert isinstance(q.part("elements").answer, int)


@given(st.text(max_size=80))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    assert_clean(text)


NAMES = sorted(_module_strings._SPECS)
ATOMS = st.sampled_from([0, 1, 2, 3, 4, 6, 8, -1, -2, 10**9, 10**10, 0.5, 1e-5, 2.0, float("inf"),
                         True, False, None, "same", "valid", "zeros", "reflect", "tanh", "relu", "sum",
                         "none", "x", (2, 2), (1, 3, 3), (), (4,), [2, 3]])


@st.composite
def module_calls(draw: Any) -> str:
    """Calls to real module names with plausible (often wrong) arguments."""
    name = draw(st.sampled_from(NAMES))
    sig = _module_strings._SIGNATURES.get(name, ())
    args = [repr(draw(ATOMS)) for _ in range(draw(st.integers(0, 4)))]
    names = [a.name for a in sig] + ["bogus"]
    for key in draw(st.lists(st.sampled_from(names), max_size=3, unique=True)):
        args.append(f"{key}={draw(ATOMS)!r}")
    return f"{name}({', '.join(args)})"


@given(module_calls())
def test_whatever_we_accept_torch_builds_with_the_same_counts(text: str) -> None:
    try:
        q = question(TOPIC, params={"modules": [text]})
    except ParamError as e:
        assert "\n" not in str(e)
        return
    if q.part("elements").answer <= 10**12:
        assert (q.part("tensors").answer, q.part("elements").answer) == torch_counts([text])
