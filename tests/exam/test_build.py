"""`build` and `dlexam build`: every student's files, a manifest that matches them, and
nothing half-written when something fails."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dlexam import DlexamError
from dlexam.exam import build as build_module
from dlexam.exam import load_spec, read_roster, stress_test
from dlexam.exam.build import build
from tests.exam.conftest import BASE

ROSTER = "id,name\ns01,Ada Lovelace\ns02,Alan Turing\ns03,Grace Hopper\n"


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    spec, roster = tmp_path / "quiz.toml", tmp_path / "roster.csv"
    spec.write_text(BASE, encoding="utf-8")
    roster.write_text(ROSTER, encoding="utf-8")
    return spec, roster


def built(inputs: tuple[Path, Path], out: Path, **kw: Any) -> dict[str, Any]:
    spec, roster = inputs
    build(spec, roster=roster, out=out, workers=1, **kw)
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def test_every_student_gets_every_file_and_the_manifest_hashes_match(inputs: tuple[Path, Path],
                                                                       tmp_path: Path) -> None:
    out = tmp_path / "out"
    manifest = built(inputs, out)
    assert [s["id"] for s in manifest["students"]] == ["s01", "s02", "s03"]
    for student in manifest["students"]:
        assert set(student["files"]) == {"paper", "key", "html", "html_key", "markdown", "markdown_key",
                                         "variant"}
        for f in student["files"].values():
            assert hashlib.sha256((out / f["path"]).read_bytes()).hexdigest() == f["sha256"]
    assert (out / manifest["files"]["ta_key"]["path"]).read_bytes().startswith(b"%PDF")


def test_the_manifest_holds_each_students_seed_params_and_keys_as_drawn(inputs: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    manifest = built(inputs, tmp_path / "out")
    spec, roster = inputs
    papers = stress_test(load_spec(spec), read_roster(roster)).papers
    for student, paper in zip(manifest["students"], papers, strict=True):
        assert student["seed"] == paper.seed
        assert [q["params"] for q in student["questions"]] == [e.question.params for e in paper.entries]
        assert [[p["answer"] for p in q["parts"]] for q in student["questions"]] == [
            [p.answer for p in e.question.parts] for e in paper.entries]


def test_a_rebuild_gives_byte_identical_files(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    first = built(inputs, tmp_path / "one")
    second = built(inputs, tmp_path / "two")
    assert [s["files"] for s in first["students"]] == [s["files"] for s in second["students"]]
    assert first["files"] == second["files"]


def test_a_failed_build_leaves_no_directory_behind(inputs: tuple[Path, Path], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def failing(papers: Any, staging: Path) -> Any:
        calls.append(staging)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(build_module, "_render_chunk", failing)
    with pytest.raises(RuntimeError):
        built(inputs, tmp_path / "out")
    assert calls and not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["quiz.toml", "roster.csv"]


def test_a_failed_rebuild_keeps_the_earlier_build(inputs: tuple[Path, Path], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    before = built(inputs, out)
    monkeypatch.setattr(build_module, "_render_chunk", lambda papers, staging: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        built(inputs, out)
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == before


def test_a_folder_that_is_not_a_build_is_never_overwritten(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.tex").write_text("precious")
    with pytest.raises(DlexamError, match="is not an earlier dlexam build"):
        built(inputs, out)
    assert (out / "chapter1.tex").read_text() == "precious"


def test_a_roster_with_duplicate_ids_stops_the_build_before_anything_is_written(
        inputs: tuple[Path, Path], tmp_path: Path) -> None:
    spec, roster = inputs
    roster.write_text(ROSTER + "s02,Someone Else\n", encoding="utf-8")
    with pytest.raises(DlexamError, match="s02"):
        build(spec, roster=roster, out=tmp_path / "out", workers=1)
    assert not (tmp_path / "out").exists()


def test_two_workers_write_the_same_files_as_one(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    spec, roster = inputs
    roster.write_text("id,name\n" + "".join(f"s{i:02},Student {i}\n" for i in range(20)), encoding="utf-8")
    one = built(inputs, tmp_path / "one")
    build(spec, roster=roster, out=tmp_path / "two", workers=2)
    two = json.loads((tmp_path / "two" / "manifest.json").read_text(encoding="utf-8"))
    assert one["students"] == two["students"]


def test_dlexam_build_prints_the_report_and_dlexam_demo_says_where_the_files_are(
        inputs: tuple[Path, Path], tmp_path: Path) -> None:
    spec, roster = inputs
    cli = [sys.executable, "-m", "dlexam.cli"]
    r = subprocess.run([*cli, "build", str(spec), "--roster", str(roster), "--out", str(tmp_path / "b")],
                       capture_output=True, text=True, timeout=300, check=False)
    assert r.returncode == 0, r.stderr
    assert "distinct of 3" in r.stdout and "built 3 students' papers" in r.stdout
    demo = subprocess.run([*cli, "demo", "--out", str(tmp_path / "demo")], capture_output=True, text=True,
                          timeout=600, check=False, cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert str((tmp_path / "demo" / "papers").resolve()) in demo.stdout
    assert len(list((tmp_path / "demo" / "papers").glob("*.pdf"))) == 30
