"""optim.step against torch.optim in float64: SGD (plain, momentum, dampening, Nesterov), Adagrad,
RMSprop (with and without momentum), Adam and AdamW, every step and the optimizer state.

The two textbook forms have no torch class; they are checked through the documented
equivalences (velocity form = torch's buffer form with v = −η·b; torch's Nesterov iterates
are the look-ahead points w + ρv) and against a float64 re-implementation written here from
the lecture formulas.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch

from dlexam import question
from tests.helpers import as_float, close, exact_of, refused

ID = "optim.step"
TORCH_FORM = {"momentum_textbook": "momentum_torch", "nesterov_lookahead": "nesterov_torch"}


def floats(v: Any) -> list[float]:
    return [as_float(x) for x in v]


def make_optimizer(opt: str, params: dict[str, Any], p: torch.Tensor) -> torch.optim.Optimizer:
    lr, wd = as_float(params["lr"]), as_float(params.get("weight_decay", 0))
    if opt == "sgd":
        return torch.optim.SGD([p], lr=lr, weight_decay=wd)
    if opt in ("momentum_torch", "nesterov_torch"):
        return torch.optim.SGD([p], lr=lr, momentum=as_float(params["momentum"]), weight_decay=wd,
                               dampening=as_float(params.get("dampening", 0)),
                               nesterov=opt == "nesterov_torch")
    if opt == "adagrad":
        return torch.optim.Adagrad([p], lr=lr, eps=as_float(params["eps"]), weight_decay=wd)
    if opt == "rmsprop":
        return torch.optim.RMSprop([p], lr=lr, alpha=as_float(params["alpha"]), eps=as_float(params["eps"]),
                                   weight_decay=wd, momentum=as_float(params["momentum"]))
    cls = torch.optim.Adam if opt == "adam" else torch.optim.AdamW
    b1, b2 = floats(params["betas"])
    return cls([p], lr=lr, betas=(b1, b2), eps=as_float(params["eps"]), weight_decay=wd)


def gradient(params: dict[str, Any], t: int, at: torch.Tensor) -> torch.Tensor:
    if params.get("grads") is not None:
        g = params["grads"][t]
        return torch.tensor(floats(g if isinstance(g, list) else [g]), dtype=torch.float64)
    loss = params["loss"]
    c = loss["c"] if isinstance(loss["c"], list) else [loss["c"]] * at.numel()
    x = at.detach().clone().requires_grad_(True)  # autograd of f(w) = ½·a·Σ(w − c)²
    f = 0.5 * as_float(loss["a"]) * ((x - torch.tensor(floats(c), dtype=torch.float64)) ** 2).sum()
    f.backward()
    assert x.grad is not None
    return x.grad


def torch_run(params: dict[str, Any], opt: str) -> tuple[list[list[float]], dict[str, list[float]]]:
    """Torch's iterates and its state after the last step."""
    p = torch.tensor(floats(params["w0"]), dtype=torch.float64, requires_grad=True)
    optimizer = make_optimizer(opt, params, p)
    ws = []
    for t in range(params["steps"]):
        p.grad = gradient(params, t, p)
        optimizer.step()
        ws.append(p.detach().tolist())
    state = {k: v.tolist() for k, v in optimizer.state[p].items()
             if k != "step" and isinstance(v, torch.Tensor)}
    return ws, state


STATE_NAMES = {"m": "exp_avg", "v": "exp_avg_sq", "sum": "sum", "square_avg": "square_avg",
               "momentum_buffer": "momentum_buffer"}


def assert_close_lists(ours: list[Any], theirs: list[float], what: Any) -> None:
    assert len(ours) == len(theirs), what
    for a, b in zip(ours, theirs, strict=True):
        assert close(a, b, 1e-9), (what, a, b)


