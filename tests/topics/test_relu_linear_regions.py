"""relu.linear_regions against regions counted on real torch ReLU layers with random weights.

Exact count: a linear region of the layer is the set of inputs sharing one on/off pattern of
the units (an intersection of half-spaces, so convex and connected), hence regions = distinct
patterns that occur. With n1 ≥ n0 generic hyperplanes every region is a pointed polyhedron and
has a vertex, where n0 hyperplanes meet; probing the 2^n0 cells around every vertex (a step
too small to reach any other hyperplane) finds every pattern. With n1 < n0 we solve for an
input giving each of the 2^n1 sign patterns. A dense grid over a box holding every vertex is
the second, cruder oracle: it may miss a tiny region but never invents one.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
import torch
from torch import nn

from dlexam import question
from tests.helpers import refused

ID = "relu.linear_regions"


def random_layer(n0: int, n1: int, seed: int) -> nn.Linear:
    g = torch.Generator().manual_seed(seed)
    layer = nn.Linear(n0, n1, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.randn(n1, n0, generator=g, dtype=torch.float64))
        layer.bias.copy_(torch.randn(n1, generator=g, dtype=torch.float64))
    return layer


def patterns(layer: nn.Linear, points: torch.Tensor) -> set[tuple[bool, ...]]:
    with torch.no_grad():
        on = torch.relu(layer(points)) > 0
    return {tuple(row) for row in on.tolist()}


def probe_points(layer: nn.Linear) -> torch.Tensor:
    """Points in every cell around every vertex of the arrangement (or, with fewer
    hyperplanes than dimensions, one point per sign pattern)."""
    w, b = layer.weight.detach(), layer.bias.detach()
    n1, n0 = w.shape
    if n1 < n0:
        signs = torch.tensor(list(itertools.product([-1.0, 1.0], repeat=n1)), dtype=torch.float64)
        return torch.linalg.lstsq(w, (signs - b).T).solution.T
    out = []
    norms = w.norm(dim=1)
    for subset in itertools.combinations(range(n1), n0):
        idx = list(subset)
        ws = w[idx]
        vertex = torch.linalg.solve(ws, -b[idx])
        others = [i for i in range(n1) if i not in subset]
        room = min(((w[others] @ vertex + b[others]).abs() / norms[others]).tolist(), default=1.0)
        assert room > 1e-9  # general position: no other hyperplane through the vertex
        for sigma in itertools.product([-1.0, 1.0], repeat=n0):
            step = torch.linalg.solve(ws, torch.tensor(sigma, dtype=torch.float64))
            out.append(vertex + step * (0.5 * room / step.norm()))
    return torch.stack(out)


def exact_regions(layer: nn.Linear) -> int:
    return len(patterns(layer, probe_points(layer)))


def grid_regions(layer: nn.Linear, steps: int) -> int:
    """Patterns on a dense grid over a box around every vertex (a lower bound)."""
    n0 = layer.weight.shape[1]
    pts = probe_points(layer)
    lo, hi = pts.min(0).values - 1, pts.max(0).values + 1
    axes = [torch.linspace(float(lo[i]), float(hi[i]), steps, dtype=torch.float64) for i in range(n0)]
    grid = torch.cartesian_prod(*axes).reshape(-1, n0)
    return len(patterns(layer, grid))


def key(n0: int, n1: int) -> int:
    return question(ID, params={"n_inputs": n0, "n_hidden": n1}).part("regions").answer


@pytest.mark.parametrize("seed", range(200))
def test_seeded_variants_match_regions_counted_on_a_random_torch_layer(seed: int) -> None:
    q = question(ID, seed=seed)
    n0, n1 = q.params["n_inputs"], q.params["n_hidden"]
    assert q.part("regions").answer == exact_regions(random_layer(n0, n1, seed))
    assert q.part("regions").answer == sum(math.comb(n1, j) for j in range(n0 + 1))


@pytest.mark.parametrize(("n0", "n1"), [(n0, n1) for n0 in (1, 2, 3) for n1 in range(1, 9)])
def test_small_layers_match_exact_counts_for_several_random_weights(n0: int, n1: int) -> None:
    for seed in range(3):
        assert key(n0, n1) == exact_regions(random_layer(n0, n1, 1000 * n0 + 10 * n1 + seed))


@pytest.mark.parametrize(("n0", "n1"), [(1, 1), (1, 4), (1, 9), (2, 1), (2, 3), (2, 5)])
def test_a_dense_grid_over_the_vertices_finds_the_same_regions(n0: int, n1: int) -> None:
    layer = random_layer(n0, n1, 7 + n1)
    found = grid_regions(layer, 200_001 if n0 == 1 else 1501)
    assert found <= key(n0, n1)
    assert found == key(n0, n1)


def test_fewer_units_than_inputs_give_every_on_off_pattern() -> None:
    for n0, n1 in [(2, 1), (3, 2), (5, 3), (8, 5)]:
        assert key(n0, n1) == 2**n1 == exact_regions(random_layer(n0, n1, n0 + n1))
    q = question(ID, params={"n_inputs": 5, "n_hidden": 3})
    assert "2^{n_1}" in q.solution[2].text


def test_parallel_hyperplanes_give_fewer_regions_than_the_key() -> None:
    layer = nn.Linear(2, 3, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]], dtype=torch.float64))
        layer.bias.copy_(torch.tensor([0.0, -1.0, -2.0], dtype=torch.float64))
    grid = torch.cartesian_prod(*[torch.linspace(-5, 5, 401, dtype=torch.float64)] * 2)
    assert len(patterns(layer, grid)) == 4 < key(2, 3) == 7


def test_the_largest_params_stay_fast_and_exact() -> None:
    q = question(ID, params={"n_inputs": 1000, "n_hidden": 100})
    assert q.part("regions").answer == 2**100
    q = question(ID, params={"n_inputs": 20, "n_hidden": 100})
    assert q.part("regions").answer == sum(math.comb(100, j) for j in range(21))


REFUSED: list[tuple[dict[str, Any], str]] = [
    ({"n_hidden": 3}, "n_inputs"),
    ({"n_inputs": 3}, "n_hidden"),
    ({"n_inputs": 0, "n_hidden": 3}, "n_inputs"),
    ({"n_inputs": 2, "n_hidden": -1}, "n_hidden"),
    ({"n_inputs": 2.5, "n_hidden": 3}, "n_inputs"),
    ({"n_inputs": True, "n_hidden": 3}, "n_inputs"),
    ({"n_inputs": 2, "n_hidden": 101}, "n_hidden"),
    ({"n_inputs": 1001, "n_hidden": 3}, "n_inputs"),
    ({"n_inputs": 2, "n_hidden": "3"}, "n_hidden"),
    ({"n_inputs": 2, "n_hidden": 3, "n_layers": 2}, "n_layers"),
]


@pytest.mark.parametrize(("params", "param"), REFUSED)
def test_bad_params_are_refused_naming_the_param(params: dict[str, Any], param: str) -> None:
    refused(ID, params, param)
