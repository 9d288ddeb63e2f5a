"""`dlexam check`: run a design against a design question; exit 0 right, 1 wrong, 2 bad input."""

from __future__ import annotations

import json

import pytest

from dlexam import get_topic, question
from tests.test_cli import assert_one_line_usage_error, run

XOR = {"gate": "xor"}


def test_a_working_design_other_than_the_key_is_correct(capsys: pytest.CaptureFixture[str]) -> None:
    design = {"W1": [[1, 1], [1, 1]], "b1": [0, -1], "w2": [1, -1], "b2": 0}  # OR and not AND
    assert json.dumps(design) != json.dumps(question("design.logic_gate", params=XOR).part("weights").answer)
    r = run(capsys, "check", "design.logic_gate", "--params", json.dumps(XOR), json.dumps(design))
    assert r.code == 0 and r.out.startswith("correct: ")


def test_a_wrong_design_exits_1_with_the_checkers_reason(capsys: pytest.CaptureFixture[str]) -> None:
    design = {"W1": [[1, 1], [1, 1]], "b1": [0, 0], "w2": [1, 1], "b2": 0}  # OR, not XOR
    r = run(capsys, "check", "design.logic_gate", "--params", json.dumps(XOR), json.dumps(design))
    verdict = get_topic("design.logic_gate").check(question("design.logic_gate", params=XOR).params, design)
    assert r.code == 1 and r.out == f"not correct: {verdict.message}\n"


def test_the_key_of_a_seeded_question_checks_as_correct(capsys: pytest.CaptureFixture[str]) -> None:
    key = question("design.region_classifier", seed=4).part("weights").answer
    r = run(capsys, "check", "design.region_classifier", "--seed", "4", json.dumps(key))
    assert r.code == 0, r


@pytest.mark.parametrize("argv", [
    ["check", "design.logic_gate", "--params", json.dumps(XOR), "{not json"],
    ["check", "conv.output_shape", "--seed", "1", "{}"],
    ["check", "design.logic_gate", "--params", json.dumps({"gate": "maybe"}), "{}"],
    ["check", "design.logic_gate", "--seed", "1"],
], ids=["design not JSON", "not a design topic", "a bad param", "no design"])
def test_bad_check_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert_one_line_usage_error(run(capsys, *argv))
