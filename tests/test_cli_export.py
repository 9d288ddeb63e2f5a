"""`dlexam export`: the example exam as Moodle XML and a Canvas QTI zip, written whole or not at all."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from dlexam.exam import load_spec
from dlexam.examples import example_path
from tests.test_cli import assert_one_line_usage_error, run

SPEC = str(example_path("midterm.toml"))


def test_export_writes_moodle_xml_with_one_category_per_question(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    target = tmp_path / "quiz.xml"
    r = run(capsys, "export", SPEC, "--moodle", str(target), "--variants", "3")
    assert r.code == 0, r.err
    root = ET.fromstring(target.read_bytes())
    categories = [q for q in root if q.get("type") == "category"]
    assert len(categories) == len(load_spec(SPEC).slots)
    questions = [q for q in root if q.get("type") != "category"]
    assert len(categories) <= len(questions) <= 3 * len(categories)  # up to 3 variants each
    assert "wrote" in r.out and str(target) in r.out


def test_export_writes_a_qti_zip_whose_manifest_resolves(capsys: pytest.CaptureFixture[str],
                                                         tmp_path: Path) -> None:
    target = tmp_path / "quiz.zip"
    assert run(capsys, "export", SPEC, "--qti", str(target), "--variants", "2").code == 0
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as z:
        names = set(z.namelist())
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
    hrefs = {e.get("href") for e in manifest.iter() if e.get("href")}
    assert hrefs and hrefs <= names


@pytest.mark.parametrize("argv", [
    ["export", SPEC],
    ["export", SPEC, "--moodle", "/no/such/folder/quiz.xml"],
    ["export", SPEC, "--qti", "q.zip", "--variants", "0"],
    ["export", "/no/such/exam.toml", "--moodle", "q.xml"],
], ids=["no target", "missing folder", "zero variants", "missing spec"])
def test_bad_export_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    assert_one_line_usage_error(run(capsys, *argv))
