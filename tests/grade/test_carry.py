"""Error carried forward, with torch as the oracle: a student's wrong forward pass of mlp.sgd_step
is pushed through torch's autograd with the student's own values pinned in, and a wrong early
shape of cnn.layer_table is fed to real torch.nn layers; the grader must follow both."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

from dlexam import get_topic, question
from dlexam.grade.carry import carry_forward
from dlexam.grade.score import STATUSES, score
from dlexam.model import Question
from tests.helpers import as_float
from tests.topics.test_cnn_layer_table import torch_rows

F64 = torch.float64
ACT = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
       "linear": lambda z: z, "step": lambda z: (z > 0).to(z.dtype)}


class Pinned(torch.autograd.Function):
    """Forward: the student's value in place of the computed one. Backward: the incoming
    gradient times the local derivative the student's values give."""

    @staticmethod
    def forward(ctx: Any, computed: torch.Tensor, value: torch.Tensor, local: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(local)
        return value.clone()

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (local,) = ctx.saved_tensors
        return grad * local, None, None


def t(values: Any) -> torch.Tensor:
    return torch.tensor([float(v) for v in values], dtype=F64)


def local_derivative(act: str, z: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    return {"relu": (z > 0).to(F64), "step": torch.zeros_like(z), "linear": torch.ones_like(z),
            "sigmoid": a * (1 - a), "tanh": 1 - a * a}[act]


def torch_loss(params: dict[str, Any], out: torch.Tensor) -> torch.Tensor:
    kind = params["loss"]
    if kind == "ce":
        return nn.CrossEntropyLoss()(out.unsqueeze(0), torch.tensor([params["y"]]))
    y = t(exact(v) for v in (params["y"] if isinstance(params["y"], list) else [params["y"]]))
    if kind == "half_mse":
        return 0.5 * ((y - out) ** 2).sum()
    return (nn.MSELoss() if kind == "mse" else nn.BCELoss())(out, y)


def torch_follow(params: dict[str, Any], z: list[list[Any]], a: list[list[Any]]) -> dict[str, Any]:
    """Every part as torch computes it from the student's own z and a."""
    weights = [torch.tensor([[as_float(v) for v in row] for row in w], dtype=F64, requires_grad=True)
               for w in params["weights"]]
    biases = [torch.tensor([as_float(v) for v in b], dtype=F64, requires_grad=True) for b in params["biases"]]
    acts = [params["activation"]] * (len(weights) - 1) + [params["output_activation"]]
    x = t(exact(v) for v in params["x"])
    chain, prev = [], x
    for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
        chain.append((w @ prev + b).tolist())
        prev = ACT[acts[l]](t(z[l]))
    prev = x
    for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
        zl = Pinned.apply(w @ prev + b, t(z[l]), torch.ones(len(z[l]), dtype=F64))
        prev = Pinned.apply(zl, t(a[l]), local_derivative(acts[l], t(z[l]), t(a[l])))
    loss = torch_loss(params, prev)
    loss.backward()
    return {"z": chain,
            "a": [ACT[f](t(zl)).tolist() for f, zl in zip(acts, z, strict=True)],
            "loss": torch_loss(params, t(a[-1])).item(),
            "grad_weights": [grad_of(w) for w in weights], "grad_biases": [grad_of(b) for b in biases]}


def grad_of(p: torch.Tensor) -> Any:
    assert p.grad is not None
    return p.grad.tolist()


def torch_sgd(params: dict[str, Any], grads: list[Any], name: str) -> list[Any]:
    """torch.optim.SGD applied to the student's own gradient."""
    tensors = [torch.tensor(p, dtype=F64, requires_grad=True) for p in
               ([[[as_float(v) for v in row] for row in w] for w in params["weights"]] if name == "weights"
                else [[as_float(v) for v in b] for b in params["biases"]])]
    for p, g in zip(tensors, grads, strict=True):
        p.grad = torch.tensor(g, dtype=F64)
    torch.optim.SGD(tensors, lr=as_float(params["lr"])).step()
    return [p.detach().tolist() for p in tensors]


def student_forward(q: Question, layer: int, unit: int, slip: Fraction) -> tuple[list[Any], list[Any]]:
    """A student's forward pass with one slip in z (layer, unit), carried on consistently."""
    p = q.params
    prev = [exact(v) for v in p["x"]]
    zs, as_ = [], []
    for l, (w, b) in enumerate(zip(p["weights"], p["biases"], strict=True)):
        z = [sum((exact(wij) * aj for wij, aj in zip(row, prev, strict=True)), exact(bi))
             for row, bi in zip(w, b, strict=True)]
        if l == layer:
            z[unit] += slip
        act = p["activation"] if l < len(p["weights"]) - 1 else p["output_activation"]
        assert act in ("relu", "linear")
        prev = [max(v, Fraction(0)) for v in z] if act == "relu" else z
        zs.append(z)
        as_.append(prev)
    return zs, as_


def exact(v: Any) -> Fraction:
    """A param as the topic reads it: 0.1 is exactly 1/10."""
    return Fraction(repr(v)) if isinstance(v, float) else Fraction(v)


def text(values: Any) -> str:
    """What a student writes: exact rationals as a/b, floats to 10 decimals (exact for every
    terminating key with at most 10 places)."""
    if isinstance(values, list):
        return "[" + ", ".join(text(v) for v in values) + "]"
    if isinstance(values, Fraction):
        return str(values)
    return f"{values:.10f}".rstrip("0").rstrip(".")


def exact_value(key: Any) -> float:
    return float(key["value"]) if isinstance(key, dict) else float(key)


def close(ours: Any, theirs: Any) -> bool:
    if isinstance(theirs, list):
        return isinstance(ours, list) and len(ours) == len(theirs) and all(map(close, ours, theirs))
    return abs(exact_value(ours) - theirs) <= 1e-9 * max(1.0, abs(theirs))


def trivial_layers(layers: list[Any], truth: list[Any], copies: list[Any]) -> bool:
    """The documented rule, recomputed: a wrong layer that is all 0, all 1 or a copy."""
    flat = lambda v: [float(x) for x in (v if not isinstance(v[0], list) else [y for r in v for y in r])]  # noqa: E731
    return any(flat(m) != flat(k) and (set(flat(m)) in ({0.0}, {1.0}) or any(flat(m) == flat(c) for c in cs))
               for m, k, cs in zip(layers, truth, copies, strict=True))


def slipped_student(seed: int) -> tuple[Question, dict[str, str], dict[str, Any]] | None:
    """A seeded variant and a student who slipped in an active hidden unit and carried on."""
    q = question("mlp.sgd_step", seed=seed)
    true_z, _ = student_forward(q, 0, 0, Fraction(0))
    unit = next(i for i, v in enumerate(true_z[0]) if v > 0)
    for slip in (Fraction(1, 2), Fraction(1), Fraction(3, 2), Fraction(-1, 4)):
        z, a = student_forward(q, 0, unit, slip)
        x = [exact(v) for v in q.params["x"]]
        y = [exact(v) for v in q.params["y"]]
        on_target = a[-1] == y  # a slip that lands ŷ on y leaves nothing to follow through
        copied = trivial_layers(z + a, true_z + true_z, [[x]] * (2 * len(z)))
        if a[0][unit] > 0 and not on_target and not copied:
            break
    else:
        return None
    oracle = torch_follow(q.params, z, a)
    oracle["new_weights"] = torch_sgd(q.params, oracle["grad_weights"], "weights")
    oracle["new_biases"] = torch_sgd(q.params, oracle["grad_biases"], "biases")
    later = ("loss", "grad_weights", "grad_biases", "new_weights", "new_biases")
    answers = {"z": text(z), "a": text(a)} | {k: text(oracle[k]) for k in later}
    return q, answers, oracle


SEEDS = range(60)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_wrong_forward_pass_is_followed_through_to_the_gradients_as_torch_computes_them(seed: int) -> None:
    made = slipped_student(seed)
    assert made is not None
    q, answers, oracle = made
    topic = get_topic("mlp.sgd_step")
    values = {pid: _read(q, pid, answers[pid]) for pid in answers}
    for pid in ("a", "loss", "grad_weights", "grad_biases"):
        ours = topic.follow_through(q.params, pid, {d: values[d] for d in q.part(pid).depends_on})
        assert close(ours, oracle[pid]), (pid, ours, oracle[pid])
    w = q.params["weights"]
    for pid, grads in (("new_weights", "grad_weights"), ("new_biases", "grad_biases")):
        ours = topic.follow_through(q.params, pid, {grads: values[grads]})
        own = q.params["weights"] if grads == "grad_weights" else q.params["biases"]
        if trivial_layers(oracle[grads], exact_floats(q.part(grads).answer), [[layer] for layer in own]):
            assert ours is None
        else:
            assert close(ours, oracle[pid]), (pid, ours, oracle[pid], w)


@pytest.mark.parametrize("seed", SEEDS)
def test_every_part_after_the_slip_earns_its_full_marks_as_carried(seed: int) -> None:
    made = slipped_student(seed)
    assert made is not None
    q, answers, oracle = made
    own = {"grad_weights": q.params["weights"], "grad_biases": q.params["biases"]}
    for part in q.parts[1:]:
        first = score(part, answers[part.id], policy="per_option")
        marked, carried_from = carry_forward(q, part, answers, first, policy="per_option", credit=Fraction(1))
        source = part.depends_on[0]
        trivial = source in own and trivial_layers(oracle[source], exact_floats(q.part(source).answer),
                                                   [[layer] for layer in own[source]])
        if first.status == "right" or trivial:
            assert (marked, carried_from) == (first, ()), part.id
            continue
        assert marked.marks == part.marks and marked.status == "carried", (part.id, marked)
        assert set(carried_from) <= set(part.depends_on) and carried_from, part.id
        assert "error carried forward" in marked.feedback and f"({carried_from[0]})" in marked.feedback


@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_half_credit_halves_the_carried_marks_but_never_lowers_the_first_score(seed: int) -> None:
    q, answers, _ = slipped_student(seed) or pytest.fail("no student")
    for pid in ("loss", "grad_weights", "new_biases"):
        part = q.part(pid)
        first = score(part, answers[pid], policy="per_option")
        whole, _ = carry_forward(q, part, answers, first, policy="per_option", credit=Fraction(1))
        half, _ = carry_forward(q, part, answers, first, policy="per_option", credit=Fraction(1, 2))
        if whole.status == "carried":
            assert half.marks == max(first.marks, whole.marks / 2)
            assert half.status == ("carried" if whole.marks / 2 > first.marks else first.status)


@pytest.mark.parametrize("seed", range(0, 60, 2))
def test_gradients_wrong_even_given_the_students_own_forward_pass_get_no_carried_credit(seed: int) -> None:
    q, answers, oracle = slipped_student(seed) or pytest.fail("no student")
    for pid in ("grad_weights", "grad_biases"):
        part = q.part(pid)
        off = oracle[pid]
        shifted = text(_map(off, lambda v: v + 0.25))  # every entry wrong, given any forward pass
        doubled = text(_map(off, lambda v: 2 * v))  # the ½ of the loss forgotten
        for wrong in (shifted, doubled):
            first = score(part, wrong, policy="per_option")
            marked, carried_from = carry_forward(q, part, answers | {pid: wrong}, first, policy="per_option",
                                                 credit=Fraction(1))
            assert not (marked.status == "carried" and marked.marks == part.marks)
            if wrong is shifted:
                assert (marked, carried_from) == (first, ())


@pytest.mark.parametrize("seed", range(0, 60, 4))
def test_a_trivial_forward_pass_zeros_or_a_copy_of_x_carries_nothing(seed: int) -> None:
    q = question("mlp.sgd_step", seed=seed)
    sizes = [len(layer) for layer in q.params["weights"]]
    x = [exact(v) for v in q.params["x"]]
    zeros = [[Fraction(0)] * n for n in sizes]
    copied = [list(x)] + [[Fraction(2)] * n for n in sizes[1:]]  # z = a = x in the first layer
    cases: list[tuple[list[list[Fraction]], tuple[str, ...]]] = [(zeros, ("a", "loss", "grad_weights",
                                                                            "grad_biases"))]
    if sizes[0] == len(x):  # the loss uses only ŷ, so a copy in a hidden layer does not touch it
        cases.append((copied, ("a", "grad_weights", "grad_biases")))
    for forward, parts in cases:
        oracle = torch_follow(q.params, forward, forward)
        answers = {"z": text(forward), "a": text(forward)} | {
            k: text(oracle[k]) for k in ("loss", "grad_weights", "grad_biases")}
        answers["a"] = text(oracle["a"]) if forward is zeros else answers["a"]
        for pid in parts:
            part = q.part(pid)
            first = score(part, answers[pid], policy="per_option")
            assert carry_forward(q, part, answers, first, policy="per_option", credit=1) == (first, ())


def test_nothing_is_carried_from_a_blank_or_unreadable_earlier_answer_or_at_zero_credit() -> None:
    q, answers, _ = slipped_student(3) or pytest.fail("no student")
    part = q.part("grad_weights")
    first = score(part, answers["grad_weights"], policy="per_option")
    for changed in ({"a": ""}, {"z": "two and a half"}, {"z": None}):
        assert carry_forward(q, part, answers | changed, first, policy="per_option", credit=1) == (first, ())
    assert carry_forward(q, part, answers, first, policy="per_option", credit=0) == (first, ())
    with pytest.raises(ValueError, match="credit"):
        carry_forward(q, part, answers, first, policy="per_option", credit=Fraction(3, 2))
    with pytest.raises(ValueError, match="policy"):
        carry_forward(q, part, answers, first, policy="lenient", credit=1)


def exact_floats(key: Any) -> Any:
    return [exact_floats(k) for k in key] if isinstance(key, list) else exact_value(key)


def _map(v: Any, f: Any) -> Any:
    return [_map(x, f) for x in v] if isinstance(v, list) else f(v)


def _read(q: Question, pid: str, answer: str) -> Any:
    from dlexam.grade.parse import read

    part = q.part(pid)
    reading = read(part.kind, answer, expected=part.answer)
    assert reading.ok, (pid, answer, reading)
    return reading.value


# -- other activations and losses: any z and a a student may write --------------------------

NET = {"weights": [[[0.2, -0.1], [0.3, 0.1]], [[0.5, -1]]], "biases": [[0.1, 0], [0]], "x": [1, 2], "y": 0.05,
       "lr": 0.5}
TWO_OUT = {"weights": [[[0.2, -0.1], [0.3, 0.1]], [[0.5, -1], [1, 2]]], "biases": [[0, 0], [0, 0]]}
VARIED = [
    NET | {"activation": "sigmoid", "output_activation": "sigmoid", "loss": "bce", "y": 1},
    NET | {"activation": "tanh", "loss": "mse"},
    NET | TWO_OUT | {"loss": "ce", "y": 1},
    NET | {"activation": "linear", "lr": "1/3"},
    NET | {"activation": "step", "output_activation": "tanh", "loss": "half_mse"},
]


@pytest.mark.parametrize("params", VARIED)
@pytest.mark.parametrize("slip", [Fraction(1, 4), Fraction(3, 5), Fraction(-1, 20)])
def test_any_activation_and_loss_is_followed_through_as_torch_does_with_the_students_values(
        params: dict[str, Any], slip: Fraction) -> None:
    q = question("mlp.sgd_step", params=params)
    acts = [q.params["activation"], q.params["output_activation"]]
    z = [[Fraction(round(exact_value(v), 2)).limit_denominator(100) for v in layer]
         for layer in q.part("z").answer]
    z[0][1] += slip
    a = [[Fraction(round(float(ACT[f](t([v])).item()), 4)).limit_denominator(10**4) for v in layer]
         for f, layer in zip(acts, z, strict=True)]
    oracle = torch_follow(q.params, z, a)
    topic = get_topic("mlp.sgd_step")
    values = {"z": _read(q, "z", text(z)), "a": _read(q, "a", text(a))}
    for pid in ("z", "a", "loss", "grad_weights", "grad_biases"):
        given_values = {d: values[d] for d in (*q.part(pid).depends_on, *(("z",) if pid == "z" else ()))}
        ours = topic.follow_through(q.params, pid, given_values)
        assert close(ours, oracle[pid]), (pid, ours, oracle[pid])


# -- cnn.layer_table: a wrong early shape followed down the table ----------------------------

COLUMNS = ("layer", "shape", "weights", "biases")


def table_text(rows: list[dict[str, Any]], markdown: bool) -> str:
    if not markdown:
        return json.dumps(rows)
    return "\n".join(f"{r['layer']} | {'x'.join(map(str, r['shape']))} | {r['weights']} | {r['biases']}"
                     for r in rows)


def wrong_first_shape(q: Question) -> tuple[list[int], list[dict[str, Any]]] | None:
    """A plausible wrong shape for row 1 and the rows torch gives after it (None if none fits)."""
    key = q.part("rows").answer
    shape, image = key[0]["shape"], q.params["input"]
    if len(shape) != 3 or len(key) < 2:
        return None
    h, w, c = shape
    for wrong in ([h - 2, w - 2, c], [h + 2, w + 2, c], [h, w, 2 * c], [h // 2, w // 2, c]):
        if min(wrong) < 2 or wrong == image or wrong == shape:
            continue
        later = {"input": wrong, "layers": q.params["layers"][1:], "ceil_mode": q.params["ceil_mode"]}
        try:
            rows = torch_rows(later)
        except RuntimeError:  # torch: the layer leaves no output on that shape
            continue
        return wrong, [{k: r[k] for k in COLUMNS} for r in rows]
    return None


def half_marks(marks: int, right: int, cells: int) -> Fraction:
    """The per-cell rule of grade/score.py, recomputed: nearest half mark, below full unless all right."""
    if right == cells:
        return Fraction(marks)
    raw = Fraction(marks * right, cells)
    return min(Fraction(int(raw * 2 + Fraction(1, 2)), 2), marks - Fraction(1, 2))


CNN_SEEDS = [s for s in range(80) if wrong_first_shape(question("cnn.layer_table", seed=s))][:40]


def test_enough_seeded_tables_have_a_shape_to_get_wrong() -> None:
    assert len(CNN_SEEDS) == 40


@pytest.mark.parametrize("seed", CNN_SEEDS)
def test_a_wrong_early_shape_is_followed_through_the_table_as_torch_layers_compute_it(seed: int) -> None:
    q = question("cnn.layer_table", seed=seed)
    key = q.part("rows").answer
    wrong, later = wrong_first_shape(q) or pytest.fail("no wrong shape")
    table = [key[0] | {"shape": wrong}, *later]
    answers = {"rows": table_text(table, markdown=seed % 2 == 0), "total_params": str(
        sum(r["weights"] + r["biases"] for r in table))}
    values = _read(q, "rows", answers["rows"])
    expected = [key[0], *later]
    assert get_topic("cnn.layer_table").follow_through(q.params, "rows", {"rows": values}) == expected

    part = q.part("rows")
    cells = sum(len(r["shape"]) + 2 for r in key)
    right = cells - sum(a != b for a, b in zip(wrong, key[0]["shape"], strict=True))
    for credit in (Fraction(1), Fraction(1, 2)):
        first = score(part, answers["rows"], policy="per_option")
        marked, carried_from = carry_forward(q, part, answers, first, policy="per_option", credit=credit)
        assert marked.marks == max(first.marks, credit * half_marks(part.marks, right, cells))
        assert (marked.status == "carried") == (marked.marks > first.marks)
        assert carried_from == (("rows",) if marked.status == "carried" else ())

    total = q.part("total_params")
    first = score(total, answers["total_params"], policy="per_option")
    marked, carried_from = carry_forward(q, total, answers, first, policy="per_option", credit=Fraction(1))
    assert marked.marks == 1 and (first.status == "right" or carried_from == ("rows",))


@pytest.mark.parametrize("seed", CNN_SEEDS[::4])
def test_a_copy_of_the_input_image_is_not_followed_to_the_next_row(seed: int) -> None:
    q = question("cnn.layer_table", seed=seed)
    key = q.part("rows").answer
    image = q.params["input"]
    if key[0]["shape"] == image:
        pytest.skip("the first layer keeps the image's shape")
    later = [{k: r[k] for k in COLUMNS} for r in torch_rows({"input": image, "layers": q.params["layers"][1:],
                                                               "ceil_mode": q.params["ceil_mode"]})]
    table = [key[0] | {"shape": image}, *later]
    values = _read(q, "rows", json.dumps(table))
    followed = get_topic("cnn.layer_table").follow_through(q.params, "rows", {"rows": values})
    assert followed[:2] == key[:2]  # row 2 is checked against the true shape, not the copied one


@pytest.mark.parametrize("seed", CNN_SEEDS[::5])
def test_a_total_that_is_not_the_sum_of_the_students_own_counts_gets_nothing_carried(seed: int) -> None:
    q = question("cnn.layer_table", seed=seed)
    key = q.part("rows").answer
    rows = [r | {"weights": r["weights"] + 1} for r in key]  # every count off by one
    own = sum(r["weights"] + r["biases"] for r in rows)
    total = q.part("total_params")
    for written, carried in ((own, True), (own + 1, False)):
        answers = {"rows": json.dumps(rows), "total_params": str(written)}
        first = score(total, str(written), policy="per_option")
        marked, carried_from = carry_forward(q, total, answers, first, policy="per_option", credit=1)
        assert (marked.status == "carried", carried_from) == (carried, ("rows",) if carried else ())
    zeros = [r | {"weights": 0, "biases": 0} for r in key]
    first = score(total, "0", policy="per_option")
    assert carry_forward(q, total, {"rows": json.dumps(zeros), "total_params": "0"}, first,
                         policy="per_option", credit=1) == (first, ())


# -- no student text raises -------------------------------------------------------------------

numbers_text = st.one_of(st.integers(-3, 3).map(str), st.sampled_from(["0.5", "-1/4", "1e3", "log(2)", "x"]))
nested = st.recursive(numbers_text, lambda c: st.lists(c, max_size=3).map(lambda v: "[" + ", ".join(v) + "]"),
                      max_leaves=10)
answer_text = st.none() | st.text(max_size=30) | nested
MLP = question("mlp.sgd_step", seed=1)
CNN = question("cnn.layer_table", seed=3)
SIGMOID = question("mlp.sgd_step", params=VARIED[0])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([MLP, CNN, SIGMOID]), st.data(), st.sampled_from([Fraction(1), Fraction(1, 3)]))
def test_no_answer_makes_carry_forward_raise(q: Question, data: st.DataObject, credit: Fraction) -> None:
    answers = {p.id: data.draw(answer_text) for p in q.parts}
    if q is CNN and data.draw(st.booleans()):
        answers["rows"] = data.draw(st.lists(st.fixed_dictionaries(
            {"shape": st.lists(st.integers(-1, 40), max_size=4), "weights": st.integers(-5, 3000),
             "biases": st.integers(0, 40)}), max_size=6).map(json.dumps))
    for part in q.parts:
        first = score(part, answers[part.id], policy="per_option")
        marked, carried_from = carry_forward(q, part, answers, first, policy="per_option", credit=credit)
        assert marked.status in STATUSES and first.marks <= marked.marks <= part.marks
        assert set(carried_from) <= {*part.depends_on, part.id}
