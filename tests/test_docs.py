"""The documentation says what the code does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
