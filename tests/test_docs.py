"""The documentation says what the code does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def test_the_topic_catalogue_in_docs_is_current() -> None:
    made = subprocess.run([sys.executable, str(ROOT / "docs" / "make_topics.py")],
                          capture_output=True, text=True, check=True).stdout
    assert (ROOT / "docs" / "topics.md").read_text(encoding="utf-8") == made, (
        "docs/topics.md is stale: run `python docs/make_topics.py > docs/topics.md`"
    )


def test_the_readme_quick_start_has_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install . && dlexam demo" in readme
    assert "pip install '.[test]' && pytest" in readme
    assert "pip install '.[test]' && pytest" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_the_concept_bank_example_file_loads_as_documented(tmp_path: Path) -> None:
    from dlexam.bank import load_bank

    doc = (ROOT / "docs" / "concept-bank.md").read_text(encoding="utf-8")
    example = next(block for block in doc.split("```toml\n")[1:] if 'theme = "my_course"' in block)
    path = tmp_path / "my_course.toml"
    path.write_text(example.split("```")[0], encoding="utf-8")
    bank = load_bank(extra=[path])
    assert bank.get("my_course.why-inverted").marks == 2
    assert bank.get("my_course.dropout-at-test").key_text().startswith("b)")


def test_every_dlexam_command_in_the_readme_runs(capsys: Any) -> None:
    import shlex

    from dlexam.cli import main

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shell = "".join(block.split("```")[0] for block in readme.split("```bash\n")[1:])
    commands = [line.split("  #")[0] for line in shell.splitlines() if line.startswith("dlexam ")]
    assert len(commands) >= 5
    for command in commands:
        assert main(shlex.split(command)[1:]) == 0, (command, capsys.readouterr().err)
