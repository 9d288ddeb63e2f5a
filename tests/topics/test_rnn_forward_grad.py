"""rnn.forward_grad against torch: the recurrence by hand in float64 with autograd for the
gradients, and nn.RNNCell / nn.RNN (bias-free, one unit) for the hidden states."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import sympy
import torch
from torch import nn

from dlexam import ParamError, question
from tests.helpers import close, exact_of, refused

TOPIC = "rnn.forward_grad"
PARTS = ("h", "y", "dy_du", "dy_dw", "dy_dh0")
F64 = torch.float64


def as_float(v: Any) -> float:
    """A param as torch gets it: "1/3" and 0.1 both as the nearest float64."""
    return float(Fraction(v)) if isinstance(v, str) else float(v)


def snap_to_zero(s: torch.Tensor) -> torch.Tensor:
    """Exact arithmetic can land on ReLU's kink where float64 lands on 1e-17; snap such a
    value to an exact 0 while keeping the gradient path, so torch sees what we see."""
    return torch.where(s.abs() < 1e-12, s - s.detach(), s)


ACT = {"relu": lambda s: torch.relu(snap_to_zero(s)), "tanh": torch.tanh, "linear": lambda s: s}


def torch_autograd(params: dict[str, Any]) -> dict[str, Any]:
    """The recurrence written out in torch, y.backward() for the gradients."""
    h0, u, w = (torch.tensor(as_float(params[k]), dtype=F64, requires_grad=True) for k in ("h0", "u", "w"))
    v = torch.tensor(as_float(params["v"]), dtype=F64)
    h, hs = h0, []
    for x in params["x"]:
        h = ACT[params["activation"]](u * h + w * as_float(x))
        hs.append(h.item())
    y = v * h
    y.backward()
    assert u.grad is not None and w.grad is not None and h0.grad is not None
    return {"h": hs, "y": y.item(), "dy_du": u.grad.item(), "dy_dw": w.grad.item(),
            "dy_dh0": h0.grad.item()}


def torch_rnn_cell(params: dict[str, Any]) -> dict[str, Any]:
    """nn.RNNCell(1, 1, bias=False) with weight_ih = w, weight_hh = u, stepped by hand; the
    gradients land on the cell's own weights and on the initial state."""
    cell = nn.RNNCell(1, 1, nonlinearity=params["activation"], bias=False).double()
    with torch.no_grad():
        cell.weight_ih.fill_(as_float(params["w"]))
        cell.weight_hh.fill_(as_float(params["u"]))
    hx = torch.tensor([[as_float(params["h0"])]], dtype=F64, requires_grad=True)
    h, hs = hx, []
    for x in params["x"]:
        h = cell(torch.tensor([[as_float(x)]], dtype=F64), h)
        hs.append(h.item())
    y = as_float(params["v"]) * h.sum()
    y.backward()
    assert cell.weight_hh.grad is not None and cell.weight_ih.grad is not None and hx.grad is not None
    return {"h": hs, "y": y.item(), "dy_du": cell.weight_hh.grad.item(),
            "dy_dw": cell.weight_ih.grad.item(), "dy_dh0": hx.grad.item()}


def torch_rnn_states(params: dict[str, Any]) -> list[float]:
    """nn.RNN over the whole sequence (T × batch 1 × 1 feature): its output is h_1..h_T."""
    rnn = nn.RNN(1, 1, nonlinearity=params["activation"], bias=False).double()
    with torch.no_grad():
        rnn.weight_ih_l0.fill_(as_float(params["w"]))
        rnn.weight_hh_l0.fill_(as_float(params["u"]))
        xs = torch.tensor([[[as_float(x)]] for x in params["x"]], dtype=F64)
        out, _ = rnn(xs, torch.tensor([[[as_float(params["h0"])]]], dtype=F64))
    return out.flatten().tolist()


