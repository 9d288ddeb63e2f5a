"""The module-string parser against torch's own signatures and Python's own call binding
(torch is the oracle; the strings are split with `ast` here, never evaluated)."""

from __future__ import annotations

import ast
import inspect
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from torch import nn

from dlexam.topics._module_strings import _MISSING, _SIGNATURES, _SPECS, BadModule, parse
from tests.topics.test_params_count import EDGE_CASES

IGNORED = {"self", "device", "dtype", "_weight", "_freeze", "min_value", "max_value"}
# torch declares RNN, LSTM and GRU with *args: their order is checked by the positional edge cases
INSPECTABLE = sorted(set(_SIGNATURES) - {"RNN", "LSTM", "GRU"})


def torch_signature(name: str) -> list[tuple[str, Any, bool]]:
    params = inspect.signature(getattr(nn, name).__init__).parameters.values()
    return [(p.name, p.default if p.default is not p.empty else "<required>", p.kind == p.KEYWORD_ONLY)
            for p in params
            if p.name not in IGNORED and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


@pytest.mark.parametrize("name", INSPECTABLE)
def test_every_signature_has_torchs_names_order_and_defaults(name: str) -> None:
    ours = [(a.name, "<required>" if a.default is _MISSING else a.default, a.kw_only)
            for a in _SIGNATURES[name]]
    assert ours == torch_signature(name)


def test_every_module_we_know_is_a_torch_module() -> None:
    assert all(isinstance(getattr(nn, name, None), type) for name in _SPECS)


def python_binding(text: str) -> tuple[str, dict[str, Any]]:
    """The arguments Python itself binds to torch's __init__ (lists as tuples, like ours)."""
    call = ast.parse(text.strip(), mode="eval").body
    assert isinstance(call, ast.Call)
    name = ast.unparse(call.func).rsplit(".", 1)[-1]
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg}
    sig = inspect.signature(getattr(nn, name).__init__)
    bound = sig.bind(None, *args, **kwargs)
    bound.apply_defaults()
    var = {p.name for p in sig.parameters.values() if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    return name, {k: tuple(v) if isinstance(v, list) else v
                  for k, v in bound.arguments.items() if k not in IGNORED | var}


@pytest.mark.parametrize("text", [t for t in EDGE_CASES if python_binding(t)[0] in INSPECTABLE])
def test_arguments_are_bound_as_python_binds_them_to_torchs_signature(text: str) -> None:
    name, expected = python_binding(text)
    m = parse(text)
    assert (m.name, m.args) == (name, expected)
    assert m.dims == (int(name[-2]) if name[-2:-1].isdigit() and name.endswith("d") else 1)


@pytest.mark.parametrize("text", EDGE_CASES)
def test_the_call_written_back_reads_as_the_same_module(text: str) -> None:
    m = parse(text)
    assert m.shown.startswith(f"{m.name}(") and parse(m.shown) == m


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')", "Linear(len('ab'), 4)", "Linear(*sizes)", "Linear(**kw)",
    "Linear((lambda: 3)(), 4)", "Linear(3, 4) if True else ReLU()", "[Linear(3, 4)]",
    "Linear(3, 4)" + " " * 300, "nn.functional.relu(3)", "os.nn.Linear(3, 4)", "Linear(1, 2)(x)", "",
])
def test_anything_but_one_literal_module_call_is_refused_without_running_it(text: str) -> None:
    with pytest.raises(BadModule) as info:
        parse(text)
    assert str(info.value) and "\n" not in str(info.value)


@given(st.text(max_size=80))
def test_any_text_is_a_module_call_or_one_line_refusal(text: str) -> None:
    try:
        m = parse(text)
    except BadModule as e:
        assert str(e) and "\n" not in str(e)
        return
    assert m.name in _SPECS
