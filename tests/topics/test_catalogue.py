"""Every topic honours the contract of shared/TOPICS.md, whatever its subject."""

from __future__ import annotations

import json
import math
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from dlexam import ParamError, Question, all_topics, get_topic, question
from dlexam.model import KINDS
from dlexam.topics._latex import decimal_places
from tests.helpers import numbers_in

TOPICS = [t.id for t in all_topics()]
SEEDS = range(200)

# the topics and part ids this issue promises, exactly as TOPICS.md spells them
CONTRACT = {
    "conv.output_shape": ["shape"],
    "pool.output_shape": ["shape"],
    "cnn.layer_table": ["rows", "total_params"],
    "cnn.receptive_field": ["rf", "jump"],
    "params.count": ["tensors", "elements"],
    "mlp.sgd_step": ["z", "a", "loss", "grad_weights", "grad_biases", "new_weights", "new_biases"],
    "norm.batchnorm": ["mean", "std", "z_norm", "y"],
    "graph.skip_connection": ["dy_dx_plain", "dy_dx_skip"],
    "graph.squared_error": ["Wx", "d", "loss", "grad_d", "grad_W", "grad_x"],
    "rnn.forward_grad": ["h", "y", "dy_du", "dy_dw", "dy_dh0"],
    "lstm.step": ["i", "f", "o", "c_tilde", "c", "h"],
    "softmax.cross_entropy": ["probs", "loss", "grad_logits"],
    "softmax.smoothing_logit": ["p_true", "logit"],
    "softmax.probs": ["probs"],
    "loss.bce": ["loss", "grad"],
    "vae.kl_divergence": ["kl"],
    "optim.step": ["w", "state"],
    "optim.weight_decay": ["new_w"],
    "init.variance": ["variance", "std", "bound"],
    "stats.map_estimate": ["estimate"],
    "relu.linear_regions": ["regions"],
    "design.logic_gate": ["weights"],
    "design.region_classifier": ["weights"],
    "conv.kernel_apply": ["output"],
    "dropout.apply": ["train_output", "test_output"],
    "qlearning.update": ["new_q"],
}


@pytest.mark.parametrize("topic_id", sorted(CONTRACT))
def test_every_promised_topic_exists_with_the_promised_parts(topic_id: str) -> None:
    q = question(topic_id, seed=0)
    assert [p.id for p in q.parts] == CONTRACT[topic_id]


@pytest.mark.parametrize("topic_id", TOPICS)
def test_a_seed_always_gives_the_same_question_byte_for_byte(topic_id: str) -> None:
    for seed in range(5):
        assert question(topic_id, seed=seed).to_json() == question(topic_id, seed=seed).to_json()


@pytest.mark.parametrize("topic_id", TOPICS)
def test_the_echoed_params_rebuild_the_same_question(topic_id: str) -> None:
    for seed in range(20):
        drawn = question(topic_id, seed=seed)
        pinned = question(topic_id, params=json.loads(json.dumps(drawn.params)))
        assert pinned.to_dict() | {"seed": seed} == drawn.to_dict()


@pytest.mark.parametrize("topic_id", TOPICS)
def test_json_round_trips_through_the_model(topic_id: str) -> None:
    q = question(topic_id, seed=3)
    assert Question.from_json(q.to_json()) == q


@pytest.mark.parametrize("topic_id", TOPICS)
def test_seeded_questions_are_well_formed(topic_id: str) -> None:
    for seed in range(30):
        q = question(topic_id, seed=seed)
        assert q.prompt.strip() and q.solution and q.parts
        assert all(p.kind in KINDS and p.marks > 0 and p.prompt for p in q.parts)
        assert all(s.title and s.text for s in q.solution)
        assert len({p.id for p in q.parts}) == len(q.parts)
        json.dumps(q.to_dict(), allow_nan=False)


def _decimals(x: Any) -> int | None:
    if isinstance(x, int):
        return 0
    if isinstance(x, Fraction):
        return decimal_places(x)
    return None  # irrational: never hand-computable


@pytest.mark.parametrize("topic_id", TOPICS)
def test_seeded_keys_are_hand_computable_as_promised(topic_id: str) -> None:
    topic = get_topic(topic_id)
    assert topic.decimals is not None, "every topic states how many decimals its seeded keys need"
    for seed in SEEDS:
        q = question(topic_id, seed=seed)
        for part in q.parts:
            for x in numbers_in(part.answer):
                places = _decimals(x)
                if places is None:  # irrational: only where the topic says a calculator is needed
                    assert topic.calculator, (seed, part.id, x)
                else:
                    assert places <= topic.decimals, (seed, part.id, x)


