"""`dlexam demo`, the README's first command, as a user runs it: a real process, the bundled
midterm built for the bundled roster and the bundled sample answers graded."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from dlexam.examples import example_path


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("demo") / "dlexam-demo"
    done = subprocess.run([sys.executable, "-m", "dlexam.cli", "demo", "--out", str(out)],
                          capture_output=True, text=True, timeout=600, check=False)
    return done, out


def roster_ids() -> list[str]:
    with open(example_path("roster.csv"), encoding="utf-8", newline="") as f:
        return [row["id"] for row in csv.DictReader(f)]


def test_the_demo_exits_0_and_names_the_papers_the_grades_and_the_report(
        demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    done, out = demo
    assert done.returncode == 0, done.stderr
    grades = out / "grades"
    for path in (out / "papers", out / "ta-key.pdf", grades / "grades.csv", grades / "analysis.html",
                 grades / "report.txt", grades / "feedback"):
        assert str(path) in done.stdout
        assert path.exists()


def test_the_demo_grades_every_student_of_the_roster_with_a_feedback_page_each(
        demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = demo
    ids = roster_ids()
    with open(out / "grades" / "grades.csv", encoding="utf-8", newline="") as f:
        assert [row["student"] for row in csv.DictReader(f)] == ids
    pages = sorted(p.name for p in (out / "grades" / "feedback").iterdir())
    assert pages == sorted(f"{sid}.{ext}" for sid in ids for ext in ("html", "pdf"))
    assert sorted(p.stem for p in (out / "papers").iterdir()) == sorted(ids)


def test_the_sample_answers_problems_are_reported_with_their_lines(
        demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = demo
    report = (out / "grades" / "report.txt").read_text(encoding="utf-8")
    for kind in ("duplicate", "unknown student", "unknown question"):
        assert f": {kind}: " in report
    read, used, refused = (int(report.split(word)[1].split()[0])
                           for word in ("rows read ", "used ", "refused "))
    assert read == used + refused and refused >= 3


def test_the_bundled_ta_scores_mark_every_short_answer_so_none_awaits_a_ta(
        demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, out = demo
    report = (out / "grades" / "report.txt").read_text(encoding="utf-8")
    with open(example_path("ta-scores.csv"), encoding="utf-8", newline="") as f:
        scored = {(row["student"], row["question"], row["part"]) for row in csv.DictReader(f)}
    assert "awaiting a TA (0)" in report, (
        "src/dlexam/examples/ta-scores.csv no longer covers the sample answers' short answers: grade the "
        "demo build without --scores and give every row of its awaiting-ta.csv points (c1, c2, …)")
    with open(out / "grades" / "parts.csv", encoding="utf-8", newline="") as f:
        text_parts = [row for row in csv.DictReader(f) if row["kind"] == "text"]
    assert text_parts and all(row["status"] != "awaiting_ta" for row in text_parts)
    assert {(r["student"], r["question"], r["part"]) for r in text_parts if r["answer"]} <= scored
