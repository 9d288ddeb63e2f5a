"""`dlexam bank`: list, search and show concept items; bad input is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dlexam.bank import load_bank
from tests.test_cli import assert_one_line_usage_error, run

BANK = load_bank()


def test_bank_lists_every_item_and_says_how_many(capsys: pytest.CaptureFixture[str]) -> None:
    r = run(capsys, "bank")
    assert r.code == 0
    lines = r.out.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == [i.id for i in BANK]
    assert lines[-1].startswith(f"{len(BANK)} of {len(BANK)} items")


def test_bank_filters_by_level_kind_and_tag(capsys: pytest.CaptureFixture[str]) -> None:
    r = run(capsys, "bank", "--level", "advanced", "--kind", "short", "--tag", "vae", "--json")
    found = json.loads(r.out)
    assert found
    assert all(i["level"] == "advanced" and i["kind"] == "short" and "vae" in i["tags"] for i in found)
    assert len(found) == len(BANK.search(level="advanced", kind="short", tags=["vae"]))


def test_bank_searches_the_words_given(capsys: pytest.CaptureFixture[str]) -> None:
    r = run(capsys, "bank", "label", "smoothing", "--json")
    assert {i["id"] for i in json.loads(r.out)} == {i.id for i in BANK.search(["label", "smoothing"])}


def test_bank_show_prints_the_item_with_its_key_and_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    item = BANK.search(kind="short")[0]
    r = run(capsys, "bank", "--show", item.id)
    assert r.code == 0 and item.text in r.out and item.explanation in r.out
    assert all(p.text in r.out for p in item.rubric)
    without = run(capsys, "bank", "--show", item.id, "--no-key")
    assert item.text in without.out and item.explanation not in without.out


def test_bank_loads_an_instructors_own_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "my_course.toml"
    path.write_text('theme = "my_course"\ntitle = "Mine"\n[[items]]\nid = "my_course.one"\n'
                    'kind = "true_false"\nlevel = "beginner"\ntags = ["x"]\ntext = "Yes?"\nanswer = true\n'
                    'explanation = "Yes."\n')
    r = run(capsys, "bank", "--theme", "my_course", "--items", str(path))
    assert r.out.splitlines()[0].startswith("my_course.one")


@pytest.mark.parametrize("argv", [
    ["bank", "--show", "gan.no-such-item"],
    ["bank", "--level", "expert"],
    ["bank", "--kind", "essay"],
    ["bank", "--theme", "astrology"],
    ["bank", "--items", "/nonexistent/file.toml"],
], ids=["unknown id", "unknown level", "unknown kind", "unknown theme", "missing file"])
def test_bad_bank_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert_one_line_usage_error(run(capsys, *argv))
