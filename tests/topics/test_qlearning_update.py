"""qlearning.update against a float64 torch re-implementation written straight from the
Q-learning rule (Watkins): target = r + γ·max over the next state's row of the *old* table
(r alone at a terminal state), then Q[s, a] += α·(target − Q[s, a]) in place."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
import torch

from dlexam import question
from tests.helpers import as_float, close, exact_of, refused

ID = "qlearning.update"


def torch_update(params: dict[str, Any]) -> torch.Tensor:
    q = torch.tensor([[as_float(v) for v in row] for row in params["Q"]], dtype=torch.float64)
    s, a, s2 = params["s"], params["a"], params["s_next"]
    r, alpha, gamma = (as_float(params[k]) for k in ("r", "alpha", "gamma"))
    with torch.no_grad():
        bootstrap = torch.zeros((), dtype=torch.float64) if params.get("terminal", False) else q[s2].max()
        target = r + gamma * bootstrap
        q[s, a] += alpha * (target - q[s, a])
    return q


def assert_matches_torch(params: dict[str, Any]) -> None:
    q = question(ID, params=params)
    ours = exact_of(q.part("new_q").answer)
    theirs = torch_update(q.params).tolist()
    assert len(ours) == len(theirs)
    for row, trow in zip(ours, theirs, strict=True):
        assert all(close(x, y) for x, y in zip(row, trow, strict=True)), (ours, theirs)


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_a_torch_q_learning_step(seed: int) -> None:
    assert_matches_torch(question(ID, seed=seed).params)


EDGE_CASES = [
    {"Q": [[0, 0], [0, 0]], "s": 0, "a": 1, "r": 1, "s_next": 1, "alpha": 0.5, "gamma": 0.9},
    {"Q": [[1, 2], [3, 4]], "s": 1, "a": 0, "r": -1, "s_next": 1, "alpha": 0.1, "gamma": 0.9},  # s' = s
    {"Q": [[1, 2], [3, 4]], "s": 1, "a": 1, "r": 0, "s_next": 1, "alpha": 1, "gamma": 1},  # max is Q(s,a)
    {"Q": [[5, 5, 5], [2, 7, 7]], "s": 0, "a": 2, "r": 2, "s_next": 1, "alpha": 0.2, "gamma": 0.8},  # tie
    {"Q": [[1, 2], [30, 40]], "s": 0, "a": 0, "r": 10, "s_next": 1, "alpha": 0.5, "gamma": 0.9,
     "terminal": True},
    {"Q": [[-3, -7], [-1, -2]], "s": 0, "a": 1, "r": -1, "s_next": 1, "alpha": 0.25, "gamma": 0},
    {"Q": [["1/3", 0.5], [0.1, "2/7"]], "s": 1, "a": 1, "r": "1/6", "s_next": 0, "alpha": "1/3",
     "gamma": 0.99},
    {"Q": [[0, 1, 2, 3]], "s": 0, "a": 3, "r": 1, "s_next": 0, "alpha": 0.1, "gamma": 0.9},  # one state
    {"Q": [[i - j for j in range(16)] for i in range(32)], "s": 31, "a": 15, "r": 100, "s_next": 0,
     "alpha": 0.01, "gamma": 0.999},
]


@pytest.mark.parametrize("params", EDGE_CASES)
def test_edge_cases_match_a_torch_q_learning_step(params: dict[str, Any]) -> None:
    assert_matches_torch(params)


def test_only_the_visited_entry_changes() -> None:
    for seed in range(50):
        q = question(ID, seed=seed)
        old, new = q.params["Q"], exact_of(q.part("new_q").answer)
        s, a = q.params["s"], q.params["a"]
        assert all(new[i][j] == old[i][j] for i in range(len(old)) for j in range(len(old[0]))
                   if (i, j) != (s, a))


def test_the_max_reads_the_table_before_the_update_when_the_state_repeats() -> None:
    q = question(ID, params=EDGE_CASES[1])
    # target = −1 + 0.9·max(3, 4) = 2.6; Q(1,0) = 3 + 0.1·(2.6 − 3) = 2.96
    assert exact_of(q.part("new_q").answer) == [[1, 2], [Fraction(74, 25), 4]]
    assert "before" in q.solution[0].text


def test_a_terminal_transition_does_not_bootstrap() -> None:
    q = question(ID, params=EDGE_CASES[4])
    assert exact_of(q.part("new_q").answer)[0][0] == Fraction(11, 2)  # 1 + 0.5·(10 − 1)
    assert "terminal" in q.solution[0].text and "terminal" in q.prompt


def test_seeds_draw_terminal_repeated_and_ordinary_transitions() -> None:
    drawn = [question(ID, seed=s).params for s in range(200)]
    assert any(p["terminal"] for p in drawn)
    assert any(p["s_next"] == p["s"] for p in drawn)
    assert sum(not p["terminal"] and p["s_next"] != p["s"] for p in drawn) > 100


def test_the_key_names_the_sarsa_trap() -> None:
    assert "SARSA" in question(ID, seed=0).solution[-1].text


BASE = {"Q": [[1, 2], [3, 4]], "s": 0, "a": 1, "r": 1, "s_next": 1, "alpha": 0.5, "gamma": 0.9}
REFUSED = [
    ({k: v for k, v in BASE.items() if k != "Q"}, "Q"),
    (BASE | {"Q": [[1, 2], [3]]}, "Q"),
    (BASE | {"Q": []}, "Q"),
    (BASE | {"Q": [1, 2]}, "Q"),
    (BASE | {"Q": [[0, 0]] * 33}, "Q"),
    (BASE | {"Q": [[0] * 17] * 2}, "Q"),
    (BASE | {"s": 2}, "s"),
    (BASE | {"s": -1}, "s"),
    (BASE | {"s": 0.0}, "s"),
    (BASE | {"a": 2}, "a"),
    (BASE | {"s_next": 5}, "s_next"),
    (BASE | {"r": "x"}, "r"),
    (BASE | {"alpha": 0}, "alpha"),
    (BASE | {"alpha": 1.5}, "alpha"),
    (BASE | {"gamma": -0.1}, "gamma"),
    (BASE | {"gamma": 1.01}, "gamma"),
    (BASE | {"terminal": "no"}, "terminal"),
    (BASE | {"epsilon": 0.1}, "epsilon"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(ID, params, param)