@pytest.mark.parametrize("topic_id", TOPICS)
def test_a_question_with_an_irrational_key_allows_a_calculator(topic_id: str) -> None:
    for seed in range(50):
        q = question(topic_id, seed=seed)
        irrational = any(_decimals(x) is None for p in q.parts for x in numbers_in(p.answer))
        if irrational:
            assert q.calculator, (seed, q.params)
        for p in q.parts:  # an irrational key carries the decimal a calculator shows
            for a in _exact_answers(p.answer):
                assert math.isfinite(a["value"])


def _exact_answers(answer: Any) -> list[dict[str, Any]]:
    if isinstance(answer, dict) and "exact" in answer:
        return [answer]
    if isinstance(answer, dict):
        answer = list(answer.values())
    return [a for v in answer for a in _exact_answers(v)] if isinstance(answer, list) else []


@pytest.mark.parametrize("topic_id", TOPICS)
def test_seeds_give_varied_questions(topic_id: str) -> None:
    keys = {json.dumps(question(topic_id, seed=s).params) for s in range(50)}
    assert len(keys) >= 25


# -- fuzzing: any params give a Question or a clean ParamError ----------------------

_json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.integers(),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["3/16", "1/0", "0.1", "-2", "1e999999", "same", "valid", "relu", "x"]),
)
_json = st.recursive(_json_leaf, lambda c: st.lists(c, max_size=5) | st.dictionaries(
    st.text(max_size=6), c, max_size=4), max_leaves=20)


def _build_or_param_error(topic_id: str, params: Any) -> None:
    try:
        q = question(topic_id, params=params)
    except ParamError as e:
        assert "\n" not in str(e) and str(e).startswith(topic_id)
        return
    json.dumps(q.to_dict(), allow_nan=False)
    for part in q.parts:
        for x in numbers_in(part.answer):
            assert isinstance(x, int) or math.isfinite(float(x))


@pytest.mark.parametrize("topic_id", TOPICS)
@given(data=st.data())
def test_any_params_give_a_question_or_a_one_line_param_error(topic_id: str, data: Any) -> None:
    seed = data.draw(st.integers(0, 10**6))
    params = question(topic_id, seed=seed).params
    # change one param to anything, drop one, or add a stray one
    name = data.draw(st.sampled_from(sorted(params)))
    action = data.draw(st.sampled_from(["replace", "drop", "stray", "nudge"]))
    if action == "replace":
        params[name] = data.draw(_json)
    elif action == "drop":
        params.pop(name)
    elif action == "stray":
        params[data.draw(st.text(min_size=1, max_size=8))] = data.draw(_json)
    else:
        params[name] = _nudge(params[name], data.draw(st.integers(-3, 3)))
    _build_or_param_error(topic_id, params)


def _nudge(value: Any, by: int) -> Any:
    """A plausible wrong value: an off-by-a-little number or a list one shorter."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + by
    if isinstance(value, list):
        return value[:-1] if by < 0 and value else [_nudge(v, by) for v in value]
    return value


@pytest.mark.parametrize("topic_id", TOPICS)
@given(params=_json)
def test_params_that_are_not_even_an_object_are_refused_cleanly(topic_id: str, params: Any) -> None:
    assume(params is not None)  # None means "no params given": the API asks for a seed then
    _build_or_param_error(topic_id, params)


# -- design topics: a student's weights are run, not compared ----------------------------

DESIGN_TOPICS = [t.id for t in all_topics() if any(p.kind == "design" for p in question(t.id, seed=0).parts)]


def test_the_promised_design_topics_have_design_parts_and_a_checker() -> None:
    assert {"design.logic_gate", "design.region_classifier"} <= set(DESIGN_TOPICS)
    assert all(get_topic(t).checks_designs for t in DESIGN_TOPICS)
    assert not any(t.checks_designs for t in all_topics() if t.id not in DESIGN_TOPICS)


@pytest.mark.parametrize("topic_id", DESIGN_TOPICS)
def test_the_key_of_every_seeded_design_question_passes_its_own_check(topic_id: str) -> None:
    for seed in range(50):
        q = question(topic_id, seed=seed)
        for part in q.parts:
            verdict = get_topic(topic_id).check(q.params, part.answer)
            assert verdict.ok, (seed, verdict.message)


@pytest.mark.parametrize("topic_id", DESIGN_TOPICS)
@given(design=_json, seed=st.integers(0, 1000))
def test_any_design_gets_a_one_line_verdict_and_never_an_exception(topic_id: str, design: Any,
                                                                    seed: int) -> None:
    verdict = get_topic(topic_id).check(question(topic_id, seed=seed).params, design)
    assert isinstance(verdict.ok, bool) and verdict.message and "\n" not in verdict.message