def assert_matches_torch(params: dict[str, Any]) -> None:
    q = question(ID, params=params)
    e = q.params
    e.setdefault("steps", len(e["grads"]) if e.get("grads") is not None else 1)
    ws, state = exact_of(q.part("w").answer), exact_of(q.part("state").answer)
    opt = e["optimizer"]
    if opt in TORCH_FORM:
        assert_textbook(e, ws, state)
        return
    theirs, their_state = torch_run(e, opt)
    for t, (a, b) in enumerate(zip(ws, theirs, strict=True)):
        assert_close_lists(a, b, ("w", t))
    for key, vec in state.items():
        assert_close_lists(vec, their_state[STATE_NAMES[key]], key)
    if opt == "sgd":
        assert state == {} and "momentum_buffer" not in their_state


def assert_textbook(e: dict[str, Any], ws: list[Any], state: dict[str, Any]) -> None:
    """The equivalences to torch's forms, and our own float64 re-implementation of the lecture rule."""
    opt, lr, rho = e["optimizer"], as_float(e["lr"]), as_float(e["momentum"])
    twin = dict(e, optimizer=TORCH_FORM[opt])
    theirs, their_state = torch_run(twin, TORCH_FORM[opt])
    w, v = torch.tensor(floats(e["w0"]), dtype=torch.float64), torch.zeros(len(e["w0"]), dtype=torch.float64)
    wd = as_float(e.get("weight_decay", 0))
    for t in range(e["steps"]):
        at = w + rho * v if opt == "nesterov_lookahead" else w
        g = gradient(e, t, at) + wd * at
        v = rho * v - lr * g
        w = w + v
        assert_close_lists(ws[t], w.tolist(), ("textbook w", t))
        if opt == "momentum_textbook":  # the same iterates as torch's buffer form
            assert_close_lists(ws[t], theirs[t], ("torch w", t))
        else:  # torch's Nesterov iterates are the look-ahead points
            assert_close_lists([a + rho * b for a, b in zip(ws[t], [float(x) for x in v], strict=True)],
                               theirs[t], ("look-ahead", t))
    assert_close_lists(state["velocity"], v.tolist(), "velocity")
    assert_close_lists(state["velocity"], [-lr * b for b in their_state["momentum_buffer"]], "v = -lr b")


@pytest.mark.parametrize("seed", range(220))
def test_seeded_variants_match_torch_step_by_step(seed: int) -> None:
    assert_matches_torch(question(ID, seed=seed).params)