def fraction_rnn(params: dict[str, Any]) -> dict[str, Any]:
    """An exact oracle for ReLU and linear: the same recurrence in Fractions, BPTT by hand."""
    u, w, v, h0 = (Fraction(str(params[k])) for k in ("u", "w", "v", "h0"))
    xs = [Fraction(str(x)) for x in params["x"]]
    relu = params["activation"] == "relu"
    hs, slopes = [h0], []
    for x in xs:
        s = u * hs[-1] + w * x
        slopes.append(Fraction(1) if s > 0 or not relu else Fraction(0))
        hs.append(s if s > 0 or not relu else Fraction(0))
    g, du, dw = v, Fraction(0), Fraction(0)
    for t in range(len(xs), 0, -1):
        du += g * slopes[t - 1] * hs[t - 1]
        dw += g * slopes[t - 1] * xs[t - 1]
        g = g * slopes[t - 1] * u
    return {"h": hs[1:], "y": v * hs[-1], "dy_du": du, "dy_dw": dw, "dy_dh0": g}


def assert_matches(q: Any, expected: dict[str, Any]) -> None:
    for part in PARTS:
        ours, theirs = exact_of(q.part(part).answer), expected[part]
        if part == "h":
            assert len(ours) == len(theirs)
            assert all(close(o, t) for o, t in zip(ours, theirs, strict=True)), (part, ours, theirs)
        else:
            assert close(ours, theirs), (part, ours, theirs)


def min_abs_s(params: dict[str, Any]) -> float:
    """The smallest |s_t| in float64, to tell whether a float oracle sits on ReLU's kink."""
    h, u, w = as_float(params["h0"]), as_float(params["u"]), as_float(params["w"])
    smallest = float("inf")
    for x in params["x"]:
        s = u * h + w * as_float(x)
        smallest = min(smallest, abs(s))
        h = {"relu": max(s, 0.0), "linear": s}.get(params["activation"], float(torch.tanh(torch.tensor(s))))
    return smallest


# -- seeded variants --------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_torch_autograd(seed: int) -> None:
    q = question(TOPIC, seed=seed)
    assert_matches(q, torch_autograd(q.params))


# nn.RNNCell has no linear nonlinearity: those seeds are covered by autograd above
CELL_SEEDS = [s for s in range(200) if question(TOPIC, seed=s).params["activation"] != "linear"]


@pytest.mark.parametrize("seed", CELL_SEEDS)
def test_seeded_variants_match_nn_rnn_cell_and_nn_rnn(seed: int) -> None:
    q = question(TOPIC, seed=seed)
    # seeded numbers are halves, so float64 is exact and lands on ReLU's kink exactly as we do
    assert_matches(q, torch_rnn_cell(q.params))
    assert all(close(o, t) for o, t in zip(exact_of(q.part("h").answer), torch_rnn_states(q.params),
                                           strict=True))


@pytest.mark.parametrize("seed", range(200))
def test_seeded_keys_equal_an_exact_fraction_recurrence(seed: int) -> None:
    q = question(TOPIC, seed=seed)
    expected = fraction_rnn(q.params)
    for part in PARTS:
        assert exact_of(q.part(part).answer) == expected[part], part


def test_seeded_variants_mix_live_and_dead_relu_steps() -> None:
    dead = live = 0
    for seed in range(100):
        q = question(TOPIC, seed=seed)
        if q.params["activation"] != "relu":
            continue
        text = " ".join(s.text for s in q.solution)
        if "the step is dead" in text:
            dead += 1
        else:
            live += 1
    assert dead >= 15 and live >= 15


# -- edge cases ---------------------------------------------------------------------------

BASE = {"h0": 1, "u": 0.5, "w": 1, "v": 2, "x": [1, -1, 2]}

