"""The `dlexam` command line, as a user runs it.

The main journeys (and one of each kind of failure) run the installed `dlexam` script
and `python -m dlexam.cli` in real processes, all started at once to keep the suite
fast. The long list of bad inputs calls `main(argv)` in-process, which is the same code
path: an exception escaping it is exactly what would print a traceback to the user.
Every bad input must exit 2 with one line on stderr starting "dlexam: " and nothing on
stdout.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from dlexam import all_topics, question, to_markdown
from dlexam.cli import main
from dlexam.topics import REQUIRED, get_topic

TOPIC = "conv.output_shape"
PINNED = {"input": [2, 3, 32, 32], "out_channels": 8, "kernel": 3, "stride": 2, "padding": 1}
DLEXAM = shutil.which("dlexam") or "dlexam"
MODULE = [sys.executable, "-m", "dlexam.cli"]


@dataclass(frozen=True)
class Result:
    code: int | None  # None: still running when the time ran out
    out: str
    err: str


def _process(argv: list[str], timeout: float) -> Result:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return Result(None, "", "")
    return Result(done.returncode, done.stdout, done.stderr)


PROCESSES: dict[str, tuple[list[str], float]] = {
    "topics": ([DLEXAM, "topics"], 30),
    "seed 7 json": ([DLEXAM, "question", TOPIC, "--seed", "7", "--json"], 30),
    "module seed 7 json": ([*MODULE, "question", TOPIC, "--seed", "7", "--json"], 30),
    "unknown topic": ([DLEXAM, "question", "conv.output_shap", "--seed", "1"], 30),
    "invalid json": ([*MODULE, "question", TOPIC, "--params", "{"], 30),
    # a decimal the JSON reader keeps as Decimal('1E-999999999'): refused at once, not
    # after building a billion-digit integer to echo it in the message
    "tiny exponent": (
        [DLEXAM, "question", TOPIC, "--params", json.dumps(PINNED)[:-1] + ', "dilation": 1e-999999999}'], 5),
}


@pytest.fixture(scope="module")
def processes() -> Any:
    with ThreadPoolExecutor(max_workers=len(PROCESSES)) as pool:
        futures: dict[str, Future[Result]] = {
            name: pool.submit(_process, argv, timeout) for name, (argv, timeout) in PROCESSES.items()
        }
        yield {name: f.result() for name, f in futures.items()}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Result:
    """`dlexam argv...` in-process: its exit code and what it printed."""
    code = main(list(argv))
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


def assert_one_line_usage_error(r: Result) -> str:
    assert r.code == 2, r
    assert r.out == ""
    assert r.err.startswith("dlexam: ") and r.err.endswith("\n") and r.err.count("\n") == 1, r.err
    assert "Traceback" not in r.err
    return r.err


# -- the main journeys, in real processes -----------------------------------------------

def test_topics_lists_every_topic_with_its_title(processes: dict[str, Result]) -> None:
    r = processes["topics"]
    assert r.code == 0 and r.err == ""
    firsts = [line.split()[0] for line in r.out.splitlines() if line and not line[0].isspace()]
    assert firsts == [t.id for t in all_topics()]
    for t in all_topics():
        assert f"{t.id}  {t.title}" in r.out


def test_topics_shows_each_params_default_or_that_it_is_required(processes: dict[str, Result]) -> None:
    out = processes["topics"].out
    topic = get_topic(TOPIC)
    block = out.split(f"{TOPIC}  ")[1].splitlines()[1]
    for name, default in topic.params.items():
        assert (name if default is REQUIRED else f"{name}={json.dumps(default)}") in block


def test_question_with_a_seed_prints_the_topics_md_json_object(processes: dict[str, Result]) -> None:
    r = processes["seed 7 json"]
    assert r.code == 0 and r.err == ""
    d = json.loads(r.out)
    assert {"topic", "params", "prompt", "parts", "solution"} <= set(d)
    assert d["topic"] == TOPIC
    assert list(d["params"]) == list(get_topic(TOPIC).params)  # every param, defaults filled in
    assert d == question(TOPIC, seed=7).to_dict()
    assert all({"id", "kind", "marks", "answer"} <= set(p) for p in d["parts"])


def test_python_dash_m_dlexam_cli_prints_the_same_as_the_dlexam_script(processes: dict[str, Result]) -> None:
    assert processes["module seed 7 json"] == processes["seed 7 json"]


@pytest.mark.parametrize("case", ["unknown topic", "invalid json"])
def test_a_usage_error_reaches_the_shell_as_exit_2_and_one_line(
    processes: dict[str, Result], case: str
) -> None:
    assert_one_line_usage_error(processes[case])


def test_an_unknown_topic_suggests_the_closest_one(processes: dict[str, Result]) -> None:
    assert TOPIC in processes["unknown topic"].err


def test_a_decimal_with_an_enormous_exponent_is_refused_at_once(processes: dict[str, Result]) -> None:
    r = processes["tiny exponent"]
    assert r.code is not None, "still running after 5 s"
    assert "dilation" in assert_one_line_usage_error(r)


# -- output forms, in-process -----------------------------------------------------------

def test_pinned_params_are_echoed_with_the_defaults_filled_in(capsys: pytest.CaptureFixture[str]) -> None:
    r = run(capsys, "question", TOPIC, "--params", json.dumps(PINNED), "--json")
    assert r.code == 0 and r.err == ""
    d = json.loads(r.out)
    assert list(d["params"]) == list(get_topic(TOPIC).params)
    for name, default in get_topic(TOPIC).params.items():
        assert d["params"][name] == PINNED.get(name, default)
    assert d == question(TOPIC, params=PINNED).to_dict()


def test_a_decimal_param_is_echoed_exactly_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    topic = "mlp.sgd_step"
    params = question(topic, seed=0).params
    params["lr"] = "LR"
    text = json.dumps(params).replace('"LR"', "0.1")  # 0.1 exactly as a user types it
    r = run(capsys, "question", topic, "--params", text, "--json")
    assert r.code == 0, r.err
    d = json.loads(r.out, parse_float=Decimal)
    assert d["params"]["lr"] == Decimal("0.1")  # not 0.1000000000000000055511151231257827


def test_a_refused_decimal_is_shown_as_typed_in_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps(PINNED)[:-1] + ', "dilation": 0.1}'
    err = assert_one_line_usage_error(run(capsys, "question", TOPIC, "--params", text))
    assert "'dilation'" in err and err.rstrip().endswith("got 0.1")


def test_markdown_is_the_rendered_question_with_its_key(capsys: pytest.CaptureFixture[str]) -> None:
    r = run(capsys, "question", TOPIC, "--seed", "7", "--markdown")
    assert r.code == 0 and r.err == ""
    assert r.out == to_markdown(question(TOPIC, seed=7))


def test_without_a_format_flag_the_question_is_printed_as_markdown(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "question", TOPIC, "--seed", "7").out == to_markdown(question(TOPIC, seed=7))


def test_no_solution_leaves_out_the_key_and_the_worked_solution(capsys: pytest.CaptureFixture[str]) -> None:
    q = question(TOPIC, seed=7)
    r = run(capsys, "question", TOPIC, "--seed", "7", "--markdown", "--no-solution")
    assert r.code == 0 and r.out == to_markdown(q, solution=False)
    assert all(step.title not in r.out for step in q.solution)


def test_no_solution_json_has_no_answers_and_no_solution(capsys: pytest.CaptureFixture[str]) -> None:
    r = run(capsys, "question", TOPIC, "--seed", "7", "--json", "--no-solution")
    assert r.code == 0
    d = json.loads(r.out)
    assert "solution" not in d and all("answer" not in p for p in d["parts"])
    assert d["params"] == question(TOPIC, seed=7).params


# -- bad input: exit 2, one line, no traceback --------------------------------------------

BAD = {
    "unknown topic": ["question", "no.such_topic", "--seed", "1"],
    "invalid JSON": ["question", TOPIC, "--params", '{"input": [1, 1, 5, 5]'],
    "params not an object": ["question", TOPIC, "--params", "[1, 2]"],
    "a bad param": ["question", TOPIC, "--params", json.dumps(PINNED | {"out_channels": 0})],
    "a missing param": ["question", TOPIC, "--params", json.dumps({"input": [1, 1, 5, 5]})],
    "a stray param": ["question", TOPIC, "--params", json.dumps(PINNED | {"strides": 2})],
    "a negative seed": ["question", TOPIC, "--seed", "-1"],
    "a non-numeric seed": ["question", TOPIC, "--seed", "seven"],
    "a fractional seed": ["question", TOPIC, "--seed", "1.5"],
    "an empty seed": ["question", TOPIC, "--seed", ""],
    "a superscript digit as seed": ["question", TOPIC, "--seed", "²"],
    "a seed of 5000 digits": ["question", TOPIC, "--seed", "9" * 5000],
    "an integer of 5000 digits in params": ["question", TOPIC, "--params", '{"kernel": ' + "7" * 5000 + "}"],
    "JSON nested 100000 deep": ["question", TOPIC, "--params", "[" * 100_000],
    "both --params and --seed": ["question", TOPIC, "--params", json.dumps(PINNED), "--seed", "1"],
    "neither --params nor --seed": ["question", TOPIC],
    "no topic": ["question"],
    "an unknown flag": ["question", TOPIC, "--seed", "1", "--frobnicate"],
    "an unknown command": ["frobnicate"],
    "no command": [],
    "both --json and --markdown": ["question", TOPIC, "--seed", "1", "--json", "--markdown"],
}


@pytest.mark.parametrize("argv", BAD.values(), ids=BAD.keys())
def test_bad_input_exits_2_with_one_line_and_no_traceback(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert_one_line_usage_error(run(capsys, *argv))


def test_a_bad_param_is_named_in_the_message(capsys: pytest.CaptureFixture[str]) -> None:
    err = assert_one_line_usage_error(run(capsys, *BAD["a bad param"]))
    assert "'out_channels'" in err and "got 0" in err


def test_an_unknown_topic_id_with_a_newline_still_gives_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert_one_line_usage_error(run(capsys, "question", "conv.output_shape\nextra", "--seed", "1"))