W = [1, -2, 0.5]
G = [[1, 2, -3], [0.5, -1, 2], ["1/3", 0, 1]]
LOSS = {"a": 2, "c": [0, 1, -1]}
EDGE_CASES = [
    {"optimizer": "sgd", "lr": 0.1, "w0": W, "grads": G, "weight_decay": 0.5},
    {"optimizer": "momentum_torch", "lr": 0.1, "momentum": 0.9, "dampening": 0.5, "w0": W, "grads": G},
    {"optimizer": "momentum_torch", "lr": "1/7", "momentum": "3/7", "weight_decay": "2/9", "w0": W,
     "loss": LOSS, "steps": 10},
    {"optimizer": "nesterov_torch", "lr": 0.2, "momentum": 0.5, "w0": W, "loss": LOSS, "steps": 4},
    {"optimizer": "momentum_textbook", "lr": 0.1, "momentum": 0.9, "w0": W, "loss": LOSS, "steps": 6,
     "weight_decay": 0.1},
    {"optimizer": "nesterov_lookahead", "lr": 0.1, "momentum": 0.9, "w0": W, "loss": LOSS, "steps": 6},
    {"optimizer": "nesterov_lookahead", "lr": 0.3, "momentum": 0.5, "w0": W, "grads": G, "weight_decay": 0.2},
    {"optimizer": "sgd", "w0": [2], "grads": [1, -1]},  # torch's default lr, one weight, a number per step
    # torch's default eps: irrational keys, kept exact
    {"optimizer": "adam", "w0": W, "grads": G},
    {"optimizer": "adamw", "w0": W, "grads": G},
    {"optimizer": "adagrad", "w0": W, "grads": [*G[:2], [1, 1, 1]]},
    {"optimizer": "rmsprop", "w0": W, "grads": [*G[:2], [1, 1, 1]]},
    {"optimizer": "rmsprop", "momentum": 0.9, "alpha": 0.9, "eps": 0.01, "w0": W,
     "grads": [[1, 2, 3], [3, 2, 1]]},
    # a loss and coupled weight decay feed irrational weights back into the gradient
    {"optimizer": "adam", "w0": W, "loss": LOSS, "steps": 2, "lr": 0.1},
    {"optimizer": "adam", "w0": W, "grads": G[:2], "weight_decay": 0.1, "lr": 0.1},
    {"optimizer": "adagrad", "w0": W, "loss": LOSS, "steps": 2, "eps": 0.1},
    {"optimizer": "rmsprop", "w0": W, "loss": {"a": 0.5, "c": 2}, "steps": 2, "weight_decay": 0.2},
    {"optimizer": "adamw", "w0": W, "grads": [[2, -1, 3]] * 4, "weight_decay": 0.1, "lr": 0.1, "eps": 0},
    {"optimizer": "adam", "betas": [0, 0], "eps": 0, "w0": W, "grads": G[:2]},
    # zero gradients after a first non-zero one are fine with eps = 0
    {"optimizer": "adagrad", "eps": 0, "w0": [1, 1], "grads": [[3, 2], [0, 0], [4, 0]]},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_torch(params: dict[str, Any]) -> None:
    assert_matches_torch(params)


def test_irrational_keys_stay_exact_and_ask_for_a_calculator() -> None:
    q = question(ID, params={"optimizer": "adagrad", "eps": 0, "lr": 1, "w0": [0], "grads": [[1], [1]]})
    w2 = exact_of(q.part("w").answer)[1][0]
    assert str(w2) == "-1 - sqrt(2)/2" and q.calculator


def test_adam_moves_by_lr_times_the_sign_while_the_gradient_is_constant() -> None:
    q = question(ID, params={"optimizer": "adam", "eps": 0, "lr": 0.1, "w0": [0, 0],
                             "grads": [[5, -0.5]] * 4})
    assert exact_of(q.part("w").answer)[-1] == [pytest.approx(-0.4), pytest.approx(0.4)]


def test_the_torch_momentum_buffer_starts_as_an_undampened_copy_of_the_gradient() -> None:
    q = question(ID, params={"optimizer": "momentum_torch", "dampening": 0.5, "lr": 1, "w0": [0],
                             "grads": [[2]]})
    assert exact_of(q.part("state").answer) == {"momentum_buffer": [2]}
    assert "copy of the first gradient" in q.solution[1].text


def test_unused_params_are_accepted_echoed_and_named_in_the_key() -> None:
    q = question(ID, params={"optimizer": "adam", "momentum": 0.9, "w0": [1], "grads": [[1]]})
    assert q.params["momentum"] == 0.9
    assert "`momentum` was given but adam does not use it" in q.solution[-1].text


REFUSED = [
    ({"optimizer": "sgd", "momentum": 0.9, "w0": [1], "grads": [[1]]}, "momentum"),
    ({"optimizer": "nesterov_torch", "dampening": 0.1, "w0": [1], "grads": [[1]]}, "dampening"),
    ({"optimizer": "nesterov_torch", "momentum": 0, "w0": [1], "grads": [[1]]}, "momentum"),
    ({"optimizer": "adam", "eps": 0, "w0": [1, 2], "grads": [[1, 0]]}, "eps"),
    ({"optimizer": "adagrad", "eps": 0, "w0": [1], "grads": [[0], [1]]}, "eps"),
    ({"optimizer": "adam", "betas": [1, 0.9], "w0": [1], "grads": [[1]]}, "betas"),
    ({"optimizer": "adam", "betas": [0.9], "w0": [1], "grads": [[1]]}, "betas"),
    ({"optimizer": "rmsprop", "alpha": -0.1, "w0": [1], "grads": [[1]]}, "alpha"),
    ({"optimizer": "sgd", "lr": 0, "w0": [1], "grads": [[1]]}, "lr"),
    ({"optimizer": "sgd", "lr": -0.1, "w0": [1], "grads": [[1]]}, "lr"),
    ({"optimizer": "sgd", "weight_decay": -1, "w0": [1], "grads": [[1]]}, "weight_decay"),
    ({"optimizer": "rmsprop", "w0": [1], "grads": [[1]], "momentum": -0.5}, "momentum"),
    ({"optimizer": "lbfgs", "w0": [1], "grads": [[1]]}, "optimizer"),
    ({"optimizer": "sgd", "w0": [1]}, "grads"),
    ({"optimizer": "sgd", "w0": [1], "grads": [[1]], "loss": {"a": 1, "c": 0}}, "loss"),
    ({"optimizer": "sgd", "w0": [1, 2], "grads": [[1]]}, "grads"),
    ({"optimizer": "sgd", "w0": [1], "grads": [[1]] * 11}, "grads"),
    ({"optimizer": "sgd", "w0": [1], "grads": [[1]], "steps": 2}, "steps"),
    ({"optimizer": "sgd", "w0": [1], "loss": {"a": 1, "c": 0}, "steps": 11}, "steps"),
    ({"optimizer": "adam", "w0": [1], "grads": [[1]] * 5}, "grads"),
    ({"optimizer": "adam", "w0": [1], "loss": {"a": 1, "c": 0}, "steps": 3}, "steps"),
    ({"optimizer": "adam", "w0": [1], "grads": [[1]] * 3, "weight_decay": 0.1}, "grads"),
    ({"optimizer": "sgd", "w0": [1], "loss": {"a": 0, "c": 0}}, "loss"),
    ({"optimizer": "sgd", "w0": [1], "loss": {"a": 1}}, "loss"),
    ({"optimizer": "sgd", "w0": [1, 2], "loss": {"a": 1, "c": [1]}}, "loss"),
    ({"optimizer": "sgd", "w0": [], "grads": [[1]]}, "w0"),
    ({"optimizer": "sgd", "w0": [1] * 7, "grads": [[1] * 7]}, "w0"),
    ({"optimizer": "sgd", "w0": [1e6], "grads": [[1]]}, "w0"),
    ({"optimizer": "sgd", "w0": [1], "grads": [[1]], "betas": "x"}, "betas"),
    ({"optimizer": "sgd", "w0": [1], "grads": [[1]], "rho": 0.9}, "rho"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(ID, params, param)


@pytest.mark.parametrize(("make", "kwargs"), [
    (torch.optim.SGD, {"momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    (torch.optim.SGD, {"momentum": 0, "nesterov": True}),
    (torch.optim.Adam, {"betas": (1.0, 0.9)}),
    (torch.optim.RMSprop, {"alpha": -0.1}),
    (torch.optim.SGD, {"lr": -0.1}),
    (torch.optim.SGD, {"weight_decay": -1}),
])
def test_torch_refuses_the_same_hyper_parameters(make: Any, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        make([torch.zeros(1, requires_grad=True)], **kwargs)


def test_torch_turns_the_refused_zero_over_zero_into_nan() -> None:
    p = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([p], eps=0)
    p.grad = torch.tensor([1.0, 0.0], dtype=torch.float64)
    opt.step()
    assert torch.isnan(p[1])


@pytest.mark.parametrize("seed", range(300))
def test_seeded_keys_are_short_decimals(seed: int) -> None:
    q = question(ID, seed=seed)
    assert not q.calculator, q.params