EDGE_CASES = [
    BASE,
    BASE | {"activation": "linear"},
    BASE | {"activation": "tanh"},
    BASE | {"activation": "tanh", "h0": "1/3", "u": -1.5, "x": [0.5, -1, 2, 0, 1]},  # tanh, T = 5
    {"u": 2, "w": -1, "v": 1, "x": [1, "1/2"], "activation": "tanh"},  # h0 defaults to 0
    {"h0": 1, "u": 1, "w": 1, "v": 1, "x": [-1, 2]},  # s_1 = 0 exactly: ReLU'(0) = 0 as torch
    {"h0": 2, "u": 1, "w": 1, "v": 3, "x": [1, -3, 1]},  # s_2 = 0 exactly, in the middle
    {"h0": 1, "u": -1, "w": 1, "v": 1, "x": [2, 1, 3]},  # negative u switches a step off
    {"h0": -2, "u": -1.5, "w": 0.5, "v": -1, "x": [1, 2, -1, 4], "activation": "linear"},
    {"h0": 3, "u": 0.5, "w": 2, "v": 5, "x": [4]},  # T = 1
    {"h0": 3, "u": 0.5, "w": 2, "v": 5, "x": [-4]},  # T = 1, dead: every gradient is 0
    {"h0": 1, "u": 1, "w": 1, "v": 1, "x": [1, 1, -5]},  # the last step dead: nothing flows back
    {"h0": "1/3", "u": "2/3", "w": "-1/7", "v": "5/2", "x": ["1/2", 1, "-1/3"], "activation": "linear"},
    {"h0": "1/3", "u": "2/3", "w": "-1/7", "v": "5/2", "x": ["1/2", 1, "-1/3"]},
    {"h0": 1, "u": 2, "w": 1, "v": 1, "x": [1] * 20, "activation": "linear"},  # exploding: 2^19
    {"h0": 1, "u": 0.5, "w": 0, "v": 1, "x": [0] * 20},  # vanishing: 2^-20
    {"h0": 1000, "u": -1000, "w": 1000, "v": -1000, "x": [1000, -1000] * 10, "activation": "linear"},
    {"h0": 0.1, "u": 0.3, "w": -0.2, "v": 0.7, "x": [0.5, 0.25, -0.125]},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch_autograd(params: dict[str, Any]) -> None:
    q = question(TOPIC, params=params)
    assert_matches(q, torch_autograd(q.params))


@pytest.mark.parametrize("params", [p for p in EDGE_CASES if p.get("activation") != "linear"])
def test_edge_cases_match_nn_rnn_cell(params: dict[str, Any]) -> None:
    q = question(TOPIC, params=params)
    expected = torch_rnn_cell(q.params)
    if min_abs_s(q.params) < 1e-9:  # float64 is off ReLU's kink: compare the states only
        ours = exact_of(q.part("h").answer)
        assert all(close(o, t) for o, t in zip(ours, expected["h"], strict=True))
    else:
        assert_matches(q, expected)


@pytest.mark.parametrize("params", [p for p in EDGE_CASES if p.get("activation") != "tanh"])
def test_rational_edge_cases_equal_the_exact_fraction_recurrence(params: dict[str, Any]) -> None:
    q = question(TOPIC, params=params)
    expected = fraction_rnn(q.params)
    for part in PARTS:
        assert exact_of(q.part(part).answer) == expected[part], part


def test_relu_exactly_at_zero_takes_derivative_zero_as_torch() -> None:
    params = EDGE_CASES[5]  # s_1 = 1·1 + 1·(−1) = 0
    q = question(TOPIC, params=params)
    theirs = torch_autograd(q.params)
    # torch's relu'(0) = 0 cuts step 1 out; relu'(0) = 1 would make dy/dh0 = 1, not 0
    assert theirs["dy_dh0"] == 0.0 and exact_of(q.part("dy_dh0").answer) == 0
    assert "the step is dead" in q.solution[1].text


def test_tanh_keys_stay_exact_with_their_decimal_and_need_a_calculator() -> None:
    q = question(TOPIC, params=EDGE_CASES[3])  # s_1 = 0, so h_1 = tanh(0) = 0 stays rational
    assert q.calculator
    assert exact_of(q.part("h").answer)[0] == 0
    irrational = [a for part in PARTS for a in (q.part(part).answer if part == "h" else [q.part(part).answer])
                  if isinstance(a, dict)]
    assert len(irrational) == 8
    for a in irrational:
        assert "tanh" in a["exact"]
        assert close(sympy.sympify(a["exact"]), a["value"], 1e-12), a
    assert not question(TOPIC, params=BASE).calculator


def test_a_saturated_tanh_is_still_quick() -> None:
    # SymPy's default printing and evalf take seconds on saturated nested tanh; ours must not
    import time

    start = time.perf_counter()
    q = question(TOPIC, params={"h0": 5, "u": -5, "w": 5, "v": 1, "x": [-5, 5, -5, 5, -5],
                                "activation": "tanh"})
    assert time.perf_counter() - start < 5
    assert close(exact_of(q.part("y").answer), torch_autograd(q.params)["y"])


def test_the_solution_walks_back_step_by_step_and_sums_over_time() -> None:
    q = question(TOPIC, params=BASE)
    text = "\n".join(s.text for s in q.solution)
    for t in (3, 2, 1):
        assert f"*Step {t}:*" in text
    assert r"\sum_{t=1}^{3}" in text
    assert "vanishing" in text and "exploding" in text


def test_a_dead_step_is_explained() -> None:
    q = question(TOPIC, params=EDGE_CASES[7])  # u = −1: s_2 = −1·1 + 1·1 = 0 switches step 2 off
    why = q.solution[3].text
    assert "Step 2 is dead" in why and "add nothing" in why


def test_defaults_are_relu_and_a_zero_initial_state() -> None:
    q = question(TOPIC, params={"u": 1, "w": 1, "v": 1, "x": [1]})
    assert q.params["activation"] == "relu" and q.params["h0"] == 0
    assert "ReLU" in q.prompt


def test_decimal_params_from_the_cli_are_read_exactly() -> None:
    q = question(TOPIC, params={"u": Decimal("0.1"), "w": Decimal("0.2"), "v": 1, "x": [Decimal("0.3")],
                                "h0": Decimal("0.4")})
    assert q.params["u"] == 0.1
    tenth = Fraction(1, 10)
    assert exact_of(q.part("y").answer) == (1 * tenth) * (4 * tenth) + (2 * tenth) * (3 * tenth)


# -- refusals -----------------------------------------------------------------------------

REFUSED = [
    ({k: v for k, v in BASE.items() if k != "u"}, "u"),
    (BASE | {"u": "fast"}, "u"),
    (BASE | {"w": None}, "w"),
    (BASE | {"v": 1e6}, "v"),
    (BASE | {"h0": [1]}, "h0"),
    (BASE | {"x": []}, "x"),
    (BASE | {"x": 3}, "x"),
    (BASE | {"x": [1, "a"]}, "x"),
    (BASE | {"x": [1] * 21}, "x"),
    (BASE | {"x": [1, 5000]}, "x"),
    (BASE | {"x": [1] * 6, "activation": "tanh"}, "x"),
    (BASE | {"activation": "sigmoid"}, "activation"),
    (BASE | {"activation": None}, "activation"),
    (BASE | {"bias": 1}, "bias"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(TOPIC, params, param)


def test_a_long_sequence_is_refused_with_the_limit_in_the_message() -> None:
    with pytest.raises(ParamError, match="1 to 20"):
        question(TOPIC, params=BASE | {"x": list(range(25))})


def test_torch_refuses_the_activations_we_refuse() -> None:
    # (we accept "linear" on top of torch's two: a linear RNN is the textbook case of
    # vanishing and exploding gradients)
    with pytest.raises(ValueError):
        nn.RNN(1, 1, nonlinearity="sigmoid")
    with pytest.raises(RuntimeError):
        nn.RNNCell(1, 1, nonlinearity="sigmoid")(torch.zeros(1, 1))
